"""Busy entries from a teacher's timetable and the training sessions they clash with.

Everything is compared in UTC with half-open intervals, so a lesson that ends at 10:00 and a
session that starts at 10:00 do not clash, and the repeated autumn hour cannot confuse the order.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from calendars.intervals import Interval, merge


@dataclass(frozen=True, slots=True, order=True)
class BusyEntry:
    """One occurrence from a timetable, held in UTC like ``Interval``.

    All-day and transparent (``TRANSP:TRANSPARENT``) entries are kept so that they can be shown,
    but by default they are not busy time: a training day may fall on an INSET day.
    """

    start: datetime
    end: datetime
    summary: str
    all_day: bool = False
    transparent: bool = False

    def __post_init__(self) -> None:
        # Interval checks awareness and order and normalises to UTC; reuse it, not a copy.
        interval = Interval(self.start, self.end)
        object.__setattr__(self, "start", interval.start)
        object.__setattr__(self, "end", interval.end)

    @property
    def counts_as_busy(self) -> bool:
        return not self.all_day and not self.transparent

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Clash:
    """A timetable entry (its summary and times) that overlaps the session ``session_id``."""

    summary: str
    start: datetime
    end: datetime
    session_id: str


def busy_intervals(entries: Iterable[BusyEntry]) -> list[Interval]:
    """The busy time of ``entries`` (only those that count as busy), merged and sorted."""
    return merge(entry.interval for entry in entries if entry.counts_as_busy)


_ENTRY = 0
_SESSION = 1


def find_clashes(
    entries: Iterable[BusyEntry], sessions: Iterable[tuple[str, Interval]]
) -> list[Clash]:
    """Every (busy entry, session) pair that shares an instant, by session start then entry start.

    One sweep over both lists in start order: when an item starts, the items of the other kind
    that started earlier and have not ended yet are exactly the ones it overlaps. Items that have
    ended are dropped as they are met, so the work is O(n log n) plus one step per clash found.
    """
    busy = [entry for entry in entries if entry.counts_as_busy]
    timetabled = list(sessions)
    timeline = sorted(
        [(entry.start, _ENTRY, index) for index, entry in enumerate(busy)]
        + [(interval.start, _SESSION, index) for index, (_, interval) in enumerate(timetabled)]
    )
    open_entries: list[int] = []
    open_sessions: list[int] = []
    pairs: list[tuple[int, int]] = []  # (entry index, session index)
    for start, kind, index in timeline:
        if kind == _ENTRY:
            open_sessions = [s for s in open_sessions if timetabled[s][1].end > start]
            pairs.extend((index, session) for session in open_sessions)
            open_entries.append(index)
        else:
            open_entries = [e for e in open_entries if busy[e].end > start]
            pairs.extend((entry, index) for entry in open_entries)
            open_sessions.append(index)

    def order(pair: tuple[int, int]) -> tuple[datetime, datetime, datetime, str, datetime, str]:
        entry, (session_id, session) = busy[pair[0]], timetabled[pair[1]]
        return (session.start, entry.start, session.end, session_id, entry.end, entry.summary)

    pairs.sort(key=order)
    return [
        Clash(busy[entry].summary, busy[entry].start, busy[entry].end, timetabled[session][0])
        for entry, session in pairs
    ]
