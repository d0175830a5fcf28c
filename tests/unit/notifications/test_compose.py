"""Every notification mail, read back with real parsers: MIME, iMIP, text, HTML and headers."""

import email
import email.policy
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from functools import partial

import pytest
from icalendar import Calendar

from booking.ports import CohortInfo, SessionInfo, VenueInfo
from calendars.ical import Person, feed, invite, session_event
from notifications import compose
from notifications.content import MailContext
from notifications.mail_layout import mailbox
from notifications.messages import readdressed
from tests.support.ics_lint import checked

BASE = "https://book.example.org"
CTX = MailContext(
    sender_email="bookings@book.example.org",
    sender_name="Book SEND training",
    base_url=BASE,
    message_id_domain="book.example.org",
    service_name="Book SEND training",
    now=datetime(2027, 1, 5, 10, 0, 7, tzinfo=UTC),
)
TEACHER = Person("zoe.smith@school.example.org", "Zoë Smith, SENCo")
VENUE = VenueInfo(
    name="Riverside Hub",
    address="1 Quay Street\nBristol",
    postcode="BS1 4DJ",
    timezone="Europe/London",
    accessibility="step-free access, hearing loop",
    travel_notes="Bus 8 stops outside; no parking on site.",
)
EDITED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIRST = SessionInfo(
    id="s-1",
    uid="0f6c3d1e-7d41-4c59-9a0b-2f1e5a7c9d01",
    sequence=0,
    starts_at=datetime(2027, 1, 11, 9, 30, tzinfo=UTC),
    ends_at=datetime(2027, 1, 11, 16, 0, tzinfo=UTC),
    venue=VENUE,
    cancelled=False,
    updated_at=EDITED,
)
WINTER = replace(
    FIRST,
    id="s-2",
    uid="0f6c3d1e-7d41-4c59-9a0b-2f1e5a7c9d02",
    sequence=1,
    starts_at=datetime(2027, 1, 12, 9, 30, tzinfo=UTC),
    ends_at=datetime(2027, 1, 12, 16, 0, tzinfo=UTC),
)
SUMMER = replace(
    FIRST,
    id="s-3",
    uid="0f6c3d1e-7d41-4c59-9a0b-2f1e5a7c9d03",
    sequence=2,
    starts_at=datetime(2027, 7, 13, 8, 30, tzinfo=UTC),
    ends_at=datetime(2027, 7, 13, 15, 0, tzinfo=UTC),
)
COHORT = CohortInfo(
    id="c-42",
    course_title="Supporting autistic pupils",
    trainer_name="Siân Jones",
    sessions=(FIRST, WINTER, SUMMER),
    cancel_reason="The trainer is ill.\nWe will offer new dates.",
)
EXPIRES = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 2:30am BST, half an hour after the change
CANCELLED = replace(WINTER, sequence=2, cancelled=True)


def invites(cohort=COHORT, to=TEACHER, ctx=CTX):
    """Every mail that carries an invite, as (kind, method, session, message)."""
    common = {"ctx": ctx, "to": to, "cohort": cohort}
    moved = replace(WINTER, sequence=2, starts_at=WINTER.starts_at.replace(day=13))
    moved = replace(moved, ends_at=WINTER.ends_at.replace(day=13))
    before = {
        "before_starts_at": WINTER.starts_at,
        "before_ends_at": WINTER.ends_at,
        "before_venue_name": "Old Mill Centre",
    }
    confirm, cancel = compose.booking_confirmed, compose.booking_cancelled
    return [
        ("confirmed", "REQUEST", WINTER, confirm(**common, session=WINTER, promoted=False)),
        ("promoted", "REQUEST", SUMMER, confirm(**common, session=SUMMER, promoted=True)),
        ("booking_cancelled", "CANCEL", WINTER, cancel(**common, session=WINTER, late=True)),
        (
            "rescheduled",
            "REQUEST",
            moved,
            compose.session_rescheduled(**common, session=moved, **before),
        ),
        ("added", "REQUEST", SUMMER, compose.session_added(**common, session=SUMMER)),
        (
            "session_cancelled",
            "CANCEL",
            CANCELLED,
            compose.session_cancelled(**common, session=CANCELLED),
        ),
        ("cohort_cancelled", "CANCEL", WINTER, compose.cohort_cancelled(**common, session=WINTER)),
    ]


