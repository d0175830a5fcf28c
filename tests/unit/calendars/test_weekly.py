from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.intervals import Interval, intersect
from calendars.weekly import (
    Weekday,
    WeeklyRule,
    expand_weekly,
    local_to_utc,
    parse_hhmm,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Zones with unusual changes: 30-minute DST (Lord Howe), changes at local midnight (Santiago),
# no DST at all (Kolkata), and a negative "summer" offset in the data (Dublin).
ZONES = [
    LONDON,
    NEW_YORK,
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("America/Santiago"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Europe/Dublin"),
]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def week_of(monday: date) -> Interval:
    start = datetime.combine(monday, time(), UTC)
    return Interval(start, start + timedelta(days=7))


def rule(day: Weekday, start: str, end: str) -> WeeklyRule:
    return WeeklyRule(day, parse_hhmm(start), parse_hhmm(end))


# --- parse_hhmm ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("00:00", time(0, 0)), ("09:05", time(9, 5)), ("23:59", time(23, 59))],
)
def test_parse_hhmm_reads_valid_times(text, expected):
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "24:00",
        "9:00",
        "09:00:00",
        "09:60",
        "",
        "0900",
        " 09:00",
        "09:00\n",
        "\uff10\uff19:\uff10\uff10",
        "ab:cd",
    ],
)
def test_parse_hhmm_rejects_anything_but_strict_hh_mm(text):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(text)


# --- Weekday and WeeklyRule ----------------------------------------------------------------


def test_weekday_numbers_follow_date_weekday():
    assert [day.number for day in Weekday] == list(range(7))


def test_weekday_of_a_date():
    assert Weekday.of(date(2026, 3, 29)) is Weekday.SUN


def test_rule_must_end_after_it_starts():
    with pytest.raises(ValueError, match="end after"):
        rule(Weekday.MON, "17:00", "09:00")


def test_rule_rejects_seconds():
    with pytest.raises(ValueError, match="minute precision"):
        WeeklyRule(Weekday.MON, time(9, 0, 30), time(10))


def test_rule_rejects_aware_times():
    with pytest.raises(ValueError, match="naive"):
        WeeklyRule(Weekday.MON, time(9, tzinfo=UTC), time(10))


# --- local_to_utc --------------------------------------------------------------------------


def test_local_to_utc_in_summer_uses_bst():
    assert local_to_utc(date(2026, 7, 1), time(9), LONDON) == utc(2026, 7, 1, 8)


def test_local_to_utc_in_the_spring_gap_uses_the_offset_before_the_gap():
    assert local_to_utc(date(2026, 3, 29), time(1, 30), LONDON) == utc(2026, 3, 29, 1, 30)


def test_local_to_utc_in_the_autumn_overlap_takes_the_first_occurrence():
    assert local_to_utc(date(2026, 10, 25), time(1, 30), LONDON) == utc(2026, 10, 25, 0, 30)


def test_local_to_utc_ignores_a_fold_on_the_time():
    at = time(1, 30, fold=1)
    assert local_to_utc(date(2026, 10, 25), at, LONDON) == utc(2026, 10, 25, 0, 30)


def test_local_to_utc_returns_utc():
    assert local_to_utc(date(2026, 7, 1), time(9), NEW_YORK).tzinfo is UTC


# --- expand_weekly: DST ------------------------------------------------------------------------


def test_weekday_rule_is_0800z_in_the_week_after_the_spring_change():
    rules = [rule(day, "09:00", "17:00") for day in (Weekday.MON, Weekday.FRI)]
    assert expand_weekly(rules, LONDON, week_of(date(2026, 3, 30))) == [
        Interval(utc(2026, 3, 30, 8), utc(2026, 3, 30, 16)),
        Interval(utc(2026, 4, 3, 8), utc(2026, 4, 3, 16)),
    ]


