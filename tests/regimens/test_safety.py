from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.lib.formats import mg
from regimens.safety import (
    CAPSULE,
    DoseLimits,
    Formulation,
    check_dose,
    describe_dose,
    dose_amount,
    dose_quantum,
    fine_steps_hint,
    formulation_problem,
)

D = Decimal

LIQUID_1 = Formulation("liquid", concentration_mg_per_ml=D("1"))
LIQUID_2 = Formulation("liquid", concentration_mg_per_ml=D("2"))
CAPSULES = Formulation("capsule", capsule_strengths_mg=(D("1.5"), D("3"), D("4.5")))
DROPS = Formulation("drops", mg_per_drop=D("0.5"))
FORMULATIONS = (LIQUID_1, LIQUID_2, CAPSULES, DROPS)
LIMITS = DoseLimits(protocol_ceiling_mg=D("4.5"))
CAPSULES_MIXED = Formulation("capsule", capsule_strengths_mg=(D("1"), D("0.5"), D("0.25")))
WIDE = DoseLimits(protocol_ceiling_mg=D("24"), allowed_ceiling_mg=D("24.9"))


# Dose rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formulation", "problem"),
    [
        (Formulation("capsule"), "at least one strength"),
        (Formulation("capsule", capsule_strengths_mg=(D("1.5"), D("0"))), "more than 0"),
        (Formulation("capsule", capsule_strengths_mg=(D("-3"),)), "more than 0"),
        (Formulation("liquid"), "concentration"),
        (Formulation("liquid", concentration_mg_per_ml=D("0")), "more than 0"),
        (Formulation("liquid", concentration_mg_per_ml=D("-1")), "more than 0"),
        (Formulation("drops"), "each drop"),
        (Formulation("drops", mg_per_drop=D("0")), "more than 0"),
        (Formulation("cream"), "capsule, liquid or drops"),
    ],
)
def test_it_finds_formulations_that_cannot_be_used(formulation, problem):
    assert problem in formulation_problem(formulation)


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_it_accepts_complete_formulations(formulation):
    assert formulation_problem(formulation) is None


@pytest.mark.parametrize("dose", [D("0"), D("-1"), D("-0.5")])
def test_it_refuses_a_dose_of_zero_or_less(dose):
    assert check_dose(dose, LIQUID_1, LIMITS) == ["A dose must be more than 0 mg."]


@pytest.mark.parametrize("dose", [D("25"), D("50"), D("25.0"), D("100")])
def test_it_always_refuses_standard_dose_naltrexone(dose):
    limits = DoseLimits(protocol_ceiling_mg=D("60"), allowed_ceiling_mg=D("60"))

    errors = check_dose(dose, LIQUID_1, limits, above_ceiling_decision=True)

    assert len(errors) == 1
    assert "standard-dose naltrexone" in errors[0]
    assert f"{mg(dose)} mg" in errors[0]


def test_it_refuses_a_dose_above_the_ldn_range():
    limits = DoseLimits(protocol_ceiling_mg=D("10"))

    errors = check_dose(D("6.5"), LIQUID_1, limits)

    assert errors == [
        (
            "6.5 mg is above the LDN range. Doses up to 6 mg are allowed unless an administrator "
            "sets a higher ceiling."
        )
    ]


def test_it_allows_the_top_of_the_ldn_range():
    assert check_dose(D("6"), LIQUID_1, DoseLimits(protocol_ceiling_mg=D("6"))) == []


def test_it_allows_a_higher_dose_under_a_configured_ceiling():
    limits = DoseLimits(protocol_ceiling_mg=D("10"), allowed_ceiling_mg=D("9"))

    assert check_dose(D("6.5"), LIQUID_1, limits) == []
    assert check_dose(D("9"), LIQUID_1, limits) == []
    assert "up to 9 mg" in check_dose(D("9.5"), LIQUID_1, limits)[0]


