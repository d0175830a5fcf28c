"""Half-open time intervals ``[start, end)`` and the set algebra over them.

Every interval is held in UTC. Python compares and subtracts two datetimes that share a
tzinfo by wall clock, ignoring ``fold`` (so 01:15 GMT sorts before 01:30 BST on the autumn
change day although it is later); normalising to UTC on construction makes that impossible.

The list functions treat their inputs as sets of instants: they sort once and sweep, so they
run in O(n log n), and they return sorted, merged lists.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """The instants from ``start`` (included) up to ``end`` (excluded), stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if _is_naive(self.start) or _is_naive(self.end):
            raise ValueError("interval bounds must be timezone-aware")
        # Frozen, so the normalised values go in through object.__setattr__.
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.end <= self.start:
            raise ValueError(f"interval must end after it starts: {self.start} >= {self.end}")

    @property
    def duration(self) -> timedelta:
        """Real elapsed time (UTC arithmetic, so 25 h or 23 h days come out right)."""
        return self.end - self.start

    def overlaps(self, other: "Interval") -> bool:
        """True when the two share an instant; back-to-back intervals do not overlap."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        """True when ``other`` lies inside this interval; shared edges count as inside."""
        return self.start <= other.start and other.end <= self.end


def _is_naive(moment: datetime) -> bool:
    return moment.tzinfo is None or moment.utcoffset() is None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Coalesce overlapping and touching intervals; the result is sorted and has gaps between."""
    merged: list[Interval] = []
    for interval in sorted(intervals):
        # Touching counts as joined: [9, 12) and [12, 17) are one stretch of time.
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def subtract(base: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """The instants of ``base`` that are in no interval of ``remove``, merged and sorted."""
    removals = merge(remove)
    result: list[Interval] = []
    first = 0
    for piece in merge(base):
        # Removals that end before this piece cannot touch any later piece either.
        while first < len(removals) and removals[first].end <= piece.start:
            first += 1
        result.extend(_cut(piece, removals, first))
    return result


def _cut(piece: Interval, removals: list[Interval], first: int) -> list[Interval]:
    """``piece`` minus the sorted, disjoint ``removals[first:]``."""
    kept: list[Interval] = []
    cursor = piece.start
    index = first
    while index < len(removals) and removals[index].start < piece.end:
        if removals[index].start > cursor:
            kept.append(Interval(cursor, removals[index].start))
        # Removals are disjoint and this one reaches past the cursor, so its end is the new one.
        cursor = removals[index].end
        index += 1
    if cursor < piece.end:
        kept.append(Interval(cursor, piece.end))
    return kept


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The instants that lie in both ``a`` and ``b``, merged and sorted."""
    left, right = merge(a), merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(Interval(start, end))
        # Whichever ends first can meet nothing further on the other side.
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    # Inputs have gaps between their pieces, so the pieces found here cannot touch.
    return result


def covers(cover: Iterable[Interval], candidate: Interval) -> bool:
    """True when every instant of ``candidate`` lies in the union of ``cover``."""
    merged = merge(cover)
    # After merging, a covered candidate sits inside one piece: the last that starts by its start.
    index = bisect_right(merged, candidate.start, key=lambda piece: piece.start) - 1
    return index >= 0 and merged[index].contains(candidate)


def overlapping(candidate: Interval, others: Iterable[Interval]) -> list[Interval]:
    """The intervals of ``others`` that share an instant with ``candidate``, sorted."""
    return sorted(other for other in others if candidate.overlaps(other))
