from allauth.account.forms import ResetPasswordForm
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.forms import TimezoneField, UserCreationForm
from portal.accounts.models import Invitation, User
from portal.accounts.services import invitation_revoke, user_create


class UserChangeForm(forms.ModelForm):
    timezone = TimezoneField()

    class Meta:
        model = User
        fields = ["email", "name", "role", "timezone", "is_active"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "name"]
    ordering = ["email"]
    readonly_fields = ["last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = UserChangeForm if obj else UserCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "name", "role", "timezone"]
        return ["email", "name", "role", "timezone", "is_active", "last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        user = user_create(
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            name=form.cleaned_data["name"],
            timezone_name=form.cleaned_data["timezone"],
        )
        obj.pk = user.pk
        obj._state.adding = False
        reset = ResetPasswordForm(data={"email": user.email})
        if reset.is_valid():
            reset.save(request)
            messages.info(request, _("An e-mail to set a password was sent to %s.") % user.email)

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: clinical history keeps pointing at the person.
        return False


admin.site.site_header = gettext_lazy("LDN Portal administration")
admin.site.site_title = gettext_lazy("LDN Portal admin")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Every invitation, so an admin can revoke one whose sender has left."""

    list_display = ["email", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "invited_by__email"]
    fields = list_display + ["revoked_at", "accepted_user"]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Revoke the selected open invitations"))
    def revoke(self, request, queryset):
        for invitation in queryset:
            invitation_revoke(invitation=invitation)
        messages.info(request, _("Open invitations among those selected are revoked."))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
