"""Every notification mail (docs/contract.md, Email), composed from plain values: no database, no
clock.

One mail per recipient and, for calendar changes, per session: each invite carries exactly one
iCalendar object. Sessions are described through ``calendars.ical.session_event``, the same
function the feeds use, so an invite and a feed never disagree. Times are shown on the venue's
wall clock with the zone named (``notifications.when``). Every function raises ValueError for
unsafe input: a line break in a title or name could otherwise add mail headers or body lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage

from booking.ports import CohortInfo, SessionInfo
from calendars.ical import Person, SessionEvent, session_event
from notifications import when
from notifications.addresses import check_header_text
from notifications.content import MailContext
from notifications.mail_layout import (
    Body,
    Details,
    Links,
    checked_base_url,
    invite_mail,
    plain_mail,
    value_lines,
)

# The shape booking.durations accepts for reminder_offsets (days, hours, minutes, seconds).
_OFFSET = re.compile(r"P(?!$)(\d{1,6}D)?(T(?=\d)(\d{1,6}H)?(\d{1,6}M)?(\d{1,6}S)?)?")
_DASH = "\u2013"  # an en dash between the parts of a subject, not a hyphen
_FALLBACK_ZONE = "UTC"  # only for a cohort left with no scheduled session to take a zone from


def booking_confirmed(
    ctx: MailContext, to: Person, cohort: CohortInfo, session: SessionInfo, *, promoted: bool
) -> EmailMessage:
    """The invite (METHOD:REQUEST) for one session of a confirmed booking."""
    course = _title(cohort)
    prefix = "A place came up" if promoted else "Booked"
    first = (
        f"A place came up on {course} and it is yours: your booking is confirmed."
        if promoted
        else f"Your booking on {course} is confirmed."
    )
    body = Body(
        heading="A place came up for you" if promoted else "Your place is booked",
        blocks=(
            first,
            *_one_invite_each(cohort, session),
            _session_details(cohort, session),
            "If you cannot come, please cancel so someone on the waitlist can have the place.",
            _booking_links(ctx, cohort),
        ),
    )
    subject = f"{prefix}: {course} {_DASH} {_session_label(cohort, session)}"
    return invite_mail(ctx, to, subject, body, event=_event(ctx, cohort, session), method="REQUEST")


def waitlisted(ctx: MailContext, to: Person, cohort: CohortInfo, *, position: int) -> EmailMessage:
    """Joined the waitlist; the position is written in digits."""
    if position < 1:
        raise ValueError("a waitlist position starts at 1")
    course = _title(cohort)
    body = Body(
        heading="You are on the waitlist",
        blocks=(
            f"You are number {position} on the waitlist for {course}.",
            "If a place comes up, we will email you. You do not need to do anything now.",
            _sessions_summary(cohort),
            _booking_links(ctx, cohort, manage="Leave the waitlist"),
        ),
    )
    return plain_mail(ctx, to, f"Waitlist: {course} {_DASH} you are number {position}", body)


def offered(
    ctx: MailContext,
    to: Person,
    cohort: CohortInfo,
    *,
    booking_id: str,
    expires_at: datetime,
) -> EmailMessage:
    """A place held for a waitlisted teacher until ``expires_at``, on the venue's clock."""
    course = _title(cohort)
    check_header_text(booking_id, "booking_id")
    zone = cohort.sessions[0].venue.timezone if cohort.sessions else _FALLBACK_ZONE
    expiry = when.moment(expires_at, zone)
    base_url = checked_base_url(ctx)
    body = Body(
        heading="A place is available for you",
        blocks=(
            f"A place has come up on {course}. We are holding it for you until {expiry}.",
            (
                "To take it, go to your bookings and choose Accept place. If you do not want it, "
                "choose Decline place so it can go to the next person."
            ),
            "If you do not accept in time, the place goes to the next person on the waitlist.",
            Details(rows=(("Accept by", expiry), ("Booking reference", booking_id))),
            _sessions_summary(cohort),
            Links(rows=(("Accept or decline the place", f"{base_url}/my/bookings"),)),
        ),
    )
    subject = f"Place offered: {course} {_DASH} accept by {when.short_moment(expires_at, zone)}"
    return plain_mail(ctx, to, subject, body)


