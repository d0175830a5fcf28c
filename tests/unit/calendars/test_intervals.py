from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.intervals import Interval, covers, intersect, merge, overlapping, subtract
from tests.support.calendars_grid import T0, at, grid_intervals, minute_of, minutes, span

LONDON = ZoneInfo("Europe/London")
ZONES = (
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    LONDON,
    ZoneInfo("America/New_York"),
)
EXAMPLES = settings(max_examples=150, deadline=None)


@st.composite
def zoned_intervals(draw: st.DrawFn) -> Interval:
    """A grid interval whose bounds are written in arbitrary, possibly different, zones."""
    interval = draw(grid_intervals())
    start_zone, end_zone = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
    return Interval(interval.start.astimezone(start_zone), interval.end.astimezone(end_zone))


interval_lists = st.lists(zoned_intervals(), max_size=8)


def assert_sorted_and_separated(intervals: list[Interval]) -> None:
    for earlier, later in pairwise(intervals):
        assert earlier.end < later.start


# --- construction and comparison -------------------------------------------------------------


def test_naive_start_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2026, 1, 1, 9), at(600))  # noqa: DTZ001 - the naive value is the point


def test_naive_end_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(at(0), datetime(2026, 3, 2, 9))  # noqa: DTZ001 - the naive value is the point


@pytest.mark.parametrize("end_minute", [0, -1])
def test_end_not_after_start_is_rejected(end_minute):
    with pytest.raises(ValueError, match="end after"):
        Interval(at(0), at(end_minute))


def test_bounds_are_stored_in_utc():
    interval = Interval(
        datetime(2026, 7, 1, 9, tzinfo=LONDON), datetime(2026, 7, 1, 10, tzinfo=LONDON)
    )
    assert interval.start == datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert interval.start.tzinfo is UTC
    assert interval.end.tzinfo is UTC


def test_same_instants_in_different_zones_compare_equal():
    in_utc = Interval(datetime(2026, 7, 1, 8, tzinfo=UTC), datetime(2026, 7, 1, 9, tzinfo=UTC))
    in_london = Interval(
        datetime(2026, 7, 1, 9, tzinfo=LONDON), datetime(2026, 7, 1, 10, tzinfo=LONDON)
    )
    assert in_utc == in_london
    assert hash(in_utc) == hash(in_london)
    assert not in_utc < in_london


def test_ordering_respects_fold_on_the_autumn_change():
    # 01:15 GMT (second 01:15, fold=1) is 01:15Z; 01:20 BST (fold=0) is 00:20Z, so it is earlier,
    # although Python orders the two the other way while they share the London tzinfo.
    later = Interval(
        datetime(2026, 10, 25, 1, 15, tzinfo=LONDON, fold=1),
        datetime(2026, 10, 25, 1, 45, tzinfo=LONDON, fold=1),
    )
    earlier = Interval(
        datetime(2026, 10, 25, 1, 20, tzinfo=LONDON), datetime(2026, 10, 25, 1, 50, tzinfo=LONDON)
    )
    assert earlier < later


def test_lesson_after_the_fold_does_not_clash_with_session_before_it():
    # docs/calendars.md, rule 45: lesson 01:15 GMT vs session 01:00-01:30 BST (00:00-00:30Z): no
    # clash.
    lesson = Interval(
        datetime(2026, 10, 25, 1, 15, tzinfo=LONDON, fold=1),
        datetime(2026, 10, 25, 1, 45, tzinfo=LONDON, fold=1),
    )
    session = Interval(
        datetime(2026, 10, 25, 1, 0, tzinfo=LONDON), datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)
    )
    assert not lesson.overlaps(session)


def test_duration_is_real_time_across_the_autumn_change():
    local_day = Interval(
        datetime(2026, 10, 25, tzinfo=LONDON), datetime(2026, 10, 26, tzinfo=LONDON)
    )
    assert local_day.duration == timedelta(hours=25)


# --- single-interval predicates ----------------------------------------------------------------


def test_back_to_back_intervals_do_not_overlap():
    assert not span(0, 60).overlaps(span(60, 120))


def test_contains_includes_shared_edges():
    assert span(0, 60).contains(span(0, 60))


def test_contains_rejects_an_interval_sticking_out():
    assert not span(0, 60).contains(span(30, 61))


