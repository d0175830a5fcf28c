from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.availability import available_intervals, free_slots, is_available
from calendars.intervals import Interval, covers
from calendars.weekly import Weekday, WeeklyRule, parse_hhmm
from tests.support.calendars_grid import MINUTE, at, grid_intervals, minute_of, minutes, span

LONDON = ZoneInfo("Europe/London")
UTC_ZONE = ZoneInfo("UTC")
WEEKDAYS = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]
NINE_TO_FIVE = [WeeklyRule(day, time(9), time(17)) for day in WEEKDAYS]
SUNDAY_NIGHT = [WeeklyRule(Weekday.SUN, parse_hhmm("00:30"), parse_hhmm("02:30"))]
SUNDAY_DAY = [WeeklyRule(Weekday.SUN, time(9), time(17))]


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- available_intervals and is_available ------------------------------------------------------


def test_exceptions_are_cut_out_of_the_rules():
    window = Interval(utc(2026, 7, 6), utc(2026, 7, 7))
    closure = Interval(utc(2026, 7, 6, 11), utc(2026, 7, 6, 12))
    assert available_intervals(NINE_TO_FIVE, LONDON, [closure], window) == [
        Interval(utc(2026, 7, 6, 8), utc(2026, 7, 6, 11)),
        Interval(utc(2026, 7, 6, 12), utc(2026, 7, 6, 16)),
    ]


def test_session_inside_the_rule_is_available():
    session = Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 17))
    assert is_available(NINE_TO_FIVE, LONDON, [], session)


def test_session_past_the_rule_end_is_not_available():
    session = Interval(london(2026, 7, 6, 16), london(2026, 7, 6, 17, 1))
    assert not is_available(NINE_TO_FIVE, LONDON, [], session)


def test_session_touching_an_exception_is_available():
    session = Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 12))
    closure = Interval(london(2026, 7, 6, 12), london(2026, 7, 6, 13))
    assert is_available(NINE_TO_FIVE, LONDON, [closure], session)


def test_session_overlapping_an_exception_is_not_available():
    session = Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 12))
    closure = Interval(london(2026, 7, 6, 11, 59), london(2026, 7, 6, 13))
    assert not is_available(NINE_TO_FIVE, LONDON, [closure], session)


def test_session_across_touching_rules_is_available():
    rules = [
        WeeklyRule(Weekday.MON, time(9), time(12)),
        WeeklyRule(Weekday.MON, time(12), time(17)),
    ]
    session = Interval(london(2026, 7, 6, 11), london(2026, 7, 6, 13))
    assert is_available(rules, LONDON, [], session)


def test_session_in_local_rule_hours_is_available_on_the_spring_change_day():
    session = Interval(london(2026, 3, 29, 9), london(2026, 3, 29, 17))
    assert session.start == utc(2026, 3, 29, 8)
    assert is_available(SUNDAY_DAY, LONDON, [], session)


def test_session_in_local_rule_hours_is_available_on_the_autumn_change_day():
    session = Interval(london(2026, 10, 25, 9), london(2026, 10, 25, 17))
    assert session.start == utc(2026, 10, 25, 9)
    assert is_available(SUNDAY_DAY, LONDON, [], session)


def test_session_across_the_spring_gap_is_available_in_a_rule_across_it():
    # 00:45 GMT to 02:15 BST: 30 minutes of real time, all inside local 00:30-02:30.
    session = Interval(london(2026, 3, 29, 0, 45), london(2026, 3, 29, 2, 15))
    assert session.duration == timedelta(minutes=30)
    assert is_available(SUNDAY_NIGHT, LONDON, [], session)


def test_session_across_the_autumn_overlap_is_available_in_a_rule_across_it():
    # 00:45 BST to 02:15 GMT: two and a half hours of real time inside local 00:30-02:30.
    session = Interval(london(2026, 10, 25, 0, 45), london(2026, 10, 25, 2, 15))
    assert session.duration == timedelta(hours=2, minutes=30)
    assert is_available(SUNDAY_NIGHT, LONDON, [], session)


def test_session_in_the_second_pass_of_the_autumn_overlap_is_available():
    session = Interval(london(2026, 10, 25, 1, 10, fold=1), london(2026, 10, 25, 1, 50, fold=1))
    assert is_available(SUNDAY_NIGHT, LONDON, [], session)


