from django.urls import path

from portal.notifications import views

urlpatterns = [
    path("", views.inbox, name="notification_inbox"),
    path("<int:pk>/read/", views.mark_read, name="notification_mark_read"),
    path("read-all/", views.mark_all_read, name="notification_mark_all_read"),
    path("preferences/", views.preferences, name="notification_preferences"),
]
