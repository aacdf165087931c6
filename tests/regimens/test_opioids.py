"""The opioid status and the pause planner (regimens/opioids.py): pure rules, no database.

docs/clinical-rules.md §2.5 (the washout) and §2.8 (procedures and short courses)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.rules.medications import washout_ends
from portal.lib.formats import day
from regimens import opioids
from regimens.opioids import (
    ACTIVE,
    CLEAR,
    COURSE,
    PLANNED,
    PROCEDURE,
    WASHOUT,
    Opioid,
    Pause,
    next_change,
    opioid_status,
    propose_pause,
    stopped_since,
)

DEC = date(2026, 12, 1)


def _day(n: int) -> date:
    return DEC + timedelta(days=n - 1)


def _pause(proposal, *, kind=PROCEDURE) -> Pause:
    return Pause(
        kind=kind,
        label="knee surgery",
        last_dose_on=proposal.last_dose_on,
        pause_from=proposal.pause_from,
        restart_on=proposal.restart_on,
    )


# --- The status on a day ------------------------------------------------------------------


def test_it_is_clear_with_no_opioid_and_no_pause():
    status = opioid_status(opioids=[], pauses=[], today=DEC)

    assert status.state == CLEAR and status.is_clear and status.until is None


def test_it_is_active_while_an_opioid_is_taken_with_no_end_known():
    percocet = Opioid(name="Percocet 10/325", started_on=_day(1), stopped_on=None, washout_days=10)

    status = opioid_status(opioids=[percocet], pauses=[], today=_day(5))

    assert status.state == ACTIVE and status.until is None
    assert "Percocet 10/325 is an opioid" in status.reason


def test_it_is_active_until_the_stop_date_and_then_waits_for_the_washout():
    # The stop date is the last day the opioid was taken; LDN again ten days later.
    codeine = Opioid(name="codeine", started_on=_day(1), stopped_on=_day(3), washout_days=10)

    states = {n: opioid_status(opioids=[codeine], pauses=[], today=_day(n)) for n in range(1, 15)}

    assert [states[n].state for n in (1, 3)] == [ACTIVE, ACTIVE]
    assert [states[n].state for n in (4, 12)] == [WASHOUT, WASHOUT]
    assert states[4].until == _day(13)
    assert "until 13 Dec 2026" in states[4].reason
    assert states[13].state == CLEAR


def test_an_opioid_that_has_not_started_yet_does_not_block_today():
    course = Opioid(name="tramadol", started_on=_day(10), stopped_on=_day(12), washout_days=10)

    assert opioid_status(opioids=[course], pauses=[], today=_day(9)).state == CLEAR
    assert opioid_status(opioids=[course], pauses=[], today=_day(10)).state == ACTIVE


def test_methadone_keeps_its_longer_washout():
    methadone = Opioid(name="methadone", started_on=None, stopped_on=_day(1), washout_days=14)

    status = opioid_status(opioids=[methadone], pauses=[], today=_day(2))

    assert status.state == WASHOUT and status.until == _day(15)
    assert "14 days" in status.reason


def test_an_approved_pause_is_planned_from_its_first_day_to_the_day_before_the_restart():
    pause = Pause(
        kind=PROCEDURE,
        label="knee surgery on 10 Dec 2026",
        last_dose_on=_day(7),
        pause_from=_day(8),
        restart_on=_day(11),
    )

    before = opioid_status(opioids=[], pauses=[pause], today=_day(7))
    during = [opioid_status(opioids=[], pauses=[pause], today=_day(n)) for n in (8, 9, 10)]
    after = opioid_status(opioids=[], pauses=[pause], today=_day(11))

    assert before.state == CLEAR and before.last_dose_tonight(_day(7))
    assert not before.last_dose_tonight(_day(6))
    assert {s.state for s in during} == {PLANNED}
    assert during[0].until == _day(11)
    assert "knee surgery on 10 Dec 2026" in during[0].reason
    assert after.state == CLEAR and after.pause is None


def test_until_is_the_latest_of_the_washout_and_the_pause():
    codeine = Opioid(name="codeine", started_on=None, stopped_on=_day(9), washout_days=10)
    pause = Pause(
        kind=PROCEDURE, label="x", last_dose_on=_day(7), pause_from=_day(8), restart_on=_day(11)
    )

    status = opioid_status(opioids=[codeine], pauses=[pause], today=_day(10))

    assert status.state == WASHOUT and status.until == _day(19)


def test_an_opioid_with_its_last_day_on_the_list_says_when_ldn_may_come_back():
    codeine = Opioid(name="codeine", started_on=_day(1), stopped_on=_day(3), washout_days=10)

    status = opioid_status(opioids=[codeine], pauses=[], today=_day(2))

    assert status.state == ACTIVE and status.until == _day(13)


# --- Since when LDN was not taken -------------------------------------------------------


def test_it_finds_the_first_day_of_the_run_without_ldn_that_ended_yesterday():
    codeine = Opioid(name="codeine", started_on=_day(3), stopped_on=_day(5), washout_days=10)

    def since(today, earliest=DEC):
        return stopped_since(opioids=[codeine], pauses=[], today=today, earliest=earliest)

    assert since(_day(3)) is None  # yesterday LDN could be taken
    assert since(_day(4)) == _day(3)
    assert since(_day(15)) == _day(3)  # the washout ended yesterday: LDN from today
    assert since(_day(16)) is None
    assert since(_day(15), earliest=_day(8)) == _day(8)  # not before the current dose began


def test_an_opioid_with_no_start_date_counts_from_the_earliest_day():
    tramadol = Opioid(name="tramadol", started_on=None, stopped_on=_day(5), washout_days=10)

    assert stopped_since(opioids=[tramadol], pauses=[], today=_day(15), earliest=_day(2)) == _day(2)


# --- The planner: hand-worked examples ----------------------------------------------------


def test_it_plans_a_procedure_without_opioids_afterwards():
    plan = propose_pause(
        kind=PROCEDURE,
        stop_before_days=3,
        washout_days=10,
        same_dose_max_break_days=14,
        procedure_on=_day(10),
    )

    assert (plan.last_dose_on, plan.pause_from, plan.restart_on) == (_day(7), _day(8), _day(11))
    assert plan.same_dose and plan.break_days == 3
    assert plan.reasons[0] == "Last LDN dose on 7 Dec 2026, 3 days before the procedure."


def test_it_plans_a_procedure_with_opioids_afterwards_and_a_long_break_restarts_low():
    plan = propose_pause(
        kind=PROCEDURE,
        stop_before_days=3,
        washout_days=14,
        same_dose_max_break_days=14,
        procedure_on=_day(10),
        opioids_after=True,
        last_opioid_on=_day(15),
    )

    # Opioids until 15 Dec, then 14 days of washout: LDN again on 29 Dec, 21 days after the
    # last dose; more than 14, so the dose is built up again from the start.
    assert plan.restart_on == _day(29)
    assert plan.break_days == 21 and not plan.same_dose
    assert "from the protocol's first dose" in plan.reasons[-1]


def test_a_procedure_with_opioids_expected_but_no_end_day_counts_from_the_procedure():
    plan = propose_pause(
        kind=PROCEDURE,
        stop_before_days=2,
        washout_days=10,
        same_dose_max_break_days=14,
        procedure_on=_day(10),
        opioids_after=True,
    )

    assert plan.last_dose_on == _day(8) and plan.restart_on == _day(20)


def test_it_plans_a_short_opioid_course():
    # A dentist's three days of codeine from 1 to 3 Dec: the last LDN the evening before, LDN
    # again ten days after the last codeine, at the same dose (a break of 12 days).
    plan = propose_pause(
        kind=COURSE,
        stop_before_days=3,
        washout_days=10,
        same_dose_max_break_days=14,
        course_starts_on=_day(1),
        course_ends_on=_day(3),
    )

    assert (plan.last_dose_on, plan.pause_from, plan.restart_on) == (
        date(2026, 11, 30),
        _day(1),
        _day(13),
    )
    assert plan.same_dose and plan.break_days == 12


def test_it_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        propose_pause(
            kind="holiday", stop_before_days=3, washout_days=10, same_dose_max_break_days=14
        )


# --- Properties ---------------------------------------------------------------------------

days = st.integers(min_value=1, max_value=120).map(_day)


@st.composite
def opioid_lists(draw):
    items = []
    for i in range(draw(st.integers(min_value=0, max_value=3))):
        started = draw(st.none() | days)
        stopped = draw(st.none() | days)
        if started is not None and stopped is not None and stopped < started:
            started, stopped = stopped, started
        items.append(
            Opioid(
                name=f"opioid {i}",
                started_on=started,
                stopped_on=stopped,
                washout_days=draw(st.sampled_from([0, 7, 10, 14])),
            )
        )
    return items


@st.composite
def pause_lists(draw):
    items = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        pause_from = draw(days)
        restart = pause_from + timedelta(days=draw(st.integers(min_value=1, max_value=30)))
        items.append(
            Pause(
                kind=PROCEDURE,
                label="a procedure",
                last_dose_on=pause_from - timedelta(days=1),
                pause_from=pause_from,
                restart_on=restart,
            )
        )
    return items


def _blocked(opioid: Opioid, today: date) -> bool:
    """Written out from the clinical rule rather than through the module: started, and
    before the first day after the washout (forever while no stop date is known)."""
    if opioid.started_on is not None and opioid.started_on > today:
        return False
    return opioid.stopped_on is None or today < opioid.stopped_on + timedelta(
        days=max(opioid.washout_days, 1)
    )


@given(opioids=opioid_lists(), pauses=pause_lists(), today=days)
def test_the_status_is_clear_exactly_when_no_opioid_and_no_pause_stands_in_the_way(
    opioids, pauses, today
):
    status = opioid_status(opioids=opioids, pauses=pauses, today=today)
    blocked = [o for o in opioids if _blocked(o, today)]
    paused = [p for p in pauses if p.pause_from <= today < p.restart_on]

    assert status.is_clear == (not blocked and not paused)
    taken = {o for o in blocked if o.stopped_on is None or today <= o.stopped_on}
    if blocked:
        # Active names the opioids taken now; a washout names those it waits for.
        assert status.state == (ACTIVE if taken else WASHOUT)
        assert set(status.opioids) == (taken or set(blocked))
    if status.until is not None:
        assert status.until > today
        for opioid in blocked:
            assert opioid.washout_ends() is not None and opioid.washout_ends() <= status.until
        for pause in paused:
            assert pause.restart_on <= status.until


@given(
    kind=st.sampled_from([PROCEDURE, COURSE]),
    first=days,
    length=st.integers(min_value=0, max_value=30),
    stop_before=st.integers(min_value=1, max_value=7),
    washout=st.sampled_from([0, 7, 10, 14]),
    same_max=st.integers(min_value=0, max_value=30),
    opioids_after=st.booleans(),
)
def test_no_planned_restart_comes_before_the_washout_ends(
    kind, first, length, stop_before, washout, same_max, opioids_after
):
    """Follow the plan day by day with the opioid of the plan on the medication list: LDN is
    never allowed between the last dose and the restart, and is allowed again on the
    restart day."""
    last = first + timedelta(days=length)
    if kind == PROCEDURE:
        plan = propose_pause(
            kind=kind,
            stop_before_days=stop_before,
            washout_days=washout,
            same_dose_max_break_days=same_max,
            procedure_on=first,
            opioids_after=opioids_after,
            last_opioid_on=last if opioids_after else None,
        )
        taken = (
            [Opioid(name="after", started_on=first, stopped_on=last, washout_days=washout)]
            if opioids_after
            else []
        )
        assert plan.last_dose_on <= first - timedelta(days=stop_before)
        assert plan.restart_on > first
    else:
        plan = propose_pause(
            kind=kind,
            stop_before_days=stop_before,
            washout_days=washout,
            same_dose_max_break_days=same_max,
            course_starts_on=first,
            course_ends_on=last,
        )
        taken = [Opioid(name="course", started_on=first, stopped_on=last, washout_days=washout)]
        assert plan.last_dose_on < first
    for opioid in taken:
        assert plan.restart_on >= washout_ends(opioid.stopped_on, opioid.washout_days)
        assert plan.restart_on > opioid.stopped_on
    assert plan.pause_from == plan.last_dose_on + timedelta(days=1)
    assert plan.same_dose == (plan.break_days <= same_max)

    pause = _pause(plan, kind=kind)
    today = plan.pause_from
    while today < plan.restart_on:
        assert not opioid_status(opioids=taken, pauses=[pause], today=today).is_clear, today
        today += timedelta(days=1)
    assert opioid_status(opioids=taken, pauses=[pause], today=plan.restart_on).is_clear
    assert opioid_status(opioids=taken, pauses=[pause], today=plan.last_dose_on).last_dose_tonight(
        plan.last_dose_on
    )


@given(opioids=opioid_lists(), pauses=pause_lists(), today=days, back=st.integers(0, 60))
def test_the_run_without_ldn_is_every_day_from_its_first_to_yesterday(opioids, pauses, today, back):
    earliest = today - timedelta(days=back)
    since = stopped_since(opioids=opioids, pauses=pauses, today=today, earliest=earliest)

    def clear(day):
        return opioid_status(opioids=opioids, pauses=pauses, today=day).is_clear

    yesterday = today - timedelta(days=1)
    if since is None:
        assert yesterday < earliest or clear(yesterday)
        return
    assert earliest <= since <= yesterday
    day = since
    while day <= yesterday:
        assert not clear(day), day
        day += timedelta(days=1)
    assert since == earliest or clear(since - timedelta(days=1))


@given(opioids=opioid_lists(), pauses=pause_lists(), today=days)
def test_the_status_reads_the_same_every_day_until_its_next_change(opioids, pauses, today):
    """What the status row keeps stays true until next_change: the beat task refreshes the
    row on that day, not later."""

    def reading(day):
        status = opioid_status(opioids=opioids, pauses=pauses, today=day)
        return status.state, status.until, status.last_dose_tonight(day), status.pause

    change = next_change(opioids=opioids, pauses=pauses, today=today)
    last = change or today + timedelta(days=150)
    assert change is None or change > today
    day = today + timedelta(days=1)
    while day < last:
        assert reading(day) == reading(today), day
        day += timedelta(days=1)


def test_the_module_reads_no_clock_and_no_settings():
    source = opioids.__loader__.get_source(opioids.__name__)

    assert "date.today" not in source and "timezone.now" not in source
    assert "settings" not in source.split('"""', 2)[2]


