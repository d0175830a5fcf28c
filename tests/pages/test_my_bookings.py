"""/my/bookings: offers, cancelling with its confirmation step, the calendar file and the feed."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlsplit

from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.engine import published_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.html import Page
from tests.support.ics_lint import checked

ADA = "ada@example.org"


async def book_on_page(client, cohort_id: str) -> str:
    page = await open_page(client, f"/cohorts/{cohort_id}")
    button = "Join the waitlist" if "Join the waitlist" in page.buttons() else "Book a place"
    response = await submit(client, page, button)
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).rsplit("/", 1)[-1]


async def api_booking(client, token: str, booking_id: str) -> dict:
    response = await client.get(f"/api/v1/bookings/{booking_id}", headers=bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def offered_to_ada(client, world, mail_dir) -> tuple[str, str]:
    """A full offer-mode cohort; the holder cancels, so Ada (waitlisted) is offered the place."""
    cohort = await published_cohort(
        client,
        world,
        START + timedelta(days=14),
        capacity=1,
        waitlist_mode="offer",
        offer_ttl="PT2H",
    )
    holder = await teacher_token(client, "holder@example.org")
    held = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(holder)
    )
    assert held.status_code == 201, held.text
    await sign_in(client, mail_dir, ADA)
    booking_id = await book_on_page(client, cohort["id"])
    await client.delete(f"/api/v1/bookings/{held.json()['id']}", headers=bearer(holder))
    return cohort["id"], booking_id


async def test_the_page_has_one_h1_a_title_labels_and_csrf_tokens(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    await sign_in(client, mail_dir, ADA)
    booking_id = await book_on_page(client, cohort["id"])

    for path in ("/my/bookings", f"/my/bookings/{booking_id}/cancel", f"/bookings/{booking_id}"):
        check_structure(await open_page(client, path), path)
    page = await open_page(client, "/my/bookings")
    assert page.h1 == "Your bookings"
    assert page.title == "Your bookings \N{EN DASH} Book SEND training"


async def test_signed_out_my_bookings_goes_to_sign_in(client):
    response = await client.get("/my/bookings", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fmy%2Fbookings"


async def test_a_confirmed_booking_shows_its_course_times_and_status(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    await sign_in(client, mail_dir, ADA)
    await book_on_page(client, cohort["id"])

    page = await open_page(client, "/my/bookings")

    assert "Autism in the classroom" in page.text
    assert "Monday 25 January 2027, 9am to 11am" in page.text
    assert "Confirmed" in page.text


async def test_a_waitlisted_booking_shows_its_position(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=1)
    holder = await teacher_token(client, "holder@example.org")
    await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(holder))
    await sign_in(client, mail_dir, ADA)
    await book_on_page(client, cohort["id"])

    page = await open_page(client, "/my/bookings")

    assert "You are number 1 on the waitlist" in page.text


async def test_accepting_an_offer_confirms_the_booking(client, world, mail_dir):
    _, booking_id = await offered_to_ada(client, world, mail_dir)
    page = await open_page(client, "/my/bookings")
    # 11 January 2027 9am UTC plus the two-hour offer: 11am in London.
    assert "A place is held for you until 11am on Monday 11 January 2027" in page.text

    response = await submit(client, page, "Accept place")

    assert response.status_code == 303
    done = await open_page(client, response.headers["location"])
    assert "You accepted the place" in done.text
    ada = await teacher_token(client, ADA)
    assert (await api_booking(client, ada, booking_id))["status"] == "confirmed"


async def test_declining_an_offer_cancels_the_booking(client, world, mail_dir):
    _, booking_id = await offered_to_ada(client, world, mail_dir)
    page = await open_page(client, "/my/bookings")

    response = await submit(client, page, "Decline place")

    assert response.status_code == 303
    ada = await teacher_token(client, ADA)
    assert (await api_booking(client, ada, booking_id))["status"] == "cancelled"


async def test_an_expired_offer_is_explained_in_the_error_summary(client, world, mail_dir, clock):
    _, booking_id = await offered_to_ada(client, world, mail_dir)
    page = await open_page(client, "/my/bookings")
    clock.advance(timedelta(hours=3))

    response = await submit(client, page, "Accept place")

    assert response.status_code == 409
    assert Page(response.text).error_summary() == [
        (f"#booking-{booking_id}", "The offer of a place has expired")
    ]


async def test_cancelling_asks_first_then_cancels(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    await sign_in(client, mail_dir, ADA)
    booking_id = await book_on_page(client, cohort["id"])
    listing = await open_page(client, "/my/bookings")
    links = [a for a in listing.find_all("a") if a.text.startswith("Cancel booking")]
    assert [a.attrs["href"] for a in links] == [f"/my/bookings/{booking_id}/cancel"]

    confirm = await open_page(client, links[0].attrs["href"])
    assert confirm.h1 == "Are you sure you want to cancel this booking?"
    # The rule in words, with the moment it starts to apply (48 hours before 25 January 9am).
    assert "Cancel before 9am on Saturday 23 January 2027 and it is not late" in confirm.text
    response = await submit(client, confirm, "Yes, cancel booking")

    assert response.status_code == 303
    done = await open_page(client, response.headers["location"])
    assert "Your booking is cancelled" in done.text
    assert "late cancellation" not in done.text
    ada = await teacher_token(client, ADA)
    assert (await api_booking(client, ada, booking_id))["status"] == "cancelled"


async def test_a_cancellation_inside_48_hours_is_called_late(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(hours=30))
    await sign_in(client, mail_dir, ADA)
    booking_id = await book_on_page(client, cohort["id"])

    confirm = await open_page(client, f"/my/bookings/{booking_id}/cancel")
    assert "This is a late cancellation" in confirm.text
    response = await submit(client, confirm, "Yes, cancel booking")

    done = await open_page(client, response.headers["location"])
    assert "This was a late cancellation" in done.text
    ada = await teacher_token(client, ADA)
    assert (await api_booking(client, ada, booking_id))["late"] is True


async def test_another_teachers_booking_is_not_found(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    other = await teacher_token(client, "other@example.org")
    theirs = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(other)
    )
    await sign_in(client, mail_dir, ADA)

    await open_page(client, f"/my/bookings/{theirs.json()['id']}/cancel", status=404)
    response = await client.get(f"/bookings/{theirs.json()['id']}/invite.ics")
    assert response.status_code == 404


async def test_the_calendar_invite_has_every_live_session(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14))
    second = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/sessions",
        json={
            "starts_at": (START + timedelta(days=21)).isoformat(),
            "ends_at": (START + timedelta(days=21, hours=2)).isoformat(),
        },
        headers=bearer(world.hub_admin),
    )
    assert second.status_code == 201, second.text
    await sign_in(client, mail_dir, ADA)
    booking_id = await book_on_page(client, cohort["id"])
    confirmation = await open_page(client, f"/bookings/{booking_id}")
    links = [a for a in confirmation.find_all("a") if a.text == "Download calendar invite"]
    assert [a.attrs["href"] for a in links] == [f"/bookings/{booking_id}/invite.ics"]

    response = await client.get(links[0].attrs["href"])

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.headers["content-disposition"].endswith('.ics"')
    calendar, strict = checked(response.content)  # byte lint, icalendar and the strict parser
    assert len(strict.events) == 2
    assert "METHOD" not in calendar
    sessions = await client.get(f"/api/v1/cohorts/{cohort['id']}", headers=bearer(world.hub_admin))
    events = calendar.walk("VEVENT")
    assert len(events) == len(sessions.json()["sessions"]) == 2
    assert len({str(e["UID"]) for e in events}) == 2
    assert all(str(e["SUMMARY"]) == "Autism in the classroom" for e in events)


async def test_the_feed_links_subscribe_and_rotate(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/bookings")
    (field,) = page.find_all("input", id="feed-url")
    https = field.attrs["value"]
    assert https.startswith("http")
    assert https.endswith(".ics")
    assert "readonly" in field.attrs
    hrefs = {a.text: a.attrs["href"] for a in page.find_all("a")}
    webcal = hrefs["Subscribe in your calendar app"]
    assert webcal.startswith("webcal://")
    assert hrefs["Add to Google Calendar (opens in new tab)"] == (
        "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    )
    assert hrefs["Add to Outlook (opens in new tab)"].startswith(
        "https://outlook.live.com/calendar/0/addfromweb?url=" + quote(https, safe="")
    )
    assert (await client.get(urlsplit(https).path)).status_code == 200

    response = await submit(client, page, "Rotate link")

    assert response.status_code == 303
    rotated = await open_page(client, response.headers["location"])
    assert rotated.find_all("input", id="feed-url")[0].attrs["value"] != https
    assert "Your calendar link has changed" in rotated.text
    assert (await client.get(urlsplit(https).path)).status_code == 404


async def test_the_page_says_why_google_may_not_add_invitations(client, world, mail_dir):
    """docs/calendars.md, rule 6: Google's "only if the sender is known" keeps invites out."""
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/bookings")
    (note,) = page.find_all("p", id="google-invitations")
    assert "Only if the sender is known" in note.text
    assert "subscribe" in note.text
    assert "Add to Google Calendar (opens in new tab)" in page.text  # next to the feed links


