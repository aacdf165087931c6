"""Medication screening: opioids (naltrexone blocks them) and thyroid hormones, as people
type them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.rules.drug_vocabulary import TERMS
from patients.rules.medications import ScreenResult, screen_medication

# Medication screening -----------------------------------------------------------------------

BLOCKED = [
    # As people type them: strengths, forms, combinations, punctuation
    ("Percocet 10/325", "oxycodone"),
    ("percocet 5/325 mg", "oxycodone"),
    ("tramadol 50mg tab", "tramadol"),
    ("Tylenol #3", "codeine"),
    ("Tylenol#4", "codeine"),
    ("Tylenol No. 3", "codeine"),
    ("Tylenol w/ codeine #4", "codeine"),
    ("Tylenol with Codeine", "codeine"),
    ("co-codamol 30/500", "codeine"),
    ("Cocodamol 8/500 effervescent", "codeine"),
    ("OxyContin 20 mg ER", "oxycodone"),
    ("  OXYCODONE   HCl  5MG  ", "oxycodone"),
    ("oxycodone/apap", "oxycodone"),
    ("oxycodone-acetaminophen", "oxycodone"),
    ("hydrocodone-acetaminophen", "hydrocodone"),
    ("Hydrocodone bitartrate and acetaminophen 5-325", "hydrocodone"),
    ("Norco", "hydrocodone"),
    ("Vicodin", "hydrocodone"),
    ("fentanyl 25 mcg/hr patch", "fentanyl"),
    ("Duragesic", "fentanyl"),
    ("MS Contin", "morphine"),
    ("morphine sulfate ER 15 mg", "morphine"),
    ("Dilaudid", "hydromorphone"),
    ("Suboxone film 8/2", "buprenorphine"),
    ("buprenorphine", "buprenorphine"),
    ("Butrans patch", "buprenorphine"),
    ("methadone 10 mg", "methadone"),
    ("Methadose", "methadone"),
    ("Tussionex", "hydrocodone"),
    ("Lomotil", "diphenoxylate"),
    ("diphenoxylate/atropine", "diphenoxylate"),
    ("kratom", "kratom"),
    ("Kratom capsules (mitragynine)", "kratom"),
    ("Ultram", "tramadol"),
    ("Nucynta", "tapentadol"),
    ("tapentadol", "tapentadol"),
    ("pethidine", "meperidine"),
    ("Demerol", "meperidine"),
    ("codéine phosphate", "codeine"),
    # Full agonists in docs/clinical-rules.md §2.2: generics
    ("morphine", "morphine"),
    ("oxycodone", "oxycodone"),
    ("hydrocodone", "hydrocodone"),
    ("hydromorphone", "hydromorphone"),
    ("oxymorphone", "oxymorphone"),
    ("codeine", "codeine"),
    ("dihydrocodeine", "dihydrocodeine"),
    ("fentanyl", "fentanyl"),
    ("sufentanil", "sufentanil"),
    ("meperidine", "meperidine"),
    ("levorphanol", "levorphanol"),
    ("methadone", "methadone"),
    ("diamorphine", "diamorphine"),
    ("heroin", "diamorphine"),
    ("tramadol", "tramadol"),
    ("tilidine", "tilidine"),
    # ... and brands
    ("Kadian", "morphine"),
    ("Roxicodone", "oxycodone"),
    ("Xtampza ER", "oxycodone"),
    ("Hysingla ER", "hydrocodone"),
    ("Zohydro", "hydrocodone"),
    ("Exalgo", "hydromorphone"),
    ("Opana ER", "oxymorphone"),
    ("Actiq lozenge", "fentanyl"),
    ("Fentora", "fentanyl"),
    ("Abstral", "fentanyl"),
    ("Subsys spray", "fentanyl"),
    ("Dsuvia", "sufentanil"),
    ("Dolophine", "methadone"),
    ("ConZip", "tramadol"),
    ("Zydol", "tramadol"),
    ("Tramal", "tramadol"),
    ("Palexia", "tapentadol"),
    ("Valoron", "tilidine"),
    # Combinations
    ("Endocet", "oxycodone"),
    ("Roxicet", "oxycodone"),
    ("Percodan", "oxycodone"),
    ("Lortab", "hydrocodone"),
    ("Vicoprofen", "hydrocodone"),
    ("Solpadeine Max", "codeine"),
    ("Kapake", "codeine"),
    ("Zapain", "codeine"),
    ("Nurofen Plus", "codeine"),
    ("co-dydramol 10/500", "dihydrocodeine"),
    ("Ultracet", "tramadol"),
    ("Seglentis", "tramadol"),
    ("Targin (oxycodone/naloxone)", "oxycodone"),
    ("Apadaz", "benzhydrocodone"),
    ("Fioricet with codeine", "codeine"),
    ("Fiorinal w/codeine", "codeine"),
    # Partial agonists and mixed agonist-antagonists
    ("Suboxone (buprenorphine/naloxone)", "buprenorphine"),
    ("buprenorphine-naloxone 8-2 mg SL film", "buprenorphine"),
    ("Belbuca", "buprenorphine"),
    ("Transtec", "buprenorphine"),
    ("Subutex", "buprenorphine"),
    ("Zubsolv", "buprenorphine"),
    ("Sublocade injection", "buprenorphine"),
    ("Brixadi", "buprenorphine"),
    ("butorphanol nasal spray", "butorphanol"),
    ("pentazocine", "pentazocine"),
    ("Talwin", "pentazocine"),
    ("nalbuphine", "nalbuphine"),
    # Antitussives
    ("promethazine with codeine syrup", "codeine"),
    ("promethazine-codeine", "codeine"),
    ("Tuzistra XR", "codeine"),
    ("Hycodan", "hydrocodone"),
    ("Robitussin AC", "codeine"),
    # Antidiarrheals
    ("Motofen", "difenoxin"),
    ("difenoxin", "difenoxin"),
    ("opium tincture", "opium"),
    ("tincture of opium", "opium"),
    ("paregoric", "opium"),
    ("eluxadoline", "eluxadoline"),
    ("Viberzi", "eluxadoline"),
    # Other
    ("mitragynine", "kratom"),
]


@pytest.mark.parametrize(("name", "ingredient"), BLOCKED)
def test_it_blocks_opioids_however_they_are_written(name, ingredient):
    result = screen_medication(name)

    assert result.is_opioid
    assert result.action == "block"
    assert result.ingredient == ingredient
    assert result.washout_days in (10, 14)
    assert result.reason


NOT_OPIOIDS = [
    # Look-alikes
    "Morphology",
    "Oxybutynin 5 mg",
    "Oxytocin",
    "hydrocortisone cream 1%",
    "hydroxychloroquine 200mg",
    "Metformin",
    "methotrexate 2.5 mg weekly",
    "methocarbamol",
    "Tylenol",
    "Tylenol 325 mg",
    "Tylenol PM",
    "Tylenol Extra Strength",
    "Robitussin DM",
    "dextromethorphan",
    "Delsym (dextromethorphan)",
    "trametinib",
    "fenofibrate",
    "Norvasc",
    "Lortadine",
    "loratadine",
    "Imitrex",
    "Ultravate",
    "promethazine",
    "Promethazine DM syrup",
    "codeine-free cough syrup",
    "Codeine free cough linctus",
    "Tylenol without codeine",
    "ibuprofen",
    "Nurofen",
    "",
    "   ",
    "///",
    # Antagonists: never flagged
    "naltrexone",
    "naltrexone 4.5 mg",
    "LDN",
    "low dose naltrexone 1.5mg",
    "naloxone",
    "Narcan nasal spray 4 mg",
    "nalmefene",
    "Opvee",
    "methylnaltrexone",
    "Relistor",
    "naloxegol",
    "Movantik",
    "naldemedine",
    "Symproic",
]


@pytest.mark.parametrize("name", NOT_OPIOIDS)
def test_it_does_not_flag_look_alikes_antagonists_or_dextromethorphan(name):
    result = screen_medication(name)

    assert result == ScreenResult(
        is_opioid=False,
        action="none",
        ingredient=None,
        group=None,
        washout_days=0,
        is_thyroid_hormone=False,
        thyroid_ingredient=None,
        reason="",
    )


def test_it_lists_no_antagonist_or_dextromethorphan_among_the_opioid_terms():
    never = {"naloxone", "nalmefene", "methylnaltrexone", "naloxegol"}
    never |= {"naldemedine", "dextromethorphan", "narcan", "relistor", "movantik", "symproic"}

    blocking = {t.text.lower() for t in TERMS if t.action in ("block", "warn")}

    assert not {w for term in blocking for w in term.split()} & never


@pytest.mark.parametrize(
    "name", ["Revia", "Vivitrol 380 mg injection", "naltrexone 50 mg", "Contrave", "Mysimba"]
)
def test_it_takes_full_dose_naltrexone_for_a_duplicate_of_the_ldn_not_an_opioid(name):
    result = screen_medication(name)

    assert result.full_dose_naltrexone
    assert not result.is_opioid and result.action == "none"
    assert "full dose" in result.reason


@pytest.mark.parametrize("name", ["percoset 5/325", "hydrocodon", "Oxycodon 10mg", "codeína"])
def test_it_recognises_misspellings_and_spanish_names(name):
    assert screen_medication(name).is_opioid


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("oxycodone", "full agonist"),
        ("Tylenol #3", "full agonist"),
        ("Suboxone", "partial agonist"),
        ("Talwin", "partial agonist"),
        ("promethazine with codeine syrup", "antitussive"),
        ("codeine/promethazine", "antitussive"),
        ("codeine linctus", "antitussive"),
        ("Tussionex", "antitussive"),
        ("Hycodan syrup", "antitussive"),
        ("Lomotil", "antidiarrheal"),
        ("paregoric", "antidiarrheal"),
        ("Imodium", "antidiarrheal"),
        ("kratom", "other"),
    ],
)
def test_it_names_the_opioid_group(name, group):
    assert screen_medication(name).group == group


@pytest.mark.parametrize(
    "name", ["Imodium", "Imodium A-D", "loperamide 2mg", "Loperamide HCl 2 mg caps", "Diamode"]
)
def test_it_only_warns_about_loperamide(name):
    result = screen_medication(name)

    assert result.is_opioid
    assert result.action == "warn"
    assert result.ingredient == "loperamide"
    assert result.washout_days == 0
    assert "gut" in result.reason


@pytest.mark.parametrize(
    "name",
    [
        "methadone 10 mg",
        "Methadose",
        "Dolophine",
        "buprenorphine",
        "Suboxone film 8/2",
        "Subutex",
        "Butrans patch",
        "Sublocade",
    ],
)
def test_it_gives_methadone_and_buprenorphine_the_longer_washout(name):
    assert screen_medication(name).washout_days == 14
    assert screen_medication(name, maintenance_washout_days=21).washout_days == 21


@pytest.mark.parametrize("name", ["oxycodone", "Tylenol #3", "Tussionex", "Lomotil", "kratom"])
def test_it_gives_other_opioids_the_ordinary_washout(name):
    assert screen_medication(name).washout_days == 10
    assert screen_medication(name, washout_days=7).washout_days == 7


def test_it_reports_the_opioid_that_blocks_before_one_that_only_warns():
    result = screen_medication("loperamide and codeine")

    assert (result.action, result.ingredient) == ("block", "codeine")


def test_it_reports_the_opioid_with_the_longest_washout():
    result = screen_medication("oxycodone; methadone 40 mg")

    assert (result.ingredient, result.washout_days) == ("methadone", 14)


def test_it_still_blocks_a_real_opioid_next_to_a_codeine_free_product():
    result = screen_medication("codeine-free cough syrup + oxycodone 5 mg")

    assert (result.action, result.ingredient) == ("block", "oxycodone")


def test_it_explains_a_block_in_plain_words():
    reason = screen_medication("Percocet 10/325").reason

    assert reason.startswith("Oxycodone is an opioid.")
    assert "withdrawal" in reason
    assert "10 days" in reason


def test_it_uses_the_singular_for_a_one_day_washout():
    assert "nor for 1 day after" in screen_medication("oxycodone", washout_days=1).reason


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
        ("liothyronine 5 mcg", "liothyronine"),
        ("Cytomel", "liothyronine"),
        ("liotrix", "liotrix"),
        ("Armour Thyroid 60 mg", "desiccated thyroid"),
        ("NP Thyroid", "desiccated thyroid"),
        ("Nature-Throid", "desiccated thyroid"),
        ("WP Thyroid", "desiccated thyroid"),
        ("thyroid extract", "desiccated thyroid"),
        ("desiccated thyroid (porcine)", "desiccated thyroid"),
    ],
)
def test_it_recognises_thyroid_hormones(name, ingredient):
    result = screen_medication(name)

    assert result.is_thyroid_hormone
    assert result.thyroid_ingredient == ingredient
    assert not result.is_opioid
    assert result.action == "none"
    assert "thyroid" in result.reason


@pytest.mark.parametrize(
    "name", ["carbimazole", "methimazole", "Tapazole", "propylthiouracil", "thyroid", "TSH"]
)
def test_it_does_not_take_antithyroid_drugs_or_the_word_thyroid_for_a_hormone(name):
    assert not screen_medication(name).is_thyroid_hormone


def test_it_reports_an_opioid_and_a_thyroid_hormone_in_the_same_entry():
    result = screen_medication("Synthroid + Norco")

    assert result.is_opioid and result.is_thyroid_hormone
    assert (result.ingredient, result.thyroid_ingredient) == ("hydrocodone", "levothyroxine")
    assert "opioid" in result.reason and "thyroid hormone" in result.reason


HARMLESS = st.sampled_from(["tablet", "5", "mg", "ER", "/", "-", "(", ")", "#", "daily", "prn"])


@given(
    before=st.lists(HARMLESS, max_size=4),
    after=st.lists(HARMLESS, max_size=4),
    term=st.sampled_from(
        [t.text for t in TERMS if t.action == "block" and t.min_mg is None and " " not in t.text]
    ),
)
def test_it_finds_any_listed_opioid_among_strengths_and_punctuation(before, after, term):
    result = screen_medication(" ".join([*before, term, *after]))

    assert result.action == "block", term
