"""Safety rules for LDN: screen a medication name for opioids and thyroid hormones, and check
that a dose is in range and can be measured with the patient's formulation.

Pure: plain values in, decisions with reasons out. No ORM, no clock, no settings reads.

Sources are in /work/shared/design/CLINICAL.md:

- Section 2, "Contraindications and cautions": the naltrexone label (current opioids and
  opioid dependence are contraindications; be opioid-free for 7-10 days; up to 2 weeks after
  methadone or buprenorphine), the consumer monograph (no opioid within 10 days, no methadone
  or buprenorphine within 14), the opioid matching list built on the WHO ATC classes N02A
  (opioids), R05DA (opium-derived antitussives), A07DA (antipropulsives) and N07BC (drugs for
  opioid dependence), and the thyroid cautions (Bihari; LDN Research Trust).
- Section 1, "Dose ranges and titration": dose bands (Toljan & Vrooman 2018), standard-dose
  naltrexone at 25-50 mg (label), and the formulations LDN is compounded into.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations_with_replacement

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


# Dose rules ---------------------------------------------------------------------------------

CAPSULE, LIQUID, DROPS = "capsule", "liquid", "drops"
MAX_CAPSULES = 4  # [design] more capsules than this per dose is not a sensible way to take it
ML_STEP = Decimal("0.1")  # [design] oral syringes for compounded liquids measure 0.1 mL


@dataclass(frozen=True)
class Formulation:
    kind: str  # "capsule" | "liquid" | "drops"
    capsule_strengths_mg: tuple[Decimal, ...] = ()
    concentration_mg_per_ml: Decimal | None = None  # liquid
    mg_per_drop: Decimal | None = None  # sublingual drops


@dataclass(frozen=True)
class DoseLimits:
    protocol_ceiling_mg: Decimal
    ldn_max_mg: Decimal = Decimal(6)  # [design] refuse above 6 mg (Mayo finals 0.8-9 mg)
    standard_dose_mg: Decimal = Decimal(25)  # 25 mg+ is standard-dose naltrexone (label)
    allowed_ceiling_mg: Decimal | None = None  # an administrator's ceiling above ldn_max_mg


@dataclass(frozen=True)
class DoseAmount:
    kind: str
    volume_ml: Decimal | None = None  # liquid, quantised to 0.1 mL
    drops: int | None = None
    capsules: tuple[tuple[Decimal, int], ...] = ()  # (strength, count), larger strengths first


def format_decimal(value: Decimal) -> str:
    """A number for people: "3", "4.5", "0.25" (no trailing zeros, no exponent)."""
    return f"{value.normalize():f}"


def format_ml(value: Decimal) -> str:
    """A liquid volume, always with one decimal: "3.0"."""
    return f"{value.quantize(ML_STEP):f}"


def _positive(value: Decimal | None) -> bool:
    return value is not None and value.is_finite() and value > 0


def formulation_problem(formulation: Formulation) -> str | None:
    """What is missing or impossible in a formulation, or None when it can be used."""
    kind = formulation.kind
    if kind == CAPSULE:
        if not formulation.capsule_strengths_mg:
            return _("Capsules need at least one strength in mg.")
        if not all(_positive(s) for s in formulation.capsule_strengths_mg):
            return _("Every capsule strength must be more than 0 mg.")
    elif kind == LIQUID:
        if formulation.concentration_mg_per_ml is None:
            return _("A liquid needs its concentration in mg per mL.")
        if not _positive(formulation.concentration_mg_per_ml):
            return _("A liquid's concentration must be more than 0 mg per mL.")
    elif kind == DROPS:
        if formulation.mg_per_drop is None:
            return _("Drops need the amount of naltrexone in each drop, in mg.")
        if not _positive(formulation.mg_per_drop):
            return _("The amount in each drop must be more than 0 mg.")
    else:
        return _("The form must be capsule, liquid or drops.")
    return None


def _whole_count(amount: Decimal, unit: Decimal) -> int | None:
    """How many units make exactly amount, or None when no whole number does."""
    count = (amount / unit).to_integral_value()
    return int(count) if count > 0 and count * unit == amount else None


def _capsules_for(
    dose: Decimal, strengths: tuple[Decimal, ...]
) -> tuple[tuple[Decimal, int], ...] | None:
    """The fewest capsules (at most MAX_CAPSULES) that add up to dose; ties go to fewer
    distinct strengths, then larger strengths first. None when no combination works."""
    available = sorted(set(strengths), reverse=True)
    for n in range(1, MAX_CAPSULES + 1):
        combos = [c for c in combinations_with_replacement(available, n) if sum(c) == dose]
        if combos:
            best = min(combos, key=lambda c: (len(set(c)), [-s for s in c]))
            return tuple((s, best.count(s)) for s in sorted(set(best), reverse=True))
    return None


def _delivery_problem(dose: Decimal, formulation: Formulation) -> str | None:
    """Why dose cannot be measured with a (usable) formulation, or None when it can."""
    values = {"dose": format_decimal(dose)}
    if formulation.kind == LIQUID:
        concentration = formulation.concentration_mg_per_ml
        if _whole_count(dose, concentration * ML_STEP) is not None:
            return None
        values["conc"] = format_decimal(concentration)
        values["step"] = format_decimal(concentration * ML_STEP)
        message = _(
            "%(dose)s mg cannot be measured: your %(conc)s mg/mL liquid is measured in 0.1 mL "
            "steps, so doses go in steps of %(step)s mg."
        )
    elif formulation.kind == DROPS:
        if _whole_count(dose, formulation.mg_per_drop) is not None:
            return None
        values["per_drop"] = format_decimal(formulation.mg_per_drop)
        message = _(
            "%(dose)s mg cannot be given in whole drops: each drop holds %(per_drop)s mg, so "
            "doses go in steps of %(per_drop)s mg."
        )
    else:
        if _capsules_for(dose, formulation.capsule_strengths_mg) is not None:
            return None
        strengths = sorted(set(formulation.capsule_strengths_mg))
        values["max"] = MAX_CAPSULES
        values["strengths"] = ", ".join(f"{format_decimal(s)} mg" for s in strengths)
        message = _(
            "%(dose)s mg cannot be made from at most %(max)d whole capsules of the strengths "
            "available (%(strengths)s)."
        )
    return message % values


def check_dose(
    dose_mg: Decimal,
    formulation: Formulation,
    limits: DoseLimits,
    *,
    above_ceiling_decision: bool = False,
) -> list[str]:
    """Everything wrong with a daily dose, as messages for people; empty when it is fine.

    Dose bands (Toljan & Vrooman 2018, CLINICAL.md 1): LDN is 1-5 mg, very-low doses go down
    to 1 µg, so any dose above 0 is allowed at the low end. 25 mg and more is standard-dose
    naltrexone (the label's starting dose), a different product, and is always refused.
    [design] Above 6 mg is outside the LDN range (Mayo real-world finals 0.8-9 mg) unless an
    administrator configured a higher ceiling; above the protocol's ceiling needs an explicit
    provider decision; the dose must be measurable with the formulation.
    """
    if not dose_mg.is_finite():
        return [_("Enter the dose as a number of mg.")]
    if dose_mg <= 0:
        return [_("A dose must be more than 0 mg.")]
    dose = format_decimal(dose_mg)
    if dose_mg >= limits.standard_dose_mg:
        return [
            _(
                "%(dose)s mg is standard-dose naltrexone, a different product. LDN doses are "
                "below %(standard)s mg."
            )
            % {"dose": dose, "standard": format_decimal(limits.standard_dose_mg)}
        ]
    errors = []
    ceiling = limits.allowed_ceiling_mg
    if dose_mg > limits.ldn_max_mg and not (ceiling is not None and dose_mg <= ceiling):
        top = max(limits.ldn_max_mg, ceiling) if ceiling is not None else limits.ldn_max_mg
        errors.append(
            _(
                "%(dose)s mg is above the LDN range. Doses up to %(max)s mg are allowed unless "
                "an administrator sets a higher ceiling."
            )
            % {"dose": dose, "max": format_decimal(top)}
        )
    if dose_mg > limits.protocol_ceiling_mg and not above_ceiling_decision:
        errors.append(
            _(
                "%(dose)s mg is above this protocol's ceiling of %(ceiling)s mg. Going higher "
                "needs an explicit decision by the provider."
            )
            % {"dose": dose, "ceiling": format_decimal(limits.protocol_ceiling_mg)}
        )
    problem = formulation_problem(formulation) or _delivery_problem(dose_mg, formulation)
    if problem:
        errors.append(problem)
    return errors


def dose_amount(dose_mg: Decimal, formulation: Formulation) -> DoseAmount:
    """How to take a dose with a formulation. Raises ValueError when it cannot be measured;
    check_dose explains why in words for people."""
    problem = formulation_problem(formulation)
    if problem is None and not (dose_mg.is_finite() and dose_mg > 0):
        problem = "dose must be more than 0 mg"
    problem = problem or _delivery_problem(dose_mg, formulation)
    if problem:
        raise ValueError(problem)
    if formulation.kind == LIQUID:
        volume = dose_mg / formulation.concentration_mg_per_ml
        return DoseAmount(LIQUID, volume_ml=volume.quantize(ML_STEP))
    if formulation.kind == DROPS:
        return DoseAmount(DROPS, drops=_whole_count(dose_mg, formulation.mg_per_drop))
    return DoseAmount(CAPSULE, capsules=_capsules_for(dose_mg, formulation.capsule_strengths_mg))


def describe_dose(dose_mg: Decimal, formulation: Formulation) -> str:
    """One line for people: "3 mg: 3.0 mL of your 1 mg/mL liquid", "4.5 mg: 1 capsule of
    4.5 mg", "1.5 mg: 3 drops (0.5 mg per drop)". Raises ValueError like dose_amount."""
    amount = dose_amount(dose_mg, formulation)
    dose = format_decimal(dose_mg)
    if amount.kind == LIQUID:
        return _("%(dose)s mg: %(ml)s mL of your %(conc)s mg/mL liquid") % {
            "dose": dose,
            "ml": format_ml(amount.volume_ml),
            "conc": format_decimal(formulation.concentration_mg_per_ml),
        }
    if amount.kind == DROPS:
        return ngettext(
            "%(dose)s mg: %(count)d drop (%(per_drop)s mg per drop)",
            "%(dose)s mg: %(count)d drops (%(per_drop)s mg per drop)",
            amount.drops,
        ) % {
            "dose": dose,
            "count": amount.drops,
            "per_drop": format_decimal(formulation.mg_per_drop),
        }
    parts = [
        ngettext("%(count)d capsule of %(mg)s mg", "%(count)d capsules of %(mg)s mg", count)
        % {"count": count, "mg": format_decimal(strength)}
        for strength, count in amount.capsules
    ]
    if len(parts) > 1:
        and_last = {"first": ", ".join(parts[:-1]), "last": parts[-1]}
        parts = [_("%(first)s and %(last)s") % and_last]
    return _("%(dose)s mg: %(capsules)s") % {"dose": dose, "capsules": parts[0]}


def dose_quantum(formulation: Formulation) -> Decimal:
    """The finest dose step the formulation measures: one 0.1 mL of liquid, one drop, or the
    largest amount every capsule strength is a whole multiple of. A step back that halves
    the dose rounds down to it, so the new dose can be measured ("halve the dose", LDN
    Research Trust, Dickson; CLINICAL.md 1). Raises ValueError for an unusable formulation."""
    problem = formulation_problem(formulation)
    if problem:
        raise ValueError(problem)
    if formulation.kind == LIQUID:
        return (formulation.concentration_mg_per_ml * ML_STEP).normalize()
    if formulation.kind == DROPS:
        return formulation.mg_per_drop.normalize()
    scale = 1000  # strengths are stored to the microgram
    whole = [int((s * scale).to_integral_value()) for s in formulation.capsule_strengths_mg]
    common = whole[0]
    for value in whole[1:]:
        common = math.gcd(common, value)
    return (Decimal(max(common, 1)) / scale).normalize()


def fine_steps_hint(formulation: Formulation) -> str:
    """What to suggest when a protocol's steps cannot be measured with a formulation."""
    if formulation.kind == CAPSULE:
        return _(
            "Capsules only make whole-capsule doses. For small steps, use a liquid (e.g. 1 mg "
            "per mL, measured in 0.1 mL steps) or sublingual drops."
        )
    return _("Choose a formulation that measures this step, e.g. a 1 mg/mL liquid.")
