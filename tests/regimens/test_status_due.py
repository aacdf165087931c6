"""A status row's next change comes at the start of its date in the patient's time zone: the
lists and the beat task refresh it then, not earlier (the row still tells the truth) and not
later (Tonight would say the wrong thing), wherever the patient lives."""

from datetime import UTC, date, datetime, timedelta

import pytest

from patients.models import PatientStatus
from patients.services.medications import medication_add, medication_stop
from portal.accounts.services import account_update
from regimens.services.status import change_instant, statuses_check, statuses_refresh_due
from tests.regimens.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def _washout(patient_user, time_machine):
    """Codeine for three days: the status changes by itself when the washout ends."""
    time_machine.move_to(NOW, tick=False)
    codeine = medication_add(
        patient=patient_user.patient,
        name="codeine 30 mg",
        added_by=patient_user,
        started_on=TODAY - timedelta(days=1),
    )
    medication_stop(medication=codeine, stopped_on=TODAY + timedelta(days=1))
    return PatientStatus.objects.get(patient=patient_user.patient)


def test_the_row_is_due_from_the_first_minute_of_its_date_in_the_patients_zone(
    patient_user, time_machine
):
    row = _washout(patient_user, time_machine)  # the cast lives in New York (UTC-4 in March)
    changes_on = row.next_change_on
    assert changes_on is not None
    start = datetime(changes_on.year, changes_on.month, changes_on.day, 4, 0, tzinfo=UTC)
    assert row.next_change_at == start

    time_machine.move_to(start - timedelta(minutes=1), tick=False)  # 23:59 the day before
    assert statuses_refresh_due() == 0
    time_machine.move_to(start, tick=False)
    assert statuses_refresh_due() == 1
    row.refresh_from_db()
    assert row.next_change_on != changes_on
    assert statuses_check(patients=[patient_user.patient]) == []
    assert statuses_refresh_due() == 0  # nothing twice


def test_moving_zone_moves_the_instant_of_the_next_change(patient_user, time_machine):
    row = _washout(patient_user, time_machine)
    changes_on = row.next_change_on

    account_update(user=patient_user, name=patient_user.name, timezone_name="Pacific/Auckland")

    row.refresh_from_db()
    # Midnight in Auckland (UTC+13 in March) is 11:00 UTC the day before.
    day_before = changes_on - timedelta(days=1)
    assert row.next_change_at == datetime(
        day_before.year, day_before.month, day_before.day, 11, 0, tzinfo=UTC
    )
    assert statuses_check(patients=[patient_user.patient]) == []
    time_machine.move_to(row.next_change_at - timedelta(minutes=1), tick=False)
    assert statuses_refresh_due() == 0
    time_machine.move_to(row.next_change_at, tick=False)
    assert statuses_refresh_due() == 1


def test_a_day_that_starts_after_a_gap_at_midnight_starts_when_the_gap_ends():
    """Santiago springs forward at midnight (00:00 becomes 01:00) on 6 Sep 2026: that day
    starts at 01:00 local, 04:00 UTC."""
    assert change_instant(date(2026, 9, 6), "America/Santiago") == datetime(
        2026, 9, 6, 4, 0, tzinfo=UTC
    )
    assert change_instant(date(2026, 9, 7), "America/Santiago") == datetime(
        2026, 9, 7, 3, 0, tzinfo=UTC
    )


def test_a_renamed_patient_takes_their_new_place_in_the_patient_list(patient_user, time_machine):
    row = _washout(patient_user, time_machine)

    account_update(user=patient_user, name="Zoë Álvarez", timezone_name=patient_user.timezone)

    row.refresh_from_db()
    assert row.sort_name == "zoë álvarez"
    assert statuses_check(patients=[patient_user.patient]) == []