def plain_mails(cohort=COHORT, to=TEACHER, ctx=CTX):
    common = {"ctx": ctx, "to": to, "cohort": cohort}
    return [
        ("waitlisted", compose.waitlisted(**common, position=3)),
        ("offered", compose.offered(**common, booking_id="b-7", expires_at=EXPIRES)),
        ("offer_expired", compose.offer_expired(**common)),
        ("left_waitlist", compose.left_waitlist(**common)),
        ("cohort_cancelled_notice", compose.cohort_cancelled_notice(**common)),
        ("reminder", compose.reminder(**common, session=WINTER, offset="P7D")),
    ]


def every_mail(**kwargs):
    return [message for _, _, _, message in invites(**kwargs)] + [
        message for _, message in plain_mails(**kwargs)
    ]


INVITE_KINDS = [kind for kind, *_ in invites()]
PLAIN_KINDS = [kind for kind, _ in plain_mails()]


def invite_of(kind):
    [found] = [entry for entry in invites() if entry[0] == kind]
    return found


def plain_of(kind):
    [found] = [message for name, message in plain_mails() if name == kind]
    return found


def reparsed(message: EmailMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_of(message: EmailMessage) -> str:
    """The text part with whitespace runs made single (paragraphs are wrapped at 72)."""
    return " ".join(reparsed(message).get_body(("plain",)).get_content().split())


def html_of(message: EmailMessage) -> str:
    return " ".join(reparsed(message).get_body(("html",)).get_content().split())


def subject_of(message: EmailMessage) -> str:
    # Python's folder can leave a space before a fold next to an encoded word; compare words.
    return " ".join(reparsed(message)["Subject"].split())


def calendar_bytes(message: EmailMessage) -> bytes:
    [part] = [p for p in reparsed(message).walk() if p.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True)


def layout(message: EmailMessage) -> list:
    return [
        message.get_content_type(),
        [
            [child.get_content_type(), [p.get_content_type() for p in child.iter_parts()]]
            if child.is_multipart()
            else child.get_content_type()
            for child in message.iter_parts()
        ],
    ]


def described_as_in_a_feed(session: SessionInfo):
    """The session as booking.services.feeds describes it, through the same function."""
    return session_event(
        uid=session.uid,
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        course_title=COHORT.course_title,
        venue_name=session.venue.name,
        venue_address=session.venue.address,
        venue_postcode=session.venue.postcode,
        trainer_name=COHORT.trainer_name,
        accessibility=session.venue.accessibility,
        base_url=BASE,
        cohort_id=COHORT.id,
        last_modified=session.updated_at,
        cancelled=session.cancelled,
    )


# --- structure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", INVITE_KINDS)
def test_an_invite_mail_is_mixed_with_the_alternative_first_and_invite_ics(kind):
    _, method, _, message = invite_of(kind)
    parsed = reparsed(message)
    assert layout(parsed) == [
        "multipart/mixed",
        [
            ["multipart/alternative", ["text/plain", "text/html", "text/calendar"]],
            "application/ics",
        ],
    ]
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == method
    assert part.get_param("charset") == "UTF-8"
    attachment = parsed.get_payload()[1]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_payload(decode=True) == calendar_bytes(message)


@pytest.mark.parametrize("kind", PLAIN_KINDS)
def test_a_plain_mail_has_text_and_html_and_no_calendar(kind):
    assert layout(reparsed(plain_of(kind))) == [
        "multipart/alternative",
        ["text/plain", "text/html"],
    ]


@pytest.mark.parametrize("message", every_mail(), ids=INVITE_KINDS + PLAIN_KINDS)
def test_every_mail_is_from_the_sender_to_the_teacher_dated_by_the_context(message):
    parsed = reparsed(message)
    [sender] = parsed["From"].addresses
    [recipient] = parsed["To"].addresses
    assert (sender.display_name, sender.addr_spec) == (CTX.sender_name, CTX.sender_email)
    assert (recipient.display_name, recipient.addr_spec) == (TEACHER.name, TEACHER.email)
    assert parsedate_to_datetime(parsed["Date"]) == CTX.now
    assert re.fullmatch(r"<[^@<>\s]+@book\.example\.org>", parsed["Message-ID"])
    assert "Bcc" not in parsed
    assert "Cc" not in parsed


@pytest.mark.parametrize("message", every_mail(), ids=INVITE_KINDS + PLAIN_KINDS)
def test_every_mail_goes_on_the_wire_with_crlf_and_short_lines(message):
    wire = message.as_bytes()
    assert b"\n" not in wire.replace(b"\r\n", b"")
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998


def test_every_mail_gets_its_own_message_id():
    ids = [message["Message-ID"] for message in every_mail() + every_mail()]
    assert len(set(ids)) == len(ids)


# --- the iCalendar part ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", INVITE_KINDS)
def test_the_invite_is_one_event_for_the_session_read_by_both_parsers(kind):
    _, method, session, message = invite_of(kind)
    lenient, strict = checked(calendar_bytes(message))
    assert lenient["METHOD"] == method
    assert strict.method == method
    [event] = lenient.events
    [strict_event] = strict.events
    assert str(event["UID"]) == strict_event.uid == session.uid
    assert event["SEQUENCE"] == strict_event.sequence == session.sequence
    assert CTX.now == event.DTSTAMP
    assert event.start == session.starts_at
    assert event.start.utcoffset() == timedelta(0)
    assert event.end == session.ends_at
    assert b"DTSTART:" + session.starts_at.strftime("%Y%m%dT%H%M%SZ").encode() in calendar_bytes(
        message
    )
    assert str(event["SUMMARY"]) == COHORT.course_title


@pytest.mark.parametrize("kind", INVITE_KINDS)
def test_the_teacher_attends_and_the_sender_organises(kind):
    _, _, _, message = invite_of(kind)
    [event] = Calendar.from_ical(calendar_bytes(message)).events
    [attendee] = event.attendees
    assert attendee.email == TEACHER.email
    assert attendee.params["CN"] == TEACHER.name
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert event.organizer.email == CTX.sender_email
    assert event.organizer.params["CN"] == CTX.sender_name


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("confirmed", "CONFIRMED"),
        ("promoted", "CONFIRMED"),
        ("rescheduled", "CONFIRMED"),
        ("added", "CONFIRMED"),
        ("session_cancelled", "CANCELLED"),
        ("cohort_cancelled", "CANCELLED"),
    ],
)
def test_the_status_says_whether_the_event_goes_ahead(kind, status):
    [event] = Calendar.from_ical(calendar_bytes(invite_of(kind)[3])).events
    assert event["STATUS"] == status