def test_the_run_without_ldn_may_begin_on_the_earliest_day_itself():
    codeine = Opioid(name="codeine", started_on=_day(3), stopped_on=_day(5), washout_days=10)

    assert stopped_since(opioids=[codeine], pauses=[], today=_day(9), earliest=_day(8)) == _day(8)


def _reasons(**values):
    values = {"stop_before_days": 3, "same_dose_max_break_days": 14} | values
    return list(propose_pause(**values).reasons)


def test_a_procedure_without_opioids_afterwards_explains_each_date():
    assert _reasons(kind=PROCEDURE, washout_days=10, procedure_on=_day(10)) == [
        "Last LDN dose on 7 Dec 2026, 3 days before the procedure.",
        "No opioids are expected afterwards: LDN again from the day after it.",
        "Restart at the same dose on 11 Dec 2026: a break of up to 14 days.",
    ]


def test_a_procedure_with_opioids_afterwards_explains_each_date():
    one_day = _reasons(
        kind=PROCEDURE,
        washout_days=1,
        procedure_on=_day(10),
        opioids_after=True,
        last_opioid_on=_day(12),
    )
    long = _reasons(
        kind=PROCEDURE,
        washout_days=14,
        procedure_on=_day(10),
        opioids_after=True,
        last_opioid_on=_day(15),
    )

    assert one_day == [
        "Last LDN dose on 7 Dec 2026, 3 days before the procedure.",
        "No LDN while opioids are taken after it (until 12 Dec 2026), nor until 1 day after "
        "the last opioid.",
        f"Restart at the same dose on {day(washout_ends(_day(12), 1))}: a break of up to 14 days.",
    ]
    assert long == [
        "Last LDN dose on 7 Dec 2026, 3 days before the procedure.",
        "No LDN while opioids are taken after it (until 15 Dec 2026), nor until 14 days after "
        "the last opioid.",
        "Restart on 29 Dec 2026 from the protocol's first dose: after a break of more than "
        "14 days the dose is built up again.",
    ]