def offer_expired(ctx: MailContext, to: Person, cohort: CohortInfo) -> EmailMessage:
    """The offer was not accepted in time."""
    course = _title(cohort)
    body = Body(
        heading="Your offered place has expired",
        blocks=(
            (
                f"The place we held for you on {course} was not accepted in time, "
                "so we have released it."
            ),
            "You can book again from the course page if places are left, or join the waitlist.",
            _booking_links(ctx, cohort),
        ),
    )
    return plain_mail(ctx, to, f"Offer expired: {course}", body)


def booking_cancelled(
    ctx: MailContext, to: Person, cohort: CohortInfo, session: SessionInfo, *, late: bool
) -> EmailMessage:
    """METHOD:CANCEL of one session for a confirmed booking that ended; the session goes on."""
    course = _title(cohort)
    blocks: list[str | Details | Links] = [
        (
            f"Your booking on {course} is cancelled. This email removes the session below "
            "from your calendar."
        ),
    ]
    if late:
        blocks.append("This is a late cancellation: the course starts soon.")
    blocks += [_session_details(cohort, session), _booking_links(ctx, cohort)]
    body = Body(heading="Your booking is cancelled", blocks=tuple(blocks))
    subject = f"Booking cancelled: {course} {_DASH} {_session_label(cohort, session)}"
    # Only this teacher leaves the session: an uninvite, without STATUS:CANCELLED.
    event = _event(ctx, cohort, session, cancelled=False)
    return invite_mail(ctx, to, subject, body, event=event, method="CANCEL", uninvite=True)


def left_waitlist(ctx: MailContext, to: Person, cohort: CohortInfo) -> EmailMessage:
    """A waitlisted or offered booking was cancelled; no invite had been sent, so none is."""
    course = _title(cohort)
    body = Body(
        heading="You have left the waitlist",
        blocks=(
            f"You are no longer on the waitlist for {course}, and we will not offer you a place.",
            "You can join the waitlist again from the course page.",
            _booking_links(ctx, cohort),
        ),
    )
    return plain_mail(ctx, to, f"You have left the waitlist: {course}", body)


def session_rescheduled(
    ctx: MailContext,
    to: Person,
    cohort: CohortInfo,
    session: SessionInfo,
    *,
    before_starts_at: datetime,
    before_ends_at: datetime,
    before_venue_name: str,
) -> EmailMessage:
    """METHOD:REQUEST with the same UID and the bumped SEQUENCE; the text shows old and new."""
    course = _title(cohort)
    zone = session.venue.timezone
    before = Details(
        title="It was",
        rows=(
            ("When", when.span(before_starts_at, before_ends_at, zone)),
            ("Where", _single(before_venue_name, "before_venue_name")),
        ),
    )
    body = Body(
        heading="A session has changed",
        blocks=(
            f"A session of {course} has changed. Your place is still booked.",
            "The invitation in this email updates the session in your calendar.",
            before,
            _session_details(cohort, session, title="It is now"),
            _booking_links(ctx, cohort),
        ),
    )
    subject = f"Changed: {course} {_DASH} {_session_label(cohort, session, now=True)}"
    return invite_mail(ctx, to, subject, body, event=_event(ctx, cohort, session), method="REQUEST")