def test_a_cancelled_booking_uninvites_without_cancelling_the_session_for_others():
    # RFC 5546 section 3.2.5: STATUS MUST NOT be included when uninviting specific attendees.
    data = calendar_bytes(invite_of("booking_cancelled")[3])
    [event] = Calendar.from_ical(data).events
    assert "STATUS" not in event
    assert event["SEQUENCE"] == WINTER.sequence
    assert b"\r\nSTATUS" not in data


def test_a_rescheduled_session_keeps_its_uid_with_the_bumped_sequence_and_new_time():
    _, _, moved, message = invite_of("rescheduled")
    first = Calendar.from_ical(calendar_bytes(invite_of("confirmed")[3])).events[0]
    [event] = Calendar.from_ical(calendar_bytes(message)).events
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] == 2 > first["SEQUENCE"]
    assert event.start == moved.starts_at != first.start


def test_the_invite_describes_the_session_exactly_as_the_feed_does():
    [invited] = Calendar.from_ical(calendar_bytes(invite_of("confirmed")[3])).events
    described = described_as_in_a_feed(WINTER)
    [in_feed] = Calendar.from_ical(feed([described], calendar_id="feed-1", name="Mine")).events
    for name in ("SUMMARY", "LOCATION", "DESCRIPTION", "URL", "LAST-MODIFIED"):
        assert invited[name].to_ical() == in_feed[name].to_ical(), name
    assert str(invited["LOCATION"]) == "Riverside Hub, 1 Quay Street, Bristol, BS1 4DJ"
    assert str(invited["DESCRIPTION"]) == (
        "Trainer: Siân Jones\nAccessibility: step-free access, hearing loop\n"
        f"Booking: {BASE}/cohorts/c-42"
    )