def test_session_at_summer_time_in_winter_is_not_available():
    # 09:00-17:00 written in BST offsets on a GMT day is 08:00-16:00 local: it starts too early.
    session = Interval(utc(2026, 10, 26, 8), utc(2026, 10, 26, 16))
    assert not is_available(NINE_TO_FIVE, LONDON, [], session)


def test_new_york_session_is_available_in_new_york_hours():
    new_york = ZoneInfo("America/New_York")
    # Monday after New York's change on 2026-03-08 (EDT, -4): 09:00-17:00 is 13:00-21:00Z.
    session = Interval(utc(2026, 3, 9, 13), utc(2026, 3, 9, 21))
    assert is_available(NINE_TO_FIVE, new_york, [], session)
    assert not is_available(NINE_TO_FIVE, LONDON, [], session)


# --- free_slots --------------------------------------------------------------------------------

MONDAY = Interval(utc(2026, 7, 6), utc(2026, 7, 7))


def test_touching_rules_give_one_free_slot():
    rules = [
        WeeklyRule(Weekday.MON, time(9), time(12)),
        WeeklyRule(Weekday.MON, time(12), time(17)),
    ]
    assert free_slots(rules, LONDON, [], [], MONDAY, timedelta(hours=1)) == [
        Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 17))
    ]


def test_busy_periods_split_the_free_time():
    lesson = Interval(london(2026, 7, 6, 11), london(2026, 7, 6, 12))
    assert free_slots(NINE_TO_FIVE, LONDON, [], [lesson], MONDAY, timedelta(hours=1)) == [
        Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 11)),
        Interval(london(2026, 7, 6, 12), london(2026, 7, 6, 17)),
    ]


def test_free_time_shorter_than_the_minimum_is_left_out():
    lesson = Interval(london(2026, 7, 6, 9, 30), london(2026, 7, 6, 16, 30))
    assert free_slots(NINE_TO_FIVE, LONDON, [], [lesson], MONDAY, timedelta(hours=1)) == []


def test_free_time_of_exactly_the_minimum_is_kept():
    lesson = Interval(london(2026, 7, 6, 10), london(2026, 7, 6, 17))
    assert free_slots(NINE_TO_FIVE, LONDON, [], [lesson], MONDAY, timedelta(hours=1)) == [
        Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 10))
    ]


def test_exceptions_are_not_free():
    closure = Interval(london(2026, 7, 6, 9), london(2026, 7, 6, 13))
    assert free_slots(NINE_TO_FIVE, LONDON, [closure], [], MONDAY, timedelta(hours=1)) == [
        Interval(london(2026, 7, 6, 13), london(2026, 7, 6, 17))
    ]


# --- free_slots: properties --------------------------------------------------------------------

GRID_DAYS = 3
GRID_MINUTES = GRID_DAYS * 24 * 60
# Where minute 0 of a scenario lies: a plain UTC week, and London across both 2026 changes.
SCENARIO_STARTS = [
    (UTC_ZONE, utc(2026, 3, 2)),
    (LONDON, utc(2026, 3, 28)),
    (LONDON, utc(2026, 10, 24)),
]


@st.composite
def minute_rules(draw: st.DrawFn) -> WeeklyRule:
    # Long rules on any day, so that a three-day window usually has plenty of availability.
    start = draw(st.integers(0, 24 * 60 - 2))
    end = draw(st.integers(start + 1, min(start + 12 * 60, 24 * 60 - 1)))
    day = draw(st.sampled_from(Weekday))
    return WeeklyRule(day, time(*divmod(start, 60)), time(*divmod(end, 60)))


def short_spans(max_minutes: int) -> st.SearchStrategy[Interval]:
    """Grid intervals of at most ``max_minutes``: busy periods that leave free time around them."""
    return st.integers(0, GRID_MINUTES - 1).flatmap(
        lambda start: st.integers(start + 1, min(start + max_minutes, GRID_MINUTES)).map(
            lambda end: span(start, end)
        )
    )


