from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from messaging.rules import JPEG, PDF, PNG, may_withdraw, safety_words_in, sniff, wait_label

WORDS = {"en": ["chest pain", "can't breathe", "suicidal", "overdose"], "es": ["dolor de pecho"]}


def test_file_kinds_are_told_by_their_first_bytes():
    assert sniff(b"%PDF-1.7\n") == PDF
    assert sniff(b"\x89PNG\r\n\x1a\n\x00") == PNG
    assert sniff(b"\xff\xd8\xff\xe0") == JPEG
    assert sniff(b"GIF89a") is None
    assert sniff(b"<html>%PDF-") is None
    assert sniff(b"") is None


def test_safety_words_match_whole_words_in_any_case_and_every_language():
    assert safety_words_in("I have CHEST  PAIN since tonight", WORDS) == ["chest pain"]
    assert safety_words_in("I can\u2019t breathe well", WORDS) == ["can't breathe"]
    assert safety_words_in("tengo dolor de pecho", WORDS) == ["dolor de pecho"]
    assert safety_words_in("no overdoses here, just a question", WORDS) == []
    assert safety_words_in("the vivid dreams are worse", WORDS) == []


def test_accents_do_not_matter_either_way():
    words = {"es": ["reacción alérgica grave", "convulsión"]}
    assert safety_words_in("tuve una reaccion alergica grave", words) == ["reacción alérgica grave"]
    assert safety_words_in("¿Es normal una CONVULSIÓN?", words) == ["convulsión"]
    assert safety_words_in("tengo DOLOR DE PECHO", {"es": ["dolor de pécho"]}) == ["dolor de pécho"]


@pytest.mark.parametrize(
    "body",
    [
        "tengo dolor de pecho desde anoche",
        "Me duele el pecho",
        "siento dolor en el pecho al subir escaleras",
        "No puedo respirar bien",
        "me falta el aire por la noche",
        "he pensado en el suicidio",
        "tengo pensamientos suicidas",
        "quiero quitarme la vida",
        "creo que tomé una sobredosis",
        "tuve una reacción alérgica grave",
        "tuve una reaccion alergica",
        "se me hincha la garganta",
        "mi esposo está inconsciente",
        "tuvo una convulsión",
        "I have chest pain",
    ],
)
def test_the_portals_lists_catch_urgent_messages_in_spanish_and_english(body):
    assert safety_words_in(body, settings.MESSAGES["SAFETY_WORDS"])


@pytest.mark.parametrize(
    "body",
    [
        "Tengo sueños vívidos desde que empecé",
        "¿Puedo tomar la dosis más temprano?",
        "Me duele un poco la cabeza por la mañana",
        "las cápsulas se acabaron, necesito una receta",
    ],
)
def test_everyday_spanish_questions_are_not_flagged(body):
    assert safety_words_in(body, settings.MESSAGES["SAFETY_WORDS"]) == []


def test_every_language_of_the_portal_has_a_list():
    lists = settings.MESSAGES["SAFETY_WORDS"]
    assert set(lists) == {code for code, _name in settings.LANGUAGES}
    assert all(lists.values())


def test_a_message_may_be_withdrawn_for_five_minutes():
    sent = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert may_withdraw(sent_at=sent, now=sent + timedelta(minutes=5), minutes=5)
    assert not may_withdraw(sent_at=sent, now=sent + timedelta(minutes=5, seconds=1), minutes=5)


def test_waits_are_said_coarsely():
    assert wait_label(30) == "1 minute"
    assert wait_label(3 * 3600) == "3 hours"
    assert wait_label(3 * 86400) == "3 days"
