"""Admins manage protocols here. A version any regimen uses is never changed in place: saving
changes makes a new version and retires the old one (services.protocol_revise). Regimens
and their clinical data stay out of the admin: they are for the care team."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import URLField
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from portal.lib.formats import dose, mg
from regimens.models import Protocol
from regimens.rules import protocol_name_errors
from regimens.services.protocols import PROTOCOL_FIELDS, protocol_retire, protocol_revise


def _formfield(db_field, **kwargs):
    if isinstance(db_field, URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


DOSE_FIELDS = ("start_mg", "step_mg", "target_mg", "ceiling_mg")


class ProtocolForm(forms.ModelForm):
    class Meta:
        model = Protocol
        fields = ["family", *PROTOCOL_FIELDS]
        formfield_callback = _formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in DOSE_FIELDS:  # "1.5", as everywhere else, not the stored "1.500"
            if self.initial.get(field) is not None:
                self.initial[field] = Decimal(mg(self.initial[field]))

    def clean(self):
        cleaned = super().clean()
        numbers = {f: cleaned.get(f) for f in (*DOSE_FIELDS, "interval_days")}
        if cleaned.get("name") and None not in numbers.values():
            for error in protocol_name_errors(name=cleaned["name"], **numbers):
                self.add_error("name", error)
        start, target, ceiling = (cleaned.get(f) for f in ("start_mg", "target_mg", "ceiling_mg"))
        allowed = settings.LDN.get("ALLOWED_CEILING_MG")
        top = max(Decimal(str(settings.LDN["LDN_MAX_MG"])), Decimal(str(allowed or 0)))
        if ceiling is not None and ceiling > top:
            self.add_error(
                "ceiling_mg",
                _("The ceiling can be at most %(top)s mg, the top of the LDN range here.")
                % {"top": top.normalize()},
            )
        if target is not None and ceiling is not None and target > ceiling:
            self.add_error("target_mg", _("The target cannot be above the ceiling."))
        if start is not None and target is not None and start > target:
            self.add_error("start_mg", _("The start dose cannot be above the target."))
        for field in DOSE_FIELDS:
            value = cleaned.get(field)
            if value is not None and value <= 0:
                self.add_error(field, _("Enter a dose above 0 mg."))
        return cleaned


@admin.register(Protocol)
class ProtocolAdmin(SimpleHistoryAdmin):
    form = ProtocolForm
    list_display = [
        "name",
        "family",
        "version",
        "start_dose",
        "step_dose",
        "interval_days",
        "target_dose",
        "ceiling_dose",
        "requires_approval",
        "is_current",
    ]
    list_filter = ["requires_approval", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "family", "source"]
    readonly_fields = ["version", "retired_at", "created_at"]
    actions = ["retire"]

    @admin.display(boolean=True, description=_("offered for new regimens"))
    def is_current(self, obj):
        return obj.is_current

    # Doses as the portal writes them ("1.5 mg", portal.lib.formats), not the stored "1.500".
    @admin.display(description=_("start dose"), ordering="start_mg")
    def start_dose(self, obj):
        return dose(obj.start_mg)

    @admin.display(description=_("step size"), ordering="step_mg")
    def step_dose(self, obj):
        return dose(obj.step_mg)

    @admin.display(description=_("target dose"), ordering="target_mg")
    def target_dose(self, obj):
        return dose(obj.target_mg)

    @admin.display(description=_("ceiling"), ordering="ceiling_mg")
    def ceiling_dose(self, obj):
        return dose(obj.ceiling_mg)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            # A retired version is shown read-only: its doses through the displays above.
            shown = {f: f.replace("_mg", "_dose") for f in DOSE_FIELDS}
            fields = [shown.get(f, f) for f in fields]
        return fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("family")  # a family keeps its slug across versions
        return fields

    def has_change_permission(self, request, obj=None):
        # Retired versions are the record of what regimens followed: read-only.
        if obj is not None and obj.retired_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        values = {field: form.cleaned_data[field] for field in PROTOCOL_FIELDS}
        saved = protocol_revise(protocol=Protocol.objects.get(pk=obj.pk), values=values)
        if saved.pk != obj.pk:
            obj._new_version = saved

    def response_change(self, request, obj):
        new = getattr(obj, "_new_version", None)
        if new is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            _(
                "Regimens follow version %(old)d, so it was kept as it was and retired. Your "
                "changes are version %(new)d, now offered for new regimens."
            )
            % {"old": obj.version, "new": new.version},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:regimens_protocol_change", args=[new.pk]))

    @admin.action(description=_("Retire from the start-regimen choices"))
    def retire(self, request, queryset):
        for protocol in queryset:
            protocol_retire(protocol=protocol)
        self.message_user(request, _("Retired. Regimens on them carry on."), messages.SUCCESS)
