"""The clinical document and the code cannot drift apart: every citation of
docs/clinical-rules.md names a section the document has, and the document names every clinical
setting (settings.LDN) with its environment variable."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "clinical-rules.md"
SCANNED = {".py", ".html", ".md", ".txt"}
SKIPPED = {".git", ".venv", "node_modules", "var", "vendor", "__pycache__", "mutants"}

HEADING = re.compile(r"^#{2,6} §(\d+(?:\.\d+)*)\s", re.MULTILINE)
# "docs/clinical-rules.md §2.8", "`docs/clinical-rules.md` §4.2", "docs/clinical-rules.md, §6.1",
# and the sections listed after it: "§2.8, §3.7", "§2.2-§2.4 and §2.9".
CITATION = re.compile(
    r"clinical-rules\.md`?\)?,?\s*(§\d+(?:\.\d+)*(?:(?:\s*(?:,|and|or|-|–)\s*)§\d+(?:\.\d+)*)*)"
)
SECTION = re.compile(r"§(\d+(?:\.\d+)*)")
# The old form, "docs/clinical-rules.md, section 4": cited by § instead.
OLD_FORM = re.compile(r"clinical-rules\.md[^§\n]{0,40}\bsections?\s+\d", re.IGNORECASE)
# Design notes outside the repository are never cited (spelt in two parts so that this file
# does not cite them itself).
OUTSIDE = ("CLINICAL" + ".md", "/work/" + "shared")


def sections(text: str) -> set[str]:
    return set(HEADING.findall(text))


def cited_sections(text: str) -> list[str]:
    """The sections a file cites: those named after "docs/clinical-rules.md", and, in a file
    that cites the document at all, every bare §N or §N.N (the document cites its own
    sections that way too)."""
    if "clinical-rules.md" not in text:
        return []
    found = [n for listed in CITATION.findall(text) for n in SECTION.findall(listed)]
    return found + SECTION.findall(text)


def repository_files(suffixes=SCANNED):
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED for part in relative.parts[:-1]):
            continue
        if path.is_file() and path.suffix in suffixes and path != Path(__file__).resolve():
            yield path  # not this file: its examples cite missing sections on purpose


def test_it_reads_the_sections_from_the_documents_headings():
    found = sections(DOCUMENT.read_text())
    assert {"1", "1.3", "2.8", "2.11", "3.7", "10.2", "11"} <= found
    assert "2.12" not in found and "12" not in found


def test_it_finds_citations_in_every_form_the_repository_uses():
    text = (
        "See docs/clinical-rules.md §2.8, §3.7 and `docs/clinical-rules.md` §4.2;\n"
        "docs/clinical-rules.md, §6.1 and §2.2-§2.4. A later line: (§5.3)."
    )
    assert cited_sections(text).count("2.8") == 2  # once after the path, once bare
    assert {"2.8", "3.7", "4.2", "6.1", "2.2", "2.4", "5.3"} == set(cited_sections(text))
    assert cited_sections("§9.9 in a file that never names the document") == []


def test_it_fails_on_a_citation_of_a_section_the_document_does_not_have(tmp_path):
    """The check below would catch a bad citation: the same scan over a file citing §2.12."""
    bad = tmp_path / "module.py"
    bad.write_text('"""Planned pauses (docs/clinical-rules.md §2.12)."""\n')
    known = sections(DOCUMENT.read_text())
    assert [n for n in cited_sections(bad.read_text()) if n not in known] == ["2.12", "2.12"]


def test_every_citation_names_a_section_of_the_document():
    known = sections(DOCUMENT.read_text())
    wrong = []
    for path in repository_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number in sorted(set(cited_sections(text))):
            if number not in known:
                wrong.append(f"{path.relative_to(ROOT)}: §{number}")
    assert wrong == [], f"citations of sections docs/clinical-rules.md does not have: {wrong}"


def test_every_citation_uses_the_section_sign():
    old = [
        f"{path.relative_to(ROOT)}: {match.group(0)!r}"
        for path in repository_files()
        for match in OLD_FORM.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert old == [], f"cite docs/clinical-rules.md as §N.N, not 'section N': {old}"


def test_nothing_cites_design_notes_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}: {outside}"
        for path in repository_files(SCANNED | {".tsv", ".csv", ".toml", ".cfg", ".example"})
        for outside in OUTSIDE
        if outside in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert found == [], f"cite docs/clinical-rules.md instead: {found}"


def _ldn_environment_variables() -> dict[str, str]:
    """settings.LDN key -> the environment variable that sets it, read from the settings
    module's source (the env_* call beside each key)."""
    tree = ast.parse((ROOT / "portal" / "settings" / "base.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "LDN" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            found = {}
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Name)
                    and value.func.id.startswith("env_")
                ):
                    found[key.value] = value.args[0].value
            return found
    raise AssertionError("settings.LDN is not a literal dict in portal/settings/base.py")


@pytest.mark.parametrize("key", sorted(settings.LDN))
def test_the_document_names_every_clinical_setting(key):
    assert re.search(rf"(?<![A-Z_]){key}(?![A-Z_])", DOCUMENT.read_text()), (
        f"settings.LDN[{key!r}] is not named in docs/clinical-rules.md"
    )


def test_the_document_names_the_environment_variable_of_every_clinical_setting():
    variables = _ldn_environment_variables()
    assert set(variables) <= set(settings.LDN)
    assert "LDN_STOP_BEFORE_PROCEDURE_DAYS" in variables.values()
    document = DOCUMENT.read_text()
    missing = [
        v for v in variables.values() if not re.search(rf"(?<![A-Z_]){v}(?![A-Z_])", document)
    ]
    assert missing == [], f"environment variables not named in docs/clinical-rules.md: {missing}"


def test_the_readme_and_env_example_list_every_clinical_environment_variable():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    variables = sorted(_ldn_environment_variables().values())
    assert [v for v in variables if f"| `{v}` |" not in readme] == []
    assert [v for v in variables if not re.search(rf"^{v}=", example, re.MULTILINE)] == []
