"""Times in mail: the venue's wall clock with the zone named, right across clock changes."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from notifications import when

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (9, 30, "9:30am"),
        (16, 0, "4:00pm"),
        (12, 0, "12:00pm"),
        (0, 5, "12:05am"),
        (23, 59, "11:59pm"),
    ],
)
def test_clock_is_twelve_hour_with_minutes(hour, minute, expected):
    assert when.clock(datetime(2027, 1, 12, hour, minute, tzinfo=UTC)) == expected


def test_dates_are_spelled_without_commas_or_ordinals():
    local = when.wall_clock(utc(2027, 1, 12, 9, 30), LONDON)
    assert when.long_date(local) == "Tuesday 12 January 2027"
    assert when.short_date(local) == "Tue 12 Jan 2027"


def test_a_winter_session_is_shown_in_gmt():
    text = when.span(utc(2027, 1, 12, 9, 30), utc(2027, 1, 12, 16, 0), LONDON)
    assert text == "Tuesday 12 January 2027, 9:30am to 4:00pm (GMT)"


def test_a_summer_session_is_shown_in_bst_one_hour_ahead_of_utc():
    text = when.span(utc(2027, 7, 13, 8, 30), utc(2027, 7, 13, 15, 0), LONDON)
    assert text == "Tuesday 13 July 2027, 9:30am to 4:00pm (BST)"


def test_an_instant_just_after_the_spring_change_is_bst():
    assert when.moment(utc(2027, 3, 28, 1, 30), LONDON) == "2:30am (BST) on Sunday 28 March 2027"
    assert when.moment(utc(2027, 3, 28, 0, 30), LONDON) == "12:30am (GMT) on Sunday 28 March 2027"


def test_the_repeated_autumn_hour_is_told_apart_by_the_zone_name():
    first, second = utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)
    assert when.moment(first, LONDON) == "1:30am (BST) on Sunday 31 October 2027"
    assert when.moment(second, LONDON) == "1:30am (GMT) on Sunday 31 October 2027"


def test_a_session_across_the_clock_change_names_the_zone_at_each_end():
    text = when.span(utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 2, 30), LONDON)
    assert text == "Sunday 31 October 2027, 1:30am (BST) to 2:30am (GMT)"


def test_a_session_past_midnight_gives_both_dates():
    text = when.span(utc(2027, 1, 12, 22, 0), utc(2027, 1, 13, 1, 0), LONDON)
    assert text == (
        "10:00pm (GMT) on Tuesday 12 January 2027 to 1:00am (GMT) on Wednesday 13 January 2027"
    )


def test_the_date_is_the_venue_date_not_the_utc_date():
    # 23:30Z on 30 June is 00:30 BST on 1 July (docs/calendars.md, rule 49).
    assert when.moment(utc(2027, 6, 30, 23, 30), LONDON) == "12:30am (BST) on Thursday 1 July 2027"


def test_another_zone_uses_its_own_clock_and_name():
    assert when.moment(utc(2027, 7, 13, 8, 30), "Europe/Paris") == (
        "10:30am (CEST) on Tuesday 13 July 2027"
    )


def test_a_time_given_with_another_offset_is_the_same_instant():
    plus_two = timezone(timedelta(hours=2))
    assert when.moment(datetime(2027, 7, 13, 10, 30, tzinfo=plus_two), LONDON) == (
        "9:30am (BST) on Tuesday 13 July 2027"
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (utc(2027, 1, 12, 8, 0), "today at 9:30am"),
        (utc(2027, 1, 11, 9, 30), "tomorrow at 9:30am"),
        (utc(2027, 1, 10, 23, 59), "in 2 days"),
        (utc(2027, 1, 5, 9, 30), "in 7 days"),
    ],
)
def test_from_now_counts_calendar_days_at_the_venue(now, expected):
    assert when.from_now(now, utc(2027, 1, 12, 9, 30), LONDON) == expected


def test_from_now_is_tomorrow_for_a_session_just_after_local_midnight():
    # 22:30 BST on 12 July to 00:30 BST on 13 July: 2 hours, but tomorrow on the venue's calendar.
    assert when.from_now(utc(2027, 7, 12, 21, 30), utc(2027, 7, 12, 23, 30), LONDON) == (
        "tomorrow at 12:30am"
    )


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        when.moment(datetime(2027, 1, 12, 9, 30), LONDON)  # noqa: DTZ001 - naive on purpose


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", ""])
def test_an_unknown_zone_is_refused(zone):
    with pytest.raises(ValueError, match="unknown time zone"):
        when.moment(utc(2027, 1, 12, 9, 30), zone)