@pytest.mark.parametrize(("washout", "days"), [(1, "1 day"), (10, "10 days")])
def test_a_short_opioid_course_explains_each_date(washout, days):
    reasons = _reasons(
        kind=COURSE, washout_days=washout, course_starts_on=_day(5), course_ends_on=_day(7)
    )

    assert reasons[:2] == [
        "Last LDN dose on 4 Dec 2026, the evening before the first opioid dose.",
        f"No LDN while the opioid is taken (until 7 Dec 2026), nor until {days} after the "
        "last opioid dose.",
    ]
    assert reasons[2].startswith(
        f"Restart at the same dose on {day(washout_ends(_day(7), washout))}"
    )


def test_an_unknown_kind_of_pause_is_a_programming_error():
    with pytest.raises(ValueError, match=r"^unknown kind 'holiday'$"):
        _reasons(kind="holiday", washout_days=10)


# --- What the status says, in full ---------------------------------------------------------


def _surgery(last_dose, pause_from, restart, label="knee surgery"):
    return Pause(
        kind=PROCEDURE,
        label=label,
        last_dose_on=_day(last_dose),
        pause_from=_day(pause_from),
        restart_on=_day(restart),
    )


def test_an_active_opioid_with_no_end_says_so_and_names_every_opioid_taken():
    morphine = Opioid(name="morphine", started_on=_day(1), stopped_on=None, washout_days=10)
    codeine = Opioid(name="codeine", started_on=_day(2), stopped_on=_day(9), washout_days=10)

    status = opioid_status(opioids=[morphine, codeine], pauses=[], today=_day(3))

    assert (status.state, status.until, status.opioids) == (ACTIVE, None, (morphine, codeine))
    assert status.reason == (
        "morphine, codeine is an opioid, and naltrexone blocks opioids: no LDN while it is "
        "taken, nor for the days of its washout after the last dose."
    )
    assert not status.is_clear and not status.last_dose_tonight(_day(3))


