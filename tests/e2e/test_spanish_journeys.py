"""A patient switches the portal to Spanish and keeps the diary, marks tonight's dose and adds
a medication in Spanish; a reminder reaches them in Spanish, in the portal and by e-mail."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from patients.models import DiaryEntry
from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from portal.notifications import services
from portal.notifications.models import Notification
from regimens.models import DoseLog
from tests.e2e.helpers import log_in
from tests.factories import PatientUserFactory, ProviderFactory
from tests.notifications.factories import start_regimen
from tests.regimens.seeds import ensure_protocols

pytestmark = pytest.mark.e2e


@pytest.fixture
def patient(db):
    ensure_protocols()
    provider = ProviderFactory(email="doc@example.org", name="Dana Doc")
    patient = PatientUserFactory(email="ana@example.org", name="Ana Ruiz").patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    start_regimen(patient, provider, start_on=local_today(patient) - timedelta(days=3))
    return patient


def test_a_patient_uses_the_portal_in_spanish(page, patient, axe_check):
    log_in(page, patient.user.email)
    page.get_by_role("link", name="My account").click()
    page.get_by_test_id("language-es").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Mi cuenta", exact=True)).to_be_visible()
    patient.user.refresh_from_db()
    assert patient.user.language == "es"

    # The diary.
    page.get_by_role("link", name="Diario", exact=True).click()
    page.goto("/diary/new/")
    expect(page.get_by_role("heading", name="Nueva anotación del diario")).to_be_visible()
    page.locator("label[for=id_pain_3]").click()
    page.locator("label[for=id_fatigue_5]").click()
    page.get_by_text("Añadir una nota (opcional)").click()
    page.get_by_label("Notas (opcional)").fill("Día tranquilo")
    page.get_by_role("button", name="Guardar el diario").click()
    expect(page.get_by_text(re.compile(r"Su diario del .* está guardado\."))).to_be_visible()
    assert DiaryEntry.objects.get().pain == 3
    axe_check(page)

    # Tonight.
    page.get_by_role("link", name="Esta noche").click()
    expect(page.get_by_role("heading", name="Esta noche", exact=True)).to_be_visible()
    expect(page.locator("[data-dose]")).to_contain_text("1 mg")
    page.get_by_role("button", name="La tomé", exact=True).click()
    expect(page.get_by_text("La dosis de esta noche está anotada como tomada.")).to_be_visible()
    assert DoseLog.objects.get().status == "taken"
    axe_check(page)

    # The medication list: an opioid is warned about in Spanish.
    page.get_by_role("link", name="Medicamentos").click()
    expect(page.get_by_role("heading", name="Mis medicamentos")).to_be_visible()
    page.get_by_label("Nombre del medicamento").fill("Tramadol 50 mg")
    page.get_by_role("button", name="Añadir a la lista").click()
    expect(page.get_by_text("Tramadol 50 mg está en la lista.")).to_be_visible()
    expect(page.get_by_test_id("opioid-warning")).to_contain_text(
        "No tome LDN mientras lo tome; su equipo de atención ya lo sabe."
    )
    axe_check(page)
    page.get_by_role("link", name="Esta noche").click()
    expect(page.get_by_test_id("no-ldn")).to_contain_text("No tome LDN esta noche")

    # A reminder, sent by the worker (which speaks English), arrives in Spanish.
    yesterday = local_today(patient) - timedelta(days=1)
    rows = [
        Notification.objects.create(
            recipient=patient.user,
            kind="diary",
            channel=channel,
            due_at=timezone.now(),
            status=Notification.Status.QUEUED,
            dedupe_key=f"diary:{patient.user.pk}:{yesterday}:{channel}",
            context={"date": yesterday.isoformat()},
        )
        for channel in ("in_app", "email")
    ]
    assert services.notifications_send(pairs=[(r.pk, r.version) for r in rows]) == 2
    page.get_by_role("link", name=re.compile("Notificaciones")).click()
    expect(page.get_by_text("¿Cómo fue su día?")).to_be_visible()
    expect(page.get_by_text("Su diario de hoy todavía está vacío.", exact=False)).to_be_visible()
    [email] = mail.outbox
    assert email.subject.endswith("Tiene un recordatorio en el Portal LDN")
    assert "Tiene un recordatorio esperándole en el Portal LDN" in email.body
