from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendars.clashes import BusyEntry, Clash, busy_intervals, find_clashes
from calendars.intervals import Interval
from calendars.timetable_ics import expand_ics

SAMPLES = Path(__file__).parent / "samples"
LONDON = ZoneInfo("Europe/London")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def lesson(start: datetime, end: datetime, summary: str = "Lesson", **flags: bool) -> BusyEntry:
    return BusyEntry(start, end, summary, **flags)


# --- BusyEntry -------------------------------------------------------------------------------


def test_busy_entry_is_normalised_to_utc():
    entry = lesson(datetime(2026, 6, 1, 9, tzinfo=LONDON), datetime(2026, 6, 1, 10, tzinfo=LONDON))
    assert (entry.start, entry.end) == (utc(2026, 6, 1, 8), utc(2026, 6, 1, 9))
    assert entry.start.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (utc(2026, 6, 1, 10), utc(2026, 6, 1, 9)),
        (utc(2026, 6, 1, 9), utc(2026, 6, 1, 9)),
        (datetime(2026, 6, 1, 9), utc(2026, 6, 1, 10)),  # noqa: DTZ001 - the point of the test
    ],
)
def test_busy_entry_must_be_aware_and_end_after_it_starts(start, end):
    with pytest.raises(ValueError, match="interval"):
        lesson(start, end)


@pytest.mark.parametrize(
    ("flags", "busy"),
    [({}, True), ({"all_day": True}, False), ({"transparent": True}, False)],
)
def test_only_timed_opaque_entries_count_as_busy(flags, busy):
    assert lesson(utc(2026, 6, 1, 9), utc(2026, 6, 1, 10), **flags).counts_as_busy is busy


# --- busy_intervals --------------------------------------------------------------------------


def test_busy_intervals_merge_and_skip_entries_that_do_not_count():
    entries = [
        lesson(utc(2026, 6, 1, 10), utc(2026, 6, 1, 11)),
        lesson(utc(2026, 6, 1, 9), utc(2026, 6, 1, 10)),
        lesson(utc(2026, 6, 1, 13), utc(2026, 6, 1, 14), transparent=True),
        lesson(utc(2026, 6, 1), utc(2026, 6, 2), all_day=True),
    ]
    assert busy_intervals(entries) == [Interval(utc(2026, 6, 1, 9), utc(2026, 6, 1, 11))]


# --- find_clashes: examples ------------------------------------------------------------------

# The lesson in the sample runs 01:15-02:15 GMT on 2026-10-25, i.e. in the second 01:00 hour.
FOLD_LESSON = (SAMPLES / "autumn_fold_lesson.ics").read_bytes()
AUTUMN_DAY = Interval(utc(2026, 10, 24), utc(2026, 10, 26))


def fold_clashes(session: Interval) -> list[Clash]:
    return find_clashes(expand_ics(FOLD_LESSON, AUTUMN_DAY), [("s1", session)])


def test_session_in_the_first_repeated_hour_does_not_clash_with_a_lesson_in_the_second():
    # 01:00-01:30 BST (fold=0) is 00:00Z-00:30Z; the lesson starts at 01:15Z. Compared by wall
    # clock in one tzinfo they would seem to overlap.
    session = Interval(
        datetime(2026, 10, 25, 1, 0, tzinfo=LONDON), datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)
    )
    assert (session.start, session.end) == (utc(2026, 10, 25, 0), utc(2026, 10, 25, 0, 30))
    assert fold_clashes(session) == []


def test_session_in_the_second_repeated_hour_clashes_with_the_lesson():
    # fold=1 on both ends: adding a timedelta would reset the fold and land back in BST.
    session = Interval(
        datetime(2026, 10, 25, 1, 0, tzinfo=LONDON, fold=1),
        datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1),
    )
    assert (session.start, session.end) == (utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 30))
    assert fold_clashes(session) == [
        Clash(
            "Residential trip night check (01:15 GMT)",
            utc(2026, 10, 25, 1, 15),
            utc(2026, 10, 25, 2, 15),
            "s1",
        )
    ]


@pytest.mark.parametrize(
    "session",
    [
        Interval(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 15)),  # ends as the lesson starts
        Interval(utc(2026, 10, 25, 2, 15), utc(2026, 10, 25, 3)),  # starts as the lesson ends
    ],
)
def test_back_to_back_is_no_clash(session):
    assert fold_clashes(session) == []


