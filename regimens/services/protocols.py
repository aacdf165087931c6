"""Protocol versions: changes to a version in use become a new version."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from regimens.models import Protocol
from regimens.rules import protocol_name_errors

PROTOCOL_FIELDS = (
    "name",
    "start_mg",
    "step_mg",
    "interval_days",
    "target_mg",
    "ceiling_mg",
    "tolerance_window_days",
    "requires_approval",
    "source",
    "source_url",
    "note",
)


@transaction.atomic
def protocol_revise(*, protocol: Protocol, values: dict, now: datetime | None = None) -> Protocol:
    """Save changes to a protocol. A version no regimen uses changes in place. A version in
    use never changes: the changes become a new version of the same family (version + 1) and
    the old one is retired from the start-regimen choices. Returns the version that now
    holds the changes. Refuses a name that states a dose or an interval the numbers do not
    (regimens.rules.protocol_name_errors), as the admin's form does."""
    locked = Protocol.objects.select_for_update().get(pk=protocol.pk)
    if locked.retired_at is not None:
        raise ValidationError(
            _("Version %(version)d is retired. Change the current version instead.")
            % {"version": locked.version}
        )
    unknown = set(values) - set(PROTOCOL_FIELDS)
    if unknown:
        raise ValueError(f"not protocol fields: {sorted(unknown)}")
    _check_name({field: getattr(locked, field) for field in PROTOCOL_FIELDS} | values)
    if not locked.regimens.exists():
        for field, value in values.items():
            setattr(locked, field, value)
        locked._change_reason = "edited in place: no regimen uses this version"
        locked.save()
        return locked
    locked.retired_at = now or timezone.now()
    locked._change_reason = "retired: replaced by a new version"
    locked.save(update_fields=["retired_at"])
    latest = Protocol.objects.filter(family=locked.family).aggregate(v=Max("version"))["v"]
    fields = {field: getattr(locked, field) for field in PROTOCOL_FIELDS} | values
    new = Protocol(family=locked.family, version=latest + 1, **fields)
    new._change_reason = f"new version of {locked.family} v{locked.version}"
    new.save()
    return new


def _check_name(fields: dict) -> None:
    errors = protocol_name_errors(
        name=fields["name"],
        **{
            f: fields[f]
            for f in ("start_mg", "step_mg", "interval_days", "target_mg", "ceiling_mg")
        },
    )
    if errors:
        raise ValidationError({"name": errors})


@transaction.atomic
def protocol_retire(*, protocol: Protocol, now: datetime | None = None) -> Protocol:
    """Take a protocol out of the start-regimen choices; regimens on it carry on."""
    if protocol.retired_at is None:
        protocol.retired_at = now or timezone.now()
        protocol._change_reason = "retired by an administrator"
        protocol.save(update_fields=["retired_at"])
    return protocol
