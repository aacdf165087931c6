"""Counts how the drug vocabulary reads the product strings and prints recall and false
positives at the end of the run, so every run of the suite shows them."""

import pytest

from patients.rules.drug_vocabulary import VOCABULARY_VERSION

_READINGS = pytest.StashKey[dict]()


class VocabularyReport:
    """Each product string's outcome, keyed by the string so a rerun does not count twice."""

    def __init__(self, readings: dict):
        self._readings = readings

    def record(self, *, name: str, kind: str, positive: bool, correct: bool) -> None:
        self._readings[name] = (kind, positive, correct)


@pytest.fixture
def vocabulary_report(request) -> VocabularyReport:
    return VocabularyReport(request.config.stash.setdefault(_READINGS, {}))


def pytest_terminal_summary(terminalreporter, config):
    readings = config.stash.get(_READINGS, None)
    if not readings:
        return
    positives = [r for r in readings.values() if r[1]]
    negatives = [r for r in readings.values() if not r[1]]
    misspelt = [r for r in positives if r[0] == "misspelling"]
    found = sum(correct for _, _, correct in positives)
    false_positives = sum(not correct for _, _, correct in negatives)
    terminalreporter.write_line(
        f"drug vocabulary {VOCABULARY_VERSION}: recall {found}/{len(positives)} "
        f"(misspellings {sum(c for _, _, c in misspelt)}/{len(misspelt)}), "
        f"false positives {false_positives}/{len(negatives)}"
    )