def test_an_active_opioid_with_its_last_day_says_until_when():
    codeine = Opioid(name="codeine", started_on=_day(1), stopped_on=_day(3), washout_days=10)

    status = opioid_status(opioids=[codeine], pauses=[], today=_day(2))

    assert status.reason == (
        "codeine is an opioid, and naltrexone blocks opioids: no LDN while it is taken, nor "
        "after it until 13 Dec 2026, when its washout is over."
    )


def test_while_active_until_waits_for_the_later_of_the_washouts_and_the_pause():
    codeine = Opioid(name="codeine", started_on=_day(1), stopped_on=_day(3), washout_days=10)
    stopped = Opioid(name="tramadol", started_on=None, stopped_on=_day(1), washout_days=14)
    long_pause = _surgery(1, 2, 20)

    assert opioid_status(opioids=[codeine, stopped], pauses=[], today=_day(2)).until == _day(15)
    status = opioid_status(opioids=[codeine], pauses=[long_pause], today=_day(2))
    assert (status.state, status.until, status.pause) == (ACTIVE, _day(20), long_pause)
    short_pause = _surgery(1, 2, 5)
    assert opioid_status(opioids=[codeine], pauses=[short_pause], today=_day(2)).until == _day(13)
    still = Opioid(name="morphine", started_on=None, stopped_on=None, washout_days=10)
    assert opioid_status(opioids=[still], pauses=[long_pause], today=_day(2)).until is None