def session_details_changed(
    ctx: MailContext,
    to: Person,
    cohort: CohortInfo,
    session: SessionInfo,
    *,
    before_venue_name: str,
    before_venue_address: str,
    before_venue_postcode: str,
) -> EmailMessage:
    """METHOD:REQUEST with the same UID and the bumped SEQUENCE for a session whose time stays
    but whose venue details (LOCATION) changed; the text says so and shows where it was."""
    course = _title(cohort)
    where = [before_venue_name, *value_lines(before_venue_address, "address")]
    where.append(before_venue_postcode)
    before = Details(
        title="The venue was",
        rows=(("Where", "\n".join(_single(line, "venue") for line in where if line)),),
    )
    body = Body(
        heading="The venue details have changed",
        blocks=(
            (
                f"The venue details for a session of {course} have changed. The date and time "
                "are the same, and your place is still booked."
            ),
            "The invitation in this email updates the session in your calendar.",
            before,
            _session_details(cohort, session, title="The session now"),
            _booking_links(ctx, cohort),
        ),
    )
    subject = f"Venue details changed: {course} {_DASH} {_session_label(cohort, session)}"
    return invite_mail(ctx, to, subject, body, event=_event(ctx, cohort, session), method="REQUEST")


def course_retitled(
    ctx: MailContext,
    to: Person,
    cohort: CohortInfo,
    session: SessionInfo,
    *,
    before_title: str,
) -> EmailMessage:
    """METHOD:REQUEST with the same UID and the bumped SEQUENCE for a session whose course was
    renamed: the calendar entry's title changes, nothing else."""
    course = _title(cohort)
    body = Body(
        heading="The course has a new name",
        blocks=(
            (
                f"The course you are booked on, {_single(before_title, 'before_title')}, is now "
                f"called {course}. The date, time and place are the same, and your place is "
                "still booked."
            ),
            "The invitation in this email updates the session in your calendar.",
            _session_details(cohort, session),
            _booking_links(ctx, cohort),
        ),
    )
    subject = f"Course renamed: {course} {_DASH} {_session_label(cohort, session)}"
    return invite_mail(ctx, to, subject, body, event=_event(ctx, cohort, session), method="REQUEST")


def trainer_away(
    ctx: MailContext,
    to: Person,
    *,
    trainer_name: str,
    affected: Sequence[tuple[CohortInfo, SessionInfo]],
) -> EmailMessage:
    """To a hub admin: a trainer marked time off over sessions they teach. Nothing has changed
    for the teachers booked; the hub decides whether to move, re-staff or cancel."""
    trainer = _single(trainer_name, "trainer_name")
    base_url = checked_base_url(ctx)
    rows = tuple(
        (
            _title(cohort),
            (
                f"{when.span(session.starts_at, session.ends_at, session.venue.timezone)}, "
                f"{_single(session.venue.name, 'venue')}"
            ),
        )
        for cohort, session in affected
    )
    count = len(affected)
    sessions = "a session" if count == 1 else f"{count} sessions"
    body = Body(
        heading="A trainer is away for scheduled sessions",
        blocks=(
            (
                f"{trainer} has marked time as unavailable that overlaps {sessions} they are "
                "due to teach. Nothing has been changed and nobody booked has been told."
            ),
            Details(rows=rows, title="Sessions affected"),
            (
                "Please reschedule the sessions, give the cohort another trainer, or cancel "
                "them, from the hub page."
            ),
            Links(rows=(("Hub page", f"{base_url}/hub"),)),
        ),
    )
    subject = f"Trainer unavailable: {trainer} {_DASH} {sessions} affected"
    return plain_mail(ctx, to, subject, body)


def session_added(
    ctx: MailContext, to: Person, cohort: CohortInfo, session: SessionInfo
) -> EmailMessage:
    """METHOD:REQUEST for a new session of a cohort the teacher is booked on."""
    course = _title(cohort)
    body = Body(
        heading="A session has been added",
        blocks=(
            f"A session has been added to {course}. Your booking includes it.",
            "The invitation in this email adds it to your calendar.",
            _session_details(cohort, session),
            _booking_links(ctx, cohort),
        ),
    )
    subject = f"New session: {course} {_DASH} {_session_label(cohort, session)}"
    return invite_mail(ctx, to, subject, body, event=_event(ctx, cohort, session), method="REQUEST")


