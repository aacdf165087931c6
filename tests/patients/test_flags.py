"""The diary's flag rules (patients/py): pure, plain values in, flags out."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.models import Flag
from patients.rules.flags import (
    ATTENTION,
    INFO,
    KINDS,
    TONIGHT,
    URGENT,
    DiaryDay,
    Facts,
    Thresholds,
    clears,
    evaluate,
)
from patients.rules.side_effects import BY_FIELD
from patients.rules.side_effects import KEYS as ITEMS

TODAY = date(2026, 11, 10)
LIMITS = Thresholds()


def ago(n):
    return TODAY - timedelta(days=n)


def facts(**overrides) -> Facts:
    values = {
        "today": TODAY,
        "days": (),
        "last_entry_on": TODAY,
        "regimen_started_on": ago(30),
        "step_up_on": None,
        "missed_dose_days": (),
        "thyroid_patient": False,
    }
    values.update(overrides)
    return Facts(**values)


def day(n, **severities):
    return DiaryDay(day=ago(n), severities=severities)


def kinds(raised):
    return sorted((f.kind, f.cause) for f in raised)


def test_it_uses_the_flag_models_kinds_and_severities():
    assert set(KINDS) <= set(Flag.Kind.values)
    assert (INFO, ATTENTION, URGENT) == (
        Flag.Severity.INFO,
        Flag.Severity.ATTENTION,
        Flag.Severity.URGENT,
    )


def test_it_raises_nothing_for_a_quiet_diary():
    raised = evaluate(facts(days=[day(0, headache=1, insomnia=0), day(1)]), LIMITS)

    assert raised == []


def test_it_raises_an_urgent_flag_per_day_and_item_for_a_severe_side_effect():
    raised = evaluate(facts(days=[day(2, headache=3, nausea=3), day(1, headache=2)]), LIMITS)

    assert kinds(raised) == [
        ("severe_side_effect", "diary:severe:2026-11-08:headache"),
        ("severe_side_effect", "diary:severe:2026-11-08:nausea"),
    ]
    assert all(f.severity == URGENT for f in raised)
    assert raised[0].reason == (
        "Severe headache on 8 Nov 2026 (in the diary): consider holding or stepping back the dose."
    )


def test_it_names_the_other_side_effect_in_the_reason():
    entry = DiaryDay(day=ago(0), severities={"other": 3}, other_text="dry mouth")

    (raised,) = evaluate(facts(days=[entry]), LIMITS)

    assert "Severe side effect: dry mouth on 10 Nov 2026 (in the diary)" in raised.reason


def test_it_ignores_severe_days_outside_the_lookback_and_in_the_future():
    raised = evaluate(facts(days=[day(15, headache=3), day(-1, headache=3)]), LIMITS)

    assert raised == []


def test_it_flags_a_moderate_side_effect_lasting_more_than_3_days_after_a_step_up():
    step = ago(6)
    lasting = [day(n, insomnia=2) for n in (5, 4, 3, 2)]  # 4 days: more than 3

    (raised,) = evaluate(facts(days=lasting, step_up_on=step), LIMITS)

    assert raised.kind == "lasting_side_effect"
    assert raised.cause == "diary:lasting:2026-11-04:insomnia"
    assert raised.severity == ATTENTION
    assert raised.reason == (
        "Moderate or worse trouble sleeping from 5 Nov 2026 to 8 Nov 2026 (4 days) since the "
        "dose went up on 4 Nov 2026. Consider holding or stepping back."
    )


def test_it_does_not_flag_3_days_or_a_run_broken_by_a_better_day():
    step = ago(10)
    three = [day(n, headache=2) for n in (3, 2, 1)]
    broken = [
        day(9, nausea=2),
        day(8, nausea=2),
        day(7, nausea=1),
        day(6, nausea=2),
        day(5, nausea=2),
    ]

    assert evaluate(facts(days=three + broken, step_up_on=step), LIMITS) == []


def test_it_lets_days_without_an_answer_neither_break_nor_end_a_run():
    step = ago(10)
    entries = [day(6, headache=2), day(5), day(4, headache=3), day(2, headache=2)]  # 6..2: 5 days

    raised = evaluate(facts(days=entries, step_up_on=step), LIMITS)

    lasting = [f for f in raised if f.kind == "lasting_side_effect"]
    assert [f.cause for f in lasting] == ["diary:lasting:2026-10-31:headache"]


def test_it_needs_a_step_up_for_a_lasting_side_effect():
    lasting = [day(n, insomnia=2) for n in range(6)]

    assert evaluate(facts(days=lasting, step_up_on=None), LIMITS) == []


def test_it_counts_only_days_since_the_step_up():
    step = ago(2)
    lasting = [day(n, insomnia=2) for n in range(6)]  # only 2, 1, 0 are since the step

    assert evaluate(facts(days=lasting, step_up_on=step), LIMITS) == []


def test_it_flags_thyroid_symptoms_only_for_a_thyroid_patient():
    entries = [day(1, palpitations=2, tremor=1), day(0, heat_intolerance=1)]

    assert evaluate(facts(days=entries), LIMITS) == []
    (raised,) = evaluate(facts(days=entries, thyroid_patient=True), LIMITS)
    assert raised.kind == "thyroid_symptoms"
    assert raised.cause == "diary:thyroid:2026-11-09"
    assert raised.reason.startswith("Palpitations (moderate) on 9 Nov 2026")
    assert "consider thyroid tests" in raised.reason


def test_it_flags_a_silent_diary_after_7_full_days():
    assert evaluate(facts(last_entry_on=ago(7)), LIMITS) == []  # 6 full days without

    (raised,) = evaluate(facts(last_entry_on=ago(8)), LIMITS)

    assert raised.kind == "silent_diary" and raised.severity == INFO
    assert raised.cause == "diary:silent:2026-11-03"
    assert raised.reason == "No diary entry for 7 days: the last one is from 2 Nov 2026."


def test_it_counts_a_silent_diary_from_the_regimen_start_for_someone_who_never_wrote():
    assert evaluate(facts(last_entry_on=None, regimen_started_on=ago(6)), LIMITS) == []

    (raised,) = evaluate(facts(last_entry_on=None, regimen_started_on=ago(7)), LIMITS)

    assert raised.cause == "diary:silent:2026-11-03"
    assert "since the regimen started on 3 Nov 2026" in raised.reason


def test_it_expects_no_diary_without_a_regimen_or_earlier_entries():
    assert evaluate(facts(last_entry_on=None, regimen_started_on=None), LIMITS) == []
    # Someone who kept a diary before is flagged even without a regimen.
    assert kinds(evaluate(facts(last_entry_on=ago(20), regimen_started_on=None), LIMITS)) == [
        ("silent_diary", "diary:silent:2026-10-22")
    ]


def test_it_flags_3_missed_doses_in_7_days_on_the_latest():
    assert evaluate(facts(missed_dose_days=[ago(7), ago(3), ago(1)]), LIMITS) == []  # 7 is out

    (raised,) = evaluate(facts(missed_dose_days=[ago(6), ago(3), ago(1)]), LIMITS)

    assert raised.kind == "missed_doses" and raised.severity == ATTENTION
    assert raised.cause == "doses:missed:2026-11-09"
    assert raised.reason == "3 doses missed in the 7 days to 10 Nov 2026: 4 Nov, 7 Nov, 9 Nov."


def test_it_takes_its_thresholds_from_the_arguments():
    strict = Thresholds(severe=2, silent_days=2, missed_doses=1)

    raised = evaluate(
        facts(days=[day(0, nausea=2)], last_entry_on=ago(3), missed_dose_days=[ago(0)]), strict
    )

    assert {f.kind for f in raised} == {"severe_side_effect", "silent_diary", "missed_doses"}


def test_it_refuses_thresholds_and_days_that_make_no_sense():
    with pytest.raises(ValueError):
        Thresholds(severe=0)
    with pytest.raises(ValueError):
        Thresholds(silent_days=0)
    with pytest.raises(ValueError):
        DiaryDay(day=TODAY, severities={"headache": 4})
    with pytest.raises(ValueError):
        DiaryDay(day=TODAY, severities={"toothache": 1})


def test_it_clears_a_silent_diary_once_the_patient_writes():
    now_writing = facts(last_entry_on=TODAY)

    assert clears(
        kind="silent_diary",
        cause="diary:silent:2026-11-01",
        raised=[],
        facts=now_writing,
        thresholds=LIMITS,
    )


def test_it_clears_a_severe_flag_only_when_its_entry_is_inside_the_lookback():
    corrected = facts(days=[day(2, headache=1)])

    assert clears(
        kind="severe_side_effect",
        cause="diary:severe:2026-11-08:headache",
        raised=[],
        facts=corrected,
        thresholds=LIMITS,
    )
    assert not clears(
        kind="severe_side_effect",
        cause="diary:severe:2026-10-01:headache",
        raised=[],
        facts=corrected,
        thresholds=LIMITS,
    )


def test_it_never_clears_a_flag_still_raised_or_missed_doses():
    still = facts(days=[day(2, headache=3)])
    raised = evaluate(still, LIMITS)

    assert not clears(
        kind="severe_side_effect",
        cause="diary:severe:2026-11-08:headache",
        raised=raised,
        facts=still,
        thresholds=LIMITS,
    )
    assert not clears(
        kind="missed_doses",
        cause="doses:missed:2026-11-09",
        raised=[],
        facts=still,
        thresholds=LIMITS,
    )


def test_it_clears_a_lasting_flag_only_for_the_current_step_up():
    now = facts(days=[], step_up_on=ago(6))

    assert clears(
        kind="lasting_side_effect",
        cause="diary:lasting:2026-11-04:insomnia",
        raised=[],
        facts=now,
        thresholds=LIMITS,
    )
    assert not clears(
        kind="lasting_side_effect",
        cause="diary:lasting:2026-10-01:insomnia",
        raised=[],
        facts=now,
        thresholds=LIMITS,
    )


severity = st.sampled_from([None, 0, 1, 2, 3])
diary_day = st.builds(
    lambda n, values: DiaryDay(
        day=ago(n),
        severities={k: v for k, v in zip(ITEMS, values, strict=False) if v is not None},
    ),
    st.integers(min_value=-3, max_value=40),
    st.lists(severity, min_size=len(ITEMS), max_size=len(ITEMS)),
)


@given(
    days=st.lists(diary_day, max_size=25, unique_by=lambda d: d.day),
    thyroid=st.booleans(),
    step=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    missed=st.lists(st.integers(min_value=0, max_value=20), max_size=10),
)
def test_it_raises_each_cause_once_and_only_for_what_the_facts_show(days, thyroid, step, missed):
    given_facts = facts(
        days=days,
        thyroid_patient=thyroid,
        step_up_on=ago(step) if step is not None else None,
        missed_dose_days=[ago(n) for n in missed],
    )

    raised = evaluate(given_facts, LIMITS)

    keys = [(f.kind, f.cause) for f in raised]
    assert len(keys) == len(set(keys))
    for flag in raised:
        assert flag.evidence_on <= TODAY
        assert len(flag.reason) <= 300
        if flag.kind == "severe_side_effect":
            _prefix, _kind, on, item = flag.cause.split(":")
            match = [d for d in days if d.day.isoformat() == on]
            assert match and match[0].severities[BY_FIELD[item].key] == 3
        if flag.kind == "thyroid_symptoms":
            assert thyroid
        # A flag never clears itself.
        assert not clears(
            kind=flag.kind, cause=flag.cause, raised=raised, facts=given_facts, thresholds=LIMITS
        )


def test_it_clears_a_thyroid_flag_the_patient_corrected_inside_the_lookback():
    # A thyroid flag's cause carries its day and no item: "diary:thyroid:<day>".
    corrected = facts(days=[day(2, palpitations=0)], thyroid_patient=True)

    assert clears(
        kind="thyroid_symptoms",
        cause=f"diary:thyroid:{ago(2).isoformat()}",
        raised=[],
        facts=corrected,
        thresholds=LIMITS,
    )
    assert not clears(
        kind="thyroid_symptoms",
        cause="diary:thyroid",
        raised=[],
        facts=corrected,
        thresholds=LIMITS,
    )


def test_the_thresholds_accept_one_day_and_refuse_zero():
    assert Thresholds(lookback_days=1, lasting_days=1, silent_days=1).lookback_days == 1
    with pytest.raises(ValueError, match=r"^lookback_days must be at least 1$"):
        Thresholds(lookback_days=0)
    with pytest.raises(ValueError, match=r"^silent_days must be at least 1$"):
        Thresholds(silent_days=0)
    with pytest.raises(ValueError, match=r"^severe must be MILD, MODERATE or SEVERE$"):
        Thresholds(severe=7)


def test_a_severe_side_effect_on_the_first_day_of_the_lookback_is_flagged_and_can_clear():
    first = ago(LIMITS.lookback_days)
    raised = evaluate(facts(days=[day(LIMITS.lookback_days, headache=3)]), LIMITS)

    assert kinds(raised) == [("severe_side_effect", f"diary:severe:{first.isoformat()}:headache")]
    assert clears(
        kind="severe_side_effect",
        cause=f"diary:severe:{first.isoformat()}:headache",
        raised=[],
        facts=facts(days=[day(LIMITS.lookback_days, headache=1)]),
        thresholds=LIMITS,
    )


def test_a_flag_clears_when_only_another_day_of_the_same_kind_is_still_raised():
    still = facts(days=[day(2, headache=1), day(1, nausea=3)])

    assert clears(
        kind="severe_side_effect",
        cause=f"diary:severe:{ago(2).isoformat()}:headache",
        raised=evaluate(still, LIMITS),
        facts=still,
        thresholds=LIMITS,
    )


def test_a_lasting_side_effect_counts_the_step_up_day_and_today():
    # Moderate insomnia on the step-up day and the three days after it, today included:
    # four days, more than the three allowed.
    run = facts(step_up_on=ago(3), days=[day(n, insomnia=2) for n in (3, 2, 1, 0)])

    assert kinds(evaluate(run, LIMITS)) == [
        ("lasting_side_effect", f"diary:lasting:{ago(3).isoformat()}:insomnia")
    ]


def test_a_severe_flag_says_where_the_side_effect_was_reported():
    tonight = DiaryDay(day=ago(1), severities={"headache": 3}, sources={"headache": TONIGHT})

    (flag,) = evaluate(facts(days=[tonight]), LIMITS)

    assert "reported on Tonight" in flag.reason


def test_a_diary_day_refuses_a_severity_off_the_scale():
    with pytest.raises(ValueError, match=r"^severities are NONE, MILD, MODERATE or SEVERE$"):
        DiaryDay(day=TODAY, severities={"headache": 4})


def test_a_thyroid_flag_names_each_symptom_of_its_day_and_asks_for_attention():
    entries = [day(2, palpitations=1), day(1, palpitations=2, tremor=2)]

    (raised,) = evaluate(facts(days=entries, thyroid_patient=True), LIMITS)

    assert raised.severity == Flag.Severity.ATTENTION
    assert raised.evidence_on == ago(1)
    assert raised.reason == (
        "Palpitations (moderate), tremor (moderate) on 9 Nov 2026, in a patient with a thyroid "
        "condition or on thyroid hormone. These can be signs of too much thyroid hormone as LDN "
        "takes effect: consider thyroid tests."
    )