@dataclass(frozen=True)
class Scenario:
    """The arguments of one free_slots call, and the questions the properties ask of them."""

    rules: list[WeeklyRule]
    zone: ZoneInfo
    exceptions: list[Interval]
    busy: list[Interval]
    window: Interval
    min_duration: timedelta

    def slots(self) -> list[Interval]:
        return free_slots(
            self.rules, self.zone, self.exceptions, self.busy, self.window, self.min_duration
        )

    def is_available(self, candidate: Interval) -> bool:
        return is_available(self.rules, self.zone, self.exceptions, candidate)

    def is_free(self, minute: Interval) -> bool:
        """In the window, available, and not busy (by the library's own rules)."""
        available = available_intervals(self.rules, self.zone, self.exceptions, self.window)
        return covers(available, minute) and not any(minute.overlaps(b) for b in self.busy)


@st.composite
def scenarios(
    draw: st.DrawFn, starts: list[tuple[ZoneInfo, datetime]] = SCENARIO_STARTS
) -> Scenario:
    zone, origin = draw(st.sampled_from(starts))
    # Shift the grid so that its minute 0 is the scenario's origin.
    shift = origin - at(0)
    window = draw(st.one_of(st.just(span(0, GRID_MINUTES)), grid_intervals(GRID_MINUTES)))
    return Scenario(
        rules=draw(st.lists(minute_rules(), min_size=1, max_size=10)),
        zone=zone,
        exceptions=[_shifted(i, shift) for i in draw(st.lists(short_spans(240), max_size=3))],
        busy=[_shifted(i, shift) for i in draw(st.lists(short_spans(120), max_size=8))],
        window=_shifted(window, shift),
        min_duration=draw(st.integers(1, 3 * 60)) * MINUTE,
    )


def _shifted(interval: Interval, shift: timedelta) -> Interval:
    return Interval(interval.start + shift, interval.end + shift)


EXAMPLES = settings(max_examples=100, deadline=None)


@EXAMPLES
@given(scenarios())
def test_free_slots_last_at_least_the_minimum(scenario):
    assert all(slot.duration >= scenario.min_duration for slot in scenario.slots())


@EXAMPLES
@given(scenarios())
def test_free_slots_lie_inside_availability(scenario):
    for slot in scenario.slots():
        assert scenario.window.contains(slot)
        assert scenario.is_available(slot)


@EXAMPLES
@given(scenarios())
def test_free_slots_avoid_exceptions_and_busy_periods(scenario):
    for slot in scenario.slots():
        assert not any(slot.overlaps(other) for other in scenario.exceptions)
        assert not any(slot.overlaps(other) for other in scenario.busy)


@EXAMPLES
@given(scenarios())
def test_free_slots_cannot_be_extended_by_a_minute(scenario):
    for slot in scenario.slots():
        assert not scenario.is_free(Interval(slot.start - MINUTE, slot.start))
        assert not scenario.is_free(Interval(slot.end, slot.end + MINUTE))


@EXAMPLES
@given(scenarios(starts=[(UTC_ZONE, at(0))]))
def test_free_slots_match_a_minute_by_minute_model(scenario):
    # Independent of the library: a minute is free when its UTC weekday and time of day fall in
    # a rule, and it is in the window and in no exception or busy period.
    def rule_allows(minute: int) -> bool:
        moment = at(minute)
        return any(
            rule.day.number == moment.weekday() and rule.start <= moment.time() < rule.end
            for rule in scenario.rules
        )

    blocked = minutes(scenario.exceptions) | minutes(scenario.busy)
    free = {m for m in minutes([scenario.window]) if rule_allows(m) and m not in blocked}
    long_enough = scenario.min_duration // MINUTE
    expected = [run for run in _runs(sorted(free)) if run[1] - run[0] >= long_enough]
    assert [(minute_of(s.start), minute_of(s.end)) for s in scenario.slots()] == expected


def _runs(ordered: list[int]) -> list[tuple[int, int]]:
    """Consecutive minutes grouped into half-open (first, last + 1) runs."""
    runs: list[tuple[int, int]] = []
    for minute in ordered:
        if runs and runs[-1][1] == minute:
            runs[-1] = (runs[-1][0], minute + 1)
        else:
            runs.append((minute, minute + 1))
    return runs


def test_minute_model_groups_consecutive_minutes_into_runs():
    assert _runs([1, 2, 3, 7, 8]) == [(1, 4), (7, 9)]
