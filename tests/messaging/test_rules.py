from datetime import UTC, datetime, timedelta

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


def test_a_message_may_be_withdrawn_for_five_minutes():
    sent = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert may_withdraw(sent_at=sent, now=sent + timedelta(minutes=5), minutes=5)
    assert not may_withdraw(sent_at=sent, now=sent + timedelta(minutes=5, seconds=1), minutes=5)


def test_waits_are_said_coarsely():
    assert wait_label(30) == "1 minute"
    assert wait_label(3 * 3600) == "3 hours"
    assert wait_label(3 * 86400) == "3 days"
