"""Reminders about the regimen: tonight's dose (dose.py) and titration steps (step.py).

Each kind is a module with `plan(*, user, prefs, now, until)` and `compose(notification)`,
registered with portal.notifications in regimens.apps. Plans are worked out in the patient's
local time (portal.lib.timing) and written as UTC rows; composers read the plan again at send
time, so a reminder never names a dose the plan no longer has.
"""

from datetime import time

from portal.lib.timing import minutes_before
from regimens.models import DoseTime, Regimen
from regimens.selectors.regimens import describe

# [design] A reminder half an hour before bed leaves time to take the dose; a morning dose
# is reminded at 08:00. Both are the defaults the patient can change in their settings.
MINUTES_BEFORE_BEDTIME = 30
MORNING_REMINDER = time(8, 0)
# Used when the patient has not given a bedtime yet (onboarding asks for it).
USUAL_BEDTIME = time(22, 30)


def dose_reminder_time(*, patient, regimen: Regimen, prefs) -> time:
    """Local time of the dose reminder: the patient's choice, else 08:00 for a morning dose,
    else 30 minutes before their usual bedtime."""
    if prefs.dose_time is not None:
        return prefs.dose_time
    if regimen.dose_time == DoseTime.MORNING:
        return MORNING_REMINDER
    return minutes_before(patient.bedtime or USUAL_BEDTIME, MINUTES_BEFORE_BEDTIME)


def dose_sentence(regimen: Regimen, dose) -> str:
    """ "3 mg (3.0 mL of your 1 mg/mL liquid)" from selectors.describe's "3 mg: 3.0 mL ..."."""
    line = describe(regimen, dose)
    amount, separator, how = line.partition(": ")
    return f"{amount} ({how})" if separator else line