def test_a_cohort_cancellation_cancels_even_a_session_still_marked_scheduled():
    # The cohort is off, so the whole event is: STATUS:CANCELLED though the row is not.
    [event] = Calendar.from_ical(calendar_bytes(invite_of("cohort_cancelled")[3])).events
    assert event["STATUS"] == "CANCELLED"


def test_session_cancelled_refuses_a_session_that_is_not_cancelled():
    with pytest.raises(ValueError, match="marked cancelled"):
        compose.session_cancelled(ctx=CTX, to=TEACHER, cohort=COHORT, session=WINTER)


@pytest.mark.parametrize(
    "compose_it",
    [partial(compose.booking_confirmed, promoted=False), compose.session_added],
    ids=["confirmed", "added"],
)
def test_a_request_for_a_cancelled_session_is_refused(compose_it):
    with pytest.raises(ValueError, match="method CANCEL"):
        compose_it(ctx=CTX, to=TEACHER, cohort=COHORT, session=CANCELLED)


def test_an_invite_to_the_sender_itself_is_refused():
    me = Person(CTX.sender_email, "Also me")
    with pytest.raises(ValueError, match="organizer must not be the attendee"):
        compose.session_added(ctx=CTX, to=me, cohort=COHORT, session=WINTER)


# --- subjects and words ------------------------------------------------------------------------


def test_a_booked_subject_names_the_course_the_session_and_its_date():
    assert subject_of(invite_of("confirmed")[3]) == (
        "Booked: Supporting autistic pupils \u2013 session 2 of 3, Tue 12 Jan 2027"
    )


def test_a_promotion_says_a_place_came_up():
    message = invite_of("promoted")[3]
    assert subject_of(message) == (
        "A place came up: Supporting autistic pupils \u2013 session 3 of 3, Tue 13 Jul 2027"
    )
    assert "A place came up on Supporting autistic pupils" in text_of(message)


def test_a_course_of_one_session_has_no_session_count_in_the_subject():
    single = replace(COHORT, sessions=(WINTER,))
    message = compose.booking_confirmed(
        ctx=CTX, to=TEACHER, cohort=single, session=WINTER, promoted=False
    )
    assert subject_of(message) == "Booked: Supporting autistic pupils \u2013 Tue 12 Jan 2027"
    assert "session 2 of" not in text_of(message)


def test_a_confirmation_gives_the_time_place_access_travel_trainer_and_links():
    text = text_of(invite_of("confirmed")[3])
    for expected in (
        "Your booking on Supporting autistic pupils is confirmed.",
        "When: Tuesday 12 January 2027, 9:30am to 4:00pm (GMT)",
        "Where: Riverside Hub 1 Quay Street Bristol BS1 4DJ",
        "Accessibility: step-free access, hearing loop",
        "Bus 8 stops outside; no parking on site.",
        "Trainer: Siân Jones",
        f"{BASE}/cohorts/c-42",
        f"{BASE}/my/bookings",
        "session 2 of 3",
    ):
        assert expected in text, expected


def test_the_html_shows_the_same_details_in_a_definition_list():
    html = html_of(invite_of("confirmed")[3])
    assert html.startswith('<!DOCTYPE html> <html lang="en">')
    assert "<h1" in html
    assert (
        '<dd style="margin:0 0 12px;">Riverside Hub<br>1 Quay Street<br>Bristol<br>BS1 4DJ</dd>'
        in html
    )
    assert "step-free access, hearing loop" in html
    assert f'<a href="{BASE}/my/bookings"' in html
    assert f'<a href="{BASE}/cohorts/c-42"' in html


def test_a_summer_session_is_shown_in_bst():
    text = text_of(invite_of("promoted")[3])
    assert "When: Tuesday 13 July 2027, 9:30am to 4:00pm (BST)" in text


def test_the_waitlist_position_is_in_digits():
    message = plain_of("waitlisted")
    assert "You are number 3 on the waitlist for Supporting autistic pupils." in text_of(message)
    assert "You are number 3 on the waitlist" in html_of(message)
    assert subject_of(message) == "Waitlist: Supporting autistic pupils \u2013 you are number 3"


