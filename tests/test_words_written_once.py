"""Every rule message and label is written once: a form shows the message its service (or the
rule's module) defines, and words several forms share live in portal/lib/fields.py. This
scans the forms and services of every app, and that shared module, for translatable literals
(_("..."), gettext, gettext_lazy, pgettext, ngettext) written in more than one module."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "patients", "regimens", "messaging", "interop")
SHARED = ("portal/lib/fields.py",)
TRANSLATORS = {
    "_",
    "gettext",
    "gettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
}

# Literals still written in more than one module, with those modules. The test fails when a
# new repeat appears, and when one listed here is written once (then remove it from here).
STILL_REPEATED: dict[str, set[str]] = {}


def _scanned() -> list[Path]:
    """The forms and services of every app (packages or single modules) and SHARED."""
    paths = [ROOT / shared for shared in SHARED]
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            inside = path.relative_to(ROOT).parts[:-1]
            if "migrations" in inside:
                continue
            if {"forms", "services"} & set(inside) or path.stem in ("forms", "services"):
                paths.append(path)
    return paths


def _literals(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in TRANSLATORS:
            continue
        words = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        if words and all(isinstance(word, str) for word in words):
            found.add(" | ".join(words) if len(words) > 1 else words[0])
    return found


def _repeated() -> dict[str, set[str]]:
    modules = defaultdict(set)
    for path in _scanned():
        for literal in _literals(path):
            modules[literal].add(str(path.relative_to(ROOT)))
    return {literal: where for literal, where in modules.items() if len(where) > 1}


def test_the_scan_reads_the_forms_and_services_of_every_app():
    scanned = {str(path.relative_to(ROOT)) for path in _scanned()}
    assert {
        "patients/forms/medications.py",
        "patients/services/medications.py",
        "regimens/forms/checkin_rules.py",
        "regimens/services/checkin_rules.py",
        "portal/accounts/forms.py",
        "portal/notifications/forms.py",
        "portal/lib/fields.py",
    } <= scanned
    assert "Enter the medication's name." in _literals(ROOT / "patients/services/medications.py")


def test_each_translatable_literal_is_written_in_one_module():
    repeated = _repeated()

    new = {literal: where for literal, where in repeated.items() if literal not in STILL_REPEATED}
    assert new == {}, "define each once, beside its rule, and import it"
    assert repeated == STILL_REPEATED