def test_it_refuses_above_the_protocol_ceiling_without_a_provider_decision():
    errors = check_dose(D("5"), LIQUID_1, LIMITS)

    assert errors == [
        (
            "5 mg is above this protocol's ceiling of 4.5 mg. Going higher needs an explicit "
            "decision by the provider."
        )
    ]
    assert check_dose(D("5"), LIQUID_1, LIMITS, above_ceiling_decision=True) == []


def test_it_reports_every_problem_at_once():
    errors = check_dose(D("6.55"), LIQUID_1, LIMITS)

    assert len(errors) == 3
    assert "LDN range" in errors[0]
    assert "protocol's ceiling" in errors[1]
    assert "0.1 mL steps" in errors[2]


@pytest.mark.parametrize(("dose", "ok"), [("1.5", True), ("0.1", True), ("1.55", False)])
def test_it_measures_a_1_mg_per_ml_liquid_in_steps_of_0_1_mg(dose, ok):
    errors = check_dose(D(dose), LIQUID_1, LIMITS)

    assert (errors == []) is ok
    if not ok:
        assert errors == [
            (
                "1.55 mg cannot be measured: your 1 mg/mL liquid is measured in 0.1 mL steps, so "
                "doses go in steps of 0.1 mg."
            )
        ]


@pytest.mark.parametrize(("dose", "ok"), [("1.6", True), ("0.2", True), ("1.5", False)])
def test_it_measures_a_2_mg_per_ml_liquid_in_steps_of_0_2_mg(dose, ok):
    errors = check_dose(D(dose), LIQUID_2, LIMITS)

    assert (errors == []) is ok
    if not ok:
        assert "steps of 0.2 mg" in errors[0]


def test_it_refuses_a_liquid_without_a_concentration():
    errors = check_dose(D("1.5"), Formulation("liquid"), LIMITS)

    assert errors == ["A liquid needs its concentration in mg per mL."]


@pytest.mark.parametrize(("dose", "ok"), [("0.5", True), ("1.5", True), ("1.25", False)])
def test_it_gives_drops_whole(dose, ok):
    errors = check_dose(D(dose), DROPS, LIMITS)

    assert (errors == []) is ok
    if not ok:
        assert errors == [
            (
                "1.25 mg cannot be given in whole drops: each drop holds 0.5 mg, so doses go in "
                "steps of 0.5 mg."
            )
        ]


def test_it_refuses_less_than_one_drop():
    assert "whole drops" in check_dose(D("0.25"), DROPS, LIMITS)[0]


@pytest.mark.parametrize("dose", ["1.5", "3", "4.5", "6", "7.5", "9", "13.5", "18"])
def test_it_accepts_capsule_doses_of_up_to_four_capsules(dose):
    assert check_dose(D(dose), CAPSULES, WIDE, above_ceiling_decision=True) == []


@pytest.mark.parametrize("dose", ["0.75", "2", "4", "19.5"])
def test_it_refuses_capsule_doses_the_strengths_cannot_make(dose):
    errors = check_dose(D(dose), CAPSULES, WIDE, above_ceiling_decision=True)

    assert errors == [
        (
            f"{dose} mg cannot be made from at most 4 whole capsules of the strengths available "
            "(1.5 mg, 3 mg, 4.5 mg)."
        )
    ]


def test_it_refuses_more_than_four_capsules():
    one_mg = Formulation("capsule", capsule_strengths_mg=(D("1"),))

    assert check_dose(D("4"), one_mg, WIDE) == []
    assert "at most 4 whole capsules" in check_dose(D("5"), one_mg, WIDE)[0]


@pytest.mark.parametrize(
    ("strengths", "dose", "capsules"),
    [
        (("1.5", "3", "4.5"), "4.5", (("4.5", 1),)),
        (("1.5", "3", "4.5"), "6", (("3", 2),)),
        (("1.5", "3", "4.5"), "7.5", (("4.5", 1), ("3", 1))),
        (("1", "1.5", "3"), "3", (("3", 1),)),
        (("1", "2", "3", "4", "5"), "6", (("3", 2),)),
        (("1", "2", "4", "5"), "6", (("5", 1), ("1", 1))),
        (("0.5", "1.5"), "2.5", (("1.5", 1), ("0.5", 2))),
    ],
)
def test_it_chooses_the_fewest_capsules_then_fewest_strengths_then_largest(
    strengths, dose, capsules
):
    formulation = Formulation("capsule", capsule_strengths_mg=tuple(D(s) for s in strengths))

    amount = dose_amount(D(dose), formulation)

    assert amount.capsules == tuple((D(s), n) for s, n in capsules)


