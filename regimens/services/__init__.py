"""Writes to protocols and regimens: one keyword-only function per use case, each in one
transaction, each writing its history: simple-history rows (with a change reason) for the
regimen and its steps, and a RegimenEvent line for the plan history people read.

Every dose that is planned or decided passes regimens.safety.check_dose for the regimen's
formulation; steps are planned with regimens.titration.plan_steps. A ValidationError says
what is wrong in words for people; nothing is written when one is raised.
"""

from regimens.services._shared import opioid_block_message
from regimens.services.calendar_feeds import (
    calendar_feed_create,
    calendar_feed_regenerate,
    calendar_feed_revoke,
    calendar_feed_set_include_dose,
)
from regimens.services.decisions import (
    regimen_advance,
    regimen_hold,
    regimen_pause,
    regimen_resume,
    regimen_set_maintenance,
    regimen_step_back,
    regimen_stop,
    regimen_switch_dose_time,
)
from regimens.services.protocols import PROTOCOL_FIELDS, protocol_retire, protocol_revise
from regimens.services.reports import dose_log_mark, regimen_request_hold, side_effect_report
from regimens.services.schedule import regimens_apply_automatic_steps
from regimens.services.start import regimen_start

__all__ = [
    "PROTOCOL_FIELDS",
    "calendar_feed_create",
    "calendar_feed_regenerate",
    "calendar_feed_revoke",
    "calendar_feed_set_include_dose",
    "dose_log_mark",
    "opioid_block_message",
    "protocol_retire",
    "protocol_revise",
    "regimen_advance",
    "regimen_hold",
    "regimen_pause",
    "regimen_request_hold",
    "regimen_resume",
    "regimen_set_maintenance",
    "regimen_start",
    "regimen_step_back",
    "regimen_stop",
    "regimen_switch_dose_time",
    "regimens_apply_automatic_steps",
    "side_effect_report",
]
