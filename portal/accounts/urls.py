from django.urls import path

from portal.accounts import views

urlpatterns = [
    path("", views.invitation_list, name="invitation_list"),
    path("new/", views.invitation_new, name="invitation_new"),
    path("<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("accept/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