def test_a_washout_names_the_opioid_it_waits_for_longest():
    codeine = Opioid(name="codeine", started_on=None, stopped_on=_day(1), washout_days=10)
    methadone = Opioid(name="methadone", started_on=None, stopped_on=_day(2), washout_days=14)

    status = opioid_status(opioids=[methadone, codeine], pauses=[], today=_day(4))

    assert (status.state, status.until) == (WASHOUT, _day(16))
    assert status.opioids == (methadone, codeine)
    assert status.pause is None
    assert status.reason == (
        "methadone was stopped on 2 Dec 2026: LDN waits 14 days after an opioid, until 16 Dec 2026."
    )
    status = opioid_status(opioids=[codeine, methadone], pauses=[], today=_day(4))
    assert status.reason.startswith("methadone was stopped")


def test_a_washout_during_a_pause_keeps_the_pause():
    codeine = Opioid(name="codeine", started_on=None, stopped_on=_day(1), washout_days=10)
    pause = _surgery(1, 2, 5)

    status = opioid_status(opioids=[codeine], pauses=[pause], today=_day(3))

    assert (status.state, status.until, status.pause) == (WASHOUT, _day(11), pause)


def test_a_planned_pause_says_what_for_and_until_when():
    pause = _surgery(7, 8, 11, label="knee surgery on 10 Dec 2026")

    status = opioid_status(opioids=[], pauses=[pause], today=_day(8))

    assert (status.state, status.until, status.pause, status.opioids) == (
        PLANNED,
        _day(11),
        pause,
        (),
    )
    assert status.reason == (
        "LDN is paused for knee surgery on 10 Dec 2026, as planned with your care team, "
        "until 11 Dec 2026."
    )