async def test_a_signed_in_teacher_reaches_the_page_from_the_navigation(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)

    page = await open_page(client, "/my/bookings")

    nav = {
        a.text: a.attrs for a in page.find_all("a") if a.has_class("govuk-service-navigation__link")
    }
    assert nav["Your bookings"] == {
        "class": "govuk-service-navigation__link",
        "href": "/my/bookings",
        "aria-current": "page",
    }
    assert nav["Your timetable"]["href"] == "/my/timetable"


async def test_the_confirmation_says_who_gets_the_place(client, world, mail_dir):
    cohort = await published_cohort(client, world, START + timedelta(days=14), capacity=1)
    await sign_in(client, mail_dir, ADA)
    booking_id = await book_on_page(client, cohort["id"])
    confirm = await open_page(client, f"/my/bookings/{booking_id}/cancel")
    # Nobody waits: the place is simply free again.
    assert "free for someone else to book" in confirm.text
    assert "next person on the waitlist" not in confirm.text

    waiting = await teacher_token(client, "waiting@example.org")
    joined = await client.post(f"/api/v1/cohorts/{cohort['id']}/bookings", headers=bearer(waiting))
    assert joined.json()["status"] == "waitlisted"
    confirm = await open_page(client, f"/my/bookings/{booking_id}/cancel")
    assert "Your place will go to the next person on the waitlist" in confirm.text
