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


# --- two-week timetables (week A / week B) and INSET days ----------------------------------

# Autumn 2026: half term is the week of 26 October, the clocks go back on Sunday 25 October.
AUTUMN_1 = (date(2026, 9, 7), date(2026, 10, 23))
AUTUMN_2 = (date(2026, 11, 2), date(2026, 12, 18))
AUTUMN = Interval(utc(2026, 9, 1), utc(2026, 12, 20))
MON_A = (Weekday.MON, time(9, 0), time(10, 0), "Maths A", "a")
MON_B = (Weekday.MON, time(11, 0), time(12, 0), "Maths B", "b")


def starts(entries: list[BusyEntry], summary: str) -> list[datetime]:
    return [entry.start for entry in entries if entry.summary == summary]


def test_week_a_and_b_alternate_and_keep_counting_through_half_term():
    entries = expand_weekly_timetable(
        [MON_A, MON_B], LONDON, [AUTUMN_1, AUTUMN_2], AUTUMN, week_a_starts=date(2026, 9, 7)
    )
    a_mondays = [d.astimezone(LONDON).date() for d in starts(entries, "Maths A")]
    b_mondays = [d.astimezone(LONDON).date() for d in starts(entries, "Maths B")]
    # 26 October (half term) is a week B with no lessons; 2 November is week A again.
    assert a_mondays[:5] == [date(2026, 9, 7), date(2026, 9, 21), date(2026, 10, 5),
                             date(2026, 10, 19), date(2026, 11, 2)]  # fmt: skip
    assert b_mondays[:4] == [date(2026, 9, 14), date(2026, 9, 28), date(2026, 10, 12),
                             date(2026, 11, 9)]  # fmt: skip
    assert not set(a_mondays) & set(b_mondays)


def test_week_a_keeps_its_local_time_across_the_october_clock_change():
    window = Interval(utc(2026, 10, 12), utc(2026, 11, 10))
    entries = expand_weekly_timetable(
        [MON_A, MON_B], LONDON, None, window, week_a_starts=date(2026, 9, 7)
    )
    assert starts(entries, "Maths A") == [utc(2026, 10, 19, 8), utc(2026, 11, 2, 9)]
    assert starts(entries, "Maths B") == [utc(2026, 10, 12, 10), utc(2026, 10, 26, 11),
                                          utc(2026, 11, 9, 11)]  # fmt: skip


def test_week_a_and_b_across_the_march_clock_change_and_easter():
    term = (date(2026, 3, 16), date(2026, 4, 10))  # clocks go forward on Sunday 29 March
    entries = expand_weekly_timetable(
        [MON_A, MON_B], LONDON, [term, SUMMER_1], SPRING_AND_SUMMER,
        week_a_starts=date(2026, 1, 5),
    )  # fmt: skip
    assert starts(entries, "Maths A")[:3] == [utc(2026, 3, 16, 9), utc(2026, 3, 30, 8),
                                              utc(2026, 4, 13, 8)]  # fmt: skip
    assert starts(entries, "Maths B")[:3] == [utc(2026, 3, 23, 11), utc(2026, 4, 6, 10),
                                              utc(2026, 4, 20, 10)]  # fmt: skip


def test_a_sunday_belongs_to_the_week_of_the_monday_before_it():
    sunday_a = (Weekday.SUN, time(18, 0), time(19, 0), "Boarding A", "a")
    window = Interval(utc(2026, 3, 23), utc(2026, 4, 7))
    entries = expand_weekly_timetable(
        [sunday_a], LONDON, None, window, week_a_starts=date(2026, 1, 5)
    )
    # 29 March closes the week of 23 March (B); 5 April closes the week of 30 March (A).
    assert [e.start for e in entries] == [utc(2026, 4, 5, 17)]


def test_weeks_before_week_a_starts_count_backwards():
    window = Interval(utc(2026, 3, 16), utc(2026, 4, 14))
    entries = expand_weekly_timetable(
        [MON_A], LONDON, None, window, week_a_starts=date(2026, 4, 13)
    )
    assert mondays(entries) == [date(2026, 3, 16), date(2026, 3, 30), date(2026, 4, 13)]


def test_a_block_with_no_week_is_in_both_weeks():
    window = Interval(utc(2026, 9, 7), utc(2026, 9, 22))
    every = (Weekday.MON, time(13, 0), time(14, 0), "Tutor", None)
    entries = expand_weekly_timetable(
        [MON_A, every, MON_MATHS], LONDON, None, window, week_a_starts=date(2026, 9, 7)
    )
    assert mondays([e for e in entries if e.summary == "Tutor"]) == [
        date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21)]  # fmt: skip
    assert len([e for e in entries if e.summary == "Year 9 Maths"]) == 3
    assert mondays([e for e in entries if e.summary == "Maths A"]) == [
        date(2026, 9, 7), date(2026, 9, 21)]  # fmt: skip


def test_inset_days_have_no_lessons_and_the_weeks_keep_counting():
    inset = [date(2026, 9, 21), date(2026, 9, 22)]
    tue = (Weekday.TUE, time(9, 0), time(10, 0), "Tuesday")
    window = Interval(utc(2026, 9, 7), utc(2026, 10, 7))
    entries = expand_weekly_timetable(
        [MON_A, tue], LONDON, [AUTUMN_1], window, week_a_starts=date(2026, 9, 7), inset_days=inset
    )
    assert mondays([e for e in entries if e.summary == "Maths A"]) == [
        date(2026, 9, 7), date(2026, 10, 5)]  # fmt: skip
    tuesdays = mondays([e for e in entries if e.summary == "Tuesday"])
    assert date(2026, 9, 22) not in tuesdays
    assert date(2026, 9, 29) in tuesdays


def test_a_week_block_needs_week_a_starts_and_it_must_be_a_monday():
    with pytest.raises(ValueError, match="week A"):
        expand_weekly_timetable([MON_A], LONDON, None, AUTUMN)
    with pytest.raises(ValueError, match="Monday"):
        expand_weekly_timetable([MON_A], LONDON, None, AUTUMN, week_a_starts=date(2026, 9, 8))
