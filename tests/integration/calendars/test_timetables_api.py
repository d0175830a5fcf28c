"""Teachers' timetables over HTTP: upload, weekly JSON with terms, linked URLs; busy times and
clashes with bookings (docs/contract.md, Calendars)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.services.calendar_import import CalendarImport
from booking.services.timetables import TimetableService
from tests.support.engine import build_world, published_cohort, teacher_token
from tests.support.factories import bearer
from tests.support.http_server import Routes, serve

TEACHER = "t@school.example"


def weekly_ics(summary="Year 5 maths", start="20270111T160000", until="20270701T000000Z"):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//School//MIS//EN\r\n"
        "BEGIN:VEVENT\r\nUID:lesson-1@school.example\r\nDTSTAMP:20270101T000000Z\r\n"
        f"DTSTART;TZID=Europe/London:{start}\r\n"
        f"DTEND;TZID=Europe/London:{start[:9]}{int(start[9:11]) + 1:02d}0000\r\n"
        f"RRULE:FREQ=WEEKLY;UNTIL={until}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\nBEGIN:DAYLIGHT\r\nTZNAME:BST\r\nTZOFFSETFROM:+0000\r\n"
        "TZOFFSETTO:+0100\r\nDTSTART:19700329T010000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
        "BEGIN:STANDARD\r\nTZNAME:GMT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nDTSTART:19701025T020000\r\n"
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.fixture
async def teacher(client, mail_dir):
    return await teacher_token(client, TEACHER)


async def put_ics(client, token, data):
    return await client.put(
        "/api/v1/me/timetable",
        content=data,
        headers=bearer(token) | {"content-type": "text/calendar"},
    )


async def test_upload_is_understood_and_summarised(client, teacher):
    response = await put_ics(client, teacher, weekly_ics())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "ics"
    assert body["entries"] > 20
    assert (await client.get("/api/v1/me/timetable", headers=bearer(teacher))).json()[
        "entries"
    ] == body["entries"]


@pytest.mark.parametrize("data", [b"", b"hello", b"\xff\xfe\x00"])
async def test_invalid_calendars_are_400(client, teacher, data):
    response = await put_ics(client, teacher, data)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_calendar"


async def test_a_calendar_whose_only_event_cannot_be_read_is_400_naming_uid_and_line(
    client, teacher
):
    """It used to be kept as an empty timetable, so every clash with it was missed."""
    data = weekly_ics().replace(b"DTSTART;TZID=Europe/London:20270111T160000", b"DTSTART:notadate")
    response = await put_ics(client, teacher, data)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["uid"], body["line"]) == (
        "invalid_calendar",
        "lesson-1@school.example",
        7,
    )
    assert "lesson-1@school.example (line 7)" in body["detail"]
    assert (await client.get("/api/v1/me/timetable", headers=bearer(teacher))).json()[
        "source"
    ] is None


async def test_a_rule_repeating_every_zero_weeks_is_400_naming_its_line(client, teacher):
    """At INTERVAL=0 the expansion would skip the series and keep an empty timetable."""
    data = weekly_ics().replace(b"RRULE:FREQ=WEEKLY;", b"RRULE:FREQ=WEEKLY;INTERVAL=0;")
    response = await put_ics(client, teacher, data)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["uid"], body["line"]) == (
        "invalid_calendar",
        "lesson-1@school.example",
        9,
    )


async def test_a_calendar_with_no_events_is_an_empty_timetable(client, teacher):
    data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//School//MIS//EN\r\nEND:VCALENDAR\r\n"
    response = await put_ics(client, teacher, data)
    assert response.status_code == 200, response.text
    assert (response.json()["source"], response.json()["entries"]) == ("ics", 0)


async def test_uploads_over_1_mib_are_413(client, teacher):
    big = weekly_ics().replace(
        b"SUMMARY:", b"DESCRIPTION:" + b"x" * (1024 * 1024) + b"\r\nSUMMARY:"
    )
    assert (await put_ics(client, teacher, big)).status_code == 413


async def test_other_media_types_are_415(client, teacher):
    response = await client.put(
        "/api/v1/me/timetable",
        content=b"x",
        headers=bearer(teacher) | {"content-type": "text/plain"},
    )
    assert response.status_code == 415


async def test_weekly_blocks_apply_only_inside_terms(client, teacher):
    body = {
        "timezone": "Europe/London",
        "weekly": [{"day": "mon", "start": "09:00", "end": "12:00", "label": "Teaching"}],
        "terms": [
            {"start_date": "2027-01-04", "end_date": "2027-02-12"},
            {"start_date": "2027-02-22", "end_date": "2027-03-31"},
        ],
    }
    response = await client.put("/api/v1/me/timetable", json=body, headers=bearer(teacher))
    assert response.status_code == 200, response.text
    busy = await client.get(
        "/api/v1/me/busy",
        params={"from": "2027-02-08T00:00:00Z", "to": "2027-02-23T00:00:00Z"},
        headers=bearer(teacher),
    )
    starts = [i["starts_at"] for i in busy.json()["items"]]
    # Monday 15 February is half term.
    assert starts == ["2027-02-08T09:00:00Z", "2027-02-22T09:00:00Z"]
    assert all(i["source"] == "timetable" for i in busy.json()["items"])


@pytest.mark.parametrize(
    "body",
    [
        {"weekly": [{"day": "mon", "start": "12:00", "end": "09:00"}]},
        {"weekly": [], "timezone": "Nowhere/Town"},
        {"weekly": [], "terms": [{"start_date": "2027-03-01", "end_date": "2027-02-01"}]},
        {"weekly": [], "holidays": []},
        {"url": ""},
    ],
)
async def test_bad_weekly_or_url_bodies_are_400(client, teacher, body):
    response = await client.put("/api/v1/me/timetable", json=body, headers=bearer(teacher))
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.ics",
        "webcal://localhost/x.ics",
        "http://[::1]/x.ics",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/x.ics",
        "http://[::ffff:127.0.0.1]/x.ics",
        "ftp://example.org/x.ics",
        "http://user:secret@example.org/x.ics",
    ],
)
async def test_private_and_odd_urls_are_refused(client, teacher, url):
    response = await client.put("/api/v1/me/timetable", json={"url": url}, headers=bearer(teacher))
    assert response.status_code == 400
    assert response.json()["code"] == "url_not_allowed"


async def test_linked_url_is_fetched_and_refreshed(permissive, mail_dir, sessionmaker, clock):
    token = await teacher_token(permissive, TEACHER)
    routes = Routes(
        {"/cal.ics": (200, {"Content-Type": "text/calendar"}, weekly_ics("Old lesson"))}
    )
    with serve(routes) as base:
        url = f"{base}/cal.ics"
        response = await permissive.put(
            "/api/v1/me/timetable", json={"url": url}, headers=bearer(token)
        )
        assert response.status_code == 200, response.text
        assert (response.json()["source"], response.json()["url"]) == ("url", url)
        routes.table["/cal.ics"] = (200, {}, weekly_ics("New lesson"))
        clock.advance(timedelta(hours=7))
        async with sessionmaker() as db_session:
            assert (
                await TimetableService(clock, CalendarImport()).refresh_due(
                    db_session, allow_private=True
                )
                == 1
            )
    busy = await permissive.get(
        "/api/v1/me/busy",
        params={
            "from": clock.now().isoformat(),
            "to": (clock.now() + timedelta(days=8)).isoformat(),
        },
        headers=bearer(token),
    )
    assert {i["summary"] for i in busy.json()["items"]} == {"New lesson"}


async def test_unreachable_and_non_calendar_urls(permissive, mail_dir):
    token = await teacher_token(permissive, TEACHER)
    routes = Routes(
        {
            "/page": (200, {"Content-Type": "text/html"}, b"<html></html>"),
            "/big": (200, {}, b"BEGIN:VCALENDAR\r\n" + b"X" * (1024 * 1024 + 10)),
        }
    )
    with serve(routes) as base:
        missing = await permissive.put(
            "/api/v1/me/timetable", json={"url": f"{base}/nothing"}, headers=bearer(token)
        )
        page = await permissive.put(
            "/api/v1/me/timetable", json={"url": f"{base}/page"}, headers=bearer(token)
        )
        big = await permissive.put(
            "/api/v1/me/timetable", json={"url": f"{base}/big"}, headers=bearer(token)
        )
    assert missing.json()["code"] == "url_unreachable"
    assert page.json()["code"] == "invalid_calendar"
    assert big.json()["code"] == "invalid_calendar"


async def test_delete_forgets_the_timetable(client, teacher):
    await put_ics(client, teacher, weekly_ics())
    assert (await client.delete("/api/v1/me/timetable", headers=bearer(teacher))).status_code == 204
    assert (await client.get("/api/v1/me/timetable", headers=bearer(teacher))).json()[
        "source"
    ] is None


async def test_timetable_clash_blocks_booking_unless_accepted(
    client, sessionmaker, clock, mail_dir
):
    world = await build_world(client, sessionmaker, clock)
    token = await teacher_token(client, TEACHER)
    await put_ics(client, token, weekly_ics("Year 5 maths", start="20270111T160000"))
    # Monday 2027-01-18 16:30 London = 16:30Z: inside the 16:00-17:00 lesson.
    cohort = await published_cohort(client, world, datetime(2027, 1, 18, 16, 30, tzinfo=UTC))
    refused = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token)
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "timetable_clash"
    clash = refused.json()["clashes"][0]
    assert clash["summary"] == "Year 5 maths"
    assert clash["session_id"] == cohort["sessions"][0]["id"]
    assert clash["starts_at"] == "2027-01-18T16:00:00Z"
    fits = await client.get(
        "/api/v1/cohorts", params={"fits_my_timetable": "true"}, headers=bearer(token)
    )
    assert fits.json()["items"] == []
    accepted = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings",
        json={"accept_clashes": True},
        headers=bearer(token),
    )
    assert accepted.status_code == 201
    assert accepted.json()["clashes"][0]["summary"] == "Year 5 maths"
    busy = await client.get(
        "/api/v1/me/busy",
        params={"from": "2027-01-18T00:00:00Z", "to": "2027-01-19T00:00:00Z"},
        headers=bearer(token),
    )
    assert [i["source"] for i in busy.json()["items"]] == ["timetable", "booking"]


async def test_back_to_back_with_a_lesson_is_no_clash(client, sessionmaker, clock, mail_dir):
    world = await build_world(client, sessionmaker, clock)
    token = await teacher_token(client, TEACHER)
    await put_ics(client, token, weekly_ics(start="20270111T160000"))
    cohort = await published_cohort(client, world, datetime(2027, 1, 18, 17, 0, tzinfo=UTC))
    response = await client.post(
        f"/api/v1/cohorts/{cohort['id']}/bookings", json={}, headers=bearer(token)
    )
    assert response.status_code == 201
    assert response.json()["clashes"] == []
