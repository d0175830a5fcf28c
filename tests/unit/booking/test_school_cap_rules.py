"""The per-school cap as seat rules (booking.services.seat_rules): pure, no database."""

from __future__ import annotations

import pytest

from booking.models import Cohort
from booking.services.seat_rules import Verdict, school_at_cap, verdict


def cohort(max_per_school: int | None) -> Cohort:
    return Cohort(capacity=10, confirmed_count=0, offered_count=0, max_per_school=max_per_school)


@pytest.mark.parametrize(
    ("cap", "school", "held", "expected"),
    [
        (None, "s1", 99, False),  # no cap
        (2, None, 99, False),  # no school: no cap
        (2, "s1", 1, False),
        (2, "s1", 2, True),
        (2, "s1", 3, True),  # over (the cap was lowered): still at it
        (1, "s1", 0, False),
    ],
)
def test_school_at_cap(cap, school, held, expected):
    assert school_at_cap(cohort(cap), school, held) is expected


def test_a_capped_teacher_is_passed_over_even_when_busy():
    assert verdict(locked=False, holds_overlapping_seat=False, school_at_cap=True) is Verdict.PASS
    assert verdict(locked=True, holds_overlapping_seat=False, school_at_cap=True) is Verdict.PASS
    assert verdict(locked=False, holds_overlapping_seat=False) is Verdict.STOP
    assert verdict(locked=True, holds_overlapping_seat=False) is Verdict.SEAT
    assert verdict(locked=True, holds_overlapping_seat=True) is Verdict.PASS
