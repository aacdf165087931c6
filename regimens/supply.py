"""Supply rules: how long the naltrexone a patient has lasts, which fill cannot measure a
step of the plan, how much a refill needs, and what makes a recorded fill impossible.

Pure: plain values in, results out. No ORM, no clock, no settings reads: today, the doses of
each day and the limits are passed in (docs/clinical-rules.md §8.3).

Counting (§8.3): each fill adds its capsules, millilitres or drops on its date. Every day with
a dose takes it from what is left, in the fewest capsules of the strengths in hand (or the
volume of a liquid, or the drops) that make the dose exactly. A day before today counts the
dose log's dose when it says "taken", nothing when it says skipped or missed, and the plan's
dose when nothing was logged; today and later follow the plan: future steps on their dates,
holds as the steps were moved, no dose on a day without LDN (a planned pause, an opioid and
its washout) nor while the regimen is paused. The supply runs out on the first day whose dose
cannot be given from what is left: used up, or left only in a strength that cannot make it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations_with_replacement

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.lib.formats import day as long_day
from portal.lib.formats import mg
from regimens import safety

CAPSULE, LIQUID, DROPS = safety.CAPSULE, safety.LIQUID, safety.DROPS
USED_UP, CANNOT_MEASURE = "used_up", "cannot_measure"


@dataclass(frozen=True)
class Fill:
    """One fill from the pharmacy: its date, form, strength (mg per capsule, per mL or per
    drop) and quantity (capsules, mL or drops)."""

    on: date
    form: str
    strength_mg: Decimal
    quantity: Decimal

    def formulation(self) -> safety.Formulation:
        return formulation_of(self.form, self.strength_mg)


def formulation_of(form: str, strength_mg: Decimal) -> safety.Formulation:
    if form == LIQUID:
        return safety.Formulation(kind=LIQUID, concentration_mg_per_ml=strength_mg)
    if form == DROPS:
        return safety.Formulation(kind=DROPS, mg_per_drop=strength_mg)
    return safety.Formulation(kind=CAPSULE, capsule_strengths_mg=(strength_mg,))


def can_measure(form: str, strength_mg: Decimal, dose_mg: Decimal) -> bool:
    """Whether this form and strength make `dose_mg` exactly (safety's rules: whole capsules,
    at most safety.MAX_CAPSULES; 0.1 mL of liquid; whole drops)."""
    try:
        safety.dose_amount(dose_mg, formulation_of(form, strength_mg))
    except ValueError:
        return False
    return True


def unit_label(form: str, strength_mg: Decimal, quantity: Decimal) -> str:
    """ "30 capsules of 1.5 mg", "45.0 mL of a 1 mg/mL liquid", "90 drops of 0.5 mg"."""
    if form == LIQUID:
        return _("%(ml)s mL of a %(conc)s mg/mL liquid") % {
            "ml": safety.format_ml(quantity),
            "conc": mg(strength_mg),
        }
    count = int(quantity)
    if form == DROPS:
        return ngettext("%(count)d drop of %(mg)s mg", "%(count)d drops of %(mg)s mg", count) % {
            "count": count,
            "mg": mg(strength_mg),
        }
    return ngettext("%(count)d capsule of %(mg)s mg", "%(count)d capsules of %(mg)s mg", count) % {
        "count": count,
        "mg": mg(strength_mg),
    }


# The doses of each day ----------------------------------------------------------------------


def daily_doses(
    *,
    steps: Iterable[tuple[date, Decimal]],
    logged: Mapping[date, Decimal | None],
    no_ldn: Iterable[date],
    today: date,
    first: date,
    last: date,
    paused_from: date | None = None,
) -> dict[date, Decimal]:
    """The dose taken (before today) or to take (today on) each day from `first` to `last`;
    a day without a dose is absent.

    `steps` are (first day, dose) of the regimen's steps, begun or planned: a step lasts until
    the next begins. `logged` is the dose log: a day's dose when it says taken, None when it
    says skipped or missed. `no_ldn` are the days LDN must not be taken; `paused_from` is the
    first day of a pause of the regimen with no restart decided (no dose from then on).
    """
    ordered = sorted(steps)
    blocked = set(no_ldn)
    doses: dict[date, Decimal] = {}
    day, index, current = first, 0, None
    while day <= last:
        while index < len(ordered) and ordered[index][0] <= day:
            current = ordered[index][1]
            index += 1
        planned = current is not None and day not in blocked
        if day >= today and paused_from is not None and day >= paused_from:
            planned = False
        if day in logged and day <= today:
            if logged[day] is not None:
                doses[day] = logged[day]
        elif planned:
            doses[day] = current
        day += timedelta(days=1)
    return doses


# How long the supply lasts ------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """What the fills give from the first of them on."""

    runs_out_on: date | None  # the first day whose dose cannot be given; None: lasts past `last`
    why: str = ""  # USED_UP or CANNOT_MEASURE
    short_dose_mg: Decimal | None = None  # the dose that could not be given that day
    last_dose_on: date | None = None  # the last day given from the supply before running out
    days_left: int | None = None  # from today to runs_out_on (0: nothing for today)
    in_hand: tuple[tuple[str, Decimal, Decimal], ...] = ()  # (form, strength, quantity) today
    fills: tuple[Fill, ...] = field(default_factory=tuple)


def _take(stock: dict[tuple[str, Decimal], Decimal], dose: Decimal) -> bool:
    """Take `dose` from `stock` (changed in place): the first liquid or drops in hand that
    measure it, else the fewest capsules of the strengths in hand. False when nothing can."""
    for (form, strength), left in stock.items():
        if form == CAPSULE or left <= 0 or not can_measure(form, strength, dose):
            continue
        needed = dose / strength if form == LIQUID else (dose / strength).to_integral_value()
        if needed <= left:
            stock[(form, strength)] = left - needed
            return True
    strengths = sorted(
        (s for (form, s), left in stock.items() if form == CAPSULE and left >= 1), reverse=True
    )
    for count in range(1, safety.MAX_CAPSULES + 1):
        combos = [
            combo
            for combo in combinations_with_replacement(strengths, count)
            if sum(combo) == dose and all(combo.count(s) <= stock[(CAPSULE, s)] for s in combo)
        ]
        if combos:
            best = min(combos, key=lambda c: (len(set(c)), [-s for s in c]))
            for strength in best:
                stock[(CAPSULE, strength)] -= 1
            return True
    return False


def _could_make(stock: dict[tuple[str, Decimal], Decimal], dose: Decimal) -> bool:
    """Whether the strengths ever filled make `dose` given enough of them: False means what
    is in hand is the wrong strength, not too little."""
    capsules = tuple(s for (form, s) in stock if form == CAPSULE)
    if capsules and can_measure_capsules(capsules, dose):
        return True
    return any(can_measure(f, s, dose) for (f, s) in stock if f != CAPSULE)


def can_measure_capsules(strengths: tuple[Decimal, ...], dose: Decimal) -> bool:
    try:
        safety.dose_amount(dose, safety.Formulation(kind=CAPSULE, capsule_strengths_mg=strengths))
    except ValueError:
        return False
    return True


def forecast(
    *, fills: Iterable[Fill], doses: Mapping[date, Decimal], today: date, last: date
) -> Forecast:
    """Day by day from the first fill to `last`: what is left and the first day whose dose
    cannot be given (docs/clinical-rules.md §8.3)."""
    fills = tuple(sorted(fills, key=lambda f: f.on))
    if not fills:
        return Forecast(runs_out_on=None)
    stock: dict[tuple[str, Decimal], Decimal] = {}
    arriving = list(fills)
    in_hand: tuple = ()
    day, last_given = fills[0].on, None
    while day <= last:
        while arriving and arriving[0].on <= day:
            fill = arriving.pop(0)
            key = (fill.form, fill.strength_mg.normalize())
            stock[key] = stock.get(key, Decimal(0)) + fill.quantity
        if day == today:
            in_hand = tuple((f, s, q) for (f, s), q in stock.items() if q > 0)
        dose = doses.get(day)
        if dose is not None:
            if not _take(stock, dose):
                return Forecast(
                    runs_out_on=day,
                    why=USED_UP if _could_make(stock, dose) else CANNOT_MEASURE,
                    short_dose_mg=dose,
                    last_dose_on=last_given,
                    days_left=max((day - today).days, 0),
                    in_hand=in_hand if day > today else (),
                    fills=fills,
                )
            last_given = day
        day += timedelta(days=1)
    return Forecast(runs_out_on=None, last_dose_on=last_given, in_hand=in_hand, fills=fills)


# A fill that cannot measure a step ----------------------------------------------------------


@dataclass(frozen=True)
class StrengthProblem:
    fill: Fill
    step_on: date
    dose_mg: Decimal

    def sentence(self) -> str:
        return _(
            "%(what)s cannot make the %(dose)s mg dose planned from %(day)s. Ask your care team "
            "about a strength that can, before that day."
        ) % {
            "what": strength_words(self.fill.form, self.fill.strength_mg),
            "dose": mg(self.dose_mg),
            "day": long_day(self.step_on),
        }


def strength_words(form: str, strength_mg: Decimal) -> str:
    """ "The 1.5 mg capsules", "The 1 mg/mL liquid", "The 0.5 mg drops"."""
    if form == LIQUID:
        return _("The %(mg)s mg/mL liquid") % {"mg": mg(strength_mg)}
    if form == DROPS:
        return _("The %(mg)s mg drops") % {"mg": mg(strength_mg)}
    return _("The %(mg)s mg capsules") % {"mg": mg(strength_mg)}


def strength_problems(
    *, fills: Iterable[Fill], steps: Iterable[tuple[date, Decimal]], today: date
) -> list[StrengthProblem]:
    """The steps after today whose dose the latest fill's strength cannot make (1.5 mg
    capsules for a 0.5 mg step): the next fill from the pharmacy would be the same. `fills`
    come in the order they were recorded; the last of the latest day is the latest."""
    fills = sorted(fills, key=lambda f: f.on)
    if not fills:
        return []
    latest = fills[-1]
    return [
        StrengthProblem(fill=latest, step_on=on, dose_mg=dose)
        for on, dose in sorted(steps)
        if on > today and not can_measure(latest.form, latest.strength_mg, dose)
    ]


# How much a refill needs --------------------------------------------------------------------


def quantity_needed(
    *, doses: Mapping[date, Decimal], first: date, last: date, form: str, strength_mg: Decimal
) -> Decimal | None:
    """Capsules, mL or drops of one strength that give every dose from `first` to `last`;
    None when that strength cannot make one of them."""
    total = Decimal(0)
    day = first
    while day <= last:
        dose = doses.get(day)
        if dose is not None:
            try:
                amount = safety.dose_amount(dose, formulation_of(form, strength_mg))
            except ValueError:
                return None
            if form == LIQUID:
                total += amount.volume_ml
            elif form == DROPS:
                total += amount.drops
            else:
                total += sum(count for _s, count in amount.capsules)
        day += timedelta(days=1)
    return total


# What makes a fill impossible ---------------------------------------------------------------


def fill_errors(
    *,
    on: date,
    today: date,
    form: str,
    strength_mg: Decimal,
    quantity: Decimal,
    limits: safety.DoseLimits,
    dose_now_mg: Decimal | None = None,
) -> dict[str, list[str]]:
    """Everything wrong with a fill as it was entered, by field; empty when it can be kept.

    A quantity of zero or less; capsules or drops not counted whole, a liquid not in 0.1 mL;
    a date after today; a strength of zero or less, one that is standard-dose naltrexone or
    above the LDN range (a capsule or drop of it would be a dose above it: §1.2), or one that
    cannot make the dose taken now (§1.3).
    """
    errors: dict[str, list[str]] = {}
    if on > today:
        errors["on"] = [_("A fill cannot be in the future: enter the day you received it.")]
    if quantity <= 0:
        errors["quantity"] = [_("Enter how much you received: more than 0.")]
    elif form in (CAPSULE, DROPS) and quantity != quantity.to_integral_value():
        errors["quantity"] = [
            _("Capsules are counted whole, e.g. 30.")
            if form == CAPSULE
            else _("Drops are counted whole, e.g. 300.")
        ]
    elif form == LIQUID and quantity != quantity.quantize(safety.ML_STEP):
        errors["quantity"] = [_("Enter the volume in mL with at most one decimal, e.g. 50.")]
    problem = _strength_problem(form, strength_mg, limits, dose_now_mg)
    if problem:
        errors["strength_mg"] = [problem]
    return errors


def _strength_problem(form, strength_mg, limits, dose_now_mg) -> str | None:
    if strength_mg <= 0:
        return _("Enter the strength: more than 0 mg.")
    if form != LIQUID and strength_mg >= limits.standard_dose_mg:
        return _(
            "%(mg)s mg is standard-dose naltrexone, a different product, not LDN. Check the "
            "label, and ask your pharmacy or care team before taking it."
        ) % {"mg": mg(strength_mg)}
    top = limits.ldn_max_mg
    if limits.allowed_ceiling_mg is not None:
        top = max(top, limits.allowed_ceiling_mg)
    if form != LIQUID and strength_mg > top:
        return _(
            "%(mg)s mg in one capsule or drop is above the LDN range (up to %(max)s mg a dose)."
        ) % {"mg": mg(strength_mg), "max": mg(top)}
    if dose_now_mg is not None and not can_measure(form, strength_mg, dose_now_mg):
        return _("%(what)s cannot make your dose of %(dose)s mg: %(problem)s") % {
            "what": strength_words(form, strength_mg),
            "dose": mg(dose_now_mg),
            "problem": safety.check_dose(
                dose_now_mg,
                formulation_of(form, strength_mg),
                safety.DoseLimits(protocol_ceiling_mg=dose_now_mg),
            )[-1],
        }
    return None