def test_it_gives_a_liquid_volume_to_one_decimal():
    amount = dose_amount(D("3"), LIQUID_1)

    assert amount.volume_ml == D("3.0")
    assert str(amount.volume_ml) == "3.0"
    assert dose_amount(D("1.6"), LIQUID_2).volume_ml == D("0.8")


def test_it_counts_drops():
    assert dose_amount(D("1.5"), DROPS).drops == 3


@pytest.mark.parametrize(
    ("dose", "formulation"),
    [
        ("1.55", LIQUID_1),
        ("1.25", DROPS),
        ("2", CAPSULES),
        ("0", LIQUID_1),
        ("1", Formulation("liquid")),
    ],
)
def test_it_refuses_to_work_out_an_amount_that_cannot_be_measured(dose, formulation):
    with pytest.raises(ValueError):
        dose_amount(D(dose), formulation)


@pytest.mark.parametrize(
    ("dose", "formulation", "text"),
    [
        ("3", LIQUID_1, "3 mg: 3.0 mL of your 1 mg/mL liquid"),
        ("3.0", LIQUID_1, "3 mg: 3.0 mL of your 1 mg/mL liquid"),
        ("1.6", LIQUID_2, "1.6 mg: 0.8 mL of your 2 mg/mL liquid"),
        ("4.5", CAPSULES, "4.5 mg: 1 capsule of 4.5 mg"),
        ("6", CAPSULES, "6 mg: 2 capsules of 3 mg"),
        ("7.5", CAPSULES, "7.5 mg: 1 capsule of 4.5 mg and 1 capsule of 3 mg"),
        ("1.5", DROPS, "1.5 mg: 3 drops (0.5 mg per drop)"),
        ("0.5", DROPS, "0.5 mg: 1 drop (0.5 mg per drop)"),
    ],
)
def test_it_describes_how_to_take_a_dose(dose, formulation, text):
    assert describe_dose(D(dose), formulation) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [("3.0", "3"), ("4.50", "4.5"), ("0.25", "0.25"), ("100", "100"), ("1E+1", "10")],
)
def test_it_formats_decimals_without_trailing_zeros(value, text):
    assert mg(D(value)) == text