def test_weekday_rule_is_0900z_in_the_week_after_the_autumn_change():
    rules = [rule(day, "09:00", "17:00") for day in (Weekday.MON, Weekday.FRI)]
    assert expand_weekly(rules, LONDON, week_of(date(2026, 10, 26))) == [
        Interval(utc(2026, 10, 26, 9), utc(2026, 10, 26, 17)),
        Interval(utc(2026, 10, 30, 9), utc(2026, 10, 30, 17)),
    ]


def test_rule_across_the_spring_change_lasts_one_hour():
    (occurrence,) = expand_weekly(
        [rule(Weekday.SUN, "00:30", "02:30")], LONDON, week_of(date(2026, 3, 23))
    )
    assert occurrence == Interval(utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))
    assert occurrence.duration == timedelta(hours=1)


def test_rule_across_the_autumn_change_lasts_three_hours():
    (occurrence,) = expand_weekly(
        [rule(Weekday.SUN, "00:30", "02:30")], LONDON, week_of(date(2026, 10, 19))
    )
    assert occurrence == Interval(utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 2, 30))
    assert occurrence.duration == timedelta(hours=3)


@pytest.mark.parametrize(("start", "end"), [("01:30", "02:00"), ("01:30", "02:30")])
def test_rule_with_no_real_time_after_the_spring_gap_has_no_occurrence(start, end):
    # RFC 5545 maps 01:30 to 01:30Z (pre-gap offset), and 02:00 / 02:30 BST are 01:00Z / 01:30Z:
    # the occurrence is inverted or empty, so there is nothing to offer.
    rules = [rule(Weekday.SUN, start, end)]
    assert expand_weekly(rules, LONDON, week_of(date(2026, 3, 23))) == []


def test_rule_starting_in_the_spring_gap_starts_after_it():
    (occurrence,) = expand_weekly(
        [rule(Weekday.SUN, "01:30", "03:00")], LONDON, week_of(date(2026, 3, 23))
    )
    assert occurrence.start.astimezone(LONDON).time() == time(2, 30)
    assert occurrence.duration == timedelta(minutes=30)


def test_new_york_rule_keeps_local_time_across_its_own_change():
    # New York moves its clocks on 2026-03-08, three weeks before London.
    window = Interval(utc(2026, 3, 2), utc(2026, 3, 16))
    assert expand_weekly([rule(Weekday.MON, "09:00", "17:00")], NEW_YORK, window) == [
        Interval(utc(2026, 3, 2, 14), utc(2026, 3, 2, 22)),
        Interval(utc(2026, 3, 9, 13), utc(2026, 3, 9, 21)),
    ]


# --- expand_weekly: window handling ----------------------------------------------------------


def test_occurrences_are_clipped_to_the_window():
    window = Interval(utc(2026, 7, 6, 10), utc(2026, 7, 6, 12))
    assert expand_weekly([rule(Weekday.MON, "09:00", "17:00")], LONDON, window) == [window]


def test_occurrence_on_the_next_utc_day_is_found():
    # Monday 08:00 in Auckland (NZST, +12) is Sunday 20:00Z: the local day lies after the window's
    # UTC date, so the extra local day on each side matters.
    auckland = ZoneInfo("Pacific/Auckland")
    window = Interval(utc(2026, 7, 5, 19), utc(2026, 7, 5, 21))
    assert expand_weekly([rule(Weekday.MON, "08:00", "09:00")], auckland, window) == [
        Interval(utc(2026, 7, 5, 20), utc(2026, 7, 5, 21))
    ]


def test_touching_rules_expand_to_one_interval():
    rules = [rule(Weekday.MON, "09:00", "12:00"), rule(Weekday.MON, "12:00", "17:00")]
    assert expand_weekly(rules, LONDON, week_of(date(2026, 7, 6))) == [
        Interval(utc(2026, 7, 6, 8), utc(2026, 7, 6, 16))
    ]


def test_rules_may_be_a_one_shot_iterator():
    rules = (rule(day, "09:00", "10:00") for day in (Weekday.MON, Weekday.TUE))
    assert len(expand_weekly(rules, LONDON, week_of(date(2026, 7, 6)))) == 2


