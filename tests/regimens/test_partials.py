"""The partials the home pages and the patient record include, rendered on their own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse

from patients.services.medications import medication_add
from portal.lib.fragments import render_rows
from regimens.selectors.queue import titration_queue
from regimens.selectors.record import record_treatment
from regimens.selectors.regimens import current_regimen, tonight_for
from regimens.services.plans import plan_approve, plan_propose
from regimens.services.supply import supply_fill_record
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

    queue = titration_queue(provider=team).object_list
    render_rows("regimens/partials/titration_queue_row.html", queue, name="item")
    html = _render("titration_queue", queue=queue)
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


@pytest.mark.django_db
def test_the_record_pages_one_read_of_the_treatment_shows_what_each_card_reads_itself(
    frozen, patient, team, start_regimen, django_assert_num_queries
):
    """The patient record reads the treatment once (regimens.selectors.record) and hands it to
    its cards: each shows what it shows when it reads its own, and reads nothing more."""
    start_regimen(patient, team, days_ago=10)
    supply_fill_record(
        patient=patient,
        entered_by=team,
        on=TODAY - timedelta(days=5),
        form="liquid",
        strength_mg=Decimal("1"),
        quantity=Decimal("40"),
        today=TODAY,
    )
    for day in (20, 40):
        plan = plan_propose(
            patient=patient,
            created_by=team,
            kind="procedure",
            today=TODAY,
            procedure_on=TODAY + timedelta(days=day),
        )
    plan_approve(plan=plan, decided_by=team, today=TODAY)
    medication_add(patient=patient, name="Vitamin D", added_by=team)
    medication_add(
        patient=patient,
        name="Tramadol 50 mg",
        added_by=team,
        started_on=TODAY - timedelta(days=2),
    )
    medications = list(patient.medications.all())
    shared = record_treatment(patient=patient, today=TODAY, medications=medications)
    cards = [
        "{% opioid_status_card patient treatment %}",
        "{% regimen_summary patient treatment %}",
        "{% supply_card patient treatment %}",
    ]

    def render(card, treatment):
        return Template("{% load regimen_tags %}" + card).render(
            Context({"patient": patient, "treatment": treatment})
        )

    own = [render(card, None) for card in cards]
    with django_assert_num_queries(0):
        given = [render(card, shared) for card in cards]

    assert given == own
    assert "No LDN" in own[0] and own[0].count("<li>") == 2
    assert "data-runs-out" in own[2]
