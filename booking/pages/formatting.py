"""Words and times as the pages show them (GOV.UK style: "Monday 18 January 2027", "9:30am")."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from booking.models.enums import ACCESSIBILITY_WORDS, Accessibility, NeedArea

HOME_ZONE = "Europe/London"

NEED_AREA_LABELS = {
    NeedArea.COMMUNICATION_AND_INTERACTION: "Communication and interaction",
    NeedArea.SPEECH_LANGUAGE_COMMUNICATION: "Speech, language and communication",
    NeedArea.COGNITION_AND_LEARNING: "Cognition and learning",
    NeedArea.SOCIAL_EMOTIONAL_MENTAL_HEALTH: "Social, emotional and mental health",
    NeedArea.SENSORY_AND_PHYSICAL: "Sensory and physical",
    NeedArea.VISUAL_IMPAIRMENT: "Visual impairment",
    NeedArea.HEARING_IMPAIRMENT: "Hearing impairment",
    NeedArea.ASSISTIVE_TECHNOLOGY: "Assistive technology",
    NeedArea.WORKING_WITH_PARENTS: "Working with parents",
    NeedArea.EARLY_IDENTIFICATION: "Early identification",
}


def long_date(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def clock_time(moment: datetime) -> str:
    """9am, 9:30am, midday, 5:15pm."""
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"  # noqa: PLR2004 - noon


def session_when(starts_at: datetime, ends_at: datetime, zone_name: str) -> str:
    """A session in its venue's wall-clock time; the zone is named unless it is UK time."""
    zone = ZoneInfo(zone_name)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    text = f"{long_date(start)}, {clock_time(start)} to "
    text += (
        clock_time(end) if end.date() == start.date() else f"{long_date(end)}, {clock_time(end)}"
    )
    if zone_name != HOME_ZONE:
        text += f" ({zone_name.replace('_', ' ')} time)"
    return text


def accessibility_list(values: list[str]) -> list[str]:
    """Each feature in words, first letter capital, as a list item reads best."""
    words = [ACCESSIBILITY_WORDS[Accessibility(v)] for v in values]
    return [w[0].upper() + w[1:] for w in words]


def places_text(seats_left: int) -> str:
    if seats_left <= 0:
        return "No places left: join the waitlist"
    return "1 place left" if seats_left == 1 else f"{seats_left} places left"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    teen = 10 <= number % 100 <= 20  # noqa: PLR2004 - 11th to 13th, and the tens
    suffix = "th" if teen else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def own_booking_text(status: str, waitlist_position: int | None) -> str:
    """What the cohort page says about the signed-in teacher's own booking on it."""
    if status == "confirmed":
        return "You have a place"
    if status == "offered":
        return "You have been offered a place"
    if waitlist_position is not None:
        return f"You are {ordinal(waitlist_position)} on the waitlist"
    return "You are on the waitlist"


def day_off_when(starts_at: datetime, ends_at: datetime, zone_name: str) -> str:
    """A trainer's time off: whole local days read "all day" ("Wednesday 3 February 2027, all
    day", or two dates for several days), never "12am to 12am"; anything else reads as a
    session's times do."""
    zone = ZoneInfo(zone_name)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    midnight = (0, 0)
    if (start.hour, start.minute) != midnight or (end.hour, end.minute) != midnight:
        return session_when(starts_at, ends_at, zone_name)
    last = (end - timedelta(days=1)).date()
    if last == start.date():
        return f"{long_date(start)}, all day"
    return f"{long_date(start)} to {long_date(end - timedelta(days=1))}, all day"
