import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.rules import drug_vocabulary
from patients.rules.drug_vocabulary import (
    GROUPS,
    LOOKALIKES,
    TERMS,
    THYROID_TERMS,
    VOCABULARY_VERSION,
    DrugMatch,
    identify,
    identify_thyroid_hormone,
)

DATA = Path(drug_vocabulary.__file__).parent / "data"


@dataclass(frozen=True)
class ProductString:
    name: str
    expected: str  # ingredient, or "none"
    action: str  # "block", "warn", "duplicate" or "none"
    kind: str  # exact, misspelling, lookalike, antagonist, negative, ldn
    region: str


def _product_strings() -> list[ProductString]:
    path = Path(__file__).with_name("product_strings.tsv")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [ProductString(**row) for row in reader]


PRODUCT_STRINGS = _product_strings()
POSITIVES = [p for p in PRODUCT_STRINGS if p.expected != "none"]
NEGATIVES = [p for p in PRODUCT_STRINGS if p.expected == "none"]


def test_it_is_measured_on_a_broad_set_of_real_product_strings():
    regions = {p.region for p in PRODUCT_STRINGS}

    assert len(PRODUCT_STRINGS) >= 300
    assert len(NEGATIVES) >= 80
    assert sum(p.kind == "misspelling" for p in POSITIVES) >= 40
    assert {"US", "UK", "EU", "ES/LATAM", "AU/CA/BR"} <= regions
    assert len({p.name for p in PRODUCT_STRINGS}) == len(PRODUCT_STRINGS)


def test_it_recognises_every_product_as_patients_write_it(vocabulary_report):
    misread = []
    for product in POSITIVES:
        match = identify(product.name)
        reading = (match.ingredient, match.action) if match else ("none", "none")
        correct = reading == (product.expected, product.action)
        vocabulary_report.record(
            name=product.name, kind=product.kind, positive=True, correct=correct
        )
        if not correct or match.fuzzy != (product.kind == "misspelling"):
            misread.append((product.name, product.expected, match))

    assert misread == []


def test_it_leaves_every_look_alike_antagonist_and_ldn_unflagged(vocabulary_report):
    flagged = []
    for product in NEGATIVES:
        match = identify(product.name)
        vocabulary_report.record(
            name=product.name, kind=product.kind, positive=False, correct=match is None
        )
        if match is not None:
            flagged.append((product.name, match))

    assert flagged == []


@pytest.mark.parametrize("name", ["", "   ", "///", "- / -", "#", "12.5 mg"])
def test_it_finds_nothing_in_empty_or_punctuation_only_input(name):
    assert identify(name) is None
    assert identify_thyroid_hormone(name) is None


def test_it_reports_the_whole_match():
    assert identify("percoset 5/325") == DrugMatch(
        ingredient="oxycodone",
        group="full agonist",
        action="block",
        maintenance=False,
        term="Percocet",
        fuzzy=True,
        source="rxnorm-cdc-2023-03",
    )


# Priorities ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ingredient", "action"),
    [
        ("loperamide and codeine", "codeine", "block"),
        ("Imodium, Vivitrol", "naltrexone", "duplicate"),
        ("Suboxone + Vivitrol", "buprenorphine", "block"),
        ("Contrave; oxycodone 5 mg", "oxycodone", "block"),
        ("Troxyca ER (oxycodone and naltrexone)", "oxycodone", "block"),
    ],
)
def test_it_reports_a_block_before_a_duplicate_before_a_warning(name, ingredient, action):
    match = identify(name)

    assert (match.ingredient, match.action) == (ingredient, action)


@pytest.mark.parametrize(
    "name", ["oxycodone; methadone 40 mg", "Buvidal weekly, tramadol 50 mg", "Metasedin + Zaldiar"]
)
def test_it_reports_the_opioid_with_the_longest_washout_first(name):
    assert identify(name).maintenance


@pytest.mark.parametrize(
    ("name", "term", "group"),
    [
        ("promethazine with codeine syrup", "promethazine codeine", "antitussive"),
        ("codeine/promethazine", "codeine promethazine", "antitussive"),
        ("Durogesic Matrix 25", "Durogesic Matrix", "full agonist"),
        ("Panadeine Forte", "Panadeine Forte", "full agonist"),
    ],
)
def test_it_reports_the_most_specific_term(name, term, group):
    match = identify(name)

    assert (match.term, match.group) == (term, group)


def test_it_prefers_an_exact_name_to_a_misspelling():
    match = identify("fentanly or fentanyl patch")

    assert (match.term, match.fuzzy) == ("fentanyl", False)


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("oxycodone", "full agonist"),
        ("Tylenol #3", "full agonist"),
        ("Suboxone", "partial agonist"),
        ("Talwin", "partial agonist"),
        ("codeine linctus", "antitussive"),
        ("Tussionex", "antitussive"),
        ("Hycodan syrup", "antitussive"),
        ("Lomotil", "antidiarrheal"),
        ("paregoric", "antidiarrheal"),
        ("Imodium", "antidiarrheal"),
        ("kratom", "other"),
        ("Vivitrol", "full-dose naltrexone"),
        ("naltrexone 50 mg", "full-dose naltrexone"),
        ("Contrave", "naltrexone combination"),
        ("Mysimba", "naltrexone combination"),
    ],
)
def test_it_names_the_group(name, group):
    assert identify(name).group == group