def test_the_waitlist_mail_lists_the_dates():
    text = text_of(plain_of("waitlisted"))
    assert "Monday 11 January 2027, 9:30am to 4:00pm (GMT), Riverside Hub" in text
    assert "Tuesday 13 July 2027, 9:30am to 4:00pm (BST), Riverside Hub" in text


@pytest.mark.parametrize("position", [0, -1])
def test_a_waitlist_position_below_one_is_refused(position):
    with pytest.raises(ValueError, match="starts at 1"):
        compose.waitlisted(ctx=CTX, to=TEACHER, cohort=COHORT, position=position)


def test_an_offer_gives_the_expiry_on_the_venue_clock_just_after_the_spring_change():
    message = plain_of("offered")
    text = text_of(message)
    assert "until 2:30am (BST) on Sunday 28 March 2027" in text
    assert "Accept by: 2:30am (BST) on Sunday 28 March 2027" in text
    assert subject_of(message) == (
        "Place offered: Supporting autistic pupils \u2013 accept by 2:30am (BST) Sun 28 Mar 2027"
    )


def test_an_offer_links_to_my_bookings_where_the_place_is_accepted():
    message = plain_of("offered")
    text = text_of(message)
    assert f"{BASE}/my/bookings" in text
    assert "Accept place" in text
    assert "Decline place" in text
    assert f'<a href="{BASE}/my/bookings"' in html_of(message)
    assert "Booking reference: b-7" in text


def test_an_offer_lists_the_sessions_dates():
    text = text_of(plain_of("offered"))
    assert "Monday 11 January 2027" in text
    assert "Tuesday 12 January 2027" in text
    assert "Tuesday 13 July 2027, 9:30am to 4:00pm (BST)" in text


def test_an_offer_expiry_uses_the_first_sessions_venue_zone():
    paris = replace(FIRST, venue=replace(VENUE, timezone="Europe/Paris"))
    cohort = replace(COHORT, sessions=(paris, WINTER))
    winter_expiry = datetime(2027, 1, 10, 17, 0, tzinfo=UTC)
    message = compose.offered(
        ctx=CTX, to=TEACHER, cohort=cohort, booking_id="b-7", expires_at=winter_expiry
    )
    assert "until 6:00pm (CET) on Sunday 10 January 2027" in text_of(message)


def test_an_offer_expiry_in_winter_is_gmt():
    message = compose.offered(
        ctx=CTX,
        to=TEACHER,
        cohort=COHORT,
        booking_id="b-7",
        expires_at=datetime(2027, 1, 10, 17, 0, tzinfo=UTC),
    )
    assert "until 5:00pm (GMT) on Sunday 10 January 2027" in text_of(message)


def test_a_late_cancellation_says_so_and_an_early_one_does_not():
    late = text_of(invite_of("booking_cancelled")[3])
    early = text_of(
        compose.booking_cancelled(ctx=CTX, to=TEACHER, cohort=COHORT, session=WINTER, late=False)
    )
    assert "Your booking on Supporting autistic pupils is cancelled." in late
    assert "late cancellation" in late
    assert "late cancellation" not in early


def test_a_reschedule_shows_the_old_and_the_new_time_and_place():
    message = invite_of("rescheduled")[3]
    text = text_of(message)
    assert (
        "It was When: Tuesday 12 January 2027, 9:30am to 4:00pm (GMT) Where: Old Mill Centre"
        in text
    )
    assert "It is now When: Wednesday 13 January 2027, 9:30am to 4:00pm (GMT)" in text
    assert "Where: Riverside Hub" in text
    assert subject_of(message) == (
        "Changed: Supporting autistic pupils \u2013 session 2 of 3, now Wed 13 Jan 2027"
    )


def test_a_cohort_cancellation_gives_the_reason():
    for message in (invite_of("cohort_cancelled")[3], plain_of("cohort_cancelled_notice")):
        text = text_of(message)
        assert "Supporting autistic pupils is cancelled" in text
        assert "Reason: The trainer is ill. We will offer new dates." in text
    assert "<br>We will offer new dates." in html_of(plain_of("cohort_cancelled_notice"))


