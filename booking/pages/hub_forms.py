"""The hub's forms: typed fields read from a form, checked by the API's own schemas, and the
schema's complaint put next to the field it is about, in words."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from booking.errors import ValidationError
from booking.pages.rendering import FormErrors

T = TypeVar("T")
PATH = re.compile(r"\$\.(\w+)")


def text(form: Any, name: str, limit: int = 2000) -> str:  # noqa: ANN401 - a FormMultiDict
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def ticked(form: Any, prefix: str, values: list[str]) -> list[str]:  # noqa: ANN401
    """GOV.UK checkboxes named `<prefix>-<value>`, in the vocabulary's order."""
    return [v for v in values if text(form, f"{prefix}-{v}") == "yes"]


def number(typed: str, field_id: str, label: str, errors: FormErrors) -> int | None:
    if not typed:
        errors.add(field_id, f"Enter the {label}")
        return None
    if not typed.isdigit():
        errors.add(field_id, f"The {label} must be a whole number, like 20")
        return None
    return int(typed)


def checked(
    values: dict[str, Any], schema: type[T], errors: FormErrors, messages: dict[str, str]
) -> T | None:
    """`values` as `schema` (what the JSON API would accept), or a message next to the field."""
    try:
        return msgspec.convert(values, schema)
    except msgspec.ValidationError as exc:
        match = PATH.search(str(exc))
        field_id = match[1] if match else next(iter(messages))
        errors.add(field_id, messages.get(field_id, "Check this answer"))
        return None


def error_field(exc: ValidationError, default: str) -> str:
    """The API field a service's ValidationError names (ValidationError.field), else `default`."""
    return next((e["field"] for e in exc.errors if "field" in e), default)
