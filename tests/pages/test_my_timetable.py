"""/my/timetable: an uploaded .ics, a linked calendar, weekly times with terms; busy times shown."""

from __future__ import annotations

import pytest

from tests.pages.conftest import open_page, sign_in, submit
from tests.pages.test_page_structure import check_structure
from tests.support.html import Page
from tests.support.http_server import Routes, serve

ADA = "ada@example.org"
# The tests' clock starts on Monday 11 January 2027 at 9am UTC (9am in London).
ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//School//Timetable//EN\r
BEGIN:VEVENT\r
UID:lesson-1@school.example\r
DTSTAMP:20270101T000000Z\r
DTSTART:20270112T100000Z\r
DTEND:20270112T110000Z\r
SUMMARY:Year 9 science\r
END:VEVENT\r
END:VCALENDAR\r
"""


async def upload(client, page: Page, content: bytes, filename: str = "timetable.ics"):
    action, hidden = page.form_with_button("Upload timetable")
    return await client.post(
        action,
        data=hidden,
        files={"ics_file": (filename, content, "text/calendar")},
        follow_redirects=False,
    )


async def test_the_page_has_one_h1_a_title_labels_and_csrf_tokens(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)

    page = await open_page(client, "/my/timetable")

    check_structure(page, "/my/timetable")
    assert page.h1 == "Your timetable"
    assert page.title == "Your timetable \N{EN DASH} Book SEND training"
    assert "You have not added a timetable yet." in page.text


async def test_signed_out_the_timetable_goes_to_sign_in(client):
    response = await client.get("/my/timetable", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fmy%2Ftimetable"


async def test_an_uploaded_calendar_shows_its_busy_times(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await upload(client, page, ICS)

    assert response.status_code == 303, response.text
    saved = await open_page(client, response.headers["location"])
    assert "Your timetable is saved" in saved.text
    assert "An uploaded calendar file" in saved.text
    assert "Tuesday 12 January 2027, 10am to 11am: Year 9 science (Your timetable)" in saved.text
    check_structure(saved, "after upload")


async def test_a_file_that_is_not_a_calendar_is_explained_by_the_field(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await upload(client, page, b"this is not a calendar", "notes.ics")

    assert response.status_code == 400
    error = Page(response.text)
    assert error.error_summary() == [
        ("#ics_file", "The selected file must be an iCalendar (.ics) file")
    ]
    assert error.title.startswith("Error: Your timetable")
    assert error.find_all("p", id="ics_file-error")


async def test_a_file_over_1_mib_is_refused_by_the_field(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await upload(client, page, ICS + b" " * (1024 * 1024))

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#ics_file", "The selected file must be smaller than 1 MB")
    ]


async def test_weekly_times_apply_inside_terms_only(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await submit(
        client,
        page,
        "Save teaching times",
        **{
            "day-1": "mon",
            "start-1": "10:00",
            "end-1": "11:00",
            "label-1": "Year 7 maths",
            "day-2": "wed",
            "start-2": "9:30",
            "end-2": "10:30",
            # Spring term from 4 January to Friday 15 January: the second week is a holiday.
            "term1-start-day": "4",
            "term1-start-month": "1",
            "term1-start-year": "2027",
            "term1-end-day": "15",
            "term1-end-month": "1",
            "term1-end-year": "2027",
        },
    )

    assert response.status_code == 303, response.text
    saved = await open_page(client, response.headers["location"])
    assert "Weekly teaching times" in saved.text
    assert "Monday 11 January 2027, 10am to 11am: Year 7 maths (Your timetable)" in saved.text
    assert "Wednesday 13 January 2027, 9:30am to 10:30am" in saved.text
    assert "Monday 18 January 2027" not in saved.text


async def test_an_end_before_the_start_is_explained_by_the_end_field(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await submit(
        client,
        page,
        "Save teaching times",
        **{"day-2": "tue", "start-2": "11:00", "end-2": "10:00"},
    )

    assert response.status_code == 400
    error = Page(response.text)
    assert error.error_summary() == [("#end-2", "End time must be after the start time")]
    # What was typed is shown again.
    assert error.find_all("input", id="start-2")[0].attrs["value"] == "11:00"


async def test_a_label_with_a_control_character_is_explained_by_its_field(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await submit(
        client,
        page,
        "Save teaching times",
        **{"day-1": "mon", "start-1": "10:00", "end-1": "11:00", "label-1": "Year 7\x07maths"},
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#label-1", "The label must be text on one line, without special characters")
    ]


async def test_a_calendar_address_with_a_control_character_is_refused_by_the_field(
    client, world, mail_dir
):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await submit(
        client, page, "Link calendar", calendar_url="https://calendar.example.org/a\x01.ics"
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == [
        ("#calendar_url", "Enter the web address of your calendar")
    ]


async def test_a_private_calendar_address_is_refused_by_the_field(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await submit(
        client, page, "Link calendar", calendar_url="http://127.0.0.1/timetable.ics"
    )

    assert response.status_code == 400
    assert [href for href, _ in Page(response.text).error_summary()] == ["#calendar_url"]


async def test_removing_the_timetable_clears_the_busy_times(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    await upload(client, await open_page(client, "/my/timetable"), ICS)
    page = await open_page(client, "/my/timetable")

    response = await submit(client, page, "Remove timetable")

    assert response.status_code == 303
    removed = await open_page(client, response.headers["location"])
    assert "Your timetable is removed" in removed.text
    assert "No busy times in the next 2 weeks." in removed.text
    assert "Remove timetable" not in removed.buttons()


async def test_a_body_far_over_the_limit_is_a_413_page(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await upload(client, page, ICS + b" " * (3 * 1024 * 1024))

    assert response.status_code == 413
    assert Page(response.text).h1 == "The file you sent is too big"


async def test_a_linked_calendar_is_fetched_and_shows_its_busy_times(permissive, mail_dir):
    await sign_in(permissive, mail_dir, ADA)
    page = await open_page(permissive, "/my/timetable")
    routes = Routes({"/cal.ics": (200, {"Content-Type": "text/calendar"}, ICS)})

    with serve(routes) as base:
        response = await submit(permissive, page, "Link calendar", calendar_url=f"{base}/cal.ics")

    assert response.status_code == 303, response.text
    saved = await open_page(permissive, response.headers["location"])
    assert f"A linked calendar: {base}/cal.ics" in saved.text
    assert "Tuesday 12 January 2027, 10am to 11am: Year 9 science" in saved.text


async def test_week_a_and_b_times_and_inset_days_are_saved_and_shown_again(client, world, mail_dir):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")
    assert [o.text for o in page.find_all("select", id="week-1")[0].find_all("option")] == [
        "Every week",
        "Week A",
        "Week B",
    ]

    response = await submit(
        client,
        page,
        "Save teaching times",
        **{
            "day-1": "mon",
            "start-1": "10:00",
            "end-1": "11:00",
            "label-1": "Maths A",
            "week-1": "a",
            "day-2": "mon",
            "start-2": "13:00",
            "end-2": "14:00",
            "label-2": "Art B",
            "week-2": "b",
            "day-3": "tue",
            "start-3": "09:00",
            "end-3": "10:00",
            "label-3": "Tutor",
            # Monday 11 January 2027 (the tests' first day) is in week A.
            "week_a-day": "11",
            "week_a-month": "1",
            "week_a-year": "2027",
            "inset_days": "19/1/2027",
        },
    )

    assert response.status_code == 303, response.text
    saved = await open_page(client, response.headers["location"])
    assert "Monday 11 January 2027, 10am to 11am: Maths A" in saved.text
    assert "Monday 18 January 2027, 1pm to 2pm: Art B" in saved.text
    assert "Monday 18 January 2027, 10am" not in saved.text
    assert "Monday 11 January 2027, 1pm" not in saved.text
    assert "Tuesday 12 January 2027, 9am to 10am: Tutor" in saved.text
    assert "Tuesday 19 January 2027" not in saved.text  # the INSET day
    # The form holds the saved timetable, to change and save again.
    assert saved.find_all("input", id="label-2")[0].attrs["value"] == "Art B"
    options = saved.find_all("select", id="week-2")[0].find_all("option")
    assert [o.attrs["value"] for o in options if "selected" in o.attrs] == ["b"]
    assert saved.find_all("input", id="week_a")[0].attrs["value"] == "11"
    assert saved.find_all("input", id="inset_days")[0].attrs["value"] == "19/1/2027"
    check_structure(saved, "after saving weeks A and B")


@pytest.mark.parametrize(
    ("fields", "summary"),
    [
        ({"week-1": "a"},
         [("#week_a", "Enter the date week A starts, as you teach some times in one week")]),
        ({"week-1": "a", "week_a-day": "12", "week_a-month": "1", "week_a-year": "2027"},
         [("#week_a", "The date week A starts must be a Monday")]),
        ({"inset_days": "31/2/2027"},
         [("#inset_days", "INSET days must be real dates, like 3/2/2027")]),
    ],
)  # fmt: skip
async def test_week_a_and_inset_mistakes_are_explained_by_their_fields(
    client, world, mail_dir, fields, summary
):
    await sign_in(client, mail_dir, ADA)
    page = await open_page(client, "/my/timetable")

    response = await submit(
        client,
        page,
        "Save teaching times",
        **{"day-1": "mon", "start-1": "10:00", "end-1": "11:00"} | fields,
    )

    assert response.status_code == 400
    assert Page(response.text).error_summary() == summary
