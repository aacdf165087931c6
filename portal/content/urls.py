from django.urls import path

from portal.content import views

urlpatterns = [
    path("", views.library, name="library"),
    path("<slug:slug>/", views.article, name="library_article"),
]