@pytest.mark.parametrize(
    ("name", "maintenance"),
    [
        ("methadone 10 mg", True),
        ("Methadose", True),
        ("metadona", True),
        ("L-Polamidon", True),
        ("Suboxone film", True),
        ("Buvidal", True),
        ("buprenorfina", True),
        ("oxycodone", False),
        ("Zaldiar", False),
        ("Vivitrol", False),
    ],
)
def test_it_marks_methadone_and_buprenorphine_for_the_longer_washout(name, maintenance):
    assert identify(name).maintenance is maintenance


# Today's behaviours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "codeine-free cough syrup",
        "Tylenol without codeine",
        "no codeine",
        "non-codeine linctus",
        "sin codeína",
        "jarabe sin codeína",
        "ohne Codein",
    ],
)
def test_it_ignores_a_name_given_only_to_say_it_is_absent(name):
    assert identify(name) is None


def test_it_still_finds_a_real_opioid_next_to_a_negated_one():
    assert identify("codeine-free cough syrup + oxycodone 5 mg").ingredient == "oxycodone"


@pytest.mark.parametrize("name", ["Morphology", "morphologic", "Percocetamol", "Tramadolor"])
def test_it_matches_whole_words_only(name):
    assert identify(name) is None


@pytest.mark.parametrize(
    ("name", "ingredient"),
    [
        ("CODEÍNA", "codeine"),
        ("codeina", "codeine"),
        ("Codéine", "codeine"),
        ("Orobupre", "buprenorphine"),
        ("dihidrocodeina", "dihydrocodeine"),
    ],
)
def test_it_folds_accents(name, ingredient):
    match = identify(name)

    assert (match.ingredient, match.fuzzy) == (ingredient, False)


# Full-dose naltrexone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "duplicate"),
    [
        ("naltrexone", False),
        ("naltrexone 4.5 mg", False),
        ("naltrexone 4,5 mg", False),
        ("naltrexone 24.9 mg", False),
        ("naltrexone 25 mg", True),
        ("naltrexone 25mg", True),
        ("naltrexone hydrochloride tablets 50 mg", True),
        ("naltrexone 50", True),
        ("50mg naltrexone", True),
        ("naltrexone 100 mcg", False),
        ("naltrexone 50 µg", False),
        ("naltrexona 50 mg", True),
        ("Naltrexon 50 mg", True),
        ("LDN 50 mg", False),
        ("low dose naltrexone", False),
    ],
)
def test_it_takes_naltrexone_for_full_dose_only_at_a_stated_25_mg_or_more(name, duplicate):
    match = identify(name)

    assert (match is not None and match.action == "duplicate") is duplicate


@given(strength=st.decimals(min_value="0.001", max_value="1000", places=3))
def test_it_decides_full_dose_naltrexone_by_the_stated_strength_alone(strength):
    match = identify(f"naltrexone {strength} mg")

    assert (match is not None) is (strength >= 25)


# Thyroid hormones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ingredient"),
    [
        ("levothyroxine 75 mcg", "levothyroxine"),
        ("Levothyroxine sodium", "levothyroxine"),
        ("L-thyroxine", "levothyroxine"),
        ("Synthroid 100mcg", "levothyroxine"),
        ("Levoxyl", "levothyroxine"),
        ("Unithroid", "levothyroxine"),
        ("Euthyrox", "levothyroxine"),
        ("Tirosint capsules", "levothyroxine"),
        ("Eltroxin", "levothyroxine"),
        ("Levothyrox 50 µg", "levothyroxine"),
        ("Eutirox 100 microgramos", "levothyroxine"),
        ("levotiroxina sódica 75", "levothyroxine"),
        ("L-Thyroxin Henning 100", "levothyroxine"),
        ("Oroxine 100", "levothyroxine"),
        ("levothyroxin", "levothyroxine"),
        ("liothyronine 5 mcg", "liothyronine"),
        ("Cytomel", "liothyronine"),
        ("Cynomel", "liothyronine"),
        ("Thybon 20 Henning", "liothyronine"),
        ("liotrix", "liotrix"),
        ("Novothyral", "liotrix"),
        ("Armour Thyroid 60 mg", "desiccated thyroid"),
        ("NP Thyroid", "desiccated thyroid"),
        ("Nature-Throid", "desiccated thyroid"),
        ("WP Thyroid", "desiccated thyroid"),
        ("thyroid extract", "desiccated thyroid"),
        ("desiccated thyroid (porcine)", "desiccated thyroid"),
        ("Erfa Thyroid", "desiccated thyroid"),
    ],
)
def test_it_recognises_thyroid_hormones(name, ingredient):
    assert identify_thyroid_hormone(name) == ingredient
    assert identify(name) is None


