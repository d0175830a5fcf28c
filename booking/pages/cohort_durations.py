"""The create-cohort form's durations, chosen in words
(docs/contract.md, Pages: never typed as ISO 8601).

Each choice is (form value, words, ISO 8601 duration the API takes). The form posts the value;
the handler maps it to the duration, so a value not offered here is refused next to its field.
"""

from __future__ import annotations

from typing import Any

import msgspec

from booking.pages.hub_forms import text
from booking.pages.rendering import FormErrors
from booking.schemas.cohorts import CohortCreate

Choice = tuple[str, str, str]

OFFER_TTL: tuple[Choice, ...] = (
    ("12-hours", "12 hours", "PT12H"),
    ("24-hours", "24 hours", "PT24H"),
    ("48-hours", "48 hours", "PT48H"),
    ("72-hours", "72 hours", "PT72H"),
    ("1-week", "1 week", "P7D"),
)
PROMOTION_CUTOFF: tuple[Choice, ...] = (
    # Zero: freed places go to the waitlist right up to the start.
    ("none", "Do not stop: keep filling places until the start", "PT0S"),
    ("2-hours", "2 hours before", "PT2H"),
    ("12-hours", "12 hours before", "PT12H"),
    ("24-hours", "24 hours before", "PT24H"),
    ("48-hours", "48 hours before", "PT48H"),
)
REMINDER_OFFSETS: tuple[Choice, ...] = (
    ("1-week", "1 week before", "P7D"),
    ("2-days", "2 days before", "P2D"),
    ("1-day", "1 day before", "P1D"),
    ("2-hours", "2 hours before", "PT2H"),
)
APPROVAL_TTL: tuple[Choice, ...] = (
    ("1-day", "1 day", "P1D"),
    ("2-days", "2 days", "P2D"),
    ("3-days", "3 days", "P3D"),
    ("5-days", "5 days", "P5D"),
    ("7-days", "7 days", "P7D"),
)
SELECTS = {
    "offer_ttl": OFFER_TTL,
    "promotion_cutoff": PROMOTION_CUTOFF,
    "approval_ttl": APPROVAL_TTL,
}
MESSAGES = {
    "offer_ttl": "Select how long an offer lasts from the list",
    "promotion_cutoff": "Select when to stop filling places from the waitlist from the list",
    "approval_ttl": "Select how long a school lead has to approve from the list",
    "reminder_offsets": "Select reminders from the list",
}


def options(choices: tuple[Choice, ...]) -> list[tuple[str, str]]:
    """(value, words) for a select or a checkbox group."""
    return [(value, words) for value, words, _ in choices]


def defaults() -> dict[str, str]:
    """The form as first shown: the API's own defaults (CohortCreate), preselected, so a hub
    that changes nothing gets what the JSON API would give."""
    fields = {f.name: f for f in msgspec.structs.fields(CohortCreate)}
    chosen = {
        name: next(value for value, _, iso in choices if iso == fields[name].default)
        for name, choices in SELECTS.items()
    }
    reminders = fields["reminder_offsets"].default_factory()
    for value, _, iso in REMINDER_OFFSETS:
        if iso in reminders:
            chosen[f"reminder_offsets-{value}"] = "yes"
    return chosen


def read(form: Any, errors: FormErrors) -> dict[str, Any]:  # noqa: ANN401 - a FormMultiDict
    """The ISO durations the chosen words stand for; a value not offered is an error next to its
    field (a forged post), and that field left out so the API's default does not hide it."""
    values: dict[str, Any] = {}
    for name, choices in SELECTS.items():
        iso = {value: iso for value, _, iso in choices}.get(text(form, name, 32))
        if iso is None:
            errors.add(name, MESSAGES[name])
        else:
            values[name] = iso
    boxes = {f"reminder_offsets-{value}": iso for value, _, iso in REMINDER_OFFSETS}
    sent = [k for k in form if isinstance(k, str) and k.startswith("reminder_offsets")]
    if any(k not in boxes or text(form, k, 8) != "yes" for k in sent):
        errors.add("reminder_offsets", MESSAGES["reminder_offsets"])
    else:
        # In the list's order, longest first, as the API's default is.
        values["reminder_offsets"] = [iso for k, iso in boxes.items() if k in sent]
    return values