def test_entries_that_do_not_count_as_busy_never_clash():
    session = ("s1", Interval(utc(2026, 6, 1, 9), utc(2026, 6, 1, 16)))
    entries = [
        lesson(utc(2026, 6, 1), utc(2026, 6, 2), "INSET", all_day=True),
        lesson(utc(2026, 6, 1, 9), utc(2026, 6, 1, 10), "Optional", transparent=True),
    ]
    assert find_clashes(entries, [session]) == []


def test_clashes_are_ordered_by_session_start_then_entry_start():
    entries = [
        lesson(utc(2026, 6, 1, 11), utc(2026, 6, 1, 12), "P3"),
        lesson(utc(2026, 6, 1, 9), utc(2026, 6, 1, 10), "P1"),
        lesson(utc(2026, 6, 2, 9), utc(2026, 6, 2, 10), "Tue P1"),
    ]
    sessions = [
        ("tuesday", Interval(utc(2026, 6, 2, 8), utc(2026, 6, 2, 16))),
        ("monday", Interval(utc(2026, 6, 1, 8), utc(2026, 6, 1, 16))),
    ]
    clashes = find_clashes(entries, sessions)
    assert [(clash.session_id, clash.summary) for clash in clashes] == [
        ("monday", "P1"),
        ("monday", "P3"),
        ("tuesday", "Tue P1"),
    ]


def test_long_entry_clashes_with_every_session_it_covers():
    residential = lesson(utc(2026, 6, 1), utc(2026, 6, 6), "Residential")
    sessions = [(f"day{n}", Interval(utc(2026, 6, n, 9), utc(2026, 6, n, 16))) for n in (1, 3, 8)]
    assert [c.session_id for c in find_clashes([residential], sessions)] == ["day1", "day3"]


def test_large_inputs_are_swept_not_compared_pairwise():
    # 50,000 lessons against 5,000 sessions: 250 million pairs would take minutes; the sweep
    # takes a fraction of a second. Every session overlaps exactly one lesson.
    base = utc(2026, 1, 1)
    entries = [
        lesson(base + timedelta(hours=n), base + timedelta(hours=n, minutes=50))
        for n in range(50_000)
    ]
    sessions = [
        (
            str(n),
            Interval(
                base + timedelta(hours=10 * n, minutes=40),
                base + timedelta(hours=10 * n, minutes=55),
            ),
        )
        for n in range(5_000)
    ]
    assert len(find_clashes(entries, sessions)) == 5_000


# --- find_clashes: against a brute-force model -------------------------------------------------

BASE = utc(2026, 10, 24, 23)
# A small grid of quarter hours makes shared edges and identical intervals common.
quarters = st.integers(min_value=0, max_value=24)
spans = st.tuples(quarters, st.integers(min_value=1, max_value=8))


def at(quarter: int) -> datetime:
    return BASE + timedelta(minutes=15 * quarter)


entries_strategy = st.lists(
    st.builds(
        lambda span, summary, all_day, transparent: BusyEntry(
            at(span[0]), at(span[0] + span[1]), summary, all_day=all_day, transparent=transparent
        ),
        spans,
        st.sampled_from(["A", "B", "C"]),
        st.booleans(),
        st.booleans(),
    ),
    max_size=25,
)
sessions_strategy = st.lists(spans, max_size=12).map(
    lambda found: [
        (f"s{n}", Interval(at(s), at(s + length))) for n, (s, length) in enumerate(found)
    ]
)


def brute_force(entries: list[BusyEntry], sessions: list[tuple[str, Interval]]) -> list[Clash]:
    return [
        Clash(entry.summary, entry.start, entry.end, session_id)
        for entry in entries
        for session_id, session in sessions
        if entry.counts_as_busy and entry.start < session.end and session.start < entry.end
    ]


@settings(max_examples=400, deadline=None)
@given(entries_strategy, sessions_strategy)
def test_find_clashes_reports_exactly_the_overlapping_pairs(entries, sessions):
    assert Counter(find_clashes(entries, sessions)) == Counter(brute_force(entries, sessions))


@settings(max_examples=200, deadline=None)
@given(entries_strategy, sessions_strategy)
def test_find_clashes_is_sorted_by_session_start_then_entry_start(entries, sessions):
    starts = dict(sessions)
    keys = [(starts[c.session_id].start, c.start) for c in find_clashes(entries, sessions)]
    assert keys == sorted(keys)
