"""The demo's sessions fall in term time (issue 15: one used to land in the Christmas holidays)."""

from datetime import date

from booking.demo import term_weeks


def test_christmas_weeks_are_skipped():
    weeks = term_weeks(date(2026, 12, 14), 3)
    assert weeks == [date(2026, 12, 14), date(2027, 1, 4), date(2027, 1, 11)]


def test_summer_and_half_terms_are_skipped():
    assert term_weeks(date(2027, 7, 19), 1) == [date(2027, 9, 6)]
    assert term_weeks(date(2026, 10, 26), 1) == [date(2026, 11, 2)]
    assert term_weeks(date(2027, 2, 15), 1) == [date(2027, 2, 22)]


def test_term_weeks_follow_each_other():
    assert term_weeks(date(2026, 11, 2), 3) == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
    ]