@pytest.mark.parametrize("dose", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_it_refuses_a_dose_that_is_not_a_number(dose):
    assert check_dose(dose, LIQUID_1, LIMITS) == ["Enter the dose as a number of mg."]


# Properties ----------------------------------------------------------------------------------

ANY_LIMITS = st.builds(
    DoseLimits,
    protocol_ceiling_mg=st.decimals(min_value=D("0.5"), max_value=100, places=2),
    allowed_ceiling_mg=st.none() | st.decimals(min_value=0, max_value=100, places=2),
)
TENTHS = st.integers(min_value=1, max_value=249).map(lambda n: n * D("0.1"))
DOSES = st.decimals(min_value=D("0.001"), max_value=D("24.999"), places=3) | TENTHS


@given(
    dose=st.decimals(min_value=25, max_value=10**6, places=3),
    formulation=st.sampled_from(FORMULATIONS),
    limits=ANY_LIMITS,
    decision=st.booleans(),
)
def test_it_refuses_every_dose_of_25_mg_or_more(dose, formulation, limits, decision):
    assert check_dose(dose, formulation, limits, above_ceiling_decision=decision)


@given(
    dose=st.decimals(min_value=-(10**6), max_value=0, places=3),
    formulation=st.sampled_from(FORMULATIONS),
    limits=ANY_LIMITS,
    decision=st.booleans(),
)
def test_it_refuses_every_dose_of_0_mg_or_less(dose, formulation, limits, decision):
    assert check_dose(dose, formulation, limits, above_ceiling_decision=decision)


@given(
    dose=DOSES,
    concentration=st.sampled_from([D(c) for c in ("0.5", "1", "1.5", "2", "2.5", "3", "5")]),
)
def test_it_accepts_only_liquid_doses_of_whole_tenths_of_a_ml(dose, concentration):
    liquid = Formulation("liquid", concentration_mg_per_ml=concentration)

    if check_dose(dose, liquid, WIDE, above_ceiling_decision=True) == []:
        tenths = dose / concentration * 10
        assert tenths == tenths.to_integral_value()
        assert dose_amount(dose, liquid).volume_ml * concentration == dose


@given(dose=DOSES)
def test_it_accepts_only_capsule_doses_that_add_up(dose):
    if check_dose(dose, CAPSULES, WIDE, above_ceiling_decision=True) == []:
        capsules = dose_amount(dose, CAPSULES).capsules
        assert sum(strength * count for strength, count in capsules) == dose
        assert sum(count for _, count in capsules) <= 4


# The finest measurable dose step (added with regimens) ------------------------------------


@pytest.mark.parametrize(
    ("formulation", "quantum"),
    [
        (Formulation(kind="liquid", concentration_mg_per_ml=Decimal("1")), Decimal("0.1")),
        (Formulation(kind="liquid", concentration_mg_per_ml=Decimal("2.5")), Decimal("0.25")),
        (Formulation(kind="drops", mg_per_drop=Decimal("0.5")), Decimal("0.5")),
        (Formulation(kind="capsule", capsule_strengths_mg=(Decimal("1.5"),)), Decimal("1.5")),
        (
            Formulation(kind="capsule", capsule_strengths_mg=(Decimal("1.5"), Decimal("4.5"))),
            Decimal("1.5"),
        ),
        (
            Formulation(kind="capsule", capsule_strengths_mg=(Decimal("1"), Decimal("1.5"))),
            Decimal("0.5"),
        ),
    ],
)
def test_it_gives_the_finest_dose_step_a_formulation_measures(formulation, quantum):
    assert dose_quantum(formulation) == quantum


def test_it_refuses_a_dose_step_for_an_unusable_formulation():
    with pytest.raises(ValueError, match="concentration"):
        dose_quantum(Formulation(kind="liquid"))


def test_it_suggests_a_liquid_when_capsules_cannot_make_small_steps():
    hint = fine_steps_hint(Formulation(kind="capsule", capsule_strengths_mg=(Decimal("1.5"),)))

    assert "liquid" in hint and "0.1 mL" in hint


@pytest.mark.parametrize("formulation", [LIQUID_1, DROPS, CAPSULES_MIXED])
@pytest.mark.parametrize("dose", ["0", "-1", "Infinity", "-Infinity"])
def test_a_dose_of_nothing_or_no_number_cannot_be_taken(formulation, dose):
    with pytest.raises(ValueError, match=r"^dose must be more than 0 mg$"):
        dose_amount(Decimal(dose), formulation)


def test_capsules_are_taken_as_capsules():
    amount = dose_amount(Decimal("1.75"), CAPSULES_MIXED)

    assert amount.kind == CAPSULE
    assert amount.capsules == ((Decimal("1"), 1), (Decimal("0.5"), 1), (Decimal("0.25"), 1))


def test_three_capsule_strengths_are_listed_with_commas_and_a_last_and():
    assert describe_dose(Decimal("1.75"), CAPSULES_MIXED) == (
        "1.75 mg: 1 capsule of 1 mg, 1 capsule of 0.5 mg and 1 capsule of 0.25 mg"
    )


def test_the_hint_for_fine_steps_names_what_measures_them():
    assert fine_steps_hint(CAPSULES_MIXED) == (
        "Capsules only make whole-capsule doses. For small steps, use a liquid (e.g. 1 mg "
        "per mL, measured in 0.1 mL steps) or sublingual drops."
    )
    assert fine_steps_hint(DROPS) == (
        "Choose a formulation that measures this step, e.g. a 1 mg/mL liquid."
    )
