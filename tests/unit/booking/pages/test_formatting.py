from __future__ import annotations

from datetime import UTC, datetime

from booking.pages.formatting import clock_time, places_text, session_when


def test_times_read_the_gov_uk_way():
    assert clock_time(datetime(2027, 1, 1, 9, 0, tzinfo=UTC)) == "9am"
    assert clock_time(datetime(2027, 1, 1, 9, 30, tzinfo=UTC)) == "9:30am"
    assert clock_time(datetime(2027, 1, 1, 12, 0, tzinfo=UTC)) == "midday"
    assert clock_time(datetime(2027, 1, 1, 0, 0, tzinfo=UTC)) == "12am"
    assert clock_time(datetime(2027, 1, 1, 17, 15, tzinfo=UTC)) == "5:15pm"


def test_a_session_is_shown_in_its_venues_wall_clock_time_across_dst():
    # 29 March 2027: BST has begun, so 08:00 UTC is 9am in London.
    starts, ends = datetime(2027, 3, 29, 8, 0, tzinfo=UTC), datetime(2027, 3, 29, 10, 0, tzinfo=UTC)

    assert session_when(starts, ends, "Europe/London") == "Monday 29 March 2027, 9am to 11am"
    assert session_when(starts, ends, "Europe/Paris") == (
        "Monday 29 March 2027, 10am to midday (Europe/Paris time)"
    )


def test_a_session_past_midnight_names_both_days():
    starts, ends = datetime(2027, 1, 4, 22, 0, tzinfo=UTC), datetime(2027, 1, 5, 1, 0, tzinfo=UTC)

    assert session_when(starts, ends, "Europe/London") == (
        "Monday 4 January 2027, 10pm to Tuesday 5 January 2027, 1am"
    )


def test_places_left_or_the_waitlist():
    assert places_text(2) == "2 places left"
    assert places_text(1) == "1 place left"
    assert places_text(0) == "No places left: join the waitlist"
