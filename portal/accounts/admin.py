from allauth.account.forms import ResetPasswordForm
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.forms import TimezoneField, UserCreationForm
from portal.accounts.models import User
from portal.accounts.services import user_create


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
            timezone=form.cleaned_data["timezone"],
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
