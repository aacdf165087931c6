"""Admins manage the condition catalogue and care teams here; clinical data stays out."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from patients.models import CaregiverGrant, CareTeamMembership, Condition, Patient
from patients.services.profile import care_team_add, care_team_end
from portal.accounts.models import Role, User


@admin.register(Condition)
class ConditionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code_system", "code", "is_thyroid", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "code"]


class MembershipForm(forms.ModelForm):
    end = forms.BooleanField(
        label=_("End membership"),
        required=False,
        help_text=_("The provider loses access to this patient's record at once."),
    )

    class Meta:
        model = CareTeamMembership
        fields = ["provider"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = User.objects.filter(
            role=Role.PROVIDER, is_active=True
        ).order_by("name")
        if self.instance.pk:
            self.fields["provider"].disabled = True


class MembershipInline(admin.TabularInline):
    model = CareTeamMembership
    form = MembershipForm
    fk_name = "patient"
    extra = 1
    can_delete = False
    fields = ["provider", "since", "until", "added_by", "end"]
    readonly_fields = ["since", "until", "added_by"]
    verbose_name = _("care team member")
    verbose_name_plural = _("care team (current and past)")


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    """Identity and care team only: the clinical record is for the care team."""

    list_display = ["__str__", "user_email", "onboarded_at", "created_at"]
    search_fields = ["user__name", "user__email"]
    fields = ["user", "onboarded_at", "created_at"]
    readonly_fields = ["user", "onboarded_at", "created_at"]
    inlines = [MembershipInline]

    @admin.display(description=_("e-mail"))
    def user_email(self, obj):
        return obj.user.email

    def has_add_permission(self, request):
        # Patients are created with their user account (invitation or "Add user").
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        if formset.model is not CareTeamMembership:
            return super().save_formset(request, form, formset, change)
        # Through the services, not formset.save(): they keep the history and the rules.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or not inline_form.is_valid():
                continue
            membership = inline_form.instance
            if membership.pk and inline_form.cleaned_data.get("end"):
                care_team_end(membership=membership)
                formset.changed_objects.append((membership, ["until"]))
            elif not membership.pk and inline_form.cleaned_data.get("provider"):
                added = care_team_add(
                    patient=form.instance,
                    provider=inline_form.cleaned_data["provider"],
                    added_by=request.user,
                )
                formset.new_objects.append(added)


@admin.register(CaregiverGrant)
class CaregiverGrantAdmin(SimpleHistoryAdmin):
    """Who cares for whom, read-only: only the patient changes or ends a caregiver's access."""

    list_display = ["caregiver", "patient", "since", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["caregiver__email", "caregiver__name", "patient__user__email"]
    readonly_fields = [
        "patient",
        "caregiver",
        "can_see_plan",
        "can_keep_diary",
        "can_message",
        "can_see_trends",
        "since",
        "ended_at",
        "granted_by",
        "ended_by",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