def test_no_rules_means_no_occurrences():
    assert expand_weekly([], LONDON, week_of(date(2026, 7, 6))) == []


# --- expand_weekly: properties -------------------------------------------------------------

MINUTES_IN_DAY = 24 * 60


@st.composite
def rules_on(draw: st.DrawFn, day: Weekday | None = None) -> WeeklyRule:
    start = draw(st.integers(0, MINUTES_IN_DAY - 2))
    end = draw(st.integers(start + 1, MINUTES_IN_DAY - 1))
    weekday = day or draw(st.sampled_from(Weekday))
    return WeeklyRule(weekday, time(*divmod(start, 60)), time(*divmod(end, 60)))


def gap_size(day: date, at: time, zone: ZoneInfo) -> timedelta:
    """How far the clocks jump over this wall time (zero unless it lies in a spring gap).

    PEP 495: inside a gap, fold=0 gives the offset before the change and fold=1 the one after,
    and only there is the first smaller (an overlap has it the other way round).
    """
    naive = datetime.combine(day, at)
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None
    assert after is not None
    return max(after - before, timedelta(0))


FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2030, 12, 31)


@cache
def change_days(zone: ZoneInfo) -> tuple[date, ...]:
    """Local dates in 2025-2030 on which the zone's offset changes (at any time of day)."""
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    return tuple(day for day in days if len(_midnight_offsets(day, zone)) > 1)


def _midnight_offsets(day: date, zone: ZoneInfo) -> set[timedelta | None]:
    midnights = [datetime.combine(day + timedelta(days=n), time()) for n in (0, 1)]
    return {m.replace(tzinfo=zone, fold=fold).utcoffset() for m in midnights for fold in (0, 1)}


@st.composite
def zone_and_day(draw: st.DrawFn) -> tuple[ZoneInfo, date]:
    """Any date, or often a change day, where gaps and overlaps can actually be hit."""
    zone = draw(st.sampled_from(ZONES))
    anywhere = st.dates(FIRST_DAY, LAST_DAY)
    special = change_days(zone)
    day = draw(st.one_of(anywhere, st.sampled_from(special)) if special else anywhere)
    return zone, day


@settings(max_examples=300, deadline=None)
@given(zone_and_day(), st.data())
def test_occurrence_start_shows_the_rule_wall_clock_unless_in_a_gap(zone_day, data):
    zone, day = zone_day
    weekly = data.draw(rules_on(Weekday.of(day)))
    # Five days around the date hold exactly one occurrence of a once-a-week rule.
    around = datetime.combine(day, time(), UTC)
    window = Interval(around - timedelta(days=2), around + timedelta(days=3))
    occurrences = expand_weekly([weekly], zone, window)
    jump = gap_size(day, weekly.start, zone)
    if not occurrences:
        assert jump  # only a start inside a gap can leave no real time
        return
    (occurrence,) = occurrences
    shown = occurrence.start.astimezone(zone)
    expected = datetime.combine(day, weekly.start) + jump
    assert shown.replace(tzinfo=None) == expected
    assert shown.fold == 0  # the first of two equal wall times in an autumn overlap


@settings(max_examples=100, deadline=None)
@given(
    rules=st.lists(rules_on(), max_size=4),
    zone=st.sampled_from(ZONES),
    offset_minutes=st.integers(0, 14 * MINUTES_IN_DAY),
    length_minutes=st.integers(1, 3 * MINUTES_IN_DAY),
)
def test_expansion_does_not_depend_on_the_window_edges(rules, zone, offset_minutes, length_minutes):
    # Around London's 2026 spring change; any window gives what a wider one gives, clipped.
    start = utc(2026, 3, 22) + timedelta(minutes=offset_minutes)
    window = Interval(start, start + timedelta(minutes=length_minutes))
    wide = Interval(window.start - timedelta(days=3), window.end + timedelta(days=3))
    assert expand_weekly(rules, zone, window) == intersect(
        expand_weekly(rules, zone, wide), [window]
    )
