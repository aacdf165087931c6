"""The partials the home pages and the patient record include, rendered on their own."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from regimens.selectors.queue import titration_queue
from regimens.selectors.regimens import current_regimen, tonight_for
from tests.regimens.conftest import TODAY, log_taken


def _render(name, **context):
    return render_to_string(f"regimens/partials/{name}.html", context)


@pytest.mark.django_db
def test_it_renders_the_tonight_card_with_and_without_a_regimen(patient, team, start_regimen):
    empty = _render("tonight_card", tonight=tonight_for(patient=patient, today=TODAY))
    start_regimen(patient, team, days_ago=3)
    card = _render("tonight_card", tonight=tonight_for(patient=patient, today=TODAY))

    assert "Your provider has not started a regimen for you yet." in empty
    assert "1 mg: 1.0 mL of your 1 mg/mL liquid" in card
    assert "Next step: 2 mg: 2.0 mL of your 1 mg/mL liquid, from 14 Mar 2026." in card
    assert reverse("tonight") in card


@pytest.mark.django_db
def test_it_renders_the_titration_queue(frozen, patient, team, start_regimen):
    regimen = log_taken(start_regimen(patient, team, days_ago=7))

    html = _render("titration_queue", queue=titration_queue(provider=team).object_list)
    empty = _render("titration_queue", queue=[])

    assert "Step due" in html and "Step up to 2 mg" in html
    assert reverse("regimen_decision", args=[patient.pk, regimen.pk, "advance"]) in html
    assert "No titration decisions are waiting." in empty


@pytest.mark.django_db
def test_it_renders_the_regimen_summary_or_a_start_button(patient, team, start_regimen):
    none = _render("regimen_summary", regimen=current_regimen(patient=patient), patient=patient)
    regimen = start_regimen(patient, team, days_ago=3)
    summary = _render("regimen_summary", regimen=current_regimen(patient=patient), patient=patient)

    assert "Start a regimen" in none
    assert reverse("regimen_start", args=[patient.pk]) in none
    assert reverse("regimen_detail", args=[patient.pk, regimen.pk]) in summary
    assert "1 mg: 1.0 mL of your 1 mg/mL liquid" in summary
    assert "2 mg on 14 Mar 2026" in summary
