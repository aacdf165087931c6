"""Medication screening: recognise opioids (naltrexone blocks them) and thyroid hormones
(LDN can change how much of them a patient needs) in a medication name as people type it.

Pure: plain values in, a result with reasons out. No ORM, no clock, no settings reads (the
washout days are passed in). Sources, the matching list and the washout rules:
docs/clinical-rules.md, section 2 ("Opioids and naltrexone").
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BLOCK, WARN, NONE = "block", "warn", "none"
FULL_AGONIST = "full agonist"
PARTIAL_AGONIST = "partial agonist"
ANTITUSSIVE = "antitussive"
ANTIDIARRHEAL = "antidiarrheal"
OTHER = "other"


@dataclass(frozen=True)
class Opioid:
    ingredient: str  # lower-case generic name
    group: str
    terms: tuple[str, ...]  # generic names, brands and phrases, written as people type them
    action: str = BLOCK
    maintenance: bool = False  # methadone/buprenorphine: the longer washout applies


# The opioid matching list of CLINICAL.md section 2 (ATC N02A, R05DA, A07DA, N07BC), with the
# brands people are likely to type. Terms match whole words, so "Morphology" is not morphine.
# Antagonists (naloxone, nalmefene, naltrexone, methylnaltrexone, naloxegol, naldemedine)
# and dextromethorphan are deliberately absent: they must never be flagged.
# fmt: off
OPIOIDS: tuple[Opioid, ...] = (
    # Full agonists and their combinations (paracetamol, NSAIDs, aspirin, naloxone)
    Opioid("morphine", FULL_AGONIST, ("morphine", "MS Contin", "MSContin", "MSIR", "MST Continus",
        "Kadian", "Avinza", "Arymo", "MorphaBond", "Oramorph", "Sevredol", "Zomorph")),
    Opioid("oxycodone", FULL_AGONIST, ("oxycodone", "OxyContin", "Roxicodone", "Xtampza",
        "Oxaydo", "RoxyBond", "OxyNorm", "Oxy IR", "OxyIR", "Endone", "Percocet", "Endocet",
        "Roxicet", "Percodan", "Primlev", "Nalocet", "Prolate", "Xartemis", "Targin")),
    Opioid("hydrocodone", FULL_AGONIST, ("hydrocodone", "Hysingla", "Zohydro", "Vantrela",
        "Vicodin", "Norco", "Lortab", "Lorcet", "Xodol", "Verdrocet", "Vicoprofen",
        "Reprexain", "Ibudone")),
    Opioid("benzhydrocodone", FULL_AGONIST, ("benzhydrocodone", "Apadaz")),
    Opioid("hydromorphone", FULL_AGONIST, ("hydromorphone", "Dilaudid", "Exalgo", "Palladone",
        "Jurnista", "Hydromorph Contin")),
    Opioid("oxymorphone", FULL_AGONIST, ("oxymorphone", "Opana")),
    Opioid("codeine", FULL_AGONIST, ("codeine", "Tylenol #3", "Tylenol #4", "Tylenol No. 3",
        "Tylenol No. 4", "co-codamol", "cocodamol", "Solpadeine", "Kapake", "Zapain",
        "Panadeine", "Nurofen Plus", "Migraleve")),
    Opioid("dihydrocodeine", FULL_AGONIST, ("dihydrocodeine", "co-dydramol", "codydramol",
        "DF118", "DHC Continus", "Synalgos-DC")),
    Opioid("fentanyl", FULL_AGONIST, ("fentanyl", "Duragesic", "Actiq", "Fentora", "Abstral",
        "Subsys", "Lazanda", "Onsolis", "Instanyl", "PecFent")),
    Opioid("sufentanil", FULL_AGONIST, ("sufentanil", "Dsuvia", "Zalviso")),
    Opioid("alfentanil", FULL_AGONIST, ("alfentanil",)),
    Opioid("remifentanil", FULL_AGONIST, ("remifentanil", "Ultiva")),
    Opioid("meperidine", FULL_AGONIST, ("meperidine", "pethidine", "Demerol")),
    Opioid("levorphanol", FULL_AGONIST, ("levorphanol",)),
    Opioid("methadone", FULL_AGONIST, ("methadone", "Dolophine", "Methadose", "Physeptone",
        "Metadol Diskets", "Diskets"), maintenance=True),
    Opioid("diamorphine", FULL_AGONIST, ("diamorphine", "diacetylmorphine", "heroin")),
    Opioid("tramadol", FULL_AGONIST, ("tramadol", "Ultram", "ConZip", "Zydol", "Tramal",
        "Zamadol", "Qdolo", "Ultracet", "Seglentis")),
    Opioid("tapentadol", FULL_AGONIST, ("tapentadol", "Nucynta", "Palexia")),
    Opioid("tilidine", FULL_AGONIST, ("tilidine", "Valoron")),
    # Partial agonists and mixed agonist-antagonists (N07BC and N02AE/N02AF)
    Opioid("buprenorphine", PARTIAL_AGONIST, ("buprenorphine", "Butrans", "Belbuca",
        "Transtec", "Norspan", "Temgesic", "Buprenex", "Subutex", "Suboxone", "Zubsolv",
        "Bunavail", "Sublocade", "Brixadi", "Espranor", "Cassipa"), maintenance=True),
    Opioid("butorphanol", PARTIAL_AGONIST, ("butorphanol", "Stadol")),
    Opioid("pentazocine", PARTIAL_AGONIST, ("pentazocine", "Talwin")),
    Opioid("nalbuphine", PARTIAL_AGONIST, ("nalbuphine", "Nubain")),
    # Antitussives (R05DA): cough products, named more specifically than the bare ingredient
    Opioid("codeine", ANTITUSSIVE, ("promethazine codeine", "codeine promethazine",
        "Phenergan codeine", "guaifenesin codeine", "codeine guaifenesin",
        "codeine chlorpheniramine", "Tuzistra", "Tuxarin", "Robitussin AC", "Cheratussin AC",
        "codeine linctus", "codeine cough", "codeine syrup")),
    Opioid("hydrocodone", ANTITUSSIVE, ("hydrocodone homatropine",
        "hydrocodone chlorpheniramine", "Tussionex", "Hycodan", "Hycofenix", "hydrocodone cough",
        "hydrocodone syrup")),
    # Antidiarrheals (A07DA)
    Opioid("diphenoxylate", ANTIDIARRHEAL, ("diphenoxylate", "Lomotil", "Lonox",
        "co-phenotrope", "cophenotrope")),
    Opioid("difenoxin", ANTIDIARRHEAL, ("difenoxin", "Motofen")),
    Opioid("opium", ANTIDIARRHEAL, ("opium", "paregoric", "laudanum")),
    Opioid("eluxadoline", ANTIDIARRHEAL, ("eluxadoline", "Viberzi", "Truberzi")),
    # [design] Loperamide acts mainly in the gut: a warning, not a hard stop.
    Opioid("loperamide", ANTIDIARRHEAL, ("loperamide", "Imodium", "Diamode"), action=WARN),
    # Other
    Opioid("kratom", OTHER, ("kratom", "mitragynine", "Mitragyna speciosa",
        "7-hydroxymitragynine", "hydroxymitragynine", "7-OH")),
)

# Thyroid hormones (CLINICAL.md section 2, "Thyroid"). Plain "thyroid" is not matched: it
# names the gland far more often than the drug. Antithyroid drugs (methimazole, carbimazole,
# propylthiouracil) are not thyroid hormones and are absent.
THYROID_HORMONES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("levothyroxine", ("levothyroxine", "L-thyroxine", "thyroxine", "Synthroid", "Levoxyl",
        "Unithroid", "Euthyrox", "Tirosint", "Eltroxin", "Levo-T", "Levothroid")),
    ("liothyronine", ("liothyronine", "Cytomel", "Triostat")),
    ("liotrix", ("liotrix", "Thyrolar")),
    ("desiccated thyroid", ("desiccated thyroid", "thyroid extract", "Armour Thyroid",
        "NP Thyroid", "Nature-Throid", "NatureThroid", "WP Thyroid", "Westhroid",
        "Niva Thyroid", "Adthyza", "porcine thyroid", "thyroid USP")),
)
# fmt: on

# Words dropped before matching, so "Tylenol w/ codeine" reads as "tylenol codeine".
_FILLER = frozenset({"with", "w", "and"})
# "codeine-free cough syrup", "Tylenol without codeine": the ingredient is named only to say
# it is absent, so that mention does not count. A real opioid elsewhere in the text still does.
_NEGATED_BEFORE = frozenset({"without", "no", "non"})
_NEGATED_AFTER = frozenset({"free"})


def _tokens(text: str) -> tuple[str, ...]:
    """Lower-case words and numbers; accents, punctuation, strengths' units split apart."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return tuple(t for t in re.findall(r"[a-z]+|[0-9]+", plain) if t not in _FILLER)