def test_a_cohort_cancellation_without_a_reason_leaves_the_reason_out():
    message = compose.cohort_cancelled_notice(
        ctx=CTX, to=TEACHER, cohort=replace(COHORT, cancel_reason=None)
    )
    assert "Reason" not in text_of(message)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("offer_expired", "was not accepted in time"),
        ("left_waitlist", "You are no longer on the waitlist for Supporting autistic pupils"),
        ("cohort_cancelled_notice", "you are no longer on its waitlist"),
    ],
)
def test_plain_notices_say_what_happened_and_link_the_course(kind, words):
    text = text_of(plain_of(kind))
    assert words in text
    assert f"{BASE}/cohorts/c-42" in text


def test_a_reminder_the_day_before_says_tomorrow_with_the_start_time():
    day_before = replace(CTX, now=datetime(2027, 1, 11, 9, 30, tzinfo=UTC))
    message = compose.reminder(
        ctx=day_before, to=TEACHER, cohort=COHORT, session=WINTER, offset="P1D"
    )
    assert subject_of(message) == "Reminder: Supporting autistic pupils tomorrow at 9:30am"


def test_a_reminder_a_week_before_says_in_7_days_and_gives_every_detail():
    message = plain_of("reminder")
    assert subject_of(message) == "Reminder: Supporting autistic pupils in 7 days"
    text = text_of(message)
    for expected in (
        "When: Tuesday 12 January 2027, 9:30am to 4:00pm (GMT)",
        "Where: Riverside Hub 1 Quay Street Bristol BS1 4DJ",
        "Accessibility: step-free access, hearing loop",
        "Getting there: Bus 8 stops outside; no parking on site.",
        "Trainer: Siân Jones",
        f"{BASE}/my/bookings",
    ):
        assert expected in text, expected


@pytest.mark.parametrize("offset", ["", "P", "1D", "PT", "P1W", "P1D\r\nBcc: x@evil.example.org"])
def test_a_reminder_refuses_an_offset_that_is_not_a_duration(offset):
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        compose.reminder(ctx=CTX, to=TEACHER, cohort=COHORT, session=WINTER, offset=offset)


def test_no_reminder_for_a_cancelled_session():
    with pytest.raises(ValueError, match="cancelled session"):
        compose.reminder(ctx=CTX, to=TEACHER, cohort=COHORT, session=CANCELLED, offset="P1D")


def test_a_venue_without_travel_notes_has_no_getting_there_line():
    bare = replace(WINTER, venue=replace(VENUE, travel_notes=None))
    message = compose.session_added(ctx=CTX, to=TEACHER, cohort=COHORT, session=bare)
    assert "Getting there" not in text_of(message)


def test_an_address_with_crlf_and_blank_lines_is_shown_line_by_line():
    messy = replace(WINTER, venue=replace(VENUE, address="1 Quay Street\r\n\r\n  Bristol  \r\n"))
    message = compose.session_added(ctx=CTX, to=TEACHER, cohort=COHORT, session=messy)
    raw = reparsed(message).get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Where: Riverside Hub\n  1 Quay Street\n  Bristol\n  BS1 4DJ\n" in raw


# --- unsafe input ------------------------------------------------------------------------------

INJECTION = "\r\nBcc: x@evil.example.org"


def all_kinds(cohort=COHORT, to=TEACHER, ctx=CTX):
    """Calls that compose every kind, so a refusal can be checked for each."""
    common = {"ctx": ctx, "to": to, "cohort": cohort}
    return [
        lambda: compose.booking_confirmed(**common, session=WINTER, promoted=False),
        lambda: compose.waitlisted(**common, position=1),
        lambda: compose.offered(**common, booking_id="b-7", expires_at=EXPIRES),
        lambda: compose.offer_expired(**common),
        lambda: compose.booking_cancelled(**common, session=WINTER, late=False),
        lambda: compose.left_waitlist(**common),
        lambda: compose.session_rescheduled(
            **common,
            session=WINTER,
            before_starts_at=FIRST.starts_at,
            before_ends_at=FIRST.ends_at,
            before_venue_name="Old Mill Centre",
        ),
        lambda: compose.session_added(**common, session=WINTER),
        lambda: compose.session_cancelled(**common, session=CANCELLED),
        lambda: compose.cohort_cancelled(**common, session=WINTER),
        lambda: compose.cohort_cancelled_notice(**common),
        lambda: compose.reminder(**common, session=WINTER, offset="P1D"),
    ]