def session_cancelled(
    ctx: MailContext, to: Person, cohort: CohortInfo, session: SessionInfo
) -> EmailMessage:
    """METHOD:CANCEL for a cancelled session (its SEQUENCE already bumped)."""
    if not session.cancelled:
        raise ValueError("session_cancelled needs a session marked cancelled")
    course = _title(cohort)
    body = Body(
        heading="A session is cancelled",
        blocks=(
            (
                f"This session of {course} is cancelled. "
                "Your booking on the other sessions of the course stays as it is."
            ),
            "This email removes the session from your calendar.",
            _session_details(cohort, session),
            _booking_links(ctx, cohort),
        ),
    )
    subject = f"Session cancelled: {course} {_DASH} {_session_label(cohort, session)}"
    event = _event(ctx, cohort, session, cancelled=True)
    return invite_mail(ctx, to, subject, body, event=event, method="CANCEL")


def cohort_cancelled(
    ctx: MailContext, to: Person, cohort: CohortInfo, session: SessionInfo
) -> EmailMessage:
    """METHOD:CANCEL for one session of a cancelled cohort, with the reason given."""
    course = _title(cohort)
    body = Body(
        heading="Your course is cancelled",
        blocks=(
            f"{course} is cancelled, with all its sessions. We are sorry.",
            *_reason(cohort),
            (
                "This email removes the session below from your calendar; "
                "you get one email for each session."
            ),
            _session_details(cohort, session),
            _booking_links(ctx, cohort, manage="Your bookings"),
        ),
    )
    subject = f"Course cancelled: {course} {_DASH} {_session_label(cohort, session)}"
    event = _event(ctx, cohort, session, cancelled=True)
    return invite_mail(ctx, to, subject, body, event=event, method="CANCEL")


def cohort_cancelled_notice(ctx: MailContext, to: Person, cohort: CohortInfo) -> EmailMessage:
    """A cancelled cohort, for someone who was waitlisted or offered (no invite to cancel)."""
    course = _title(cohort)
    body = Body(
        heading="A course you were waiting for is cancelled",
        blocks=(
            f"{course} is cancelled, so you are no longer on its waitlist. We are sorry.",
            *_reason(cohort),
            _booking_links(ctx, cohort, manage="Your bookings"),
        ),
    )
    return plain_mail(ctx, to, f"Course cancelled: {course}", body)


def reminder(
    ctx: MailContext, to: Person, cohort: CohortInfo, session: SessionInfo, *, offset: str
) -> EmailMessage:
    """A plain reminder before a session; the calendar already holds the invite.

    ``offset`` (the cohort's ISO 8601 reminder offset, e.g. ``P1D``) must be a valid one, but
    the wording counts from ``ctx.now`` so a reminder sent late still names the right day.
    """
    _check_offset(offset)
    if session.cancelled:
        raise ValueError("no reminder is sent for a cancelled session")
    course = _title(cohort)
    zone = session.venue.timezone
    soon = when.from_now(ctx.now, session.starts_at, zone)
    body = Body(
        heading=f"Reminder: {course}",
        blocks=(
            f"Your session of {course} is {soon}.",
            _session_details(cohort, session),
            "If you can no longer come, please cancel so someone else can have the place.",
            _booking_links(ctx, cohort),
        ),
    )
    return plain_mail(ctx, to, f"Reminder: {course} {soon}", body)


def pending_approval(
    ctx: MailContext, to: Person, cohort: CohortInfo, *, expires_at: datetime
) -> EmailMessage:
    """To the teacher: the place is held until their school answers."""
    course = _title(cohort)
    zone = cohort.sessions[0].venue.timezone if cohort.sessions else _FALLBACK_ZONE
    body = Body(
        heading="Your place is waiting for your school's approval",
        blocks=(
            (
                f"We are holding a place for you on {course} until your school approves it. "
                f"If nobody answers by {when.moment(expires_at, zone)}, the place is released."
            ),
            "We will email you when your school answers.",
            _sessions_summary(cohort),
            _booking_links(ctx, cohort),
        ),
    )
    return plain_mail(ctx, to, f"Waiting for approval: {course}", body)