def _mentions(tokens: tuple[str, ...], terms: tuple[tuple[str, ...], ...]) -> int:
    """The length of the longest term named (not negated) in tokens; 0 when none is."""
    best = 0
    for term in terms:
        n = len(term)
        for i in range(len(tokens) - n + 1):
            if tokens[i : i + n] != term:
                continue
            before = tokens[i - 1] if i > 0 else ""
            after = tokens[i + n] if i + n < len(tokens) else ""
            if before not in _NEGATED_BEFORE and after not in _NEGATED_AFTER:
                best = max(best, n)
    return best


def _compile(terms: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(_tokens(term) for term in terms)


_OPIOID_TERMS = tuple((entry, _compile(entry.terms)) for entry in OPIOIDS)
_THYROID_TERMS = tuple((name, _compile(terms)) for name, terms in THYROID_HORMONES)


@dataclass(frozen=True)
class ScreenResult:
    is_opioid: bool
    action: str  # "block", "warn" or "none"
    ingredient: str | None  # the matched opioid ingredient, lower-case generic name
    group: str | None  # "full agonist", "partial agonist", "antitussive", "antidiarrheal", "other"
    washout_days: int  # 0 when not an opioid or when only a warning applies
    is_thyroid_hormone: bool
    thyroid_ingredient: str | None  # levothyroxine, liothyronine, liotrix, desiccated thyroid
    reason: str  # plain sentences for people; empty when nothing matched


def _find_opioid(tokens: tuple[str, ...], washout: int, maintenance: int) -> Opioid | None:
    """The match that matters most: a block before a warning, then the longest washout, then
    the most specific term ("promethazine codeine" over "codeine"), then list order."""
    found = []
    for order, (entry, terms) in enumerate(_OPIOID_TERMS):
        if length := _mentions(tokens, terms):
            days = maintenance if entry.maintenance else washout
            found.append(((entry.action != BLOCK, -days, -length, order), entry))
    return min(found, key=lambda pair: pair[0])[1] if found else None


def _find_thyroid(tokens: tuple[str, ...]) -> str | None:
    return next((name for name, terms in _THYROID_TERMS if _mentions(tokens, terms)), None)


def _opioid_reason(entry: Opioid, days: int) -> str:
    name = entry.ingredient.capitalize()
    if entry.action == WARN:
        return _(
            "%(name)s is an opioid that acts mainly in the gut. Naltrexone may make it work "
            "less well, so tell your clinician if you use it."
        ) % {"name": name}
    return ngettext(
        "%(name)s is an opioid. Naltrexone blocks opioids and can bring on sudden withdrawal, "
        "so it has to be stopped at least %(days)d day before starting.",
        "%(name)s is an opioid. Naltrexone blocks opioids and can bring on sudden withdrawal, "
        "so it has to be stopped at least %(days)d days before starting.",
        days,
    ) % {"name": name, "days": days}


def _thyroid_reason(ingredient: str) -> str:
    return _(
        "%(name)s is a thyroid hormone. LDN can change how much of it you need, so the dose "
        "goes up slowly and your thyroid blood tests are checked."
    ) % {"name": ingredient.capitalize()}


def screen_medication(
    name: str, *, washout_days: int = 10, maintenance_washout_days: int = 14
) -> ScreenResult:
    """Screen a free-text medication name for opioids and thyroid hormones.

    Naltrexone label: current opioids and opioid dependence (methadone, buprenorphine) are
    contraindications; be opioid-free 7-10 days, and up to 2 weeks after methadone or
    buprenorphine because withdrawal can be precipitated that long. The defaults follow the
    consumer monograph: 10 days, 14 for methadone and buprenorphine (CLINICAL.md 2). The
    [design] note makes the block a hard stop a provider can override with a reason.
    Loperamide acts mainly in the gut ([design]): a warning with no washout.
    """
    tokens = _tokens(name)
    opioid = _find_opioid(tokens, washout_days, maintenance_washout_days)
    thyroid = _find_thyroid(tokens)
    days = 0
    if opioid is not None and opioid.action == BLOCK:
        days = maintenance_washout_days if opioid.maintenance else washout_days
    reasons = []
    if opioid is not None:
        reasons.append(_opioid_reason(opioid, days))
    if thyroid is not None:
        reasons.append(_thyroid_reason(thyroid))
    return ScreenResult(
        is_opioid=opioid is not None,
        action=opioid.action if opioid is not None else NONE,
        ingredient=opioid.ingredient if opioid is not None else None,
        group=opioid.group if opioid is not None else None,
        washout_days=days,
        is_thyroid_hormone=thyroid is not None,
        thyroid_ingredient=thyroid,
        reason=" ".join(reasons),
    )