KINDS = [
    "booking_confirmed", "waitlisted", "offered", "offer_expired", "booking_cancelled",
    "left_waitlist", "session_rescheduled", "session_added", "session_cancelled",
    "cohort_cancelled", "cohort_cancelled_notice", "reminder",
]  # fmt: skip


@pytest.mark.parametrize("index", range(len(KINDS)), ids=KINDS)
@pytest.mark.parametrize("bad", [INJECTION, "\nX-Evil: 1", "A\x00B", "A\u2028B"])
def test_a_course_title_with_a_line_break_is_refused_for_every_mail(index, bad):
    cohort = replace(COHORT, course_title=f"Supporting autistic pupils{bad}")
    with pytest.raises(ValueError, match="control character"):
        all_kinds(cohort=cohort)[index]()


@pytest.mark.parametrize("index", range(len(KINDS)), ids=KINDS)
def test_a_trainer_name_with_a_line_break_is_refused_for_every_mail(index):
    cohort = replace(COHORT, trainer_name=f"Siân Jones{INJECTION}")
    with pytest.raises(ValueError, match="control character"):
        all_kinds(cohort=cohort)[index]()


@pytest.mark.parametrize("name", [f"Zoë Smith{INJECTION}", "Zoë\nSmith", "Zoë\x1bSmith"])
def test_a_teacher_name_with_a_line_break_cannot_even_become_a_recipient(name):
    with pytest.raises(ValueError, match="single line"):
        Person(TEACHER.email, name)


def test_a_sender_name_with_a_line_break_is_refused():
    ctx = replace(CTX, sender_name=f"Book SEND training{INJECTION}")
    for compose_it in all_kinds(ctx=ctx):
        with pytest.raises(ValueError, match="single line"):
            compose_it()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("venue", replace(VENUE, name=f"Riverside Hub{INJECTION}")),
        ("venue", replace(VENUE, address="1 Quay Street\x00\nBristol")),
        ("venue", replace(VENUE, accessibility=f"lift{INJECTION}")),
        ("venue", replace(VENUE, postcode=f"BS1 4DJ{INJECTION}")),
    ],
)
def test_venue_text_with_control_characters_is_refused(field, value):
    session = replace(WINTER, **{field: value})
    with pytest.raises(ValueError, match="control character"):
        compose.session_added(ctx=CTX, to=TEACHER, cohort=COHORT, session=session)


def test_a_booking_id_or_venue_name_from_the_past_with_a_line_break_is_refused():
    with pytest.raises(ValueError, match="control character"):
        compose.offered(
            ctx=CTX, to=TEACHER, cohort=COHORT, booking_id=f"b-7{INJECTION}", expires_at=EXPIRES
        )
    with pytest.raises(ValueError, match="control character"):
        compose.session_rescheduled(
            ctx=CTX,
            to=TEACHER,
            cohort=COHORT,
            session=WINTER,
            before_starts_at=FIRST.starts_at,
            before_ends_at=FIRST.ends_at,
            before_venue_name=f"Old Mill{INJECTION}",
        )


@pytest.mark.parametrize(
    "ctx",
    [
        replace(CTX, base_url="javascript:alert(1)"),
        replace(CTX, base_url=f"{BASE}{INJECTION}"),
        replace(CTX, message_id_domain=f"book.example.org{INJECTION}"),
        replace(CTX, service_name=f"Book{INJECTION}"),
        replace(CTX, now=datetime(2027, 1, 5, 10, 0)),  # noqa: DTZ001 - naive on purpose
    ],
    ids=["scheme", "base_url", "domain", "service_name", "naive_now"],
)
def test_an_unsafe_context_is_refused_for_every_mail(ctx):
    for compose_it in all_kinds(ctx=ctx):
        with pytest.raises(ValueError):  # noqa: PT011 - each field has its own message
            compose_it()