def approval_needed(
    ctx: MailContext,
    to: Person,
    cohort: CohortInfo,
    *,
    teacher_name: str,
    expires_at: datetime,
    cover_needed: int,
) -> EmailMessage:
    """To each of the school's leads: a colleague's booking to approve or reject."""
    course = _title(cohort)
    name = _single(teacher_name, "name")
    zone = cohort.sessions[0].venue.timezone if cohort.sessions else _FALLBACK_ZONE
    cover = (
        f"{cover_needed} of the sessions {'is' if cover_needed == 1 else 'are'} during the "
        "school day: cover needed."
        if cover_needed
        else "After school: no cover needed."
    )
    body = Body(
        heading="A booking to approve",
        blocks=(
            f"{name} has booked a place on {course}. {cover}",
            (
                f"Please approve or reject it by {when.moment(expires_at, zone)}; "
                "if nobody answers by then, the place is released."
            ),
            _sessions_summary(cohort),
            Links(rows=(("Approvals", f"{checked_base_url(ctx)}/school"),)),
        ),
    )
    return plain_mail(ctx, to, f"Approval needed: {name} {_DASH} {course}", body)


def booking_rejected(
    ctx: MailContext, to: Person, cohort: CohortInfo, *, reason: str
) -> EmailMessage:
    course = _title(cohort)
    body = Body(
        heading="Your school did not approve your place",
        blocks=(
            f"Your school did not approve your place on {course}, so we have released it.",
            Details(rows=(("Reason", reason),)),
            _booking_links(ctx, cohort),
        ),
    )
    return plain_mail(ctx, to, f"Not approved: {course}", body)


def approval_expired(ctx: MailContext, to: Person, cohort: CohortInfo) -> EmailMessage:
    course = _title(cohort)
    body = Body(
        heading="Your place was released",
        blocks=(
            (
                f"Your school did not answer in time, so the place we held for you on {course} "
                "has been released."
            ),
            "You can book again from the course page if places are left.",
            _booking_links(ctx, cohort),
        ),
    )
    return plain_mail(ctx, to, f"Approval expired: {course}", body)


# How each outcome of a bulk booking reads in the lead's summary.
BULK_OUTCOME_WORDS = {
    "confirmed": "booked",
    "waitlisted": "on the waitlist",
    "pending_approval": "waiting for approval",
    "already_booked": "not booked: already booked or waiting",
    "booking_clash": "not booked: booked on another session at the same time",
    "timetable_clash": "not booked: the session clashes with their timetable",
    "waitlist_full": "not booked: the course and its waitlist are full",
    "forbidden": "not booked: not one of your school's staff",
    "not_found": "not booked: no such person",
}


def bulk_summary(
    ctx: MailContext, to: Person, cohort: CohortInfo, *, lines: list[tuple[str, str]]
) -> EmailMessage:
    """To the lead who booked several staff at once: each person and what happened, in the
    order they were asked for. `lines`: (the person's name or address, status or code)."""
    course = _title(cohort)
    rows = tuple(
        (_single(name, "name"), BULK_OUTCOME_WORDS.get(outcome, f"not booked: {outcome}"))
        for name, outcome in lines
    )
    booked = sum(1 for _, outcome in lines if outcome == "confirmed")
    body = Body(
        heading="Your staff bookings",
        blocks=(
            (
                f"You asked for {len(lines)} of your staff to be booked on {course}. "
                f"{booked} {'has' if booked == 1 else 'have'} a place. Each person has their "
                "own email and calendar invites."
            ),
            Details(rows=rows, title="Who was booked"),
            _sessions_summary(cohort),
            Links(rows=(("Your school", f"{checked_base_url(ctx)}/school"),)),
        ),
    )
    return plain_mail(ctx, to, f"Staff bookings: {course} {_DASH} {booked} of {len(lines)}", body)


