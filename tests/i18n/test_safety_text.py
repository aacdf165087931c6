"""Safety-critical text, word for word in both languages: the opioid warnings, the "do not
take LDN" messages and the emergency guidance. A change to either language's wording fails
here, so it is a decision, not an accident."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from patients.models import Flag
from patients.services.medications import medication_add
from patients.services.profile import care_team_add
from portal.lib.timing import local_today
from tests.notifications.factories import start_regimen

BLOCKS = (
    "Naltrexone blocks opioids: taking LDN with one can bring on withdrawal or stop the pain "
    "relief."
)
WHILE_YOU_TAKE_IT = (
    "Do not take LDN while you take it; your care team has been told. Do not stop a painkiller "
    "suddenly on your own."
)
SAFETY = {
    "Do not take LDN tonight": "No tome LDN esta noche",
    "Do not take LDN today": "No tome LDN hoy",
    "Do not take LDN on these days.": "No tome LDN estos días.",
    "Pause LDN: do not take it now.": "Pausar la LDN: no la tome ahora.",
    "Naltrexone blocks opioids: taking LDN with one can bring on withdrawal or stop the pain "
    "relief.": "La naltrexona bloquea los opioides: tomar LDN junto con uno puede provocar "
    "abstinencia o quitar el alivio del dolor.",
    "Do not take LDN while you take it; your care team has been told. Do not stop a painkiller "
    "suddenly on your own.": "No tome LDN mientras lo tome; su equipo de atención ya lo sabe. "
    "No deje un analgésico de golpe por su cuenta.",
    "Do not take LDN before then; your care team confirms when you restart.": "No tome LDN "
    "antes de esa fecha; su equipo de atención confirma cuándo reiniciar.",
    "%(name)s contains %(ingredient)s, an opioid. Naltrexone, the medicine in LDN, blocks "
    "opioids: taking both can bring on sudden withdrawal, or stop this medicine from relieving "
    "your pain.": "%(name)s contiene %(ingredient)s, un opioide. La naltrexona, el medicamento "
    "de la LDN, bloquea los opioides: tomar los dos puede provocar una abstinencia repentina, o "
    "hacer que este medicamento deje de aliviarle el dolor.",
    "this is an opioid. Naltrexone blocks opioids: taking both can bring on withdrawal or stop "
    "the pain relief. Do not take LDN while you take it; your care team has been told.": "esto "
    "es un opioide. La naltrexona bloquea los opioides: tomar los dos puede provocar "
    "abstinencia o quitar el alivio del dolor. No tome LDN mientras lo tome; su equipo de "
    "atención ya lo sabe.",
    "This is naltrexone at a full dose, the same medicine as LDN at many times the dose. "
    "Do not take both: your care team has been told and will advise you.": "Esto es naltrexona "
    "a dosis completa, el mismo medicamento que la LDN a una dosis muchas veces mayor. No tome "
    "los dos: su equipo de atención ya lo sabe y le dirá qué hacer.",
    "Tonight's dose is marked as missed. Do not take two doses to make up for it: take your "
    "next dose at the usual time.": "La dosis de esta noche está anotada como olvidada. No tome "
    "dos dosis para compensarla: tome la siguiente dosis a la hora de siempre.",
    "Missed a dose? Do not take two doses to make up for it: take your next dose at the usual "
    "time.": "¿Se le olvidó una dosis? No tome dos dosis para compensarla: tome la siguiente "
    "dosis a la hora de siempre.",
    "Nothing stands in the way of LDN now, but do not restart on your own: your care team "
    "confirms the day and the dose.": "Ahora nada impide la LDN, pero no la reinicie por su "
    "cuenta: su equipo de atención confirma el día y la dosis.",
    "This article is general information, not medical advice for you. LDN is prescribed "
    "off-label. Do not start, stop or change a dose without talking to your provider. In an "
    "emergency, call your local emergency number.": "Este artículo es información general, no "
    "un consejo médico para usted. La LDN se receta fuera de indicación (off-label). No "
    "empiece, deje ni cambie una dosis sin hablar con su profesional de salud. En una "
    "emergencia, llame al número de emergencias de su zona.",
    "In an emergency, call your local emergency number.": "En una emergencia, llame al número "
    "de emergencias de su zona.",
    "The articles, reminders and warnings in this portal support your care. They do not "
    "replace advice from your own clinician: contact them, or emergency services, when you "
    "need help.": "Los artículos, recordatorios y advertencias de este portal apoyan su "
    "atención. No reemplazan el consejo de su propio profesional de salud: contacte con él o "
    "con los servicios de emergencia cuando necesite ayuda.",
    # The LDN passport (interop) and the messages' emergency guidance (messaging).
    "Naltrexone blocks opioids": "La naltrexona bloquea los opioides",
    "Take no more LDN until the care team says it can start again, and none while opioids "
    "are being given.": "No tome más LDN hasta que el equipo de atención diga que puede volver "
    "a empezar, y ninguna mientras se le den opioides.",
    "Messages are not for emergencies": "Los mensajes no son para emergencias",
    "call your local emergency number (911 in the US and Canada, 999 in the UK, 112 in Europe, "
    "000 in Australia) or go to the nearest emergency department;": "llame al número de "
    "emergencias de su zona (911 en Estados Unidos y Canadá, 999 en el Reino Unido, 112 en "
    "Europa, 000 en Australia) o vaya al servicio de urgencias más cercano;",
    "for thoughts of suicide, call or text a crisis line (988 in the US) or your emergency "
    "number;": "si tiene pensamientos de suicidio, llame o escriba a una línea de crisis (988 "
    "en Estados Unidos) o a su número de emergencias;",
    "for a possible overdose, call your poison centre or emergency number.": "ante una posible "
    "sobredosis, llame a su centro de toxicología o a su número de emergencias.",
}


@pytest.mark.parametrize(("english", "spanish"), SAFETY.items(), ids=range(len(SAFETY)))
def test_the_safety_text_is_word_for_word_in_both_languages(english, spanish):
    with translation.override("en"):
        assert gettext(english) == english
    with translation.override("es"):
        assert gettext(english) == spanish


@pytest.fixture
def on_tramadol(patient_user, provider):
    patient = patient_user.patient
    care_team_add(patient=patient, provider=provider, added_by=provider)
    today = local_today(patient)
    start_regimen(patient, provider, start_on=today - timedelta(days=3))
    patient_user.language = "es"
    patient_user.save()
    with translation.override("es"):  # as the patient's own request would
        medication_add(patient=patient, name="Tramadol 50 mg", added_by=patient_user)
    return patient


def test_tonight_says_do_not_take_ldn_in_spanish(client_for, on_tramadol):
    page = client_for(on_tramadol.user).get(reverse("tonight")).text

    assert "No tome LDN esta noche" in page
    assert SAFETY[BLOCKS] in page
    assert "Do not take LDN" not in page


def test_tonight_says_do_not_take_ldn_in_english(client_for, on_tramadol):
    on_tramadol.user.language = "en"
    on_tramadol.user.save()

    page = client_for(on_tramadol.user).get(reverse("tonight")).text

    assert "Do not take LDN tonight" in page
    assert "No tome" not in page


def test_the_medication_list_warns_in_spanish(client_for, on_tramadol):
    page = client_for(on_tramadol.user).get(reverse("medication_list")).text

    assert "Advertencia de opioide: Tramadol 50 mg" in page
    assert SAFETY[WHILE_YOU_TAKE_IT] in page


def test_the_care_teams_flag_is_written_in_the_portals_language(client_for, on_tramadol):
    """The patient reads Spanish; the reason kept for the care team is the portal's English,
    whoever's request raised it."""
    flag = Flag.objects.get(patient=on_tramadol, kind=Flag.Kind.OPIOID)

    assert flag.reason.startswith("Tramadol 50 mg")
    assert "opioid" in flag.reason and "opioide" not in flag.reason