def test_html_escapes_markup_in_a_course_title_everywhere():
    cohort = replace(COHORT, course_title='Autism <script>alert("x")</script> & "you"')
    for message in every_mail(cohort=cohort):
        html = html_of(message)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;you&quot;" in html
        assert "<script>" in text_of(message)  # text is text: shown as typed


def test_non_ascii_names_survive_headers_bodies_and_the_calendar():
    to = Person("sian@school.example.org", "Siân Llŷr, SENCo")
    cohort = replace(COHORT, trainer_name="Zoë Ní Bhriain", course_title="Cymorth ŵŷ: awtistiaeth")
    message = compose.booking_confirmed(
        ctx=CTX, to=to, cohort=cohort, session=WINTER, promoted=False
    )
    parsed = reparsed(message)
    [recipient] = parsed["To"].addresses
    assert recipient.display_name == "Siân Llŷr, SENCo"
    assert "Cymorth ŵŷ: awtistiaeth" in subject_of(message)
    assert "Trainer: Zoë Ní Bhriain" in text_of(message)
    assert "Zoë Ní Bhriain" in html_of(message)
    [event] = Calendar.from_ical(calendar_bytes(message)).events
    assert event.attendees[0].params["CN"] == "Siân Llŷr, SENCo"
    assert "Trainer: Zoë Ní Bhriain" in str(event["DESCRIPTION"])


def test_a_plain_mail_to_a_name_with_specials_stays_one_address():
    to = Person(TEACHER.email, 'Ann "Annie" O\'Neil, Jones; <ann@evil.example.org>')
    parsed = reparsed(compose.left_waitlist(ctx=CTX, to=to, cohort=COHORT))
    [recipient] = parsed["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (to.name, to.email)


def test_a_base_url_with_a_trailing_slash_makes_the_same_links():
    ctx = replace(CTX, base_url=f"{BASE}/")
    text = text_of(compose.offer_expired(ctx=ctx, to=TEACHER, cohort=COHORT))
    assert f"{BASE}/cohorts/c-42" in text
    assert "//cohorts" not in text


def test_an_offer_for_a_cohort_left_without_sessions_shows_the_expiry_in_utc():
    message = compose.offered(
        ctx=CTX,
        to=TEACHER,
        cohort=replace(COHORT, sessions=()),
        booking_id="b-7",
        expires_at=EXPIRES,
    )
    text = text_of(message)
    assert "until 1:30am (UTC) on Sunday 28 March 2027" in text
    assert "Sessions: to be arranged" in text


@pytest.mark.parametrize(
    ("method", "session"), [("REQUEST", WINTER), ("CANCEL", CANCELLED)], ids=["request", "whole"]
)
def test_an_uninvite_is_only_a_cancel_of_a_session_that_goes_on(method, session):
    event = described_as_in_a_feed(session)
    organizer = Person(CTX.sender_email, CTX.sender_name)
    with pytest.raises(ValueError, match="uninvite is a CANCEL"):
        invite(
            event,
            method=method,
            organizer=organizer,
            attendee=TEACHER,
            stamp=CTX.now,
            uninvite=True,
        )


def test_a_reminder_readdressed_is_what_composing_it_for_that_recipient_gives():
    """The reminder burst composes once per session and readdresses: that is only right while
    nothing but To (and the Message-ID) is the recipient's."""
    other = Person("ali.khan@school.example.org", "Ali Khan")
    template = compose.reminder(ctx=CTX, to=TEACHER, cohort=COHORT, session=FIRST, offset="P1D")
    first_id = template["Message-ID"]
    readdressed_mail = readdressed(template, mailbox(other), CTX.message_id_domain)
    composed = compose.reminder(ctx=CTX, to=other, cohort=COHORT, session=FIRST, offset="P1D")

    def without_id(message):
        data = message.as_bytes(policy=email.policy.SMTP)
        data = re.sub(rb"Message-ID: <[^>]+>", b"Message-ID: <>", data)
        return re.sub(rb"={15}\d+==", b"=boundary=", data)  # random per message

    assert readdressed_mail["To"] == composed["To"]
    assert readdressed_mail["Message-ID"] not in {first_id, composed["Message-ID"]}
    assert without_id(readdressed_mail) == without_id(composed)
