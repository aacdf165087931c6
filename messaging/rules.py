"""Pure rules of messaging: plain values in, answers out (no ORM, no clock, no settings)."""

import re
import unicodedata
from datetime import datetime, timedelta

from django.utils.translation import ngettext

# File kinds a message may carry, told by their first bytes (never by name or claimed type).
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, or None for any other kind of file."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _normalise(text: str) -> str:
    """Case, accents (á, é, ñ, ü...), curly apostrophes and runs of spaces folded away."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text)


def safety_words_in(text: str, words_by_language: dict[str, list[str]]) -> list[str]:
    """The safety words found in `text` as whole words, in the order the lists give them.
    Every language's list applies, whatever the language of the writer or of the text;
    case, accents, curly apostrophes and spacing do not matter."""
    found, seen = [], set()
    haystack = _normalise(text)
    for words in words_by_language.values():
        for word in words:
            needle = _normalise(word).strip()
            if not needle or needle in seen:
                continue
            if re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack):
                seen.add(needle)
                found.append(word.strip())
    return found


def may_withdraw(*, sent_at: datetime, now: datetime, minutes: int) -> bool:
    return sent_at <= now <= sent_at + timedelta(minutes=minutes)


def wait_label(seconds: float) -> str:
    """How long someone has waited, coarsely: "12 minutes", "5 hours", "3 days"."""
    minutes = max(int(seconds // 60), 1)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
