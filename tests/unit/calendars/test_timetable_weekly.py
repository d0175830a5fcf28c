from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from calendars.clashes import BusyEntry
from calendars.intervals import Interval
from calendars.timetable_weekly import expand_weekly_timetable
from calendars.weekly import Weekday

LONDON = ZoneInfo("Europe/London")
MON_MATHS = (Weekday.MON, time(9, 0), time(10, 0), "Year 9 Maths")
# Spring 2026 in an English school: half term is the week of 16 February, Easter from 30 March.
SPRING_1 = (date(2026, 1, 5), date(2026, 2, 13))
SPRING_2 = (date(2026, 2, 23), date(2026, 3, 27))
SUMMER_1 = (date(2026, 4, 13), date(2026, 5, 22))
SPRING_AND_SUMMER = Interval(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def mondays(entries: list[BusyEntry]) -> list[date]:
    return [entry.start.astimezone(LONDON).date() for entry in entries]


def test_blocks_fall_only_inside_the_terms():
    entries = expand_weekly_timetable([MON_MATHS], LONDON, [SPRING_2], SPRING_AND_SUMMER)
    assert mondays(entries) == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9),
                                date(2026, 3, 16), date(2026, 3, 23)]  # fmt: skip


def test_term_dates_are_inclusive_at_both_ends():
    term = (date(2026, 3, 2), date(2026, 3, 9))  # both Mondays
    entries = expand_weekly_timetable([MON_MATHS], LONDON, [term], SPRING_AND_SUMMER)
    assert mondays(entries) == [date(2026, 3, 2), date(2026, 3, 9)]


def test_half_term_is_free():
    entries = expand_weekly_timetable([MON_MATHS], LONDON, [SPRING_1, SPRING_2], SPRING_AND_SUMMER)
    assert date(2026, 2, 16) not in mondays(entries)
    assert {date(2026, 2, 9), date(2026, 2, 23)} <= set(mondays(entries))


def test_block_keeps_its_local_time_when_the_clocks_change_inside_a_term():
    term = (date(2026, 3, 16), date(2026, 4, 10))  # clocks go forward on Sunday 29 March
    entries = expand_weekly_timetable([MON_MATHS], LONDON, [term], SPRING_AND_SUMMER)
    assert [(entry.start, entry.end) for entry in entries] == [
        (utc(2026, 3, 16, 9), utc(2026, 3, 16, 10)),
        (utc(2026, 3, 23, 9), utc(2026, 3, 23, 10)),
        (utc(2026, 3, 30, 8), utc(2026, 3, 30, 9)),
        (utc(2026, 4, 6, 8), utc(2026, 4, 6, 9)),
    ]


def test_without_terms_every_week_is_busy():
    window = Interval(utc(2026, 2, 9), utc(2026, 2, 24))
    entries = expand_weekly_timetable([MON_MATHS], LONDON, None, window)
    assert mondays(entries) == [date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)]


def test_empty_terms_mean_no_term_time_at_all():
    assert expand_weekly_timetable([MON_MATHS], LONDON, [], SPRING_AND_SUMMER) == []


def test_entries_carry_the_label_and_count_as_busy():
    window = Interval(utc(2026, 3, 2), utc(2026, 3, 3))
    (entry,) = expand_weekly_timetable([MON_MATHS], LONDON, None, window)
    assert (entry.summary, entry.all_day, entry.transparent) == ("Year 9 Maths", False, False)
    assert entry.counts_as_busy


def test_several_blocks_come_out_sorted():
    blocks = [
        (Weekday.TUE, time(13, 0), time(14, 0), "Y8 Art"),
        (Weekday.MON, time(11, 0), time(12, 0), "Y7 Art"),
        MON_MATHS,
    ]
    window = Interval(utc(2026, 3, 2), utc(2026, 3, 4))
    entries = expand_weekly_timetable(blocks, LONDON, None, window)
    assert [entry.summary for entry in entries] == ["Year 9 Maths", "Y7 Art", "Y8 Art"]


def test_block_overlapping_the_window_edge_is_returned_whole():
    window = Interval(utc(2026, 3, 2, 9, 30), utc(2026, 3, 2, 12))
    (entry,) = expand_weekly_timetable([MON_MATHS], LONDON, None, window)
    assert (entry.start, entry.end) == (utc(2026, 3, 2, 9), utc(2026, 3, 2, 10))


def test_block_inside_the_spring_gap_has_no_time_and_is_dropped():
    night = (Weekday.SUN, time(1, 0), time(2, 0), "Boarding duty")
    window = Interval(utc(2026, 3, 28), utc(2026, 3, 30))
    assert expand_weekly_timetable([night], LONDON, None, window) == []


def test_term_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="term"):
        expand_weekly_timetable(
            [MON_MATHS], LONDON, [(date(2026, 3, 27), date(2026, 2, 23))], SPRING_AND_SUMMER
        )


def test_block_ending_before_it_starts_is_rejected():
    backwards = (Weekday.MON, time(10, 0), time(9, 0), "backwards")
    with pytest.raises(ValueError, match="end after it starts"):
        expand_weekly_timetable([backwards], LONDON, None, SPRING_AND_SUMMER)
