"""Dose rules for LDN: check that a dose is in range and can be measured with the patient's
formulation, and say how to take it.

Pure: plain values in, decisions with reasons out. No ORM, no clock, no settings reads.
Dose bands, standard-dose naltrexone and the formulations LDN is compounded into:
docs/clinical-rules.md, section 1 ("Doses and formulations").
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations_with_replacement

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.lib.formats import mg

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
    values = {"dose": mg(dose)}
    if formulation.kind == LIQUID:
        concentration = formulation.concentration_mg_per_ml
        if _whole_count(dose, concentration * ML_STEP) is not None:
            return None
        values["conc"] = mg(concentration)
        values["step"] = mg(concentration * ML_STEP)
        message = _(
            "%(dose)s mg cannot be measured: your %(conc)s mg/mL liquid is measured in 0.1 mL "
            "steps, so doses go in steps of %(step)s mg."
        )
    elif formulation.kind == DROPS:
        if _whole_count(dose, formulation.mg_per_drop) is not None:
            return None
        values["per_drop"] = mg(formulation.mg_per_drop)
        message = _(
            "%(dose)s mg cannot be given in whole drops: each drop holds %(per_drop)s mg, so "
            "doses go in steps of %(per_drop)s mg."
        )
    else:
        if _capsules_for(dose, formulation.capsule_strengths_mg) is not None:
            return None
        strengths = sorted(set(formulation.capsule_strengths_mg))
        values["max"] = MAX_CAPSULES
        values["strengths"] = ", ".join(f"{mg(s)} mg" for s in strengths)
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

    Toljan & Vrooman 2018 (docs/clinical-rules.md §1.2): LDN is 1-5 mg, very-low doses go down
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
    dose = mg(dose_mg)
    if dose_mg >= limits.standard_dose_mg:
        return [
            _(
                "%(dose)s mg is standard-dose naltrexone, a different product. LDN doses are "
                "below %(standard)s mg."
            )
            % {"dose": dose, "standard": mg(limits.standard_dose_mg)}
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
            % {"dose": dose, "max": mg(top)}
        )
    if dose_mg > limits.protocol_ceiling_mg and not above_ceiling_decision:
        errors.append(
            _(
                "%(dose)s mg is above this protocol's ceiling of %(ceiling)s mg. Going higher "
                "needs an explicit decision by the provider."
            )
            % {"dose": dose, "ceiling": mg(limits.protocol_ceiling_mg)}
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
    dose = mg(dose_mg)
    if amount.kind == LIQUID:
        return _("%(dose)s mg: %(ml)s mL of your %(conc)s mg/mL liquid") % {
            "dose": dose,
            "ml": format_ml(amount.volume_ml),
            "conc": mg(formulation.concentration_mg_per_ml),
        }
    if amount.kind == DROPS:
        return ngettext(
            "%(dose)s mg: %(count)d drop (%(per_drop)s mg per drop)",
            "%(dose)s mg: %(count)d drops (%(per_drop)s mg per drop)",
            amount.drops,
        ) % {
            "dose": dose,
            "count": amount.drops,
            "per_drop": mg(formulation.mg_per_drop),
        }
    parts = [
        ngettext("%(count)d capsule of %(mg)s mg", "%(count)d capsules of %(mg)s mg", count)
        % {"count": count, "mg": mg(strength)}
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
    Research Trust; docs/clinical-rules.md §3.6). Raises ValueError for an unusable formulation."""
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


def measurable_doses(formulation: Formulation, *, upto: Decimal) -> tuple[Decimal, ...]:
    """Every dose from the smallest up to `upto` that the formulation can measure, ascending:
    whole capsules (at most MAX_CAPSULES of the strengths available), or whole steps of
    0.1 mL of liquid or of one drop. The engine steps back only to one of these."""
    problem = formulation_problem(formulation)
    if problem:
        raise ValueError(problem)
    if formulation.kind == CAPSULE:
        strengths = sorted(set(formulation.capsule_strengths_mg))
        sums = {
            sum(combo)
            for n in range(1, MAX_CAPSULES + 1)
            for combo in combinations_with_replacement(strengths, n)
        }
        return tuple(sorted(d.normalize() for d in sums if d <= upto))
    quantum = dose_quantum(formulation)
    count = int(upto / quantum)
    return tuple((quantum * n).normalize() for n in range(1, count + 1))
