"""Finds user-visible text in templates that is not marked for translation.

Text outside `{% translate %}` / `{% blocktranslate %}` counts when, after removing HTML tags,
comments, script and style bodies, entities and the symbols below, a letter is left; so do
the attributes people read (title, alt, placeholder, aria-label, aria-description) when they
hold letters written in the template itself.
"""

import re
from pathlib import Path

from django.template.base import Lexer, TokenType

# Words that are the same in every language the portal speaks: units and names.
UNTRANSLATED_WORDS = {
    "mg",
    "mL",
    "mg/mL",
    "mmol/L",
    "mg/dL",
    "LDN",
    "PGIC",
    "NRS",
    "CSV",
    "iCal",
    "TOTP",
    "FHIR",
    "PDF",
}
READ_ATTRIBUTES = re.compile(
    r"""\b(title|alt|placeholder|aria-label|aria-description)\s*=\s*(["'])([^"'{]*)\2""",
    re.IGNORECASE,
)
COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE)
TAGS = re.compile(r"<[^>]*>", re.DOTALL)
# An HTML tag cut by a template tag: "<a href=" ... "{% url %}" ... '">text'.
OPEN_TAG_TAIL = re.compile(r"</?(?:[a-zA-Z][^>]*)?$", re.DOTALL)
CLOSE_TAG_HEAD = re.compile(r"^[^<]*?>", re.DOTALL)
ENTITIES = re.compile(r"&[a-zA-Z]+;|&#\d+;")
WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ/'’.-]*")

IN_TRANSLATION = ("blocktranslate", "blocktrans")
END_TRANSLATION = ("endblocktranslate", "endblocktrans")
SKIP_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim"}


def _letters(text: str) -> list[str]:
    words = [word.strip(".-'’") for word in WORD.findall(text)]
    return [word for word in words if word and word not in UNTRANSLATED_WORDS]


def unmarked_text(source: str) -> list[str]:
    """The pieces of user-visible text in a template's source that are not translated."""
    found = []
    tokens = Lexer(source).tokenize()
    skip_until = None
    inside_tag = False  # between "<tag ... " and ">" across template tags
    for token in tokens:
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if skip_until:
                if name == skip_until:
                    skip_until = None
                continue
            if name in IN_TRANSLATION:
                skip_until = END_TRANSLATION[IN_TRANSLATION.index(name)]
            elif name in SKIP_BLOCKS:
                skip_until = SKIP_BLOCKS[name]
            continue
        if skip_until or token.token_type != TokenType.TEXT:
            continue
        text = token.contents
        for match in READ_ATTRIBUTES.finditer(text):
            if _letters(match.group(3)):
                found.append(f'{match.group(1)}="{match.group(3)}"')
        text = COMMENTS.sub(" ", text)
        text = SCRIPT_STYLE.sub(" ", text)
        if inside_tag:
            head = CLOSE_TAG_HEAD.match(text)
            if head:
                text = text[head.end() :]
                inside_tag = False
            else:
                continue
        text = TAGS.sub(" ", text)
        tail = OPEN_TAG_TAIL.search(text)
        if tail:
            text = text[: tail.start()]
            inside_tag = True
        text = ENTITIES.sub(" ", text)
        words = _letters(text)
        if words:
            found.append(" ".join(words))
    return found


def template_files(root: Path) -> list[Path]:
    return sorted(
        path for path in root.rglob("*") if path.suffix in (".html", ".txt") and path.is_file()
    )
