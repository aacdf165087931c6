"""Wording that claims no more than the portal knows, for providers and patients."""

import pytest
from django.urls import reverse

from regimens.models import DecisionReason, Protocol
from regimens.templatetags.regimen_tags import queue_reason


def test_the_queue_says_which_side_effects_put_a_patient_there():
    # The engine queues a patient for a moderate or severe side effect in the tolerance
    # window, not for any side effect.
    assert queue_reason("side_effects") == "Moderate or severe side effect reported"


def test_an_automatic_step_does_not_claim_there_were_no_side_effects():
    # It is applied when none moderate or severe was reported; mild ones may have been.
    assert DecisionReason.PROTOCOL_SCHEDULE.label == (
        "Protocol schedule: no moderate or severe side effect reported"
    )


@pytest.mark.django_db
def test_the_start_page_describes_automatic_steps_as_the_engine_applies_them(
    client_for, frozen, patient, team
):
    Protocol.objects.filter(family="ldnrt-webinar-0-5-mg-weekly").update(requires_approval=False)

    page = client_for(team).get(reverse("regimen_start", args=[patient.pk])).content.decode()

    assert (
        "A due step-up is applied automatically when no moderate or severe side effect was "
        "reported in the tolerance window and the dose was logged as taken on enough of the "
        "days since the step began."
    ) in page
    assert "Due step-ups with no side effects" not in page


@pytest.mark.django_db
def test_the_diary_card_promises_only_what_the_care_team_can_do(client_for, patient_user):
    page = client_for(patient_user).get(reverse("patient_home")).content.decode()

    assert "Your care team can see it when they decide on your dose." in page
    assert "reads it before every dose change" not in page
