"""during_school_day: 08:30-15:30 venue-local on a weekday, across the clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendars.school_day import during_school_day

LONDON = ZoneInfo("Europe/London")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("starts_at", "hours", "expected"),
    [
        # Winter (GMT = UTC), Monday 2027-01-11.
        (utc(2027, 1, 11, 8, 0), 0.5, False),  # 08:00-08:30: ends as the day starts
        (utc(2027, 1, 11, 8, 0), 0.75, True),  # 08:00-08:45
        (utc(2027, 1, 11, 15, 30), 2, False),  # after school
        (utc(2027, 1, 11, 15, 0), 2, True),  # 15:00-17:00 overlaps the last half hour
        (utc(2027, 1, 9, 10, 0), 2, False),  # Saturday
        (utc(2027, 1, 10, 10, 0), 2, False),  # Sunday
        (utc(2027, 1, 10, 20, 0), 13, True),  # Sunday evening into Monday 09:00
        # Summer (BST = UTC+1), Monday 2027-06-14: 07:30 UTC is 08:30 local.
        (utc(2027, 6, 14, 7, 0), 0.5, False),  # 08:00-08:30 local
        (utc(2027, 6, 14, 7, 0), 1, True),  # 08:00-09:00 local
        (utc(2027, 6, 14, 14, 30), 1, False),  # 15:30-16:30 local
        (utc(2027, 6, 14, 14, 0), 1, True),  # 15:00-16:00 local
    ],
)
def test_overlap_with_the_school_day(starts_at, hours, expected):
    ends_at = starts_at + timedelta(hours=hours)
    assert during_school_day(starts_at, ends_at, LONDON) is expected


def test_the_same_utc_time_either_side_of_the_spring_change():
    # 15:00-16:00 UTC: 15:00 local on Friday 26 March 2027 (GMT), 16:00 local on Monday 29
    # March (BST, after the change on Sunday 28th).
    before = utc(2027, 3, 26, 15, 0)
    after = utc(2027, 3, 29, 15, 0)
    assert during_school_day(before, before + timedelta(hours=1), LONDON)
    assert not during_school_day(after, after + timedelta(hours=1), LONDON)


def test_the_same_utc_time_either_side_of_the_autumn_change():
    # 07:45-08:15 UTC: 08:45 local on Friday 29 October 2027 (BST), 07:45 local on Monday 1
    # November (GMT, after the change on Sunday 31st).
    before = utc(2027, 10, 29, 7, 45)
    after = utc(2027, 11, 1, 7, 45)
    assert during_school_day(before, before + timedelta(minutes=30), LONDON)
    assert not during_school_day(after, after + timedelta(minutes=30), LONDON)


def test_the_venues_zone_decides():
    starts_at = utc(2027, 1, 11, 17, 0)  # 17:00 in London, 09:00 in Los Angeles
    ends_at = starts_at + timedelta(hours=1)
    assert not during_school_day(starts_at, ends_at, LONDON)
    assert during_school_day(starts_at, ends_at, ZoneInfo("America/Los_Angeles"))


def test_an_empty_interval_is_never_during_the_day():
    at = utc(2027, 1, 11, 10, 0)
    assert not during_school_day(at, at, LONDON)
