"""The Spanish catalogue is complete: every marked string is in it, translated, not fuzzy; and
every template's user-visible text is marked for translation."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.i18n.scanner import template_files, unmarked_text

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
# `make translations` runs makemessages with the same arguments.
MAKEMESSAGES_ARGS = re.search(
    r"^MAKEMESSAGES_ARGS := (.*?)(?<!\\)$",
    (ROOT / "Makefile").read_text(),
    re.MULTILINE | re.DOTALL,
)


def _entries(po: Path) -> list[dict]:
    """The catalogue's entries (header and obsolete ones left out): msgid, msgstr(s), flags."""
    entries, current, field = [], None, None
    for line in po.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current and current.get("msgid") and not current.get("obsolete"):
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"flags": set(), "msgstr": {}}
        if line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        else:
            key, _, rest = line.partition(" ")
            if line.startswith('"'):
                value = line
            else:
                field, value = key, rest
                if field == "msgstr" or field.startswith("msgstr["):
                    current["msgstr"][field] = ""
                else:
                    current[field] = ""
            text = value.strip()[1:-1]
            if field.startswith("msgstr"):
                current["msgstr"][field] += text
            else:
                current[field] += text
    return entries


def test_there_is_a_spanish_catalogue():
    assert ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: str(po.relative_to(ROOT)))
def test_every_message_is_translated_and_none_is_fuzzy(po):
    entries = _entries(po)
    assert entries
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} without a translation: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} marked fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: str(po.relative_to(ROOT)))
def test_catalogue_compiles_with_matching_placeholders(po, tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt is missing: install GNU gettext"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "out.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    """makemessages on a copy of the code finds nothing the catalogue lacks: a string marked
    since the last `make translations` fails here until it is translated."""
    copy = tmp_path / "portal"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "staticfiles", "node_modules", "*.mo", "__pycache__"
        ),
    )
    assert MAKEMESSAGES_ARGS
    args = MAKEMESSAGES_ARGS.group(1).replace("\\\n", " ").split()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *args],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings.test"},
    )
    wanted = {e["msgid"] for e in _entries(copy / "locale/es/LC_MESSAGES/django.po")}
    have = {e["msgid"] for e in _entries(ROOT / "locale/es/LC_MESSAGES/django.po")}
    missing = sorted(wanted - have)
    assert not missing, f"run `make translations` and translate: {missing[:20]}"


TEMPLATE_ROOTS = [
    ROOT / "templates",
    *sorted(ROOT.glob("*/templates")),
    *ROOT.glob("*/*/templates"),
]


@pytest.mark.parametrize(
    "template",
    [path for root in TEMPLATE_ROOTS for path in template_files(root)],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_template_text_is_marked_for_translation(template):
    assert unmarked_text(template.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source, found",
    [
        ("<p>Hello</p>", ["Hello"]),
        ('<a title="Open it" href="/">{% translate "Open" %}</a>', ['title="Open it"']),
        ("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}", []),
        ('<p>{{ dose }} mg</p><input aria-label="{% translate "Dose" %}">', []),
        ("<!-- a note --><script>let x = 'y';</script>", []),
        ('<{% if a %}a href="{{ a }}"{% else %}button{% endif %} class="btn">', []),
    ],
)
def test_scanner_finds_unmarked_text(source, found):
    assert unmarked_text(source) == found