@EXAMPLES
@given(zoned_intervals(), zoned_intervals())
def test_overlaps_is_symmetric(a, b):
    assert a.overlaps(b) == b.overlaps(a)


@EXAMPLES
@given(zoned_intervals(), zoned_intervals())
def test_overlaps_means_sharing_a_minute(a, b):
    assert a.overlaps(b) == bool(minutes([a]) & minutes([b]))


@EXAMPLES
@given(zoned_intervals(), st.integers(1, 60))
def test_overlaps_is_false_for_back_to_back(a, length):
    follower = Interval(a.end, a.end + timedelta(minutes=length))
    assert not a.overlaps(follower)
    assert not follower.overlaps(a)


@EXAMPLES
@given(zoned_intervals(), zoned_intervals())
def test_contains_means_all_minutes_inside(a, b):
    assert a.contains(b) == (minutes([b]) <= minutes([a]))


# --- merge ---------------------------------------------------------------------------------


def test_merge_joins_touching_intervals():
    assert merge([span(60, 120), span(0, 60)]) == [span(0, 120)]


def test_merge_keeps_separated_intervals_apart():
    assert merge([span(61, 120), span(0, 60)]) == [span(0, 60), span(61, 120)]


def test_merge_of_nothing_is_empty():
    assert merge([]) == []


@EXAMPLES
@given(interval_lists)
def test_merge_is_sorted_disjoint_and_not_touching(intervals):
    assert_sorted_and_separated(merge(intervals))


@EXAMPLES
@given(interval_lists)
def test_merge_covers_exactly_the_input_instants(intervals):
    assert minutes(merge(intervals)) == minutes(intervals)


@EXAMPLES
@given(interval_lists)
def test_merge_returns_utc(intervals):
    assert all(piece.start.tzinfo is UTC and piece.end.tzinfo is UTC for piece in merge(intervals))


# --- subtract and intersect ----------------------------------------------------------------


def test_subtract_splits_around_a_hole():
    assert subtract([span(0, 120)], [span(30, 60)]) == [span(0, 30), span(60, 120)]


def test_subtract_one_removal_may_span_several_pieces():
    assert subtract([span(0, 10), span(20, 30), span(40, 50)], [span(5, 45)]) == [
        span(0, 5),
        span(45, 50),
    ]


@EXAMPLES
@given(interval_lists, interval_lists)
def test_subtract_agrees_with_set_difference(base, remove):
    result = subtract(base, remove)
    assert_sorted_and_separated(result)
    assert minutes(result) == minutes(base) - minutes(remove)


def test_intersect_keeps_only_the_common_part():
    assert intersect([span(0, 60)], [span(30, 90)]) == [span(30, 60)]


def test_intersect_of_back_to_back_is_empty():
    assert intersect([span(0, 60)], [span(60, 90)]) == []


@EXAMPLES
@given(interval_lists, interval_lists)
def test_intersect_agrees_with_set_intersection(a, b):
    result = intersect(a, b)
    assert_sorted_and_separated(result)
    assert minutes(result) == minutes(a) & minutes(b)


# --- covers and overlapping ----------------------------------------------------------------


def test_covers_accepts_a_candidate_across_touching_pieces():
    assert covers([span(0, 60), span(60, 120)], span(30, 90))


def test_covers_rejects_a_candidate_across_a_gap():
    assert not covers([span(0, 60), span(61, 120)], span(30, 90))


def test_covers_with_nothing_is_false():
    assert not covers([], span(0, 1))


@EXAMPLES
@given(interval_lists, zoned_intervals())
def test_covers_agrees_with_the_set_model(cover, candidate):
    assert covers(cover, candidate) == (minutes([candidate]) <= minutes(cover))


def test_overlapping_returns_clashes_sorted():
    candidate = span(30, 90)
    others = [span(80, 100), span(0, 30), span(0, 31), span(90, 95)]
    assert overlapping(candidate, others) == [span(0, 31), span(80, 100)]


@EXAMPLES
@given(zoned_intervals(), interval_lists)
def test_overlapping_agrees_with_the_set_model(candidate, others):
    result = overlapping(candidate, others)
    expected = [other for other in others if minutes([other]) & minutes([candidate])]
    assert result == sorted(expected)


def test_grid_model_sanity():
    # The model itself: minute 0 is T0 and an interval [0, 2) holds minutes 0 and 1.
    assert minute_of(T0) == 0
    assert minutes([span(0, 2)]) == {0, 1}
