import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendars import timetable_ics
from calendars.intervals import Interval
from calendars.timetable_ics import InvalidCalendarError, expand_ics

SAMPLES = Path(__file__).parent / "samples"
LONDON = ZoneInfo("Europe/London")
SPRING_TERM = Interval(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
YEAR_2026 = Interval(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def calendar(*events: str, header: str = "") -> bytes:
    """A VCALENDAR around hand-written VEVENT bodies (one property a line, LF is fine)."""
    body = "".join(
        f"BEGIN:VEVENT\nDTSTAMP:20260301T120000Z\n{event.strip()}\nEND:VEVENT\n" for event in events
    )
    text = f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//EN\n{header}{body}END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def starts(data: bytes, window: Interval = SPRING_TERM) -> list[datetime]:
    return [entry.start for entry in expand_ics(data, window)]


# --- DST and the export styles ---------------------------------------------------------------

# Mondays 2026-03-16 .. 2026-04-20 at 09:00 London: GMT before 2026-03-29, BST after.
MONDAYS_AT_NINE_LONDON = [
    utc(2026, 3, 16, 9),
    utc(2026, 3, 23, 9),
    utc(2026, 3, 30, 8),
    utc(2026, 4, 6, 8),
    utc(2026, 4, 13, 8),
    utc(2026, 4, 20, 8),
]
EXPORT_STYLES = [
    "weekly_tzid_london.ics",
    "weekly_google_x_wr_timezone.ics",
    "weekly_outlook_windows_tzid.ics",
    "weekly_floating.ics",
]


@pytest.mark.parametrize("name", EXPORT_STYLES)
def test_weekly_lesson_stays_at_nine_local_across_the_spring_change(name):
    assert starts(sample(name)) == MONDAYS_AT_NINE_LONDON


@pytest.mark.parametrize("name", EXPORT_STYLES)
def test_weekly_lesson_keeps_its_hour_length_across_the_spring_change(name):
    entries = expand_ics(sample(name), SPRING_TERM)
    assert {entry.end - entry.start for entry in entries} == {timedelta(hours=1)}


# The same lesson in the autumn term: Mondays 2026-10-12 .. 2026-11-09 at 09:00 London, BST
# before the change on 2026-10-25 and GMT after. Each export style written as its app would
# write it for that term (Google in UTC: 08:00Z for the first Monday, then the rule's wall
# clock comes from X-WR-TIMEZONE).
AUTUMN_TERM = Interval(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
MONDAYS_AT_NINE_LONDON_AUTUMN = [
    utc(2026, 10, 12, 8),
    utc(2026, 10, 19, 8),
    utc(2026, 10, 26, 9),
    utc(2026, 11, 2, 9),
    utc(2026, 11, 9, 9),
]
AUTUMN_DATES = {
    "weekly_tzid_london.ics": [
        (b":20260316T090000", b":20261012T090000"),
        (b":20260316T100000", b":20261012T100000"),
        (b"UNTIL=20260420T080000Z", b"UNTIL=20261109T090000Z"),
    ],
    "weekly_google_x_wr_timezone.ics": [
        (b"DTSTART:20260316T090000Z", b"DTSTART:20261012T080000Z"),
        (b"DTEND:20260316T100000Z", b"DTEND:20261012T090000Z"),
        (b"UNTIL=20260420T080000Z", b"UNTIL=20261109T090000Z"),
    ],
    "weekly_outlook_windows_tzid.ics": [
        (b":20260316T090000", b":20261012T090000"),
        (b":20260316T100000", b":20261012T100000"),
        (b"UNTIL=20260420T080000Z", b"UNTIL=20261109T090000Z"),
    ],
    "weekly_floating.ics": [
        (b"DTSTART:20260316T090000", b"DTSTART:20261012T090000"),
        (b"DTEND:20260316T100000", b"DTEND:20261012T100000"),
        (b"UNTIL=20260420T090000", b"UNTIL=20261109T090000"),
    ],
}


def autumn_sample(name: str) -> bytes:
    data = sample(name)
    for old, new in AUTUMN_DATES[name]:
        assert old in data, (name, old)
        data = data.replace(old, new)
    return data


@pytest.mark.parametrize("name", EXPORT_STYLES)
def test_weekly_lesson_stays_at_nine_local_across_the_autumn_change(name):
    entries = expand_ics(autumn_sample(name), AUTUMN_TERM)
    assert [entry.start for entry in entries] == MONDAYS_AT_NINE_LONDON_AUTUMN
    assert {entry.end - entry.start for entry in entries} == {timedelta(hours=1)}


def test_all_export_styles_give_the_same_entries():
    results = [expand_ics(sample(name), SPRING_TERM) for name in EXPORT_STYLES]
    assert all(result == results[0] for result in results)


def test_embedded_vtimezone_defines_a_tzid_unknown_to_iana_and_windows():
    # Renamed so neither zoneinfo nor the Windows-name table knows it: only the VTIMEZONE can.
    data = sample("weekly_outlook_windows_tzid.ics").replace(
        b"GMT Standard Time", b"School Local Time"
    )
    assert starts(data) == MONDAYS_AT_NINE_LONDON


def test_windows_tzid_without_vtimezone_maps_to_its_iana_zone():
    data = calendar(
        "UID:a\nDTSTART;TZID=GMT Standard Time:20260330T090000\n"
        "DTEND;TZID=GMT Standard Time:20260330T100000"
    )
    assert starts(data) == [utc(2026, 3, 30, 8)]


# Expansion stays lenient: it reads calendars stored before uploads were checked strictly
# (calendars.timetable_check refuses these at upload; see test_timetable_check.py).
def test_tzid_nobody_defines_is_read_as_floating_london_time():
    data = calendar(
        "UID:a\nDTSTART;TZID=Nowhere/Special:20260330T090000\n"
        "DTEND;TZID=Nowhere/Special:20260330T100000"
    )
    assert starts(data) == [utc(2026, 3, 30, 8)]


def test_unknown_x_wr_timezone_is_ignored_and_utc_times_stay_utc():
    data = calendar(
        "UID:a\nDTSTART:20260330T090000Z\nDTEND:20260330T100000Z",
        header="X-WR-TIMEZONE:Mars/Olympus_Mons\n",
    )
    assert starts(data) == [utc(2026, 3, 30, 9)]


def test_x_wr_timezone_naming_a_tzdata_directory_is_ignored():
    # ZoneInfo("Europe") raises IsADirectoryError on Python 3.11, not ZoneInfoNotFoundError.
    data = calendar(
        "UID:a\nDTSTART:20260330T090000Z\nDTEND:20260330T100000Z", header="X-WR-TIMEZONE:Europe\n"
    )
    assert starts(data) == [utc(2026, 3, 30, 9)]


def test_x_wr_timezone_reads_floating_times_in_that_zone():
    data = calendar(
        "UID:a\nDTSTART:20260330T090000\nDTEND:20260330T100000",
        header="X-WR-TIMEZONE:America/New_York\n",
    )
    assert starts(data) == [utc(2026, 3, 30, 13)]


# --- EXDATE, RECURRENCE-ID, STATUS:CANCELLED -------------------------------------------------


def science(window: Interval = SPRING_TERM):
    return [
        e for e in expand_ics(sample("weekly_exceptions.ics"), window) if "Science" in e.summary
    ]


def test_exdate_removes_that_week():
    assert utc(2026, 4, 6, 8) not in [entry.start for entry in science()]


def test_recurrence_id_override_moves_that_week_and_does_not_duplicate_it():
    week = [e for e in science() if e.start.date() == date(2026, 4, 13)]
    assert [(e.start, e.end, e.summary) for e in week] == [
        (utc(2026, 4, 13, 13), utc(2026, 4, 13, 14), "Year 10 Science (moved to period 5)")
    ]


def test_cancelled_instance_is_dropped():
    assert all(entry.start.date() != date(2026, 3, 23) for entry in science())


def test_unchanged_weeks_of_a_series_with_exceptions_remain():
    assert [entry.start for entry in science()] == [
        utc(2026, 3, 16, 9),
        utc(2026, 3, 30, 8),
        utc(2026, 4, 13, 13),
        utc(2026, 4, 20, 8),
    ]


def test_cancelled_event_is_dropped():
    summaries = [entry.summary for entry in expand_ics(sample("weekly_exceptions.ics"), YEAR_2026)]
    assert "Staff briefing (called off)" not in summaries


# --- all-day and transparent events ----------------------------------------------------------


def all_day(summary: str):
    entries = expand_ics(sample("all_day_and_transparent.ics"), YEAR_2026)
    (entry,) = [entry for entry in entries if entry.summary == summary]
    return entry


def test_all_day_event_on_the_spring_change_day_is_the_23_hour_local_day():
    entry = all_day("Clocks go forward")
    assert (entry.start, entry.end) == (utc(2026, 3, 29), utc(2026, 3, 29, 23))


def test_all_day_event_on_the_autumn_change_day_is_the_25_hour_local_day():
    # No DTEND on a DATE start: RFC 5545 makes it one day long.
    entry = all_day("Clocks go back")
    assert (entry.start, entry.end) == (utc(2026, 10, 24, 23), utc(2026, 10, 26))


def test_all_day_events_are_marked_and_do_not_count_as_busy():
    entry = all_day("Clocks go forward")
    assert entry.all_day
    assert not entry.counts_as_busy


def test_transparent_event_is_returned_marked_and_does_not_count_as_busy():
    entry = all_day("INSET day (optional)")
    assert (entry.transparent, entry.all_day, entry.counts_as_busy) == (True, False, False)


# --- shape of the result ---------------------------------------------------------------------


def test_entries_are_sorted_and_in_utc():
    data = calendar(
        "UID:b\nDTSTART:20260317T090000Z\nDTEND:20260317T100000Z",
        "UID:a\nDTSTART;TZID=Europe/London:20260316T120000\nDTEND;TZID=Europe/London:20260316T1300",
        "UID:c\nDTSTART;TZID=Europe/Paris:20260316T090000\nDTEND;TZID=Europe/Paris:20260316T100000",
    )
    entries = expand_ics(data, SPRING_TERM)
    assert entries == sorted(entries)
    assert all(entry.start.tzinfo is UTC and entry.end.tzinfo is UTC for entry in entries)


def test_occurrence_across_the_window_edge_is_returned_whole():
    window = Interval(utc(2026, 3, 16, 9, 30), utc(2026, 3, 17))
    entries = expand_ics(sample("weekly_tzid_london.ics"), window)
    assert [(entry.start, entry.end) for entry in entries] == [
        (utc(2026, 3, 16, 9), utc(2026, 3, 16, 10))
    ]


def test_occurrence_ending_where_the_window_starts_is_left_out():
    window = Interval(utc(2026, 3, 16, 10), utc(2026, 3, 23, 9))
    assert expand_ics(sample("weekly_tzid_london.ics"), window) == []


def test_summary_is_one_line_and_empty_when_missing():
    data = calendar(
        "UID:a\nDTSTART:20260316T090000Z\nDTEND:20260316T100000Z\nSUMMARY:Year 9\\nMaths  set 2",
        "UID:b\nDTSTART:20260317T090000Z\nDTEND:20260317T100000Z",
    )
    assert [entry.summary for entry in expand_ics(data, SPRING_TERM)] == ["Year 9 Maths set 2", ""]


def test_duration_sets_the_end():
    data = calendar("UID:a\nDTSTART:20260316T090000Z\nDURATION:PT50M")
    assert [entry.end for entry in expand_ics(data, SPRING_TERM)] == [utc(2026, 3, 16, 9, 50)]


def test_timed_event_without_dtend_or_duration_takes_no_time_and_is_left_out():
    data = calendar("UID:a\nDTSTART:20260316T090000Z\nSUMMARY:Reminder")
    assert expand_ics(data, SPRING_TERM) == []


def test_dtend_before_dtstart_is_read_as_the_reversed_span():
    # recurring_ical_events swaps them; showing the time as busy is the safer reading.
    data = calendar("UID:a\nDTSTART:20260316T100000Z\nDTEND:20260316T090000Z")
    entries = expand_ics(data, SPRING_TERM)
    assert [(entry.start, entry.end) for entry in entries] == [
        (utc(2026, 3, 16, 9), utc(2026, 3, 16, 10))
    ]


# --- what is skipped, and the limits ----------------------------------------------------------


def test_unreadable_series_is_skipped_and_the_rest_kept():
    data = calendar(
        "UID:bad\nDTSTART:20260316T090000Z\nDTEND:20260316T100000Z\nRRULE:FREQ=FORTNIGHTLY",
        "UID:no-start\nSUMMARY:nothing to place",
        "UID:bad-start\nDTSTART:2026031XT090000Z\nDTEND:20260316T100000Z",
        "UID:good\nDTSTART:20260317T090000Z\nDTEND:20260317T100000Z",
    )
    assert starts(data) == [utc(2026, 3, 17, 9)]


def test_sub_daily_rule_is_skipped():
    data = calendar("UID:a\nDTSTART:19000101T000000Z\nDURATION:PT1S\nRRULE:FREQ=SECONDLY")
    assert expand_ics(data, SPRING_TERM) == []


class TooSlowError(BaseException):
    """A BaseException, so that the expander's catch-all (a series it cannot read is skipped)
    lets it through to `within`."""


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail the test if the block (in the test's own thread) runs longer than `seconds`: a rule
    the expander should skip would otherwise run, and eat memory, for as long as it is let."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise TooSlowError

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except TooSlowError:
        pytest.fail(f"still expanding after {seconds} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("interval", ["0", "00", "-2"])
def test_rule_without_a_positive_interval_is_skipped(interval):
    # At INTERVAL=0 dateutil repeats DTSTART for ever and keeps every repeat (found by the
    # mutation fuzzing below: gigabytes within a minute). The control: INTERVAL=2 expands.
    rule = "UID:a\nDTSTART:20260302T090000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY;INTERVAL="
    with within(5):
        assert expand_ics(calendar(rule + interval), SPRING_TERM) == []
        assert len(expand_ics(calendar(rule + "2"), SPRING_TERM)) == 5


def test_daily_rule_filtered_by_month_day_is_skipped():
    # It may never match (30 February); dateutil would then search to the year 9999.
    data = calendar("UID:a\nDTSTART:20260101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY;BYMONTHDAY=1")
    assert expand_ics(data, SPRING_TERM) == []


def test_daily_rule_since_1900_is_expanded():
    data = calendar("UID:a\nDTSTART:19000101T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY")
    assert len(expand_ics(data, Interval(utc(2026, 3, 2), utc(2026, 3, 9)))) == 7


def test_rule_generating_too_much_before_the_window_is_skipped():
    # Eight times a day since 1900: 370,000 occurrences before anything reaches the window.
    data = calendar(
        "UID:a\nDTSTART:19000101T090000Z\nDURATION:PT10M\n"
        "RRULE:FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15"
    )
    assert expand_ics(data, SPRING_TERM) == []


def test_more_occurrences_than_the_limit_is_invalid(monkeypatch):
    monkeypatch.setattr(timetable_ics, "MAX_OCCURRENCES", 5)
    data = calendar("UID:a\nDTSTART:20260316T090000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY")
    with pytest.raises(InvalidCalendarError, match="more than 5 events"):
        expand_ics(data, SPRING_TERM)


def test_calendar_not_expanded_within_the_time_budget_is_invalid(monkeypatch):
    monkeypatch.setattr(timetable_ics, "EXPANSION_SECONDS", -1.0)
    with pytest.raises(InvalidCalendarError, match="too complex"):
        expand_ics(sample("weekly_tzid_london.ics"), SPRING_TERM)