@pytest.mark.parametrize(
    "name",
    ["carbimazole", "methimazole", "Tapazole", "propylthiouracil", "thyroid", "TSH", "goitre"],
)
def test_it_does_not_take_antithyroid_drugs_or_the_word_thyroid_for_a_hormone(name):
    assert identify_thyroid_hormone(name) is None


def test_it_reads_an_opioid_and_a_thyroid_hormone_in_the_same_entry():
    assert identify("Synthroid + Norco").ingredient == "hydrocodone"
    assert identify_thyroid_hormone("Synthroid + Norco") == "levothyroxine"


# The vocabulary itself ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def test_it_keeps_one_row_per_term_with_known_groups_and_actions():
    folded = [_fold(t.text) for t in TERMS]

    assert len(set(folded)) == len(folded)
    for term in TERMS:
        assert term.ingredient == term.ingredient.lower()
        assert term.group in GROUPS
        assert term.source and term.lang
        assert (term.action == "warn") is (term.ingredient == "loperamide")
        if term.fuzzy:
            assert re.fullmatch(r"[a-z]{6,}", _fold(term.text)), term.text
        assert (term.action == "duplicate") is (term.ingredient == "naltrexone")
        assert term.maintenance is (
            term.ingredient in {"methadone", "buprenorphine", "levomethadone", "levacetylmethadol"}
        )


def test_it_lists_no_antagonist_or_dextromethorphan_among_the_terms():
    never = {"naloxone", "nalmefene", "methylnaltrexone", "naloxegol", "naldemedine"}
    never |= {"dextromethorphan", "narcan", "relistor", "movantik", "symproic", "lofexidine"}

    words = {w for term in TERMS for w in _fold(term.text).split()}

    assert not words & never


def test_it_never_lists_a_look_alike_as_a_term():
    terms = {_fold(t.text) for t in TERMS} | {_fold(text) for text, _, _ in THYROID_TERMS}

    assert not terms & {_fold(name) for name in LOOKALIKES}


def test_it_cites_every_source_it_uses():
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"^\| `([a-z0-9-]+)`", sources, re.M))

    assert {t.source for t in TERMS} <= cited
    assert {row.split("\t")[2] for row in _data_rows("thyroid_hormones.tsv")} <= cited


def test_it_dates_the_data_files_with_the_vocabulary_version():
    for name in ("opioid_vocabulary.tsv", "thyroid_hormones.tsv", "lookalikes.tsv"):
        first_line = (DATA / name).read_text(encoding="utf-8").splitlines()[0]
        assert f"Version {VOCABULARY_VERSION}." in first_line


def _data_rows(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")][1:]


# Properties --------------------------------------------------------------------------------------

AFFIXES = st.sampled_from(
    ["tablet", "tab", "5", "10 mg", "mg", "ER", "XR", "/", "-", "(", ")", "#", "daily", "prn"]
    + ["patch", "syrup", "oral", "2x", "bid", "at night", "comprimidos", "retard", "Forte"]
)
NAMED_TERMS = [t for t in TERMS if t.min_mg is None]


@given(
    term=st.sampled_from(NAMED_TERMS),
    before=st.lists(AFFIXES, max_size=3),
    after=st.lists(AFFIXES, max_size=3),
    upper=st.booleans(),
)
def test_it_finds_any_vocabulary_term_among_strengths_and_forms(term, before, after, upper):
    text = " ".join([*before, term.text.upper() if upper else term.text, *after])

    match = identify(text)

    assert match is not None, text
    assert (match.ingredient, match.action) == (term.ingredient, term.action), text


@given(
    name=st.sampled_from(LOOKALIKES),
    before=st.lists(AFFIXES, max_size=3),
    after=st.lists(AFFIXES, max_size=3),
    upper=st.booleans(),
)
def test_it_never_flags_a_look_alike(name, before, after, upper):
    text = " ".join([*before, name.upper() if upper else name, *after])

    assert identify(text) is None, text


FUZZY_TERMS = [t for t in TERMS if t.fuzzy]


@given(term=st.sampled_from(FUZZY_TERMS), data=st.data())
def test_it_tolerates_a_doubled_letter_in_any_name_open_to_misspellings(term, data):
    at = data.draw(st.integers(min_value=0, max_value=len(term.text) - 1))
    typo = term.text[: at + 1] + term.text[at:]

    match = identify(typo)

    assert (match.ingredient, match.action) == (term.ingredient, term.action), typo


@pytest.mark.parametrize("typo", ["ppholcodine", "pholcoddine", "phollcodine"])
def test_it_reads_a_doubled_first_letter_before_a_sound_alike_pair(typo):
    assert identify(typo) is not None


@given(st.text(max_size=120))
def test_it_reads_any_text_without_failing(text):
    match = identify(text)

    assert match is None or match.group in GROUPS
    assert identify_thyroid_hormone(text) in {None, *(ing for _, ing, _ in THYROID_TERMS)}