def _event(
    ctx: MailContext, cohort: CohortInfo, session: SessionInfo, *, cancelled: bool | None = None
) -> SessionEvent:
    venue = session.venue
    return session_event(
        uid=session.uid,
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        course_title=_title(cohort),  # checks the trainer and the id as well
        venue_name=venue.name,
        venue_address=venue.address,
        venue_postcode=venue.postcode,
        trainer_name=cohort.trainer_name,
        accessibility=venue.accessibility,
        base_url=checked_base_url(ctx),
        cohort_id=cohort.id,
        last_modified=session.updated_at,
        cancelled=session.cancelled if cancelled is None else cancelled,
    )


def _session_details(
    cohort: CohortInfo, session: SessionInfo, *, title: str | None = None
) -> Details:
    venue = session.venue
    where = [venue.name, *value_lines(venue.address, "address"), venue.postcode]
    rows = [
        ("When", when.span(session.starts_at, session.ends_at, venue.timezone)),
        ("Where", "\n".join(_single(line, "venue") for line in where)),
        ("Accessibility", _single(venue.accessibility, "accessibility")),
    ]
    if venue.travel_notes and value_lines(venue.travel_notes, "travel_notes"):
        rows.append(("Getting there", venue.travel_notes))
    rows.append(("Trainer", _single(cohort.trainer_name, "trainer_name")))
    return Details(rows=tuple(rows), title=title)


def _sessions_summary(cohort: CohortInfo) -> Details:
    lines = [
        f"{when.span(s.starts_at, s.ends_at, s.venue.timezone)}, {_single(s.venue.name, 'venue')}"
        for s in cohort.sessions
    ]
    label = "Session" if len(lines) == 1 else "Sessions"
    return Details(rows=((label, "\n".join(lines) or "to be arranged"),))


def _booking_links(ctx: MailContext, cohort: CohortInfo, *, manage: str = "") -> Links:
    base_url = checked_base_url(ctx)
    return Links(
        rows=(
            ("Course details", f"{base_url}/cohorts/{_single(cohort.id, 'cohort id')}"),
            (manage or "Manage or cancel your booking", f"{base_url}/my/bookings"),
        )
    )


def _one_invite_each(cohort: CohortInfo, session: SessionInfo) -> tuple[str, ...]:
    position = _position(cohort, session)
    if position is None or len(cohort.sessions) == 1:
        return ()
    return (
        (
            f"This email is for session {position} of {len(cohort.sessions)}; each session "
            "comes in its own email with a calendar invitation."
        ),
    )


def _session_label(cohort: CohortInfo, session: SessionInfo, *, now: bool = False) -> str:
    """``session 2 of 3, Tue 12 Jan 2027`` for subjects; just the date for a lone session."""
    local = when.wall_clock(session.starts_at, session.venue.timezone)
    date = f"now {when.short_date(local)}" if now else when.short_date(local)
    position = _position(cohort, session)
    if position is None or len(cohort.sessions) == 1:
        return date
    return f"session {position} of {len(cohort.sessions)}, {date}"


def _position(cohort: CohortInfo, session: SessionInfo) -> int | None:
    # A cancelled session is no longer among the cohort's scheduled ones: no "n of m" then.
    ids = [s.id for s in cohort.sessions]
    return ids.index(session.id) + 1 if session.id in ids else None


def _reason(cohort: CohortInfo) -> tuple[Details, ...]:
    if cohort.cancel_reason is None or not value_lines(cohort.cancel_reason, "cancel_reason"):
        return ()
    return (Details(rows=(("Reason", cohort.cancel_reason),)),)


def _title(cohort: CohortInfo) -> str:
    """The course title, once every one-line field of the cohort has been checked.

    Each mail checks them all, named in it or not, so bad data fails every mail the same way.
    """
    _single(cohort.trainer_name, "trainer_name")
    _single(cohort.id, "cohort id")
    return _single(cohort.course_title, "course_title")


def _single(value: str, field: str) -> str:
    """A value shown on one line: a line break would let it add headers or forge body lines."""
    check_header_text(value, field)
    return value


def _check_offset(offset: str) -> None:
    if _OFFSET.fullmatch(offset) is None:
        raise ValueError(f"reminder offset {offset!r} is not an ISO 8601 duration")