def test_of_two_overlapping_pauses_the_later_restart_counts():
    short, long = _surgery(1, 2, 6, label="short"), _surgery(2, 3, 9, label="long")

    status = opioid_status(opioids=[], pauses=[long, short], today=_day(4))
    assert (status.until, status.pause) == (_day(9), long)
    status = opioid_status(opioids=[], pauses=[short, long], today=_day(4))
    assert (status.until, status.pause) == (_day(9), long)


def test_when_clear_it_keeps_the_next_pause_from_its_last_dose_day():
    later, sooner = _surgery(19, 20, 22, label="later"), _surgery(9, 10, 12, label="sooner")

    status = opioid_status(opioids=[], pauses=[later, sooner], today=_day(5))
    assert (status.state, status.until, status.pause, status.reason) == (CLEAR, None, sooner, "")
    assert opioid_status(opioids=[], pauses=[later, sooner], today=_day(9)).pause == sooner
    assert opioid_status(opioids=[], pauses=[later, sooner], today=_day(12)).pause == later
    assert opioid_status(opioids=[], pauses=[sooner], today=_day(12)).pause is None


def test_the_next_change_is_each_edge_of_an_opioid_and_a_pause():
    codeine = Opioid(name="codeine", started_on=_day(5), stopped_on=_day(7), washout_days=10)
    pause = _surgery(20, 21, 25)

    def change(today):
        return next_change(opioids=[codeine], pauses=[pause], today=_day(today))

    assert [change(n) for n in (1, 5, 7, 17, 19, 20, 21, 25)] == [
        _day(5),  # it starts
        _day(8),  # its last day passes
        _day(8),
        _day(20),  # the washout ended on 17 Dec; the pause's last dose
        _day(20),
        _day(21),  # the first day without LDN
        _day(25),  # the restart
        None,
    ]
    taken = Opioid(name="morphine", started_on=None, stopped_on=None, washout_days=10)
    assert next_change(opioids=[taken], pauses=[], today=_day(1)) is None


def test_the_next_change_counts_every_opioid_on_the_list():
    sooner = Opioid(name="codeine", started_on=_day(5), stopped_on=_day(7), washout_days=10)
    later = Opioid(name="tramadol", started_on=_day(20), stopped_on=_day(22), washout_days=10)

    assert next_change(opioids=[sooner, later], pauses=[], today=_day(1)) == _day(5)
    assert next_change(opioids=[later, sooner], pauses=[], today=_day(1)) == _day(5)
