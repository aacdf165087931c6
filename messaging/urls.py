from django.urls import path

from messaging.views import conversations as views

urlpatterns = [
    path("messages/", views.message_list, name="message_list"),
    path("messages/new/", views.conversation_new, name="conversation_new"),
    path("messages/<int:pk>/", views.conversation_detail, name="conversation_detail"),
    path(
        "messages/<int:pk>/messages/<int:message_pk>/withdraw/",
        views.message_withdraw,
        name="message_withdraw",
    ),
    path(
        "messages/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("messages/<int:pk>/assign/", views.conversation_assign, name="conversation_assign"),
    path("messages/<int:pk>/close/", views.conversation_close, name="conversation_close"),
    path("messages/<int:pk>/reopen/", views.conversation_reopen, name="conversation_reopen"),
    path("provider/messages/", views.provider_inbox, name="provider_inbox"),
    path(
        "patients/<int:pk>/messages/new/",
        views.provider_conversation_new,
        name="provider_conversation_new",
    ),
]
