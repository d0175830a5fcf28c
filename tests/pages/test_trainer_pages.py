"""/trainer: availability, the roster and its CSV, attendance, through the pages."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from booking.pages.formatting import day_off_when
from tests.conftest import START
from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.dispatch import settle
from tests.support.engine import published_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.html import Page
from tests.support.mail import to

SESSION_START = START + timedelta(days=14)


async def booked_cohort(client, world, mail_dir) -> dict:
    cohort = await published_cohort(client, world, SESSION_START, capacity=1)
    for email in ("ada@example.org", "bea@example.org"):
        token = await teacher_token(client, email)
        response = await client.post(
            f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token)
        )
        assert response.status_code == 201, response.text
    return cohort


async def test_the_trainer_pages_have_one_h1_a_title_and_labelled_fields(client, world, mail_dir):
    cohort = await booked_cohort(client, world, mail_dir)
    await sign_in(client, mail_dir, "trainer@example.org")
    home = await open_page(client, "/trainer")
    roster = await open_page(client, f"/trainer/cohorts/{cohort['id']}")
    session_id = cohort["sessions"][0]["id"]
    attendance = await open_page(client, f"/trainer/cohorts/{cohort['id']}/sessions/{session_id}")

    for path, page in (("home", home), ("roster", roster), ("attendance", attendance)):
        check_structure(page, path)
    assert home.h1 == "Your training"
    assert "Autism in the classroom" in home.text
    assert "Monday 25 January 2027, 9am to 11am" in home.text


async def test_a_teacher_is_not_shown_the_trainer_page(client, world, mail_dir):
    await sign_in(client, mail_dir, "ada@example.org")

    await open_page(client, "/trainer", status=404)


async def test_signed_out_the_trainer_page_asks_to_sign_in(client, world):
    response = await client.get("/trainer", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Ftrainer"


async def test_a_trainer_edits_weekly_availability_through_the_page(client, world, mail_dir):
    await sign_in(client, mail_dir, "trainer@example.org")
    page = await open_page(client, "/trainer")
    days = {
        f"{d}-{p}": ""
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        for p in ("start", "end")
    }

    response = await submit(
        client,
        page,
        "Save availability",
        timezone="Europe/Paris",
        **days
        | {"mon-start": "9:00", "mon-end": "17:30", "wed-start": "10:00", "wed-end": "12:00"},
    )

    assert response.status_code == 303
    stored = await client.get(
        f"/api/v1/trainers/{world.trainer['user']['id']}/availability",
        headers=bearer(world.hub_admin),
    )
    assert stored.json()["timezone"] == "Europe/Paris"
    assert stored.json()["weekly"] == [
        {"day": "mon", "start": "09:00", "end": "17:30"},
        {"day": "wed", "start": "10:00", "end": "12:00"},
    ]
    again = await open_page(client, response.headers["location"])
    assert "Your availability has been saved" in again.text


async def test_an_end_before_the_start_is_explained_next_to_the_day(client, world, mail_dir):
    await sign_in(client, mail_dir, "trainer@example.org")
    page = await open_page(client, "/trainer")

    response = await submit(
        client,
        page,
        "Save availability",
        timezone="Europe/London",
        **{"tue-start": "14:00", "tue-end": "9:00"},
    )

    assert response.status_code == 400
    errors = Page(response.text)
    assert errors.error_summary() == [("#tue-end", "Tuesday end time must be after the start time")]
    assert errors.title.startswith("Error: ")


async def test_a_trainer_adds_and_removes_a_day_off(client, world, mail_dir):
    await sign_in(client, mail_dir, "trainer@example.org")
    page = await open_page(client, "/trainer")

    response = await submit(
        client,
        page,
        "Add a day you are not available",
        **{"off-day": "3", "off-month": "2", "off-year": "2027", "reason": "Inset day"},
    )

    assert response.status_code == 303
    url = f"/api/v1/trainers/{world.trainer['user']['id']}/availability"
    stored = (await client.get(url, headers=bearer(world.hub_admin))).json()
    assert stored["exceptions"] == [
        {
            "starts_at": "2027-02-03T00:00:00Z",
            "ends_at": "2027-02-04T00:00:00Z",
            "reason": "Inset day",
        }
    ]
    assert len(stored["weekly"]) == 7  # the weekly rules are kept
    page = await open_page(client, "/trainer")
    assert "Inset day" in page.text
    assert "Wednesday 3 February 2027, all day" in page.text
    assert "12am" not in page.text
    (remove,) = [b for b in page.buttons() if b.startswith("Remove")]

    response = await submit(client, page, remove)

    assert response.status_code == 303
    stored = (await client.get(url, headers=bearer(world.hub_admin))).json()
    assert stored["exceptions"] == []


async def test_the_roster_lists_confirmed_and_waitlist_and_downloads_as_csv(
    client, world, mail_dir
):
    cohort = await booked_cohort(client, world, mail_dir)
    await sign_in(client, mail_dir, "trainer@example.org")
    home = await open_page(client, "/trainer")
    assert f"/trainer/cohorts/{cohort['id']}" in [a.attrs.get("href") for a in home.find_all("a")]

    roster = await open_page(client, f"/trainer/cohorts/{cohort['id']}")

    assert roster.h1 == "Autism in the classroom"
    tables = roster.find_all("table")
    assert "ada@example.org" in tables[0].text
    assert "bea@example.org" in tables[1].text
    (link,) = [a for a in roster.find_all("a") if a.text == "Download roster (CSV)"]
    response = await client.get(link.attrs["href"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["status"], r["email"]) for r in rows] == [
        ("confirmed", "ada@example.org"),
        ("waitlisted", "bea@example.org"),
    ]


async def test_attendance_before_it_opens_says_when_it_opens(client, world, mail_dir, clock):
    cohort = await booked_cohort(client, world, mail_dir)
    await sign_in(client, mail_dir, "trainer@example.org")
    path = f"/trainer/cohorts/{cohort['id']}/sessions/{cohort['sessions'][0]['id']}"

    page = await open_page(client, path)

    # The session is at 9am on Monday 25 January 2027: the form opens half an hour before.
    assert "from 8:30am on Monday 25 January 2027" in page.text
    assert "Save attendance" not in page.buttons()
    assert "ada@example.org" in page.text


async def test_a_form_that_is_no_longer_open_is_explained(client, world, mail_dir, clock):
    cohort = await booked_cohort(client, world, mail_dir)
    await sign_in(client, mail_dir, "trainer@example.org")
    session_id = cohort["sessions"][0]["id"]
    path = f"/trainer/cohorts/{cohort['id']}/sessions/{session_id}"
    clock.set(SESSION_START - timedelta(minutes=20))
    page = await open_page(client, path)
    (radio,) = page.find_all("input", type="radio", value="attended")
    # Meanwhile the hub moves the session to the next day.
    later = SESSION_START + timedelta(days=1)
    moved = await client.patch(
        f"/api/v1/sessions/{session_id}",
        json={
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(hours=2)).isoformat(),
        },
        headers=bearer(world.hub_admin),
    )
    assert moved.status_code == 200, moved.text

    response = await submit(client, page, "Save attendance", **{radio.attrs["name"]: "attended"})

    assert response.status_code == 409
    assert Page(response.text).error_summary() == [
        ("#attendance", "Attendance opens 30 minutes before the session starts")
    ]


async def test_a_trainer_records_attendance_twenty_minutes_before(client, world, mail_dir, clock):
    cohort = await booked_cohort(client, world, mail_dir)
    await sign_in(client, mail_dir, "trainer@example.org")
    roster = await open_page(client, f"/trainer/cohorts/{cohort['id']}")
    (link,) = [a for a in roster.find_all("a") if a.text.startswith("Record attendance")]
    clock.set(SESSION_START - timedelta(minutes=20))
    page = await open_page(client, link.attrs["href"])
    (radio,) = page.find_all("input", type="radio", value="attended")

    response = await submit(client, page, "Save attendance", **{radio.attrs["name"]: "attended"})

    assert response.status_code == 303
    saved = await open_page(client, response.headers["location"])
    assert "Attendance saved" in saved.text
    assert saved.find_all("input", type="radio", value="attended")[0].attrs.get("checked") == ""
    session_id = cohort["sessions"][0]["id"]
    stored = await client.get(
        f"/api/v1/sessions/{session_id}/attendance", headers=bearer(world.hub_admin)
    )
    assert [r["status"] for r in stored.json()["records"]] == ["attended"]


async def test_a_day_with_a_break_shows_and_saves_both_ranges(client, world, mail_dir):
    url = f"/api/v1/trainers/{world.trainer['user']['id']}/availability"
    split_day = [
        {"day": "mon", "start": "13:00", "end": "17:00"},
        {"day": "mon", "start": "09:00", "end": "12:00"},
        {"day": "mon", "start": "18:00", "end": "19:00"},
    ]
    await client.put(
        url,
        json={"timezone": "Europe/London", "weekly": split_day},
        headers=bearer(world.hub_admin),
    )
    await sign_in(client, mail_dir, "trainer@example.org")
    page = await open_page(client, "/trainer")
    # The first two ranges are in the rows, in time order; a third is listed and kept.
    values = {
        i.attrs["id"]: i.attrs.get("value") for i in page.find_all("input") if "id" in i.attrs
    }
    assert (values["mon-start"], values["mon-end"]) == ("09:00", "12:00")
    assert (values["mon-start-2"], values["mon-end-2"]) == ("13:00", "17:00")
    assert "Monday, 18:00 to 19:00" in page.text

    response = await submit(
        client,
        page,
        "Save availability",
        timezone="Europe/London",
        **{
            "mon-start": "08:30",
            "mon-end": "12:00",
            "mon-start-2": "13:30",
            "mon-end-2": "16:00",
            "fri-start": "09:00",
            "fri-end": "15:00",
        },
    )

    assert response.status_code == 303, response.text
    stored = (await client.get(url, headers=bearer(world.hub_admin))).json()
    assert stored["weekly"] == [
        {"day": "mon", "start": "08:30", "end": "12:00"},
        {"day": "mon", "start": "13:30", "end": "16:00"},
        {"day": "fri", "start": "09:00", "end": "15:00"},
        {"day": "mon", "start": "18:00", "end": "19:00"},
    ]


async def test_overlapping_ranges_on_one_day_are_explained(client, world, mail_dir):
    await sign_in(client, mail_dir, "trainer@example.org")
    page = await open_page(client, "/trainer")

    response = await submit(
        client,
        page,
        "Save availability",
        timezone="Europe/London",
        **{"tue-start": "09:00", "tue-end": "12:00", "tue-start-2": "11:00", "tue-end-2": "13:00"},
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#tue-start-2", "Tuesday second times must not overlap the first")
    ]


async def test_the_navigation_leads_a_trainer_to_their_training_and_a_hub_admin_to_the_hub(
    client, world, mail_dir
):
    await sign_in(client, mail_dir, "trainer@example.org")
    links = {a.attrs.get("href"): a.text for a in (await open_page(client, "/")).find_all("a")}
    assert links.get("/trainer") == "Your training"
    assert "/hub" not in links
    client.cookies.clear()  # another browser
    await sign_in(client, mail_dir, "hubadmin@example.org")
    links = {a.attrs.get("href"): a.text for a in (await open_page(client, "/")).find_all("a")}
    assert links.get("/hub") == "Your hub"
    assert "/trainer" not in links


async def test_a_day_off_over_a_session_warns_on_the_page_and_mails_the_hub(
    app, client, world, mail_dir
):
    await published_cohort(client, world, SESSION_START)  # Monday 25 January 2027, 9am
    await sign_in(client, mail_dir, "trainer@example.org")
    page = await open_page(client, "/trainer")
    assert "You are not available for" not in page.text

    response = await submit(
        client,
        page,
        "Add a day you are not available",
        **{"off-day": "25", "off-month": "1", "off-year": "2027", "reason": "Dentist"},
    )

    assert response.status_code == 303
    page = await open_page(client, response.headers["location"])
    assert "Your availability has been saved" in page.text
    assert "You are not available for a session you are due to teach" in page.text
    assert "Autism in the classroom: Monday 25 January 2027, 9am to 11am" in page.text
    await settle(client)
    subjects = [str(m["Subject"]) for m in to(mail_dir, "hubadmin@example.org")]
    assert any(s.startswith("Trainer unavailable: trainer") for s in subjects), subjects


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "words"),
    [
        ("2027-02-03T00:00:00Z", "2027-02-04T00:00:00Z", "Wednesday 3 February 2027, all day"),
        (
            "2027-02-03T00:00:00Z",
            "2027-02-06T00:00:00Z",
            "Wednesday 3 February 2027 to Friday 5 February 2027, all day",
        ),
        # Summer time: a whole London day is 23:00Z to 23:00Z.
        ("2027-06-01T23:00:00Z", "2027-06-02T23:00:00Z", "Wednesday 2 June 2027, all day"),
        ("2027-02-03T13:00:00Z", "2027-02-03T17:00:00Z", "Wednesday 3 February 2027, 1pm to 5pm"),
    ],
)
def test_a_day_off_reads_all_day(starts_at, ends_at, words):
    assert (
        day_off_when(
            datetime.fromisoformat(starts_at), datetime.fromisoformat(ends_at), "Europe/London"
        )
        == words
    )


async def test_the_roster_tables_scroll_in_their_own_box_on_a_narrow_screen(
    client, world, mail_dir
):
    cohort = await booked_cohort(client, world, mail_dir)
    await sign_in(client, mail_dir, "trainer@example.org")
    roster = await open_page(client, f"/trainer/cohorts/{cohort['id']}")

    boxes = roster.find_all("div", **{"class": "app-table-scroll"})
    assert len(boxes) == 2  # confirmed, waitlist
    for box in boxes:
        assert box.attrs["tabindex"] == "0"
        assert box.attrs["role"] == "region"
        assert box.find_all("table")
    css = await client.get("/static/app.css")
    assert css.status_code == 200
    assert ".app-table-scroll" in css.text
    assert "overflow-x: auto" in css.text
