"""Supply through the records, the pages and the reminders: the fill recorded by the patient,
the run-out day from the real plan (a step up or back moves it, and its reminder, at once),
the refill reminder delivered on the right local day with the clock frozen, the fill that
cannot make a coming step flagged to both sides, the refill request to the care team, and
bad fills refused next to the field with nothing saved."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from messaging.models import Conversation, Message
from patients.models import Flag
from patients.services.care import caregiver_invite
from patients.services.checkins import checkin_book
from patients.services.profile import care_team_add
from portal.accounts.services import invitation_accept_existing
from portal.notifications import services
from portal.notifications.models import Delivery, Notification
from regimens.digest import refills_waiting
from regimens.models import Protocol, RefillRequest, SupplyFill
from regimens.safety import Formulation
from regimens.selectors.supply import supply_for
from regimens.services.decisions import regimen_advance, regimen_hold, regimen_step_back
from regimens.services.plans import plan_approve, plan_propose
from regimens.services.start import regimen_start
from regimens.services.supply import (
    refill_request_handle,
    refill_request_send,
    supply_fill_record,
)
from tests.factories import CaregiverFactory
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.django_db
D = Decimal
SYDNEY = "Australia/Sydney"
# 10:00 on 1 Dec 2026 in Sydney (UTC+11 in summer): still 30 Nov in UTC.
NOW = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
DEC = {n: date(2026, 12, n) for n in range(1, 32)}


def at_sydney_10(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC) - timedelta(hours=11)


@pytest.fixture
def patient(patient_user, provider):
    patient_user.timezone = SYDNEY
    patient_user.save(update_fields=["timezone"])
    care_team_add(patient=patient_user.patient, provider=provider, added_by=provider)
    return patient_user.patient


def _start(patient, provider, *, family="clinic-1-5-mg-fortnightly", formulation=None):
    """1.5 mg capsules on 1.5 -> 3 -> 4.5 mg every 14 days, begun 27 Nov: the step to 3 mg
    is planned for 11 Dec, 10 days after the fill."""
    ensure_protocols()
    return regimen_start(
        patient=patient,
        protocol=Protocol.objects.get(family=family, retired_at__isnull=True),
        formulation=formulation or Formulation(kind="capsule", capsule_strengths_mg=(D("1.5"),)),
        dose_time="bedtime",
        start_on=date(2026, 11, 27),
        started_by=provider,
        today=DEC[1],
    )


def _fill(patient, *, on=DEC[1], form="capsule", strength="1.5", quantity="30", by=None):
    return supply_fill_record(
        patient=patient,
        entered_by=by or patient.user,
        on=on,
        form=form,
        strength_mg=D(strength),
        quantity=D(quantity),
        today=on,
    )


def _tick(user, instant):
    """What beat and the worker do at `instant`: top up the plan, claim and send what is due."""
    with time_machine.travel(instant, tick=False):
        services.reminders_replan(user=user)
        services.send_due_inline()


def _supply_rows(user, **filters):
    return Notification.objects.filter(recipient=user, kind="supply", channel="in_app", **filters)


def test_the_hand_worked_example_runs_out_on_21_december(patient, provider):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        view = supply_for(patient=patient, today=DEC[1])
    assert view.runs_out_on == DEC[21]
    assert view.forecast.last_dose_on == DEC[20]
    assert view.forecast.days_left == 20


def test_a_step_back_moves_the_run_out_day_and_its_reminder(
    patient, provider, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        regimen = _start(patient, provider)
        _fill(patient)
    with time_machine.travel(at_sydney_10(DEC[11]), tick=False):
        regimen_advance(
            regimen=regimen,
            dose_mg=D("3"),
            decided_by=provider,
            reason="tolerating_well",
            today=DEC[11],
        )
        assert supply_for(patient=patient, today=DEC[11]).runs_out_on == DEC[21]
    with time_machine.travel(at_sydney_10(DEC[13]), tick=False):
        services.reminders_replan(user=patient.user)
        with django_capture_on_commit_callbacks(execute=True):
            regimen_step_back(
                regimen=regimen,
                dose_mg=D("1.5"),
                decided_by=provider,
                reason="side_effects",
                today=DEC[13],
            )
        # 1-10 Dec: 10 capsules; 11-12 Dec at 3 mg: 4; 16 left at 1 a night from 13 Dec
        # (13-26 Dec), 2 left for the step back up to 3 mg on 27 Dec: out on 28 Dec.
        assert supply_for(patient=patient, today=DEC[13]).runs_out_on == DEC[28]
    assert not _supply_rows(patient.user, status="pending", context__date="2026-12-21").exists()
    _tick(patient.user, at_sydney_10(DEC[17]))
    row = _supply_rows(patient.user, status="pending").get()
    assert row.context["date"] == "2026-12-28"
    assert row.due_at == at_sydney_10(DEC[18])


def test_the_refill_reminder_arrives_at_10_00_local_10_days_before_run_out(patient, provider):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
    due = at_sydney_10(DEC[11])  # 23:00 UTC on 10 Dec
    assert due == datetime(2026, 12, 10, 23, 0, tzinfo=UTC)
    _tick(patient.user, due - timedelta(minutes=1))
    row = _supply_rows(patient.user).get()
    assert (row.status, row.due_at) == ("pending", due)
    _tick(patient.user, due)
    row.refresh_from_db()
    assert row.status == "sent"
    assert Delivery.objects.filter(notification=row).count() == 1
    assert row.title == "Your LDN runs out on 21 Dec 2026"
    assert "lasts until 20 Dec 2026" in row.body
    _tick(patient.user, due + timedelta(hours=2))
    assert Delivery.objects.filter(notification__in=_supply_rows(patient.user)).count() == 1


def test_a_step_up_brings_the_reminder_forward_at_once(
    patient, provider, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        regimen = _start(patient, provider)
        _fill(patient)
    # An early step to 3 mg on 6 Dec: 1-5 Dec take 5 capsules, 25 left, 2 a night from 6 Dec
    # (6-17 Dec), 1 left: out on 18 Dec; the reminder is due on 8 Dec, within the plan.
    with (
        time_machine.travel(at_sydney_10(DEC[6]), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        regimen_advance(
            regimen=regimen,
            dose_mg=D("3"),
            decided_by=provider,
            reason="tolerating_well",
            today=DEC[6],
        )
    row = _supply_rows(patient.user, status="pending").get()
    assert (row.context["date"], row.due_at) == ("2026-12-18", at_sydney_10(DEC[8]))


def test_no_refill_reminder_once_a_refill_is_asked_for(patient, provider):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        refill_request_send(patient=patient, requested_by=patient.user, today=DEC[1])
    due = at_sydney_10(DEC[11])
    _tick(patient.user, due - timedelta(minutes=1))
    _tick(patient.user, due)
    assert _supply_rows(patient.user, context__moment="run_out").get().status == "skipped"


def test_a_fill_that_cannot_make_a_coming_step_is_flagged_to_both_until_a_new_fill(
    patient, provider
):
    liquid = Formulation(kind="liquid", concentration_mg_per_ml=D("1"))
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider, family="ldnrt-1-mg-weekly", formulation=liquid)
        # 1 mg capsules make 1, 2, 3 and 4 mg; not the 4.5 mg step (five capsules, over 4).
        _fill(patient, strength="1", quantity="60")
        flag = Flag.objects.get(patient=patient, kind="supply_strength", resolved_at=None)
        assert "The 1 mg capsules of the fill of 1 Dec 2026 cannot make the 4.5 mg step" in (
            flag.reason
        )
        notice = _supply_rows(patient.user, context__moment="strength").get()
        services.send_due_inline()
        notice.refresh_from_db()
        assert notice.title == "Your LDN supply cannot make a coming dose"
        view = supply_for(patient=patient, today=DEC[1])
        assert len(view.problems) == 1
        # A liquid refill makes every step: the flag closes.
        _fill(patient, form="liquid", strength="1", quantity="100")
    flag.refresh_from_db()
    assert flag.resolved_at is not None
    assert not Flag.objects.filter(patient=patient, kind="supply_strength", resolved_at=None)


def test_a_refill_request_reaches_the_care_team_with_the_quantity_to_the_next_check_in(
    patient, provider, client
):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        checkin_book(
            patient=patient,
            provider=provider,
            starts_at=at_sydney_10(DEC[28]) + timedelta(hours=4),
            kind="video",
            booked_by=provider,
        )
        request = refill_request_send(patient=patient, requested_by=patient.user, today=DEC[1])
        # 21-24 Dec at 3 mg (8 capsules), 25-28 Dec at 4.5 mg (12): 20 capsules of 1.5 mg.
        assert request.quantity_text == "20 capsules of 1.5 mg"
        assert request.covers_until == DEC[28]
        notice = Notification.objects.get(recipient=provider, kind="supply", channel="in_app")
        services.send_due_inline()
        notice.refresh_from_db()
        assert notice.title == "Refill requested"
        assert "Pat Patient asks for a refill of LDN: 20 capsules of 1.5 mg" in notice.body
        client.force_login(provider)
        page = client.get(reverse("patient_supply", args=[patient.pk])).content.decode()
        assert "Riverside Compounding" in page
        assert "20 capsules of 1.5 mg" in page
        assert refills_waiting(provider=provider, since=NOW, day=DEC[1]) == [
            "1 refill request is waiting."
        ]
        refill_request_handle(request=request, handled_by=provider)
        assert refills_waiting(provider=provider, since=NOW, day=DEC[1]) == []
    assert RefillRequest.objects.get().status == "handled"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"fill-quantity": "0"}, "quantity", "Enter how much you received: more than 0."),
        ({"fill-quantity": "-3"}, "quantity", "Enter how much you received: more than 0."),
        ({"fill-on": "2026-12-02"}, "on", "A fill cannot be in the future"),
        ({"fill-strength_mg": "2"}, "strength_mg", "The 2 mg capsules cannot make your dose"),
        ({"fill-strength_mg": "50"}, "strength_mg", "standard-dose naltrexone"),
    ],
)
def test_a_bad_fill_is_refused_next_to_the_field_and_nothing_is_saved(
    patient, provider, client, changes, field, message
):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        client.force_login(patient.user)
        data = {
            "fill-on": "2026-12-01",
            "fill-form": "capsule",
            "fill-strength_mg": "1.5",
            "fill-quantity": "30",
        } | changes
        response = client.post(reverse("supply"), data)
    assert response.status_code == 200
    form = response.context["fill_form"]
    assert any(message in error for error in form.errors[field])
    assert SupplyFill.objects.count() == 0
    page = response.content.decode()
    assert f'value="{data[f"fill-{field}"]}"' in page  # what was typed is kept


def test_tonight_shows_the_run_out_day(patient, provider, client):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        client.force_login(patient.user)
        assert "Record each fill" in client.get(reverse("tonight")).content.decode()
        response = client.post(
            reverse("supply"),
            {
                "fill-on": "2026-12-01",
                "fill-form": "capsule",
                "fill-strength_mg": "1.5",
                "fill-quantity": "30",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("tonight")).content.decode()
    assert "Runs out on 21 Dec 2026, in 20 days." in page


def test_a_hold_moves_the_step_and_the_run_out_day(patient, provider):
    with time_machine.travel(NOW, tick=False):
        regimen = _start(patient, provider)
        _fill(patient)
        regimen_hold(
            regimen=regimen,
            until=DEC[18],
            decided_by=provider,
            reason="patient_request",
            today=DEC[1],
        )
        # 1-17 Dec: 17 capsules, 13 left; 3 mg from 18 Dec: 18-23 Dec (12), 1 left.
        assert supply_for(patient=patient, today=DEC[1]).runs_out_on == DEC[24]


def test_no_ldn_is_counted_on_the_days_of_an_approved_pause(patient, provider):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        plan = plan_propose(
            patient=patient,
            created_by=patient.user,
            kind="procedure",
            procedure_on=DEC[7],
            procedure_kind="dental",
            today=DEC[1],
        )
        plan_approve(plan=plan, decided_by=provider, today=DEC[1])
        plan.refresh_from_db()
        days_off = (plan.restart_on - plan.pause_from).days
        assert DEC[1] < plan.pause_from and plan.restart_on <= DEC[11] and days_off >= 1
        # 10 - days_off capsules by 10 Dec, 20 + days_off left at 2 a night from 11 Dec.
        expected = DEC[11] + timedelta(days=(20 + days_off) // 2)
        assert supply_for(patient=patient, today=DEC[1]).runs_out_on == expected


def test_a_refill_request_is_also_an_unread_message_in_the_care_teams_inbox(
    patient, provider, client
):
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        client.force_login(patient.user)
        response = client.post(
            reverse("refill_request"), {"refill-note": "Post takes a week here."}
        )
        assert response.status_code == 302
        request = RefillRequest.objects.get()
        conversation = Conversation.objects.get(patient=patient)
        assert (conversation.topic, conversation.subject) == ("medications", "Refill request")
        assert conversation.started_by == patient.user and conversation.waiting_since == NOW
        message = conversation.messages.get()
        assert message.sender == patient.user and message.from_patient
        assert f"{request.quantity_text}." in message.body
        assert "The supply runs out on 21 Dec 2026." in message.body
        assert "Compounding pharmacy: Riverside Compounding, +1 555 010 0200." in message.body
        assert "Note: Post takes a week here." in message.body
        assert Notification.objects.filter(recipient=provider, kind="message").exists()
        client.force_login(provider)
        inbox = client.get(reverse("provider_inbox") + "?status=unread").content.decode()
    assert "Refill request" in inbox
    assert 'data-testid="unread"' in inbox
    assert 'data-testid="messages-unread">1' in inbox


def test_a_caregivers_refill_request_message_is_theirs(patient, provider):
    ana = CaregiverFactory(email="ana@example.org", name="Ana Ruiz")
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        offer, _token = caregiver_invite(
            patient=patient,
            email=ana.email,
            permissions=("plan", "messages"),
            invited_by=patient.user,
        )
        invitation_accept_existing(invitation=offer.invitation, user=ana)
        refill_request_send(patient=patient, requested_by=ana, today=DEC[1])
    message = Message.objects.get(conversation__patient=patient)
    assert message.sender == ana and message.from_patient
    assert message.conversation.waiting_since == NOW


def test_a_spanish_speaking_patients_refill_message_is_in_the_portals_language(
    patient, provider, client
):
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        _fill(patient)
        client.force_login(patient.user)
        response = client.post(reverse("refill_request"), follow=True)
        assert "Su equipo de atención tiene su petición." in response.content.decode()
    message = Message.objects.get(conversation__patient=patient)
    assert message.conversation.subject == "Refill request"
    assert message.body.startswith("Refill request for LDN.\nNeeded to last until 19 Jan 2027")


def test_the_care_team_records_a_fill_on_the_patients_supply_page(
    patient, provider, other_provider, client
):
    fill = {
        "fill-on": "2026-12-01",
        "fill-form": "capsule",
        "fill-strength_mg": "1.5",
        "fill-quantity": "30",
    }
    with time_machine.travel(NOW, tick=False):
        _start(patient, provider)
        url = reverse("patient_supply", args=[patient.pk])
        client.force_login(other_provider)  # not on the care team
        assert client.post(url, fill).status_code == 404
        assert not SupplyFill.objects.exists()
        client.force_login(provider)
        response = client.post(url, fill)
        assert response["Location"] == url
        page = client.get(url).content.decode()
        client.force_login(patient.user)
        tonight = client.get(reverse("tonight")).content.decode()
    recorded = SupplyFill.objects.get()
    assert (recorded.patient, recorded.entered_by) == (patient, provider)
    assert (recorded.quantity, recorded.strength_mg) == (D("30"), D("1.5"))
    assert f"<td>{provider.name}</td>" in page  # recorded by
    assert "Runs out on 21 Dec 2026, in 20 days." in page
    assert "Runs out on 21 Dec 2026, in 20 days." in tonight  # the patient sees it at once
