from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.services import account_update
from portal.lib.redirects import safe_next
from portal.notifications import selectors, services
from portal.notifications.forms import PreferencesForm


@login_required
def inbox(request):
    page = Paginator(selectors.inbox_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def mark_read(request, pk):
    notification = selectors.notification_for(request.user, pk)
    services.notification_mark_read(notification=notification)
    inbox = reverse("notification_inbox")
    if request.POST.get("open"):
        return redirect(safe_next(request, default=inbox, target=notification.link))
    return redirect(inbox)


@require_POST
@login_required
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("notification_inbox")


@login_required
def preferences(request):
    prefs = services.preferences_for(request.user)
    form = PreferencesForm(request.POST or None, instance=prefs, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            account_update(
                user=request.user,
                name=request.user.name,
                timezone_name=form.cleaned_data["timezone"],
            )
            services.reminders_replan(user=request.user)
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})
