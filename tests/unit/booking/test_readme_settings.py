"""README's configuration table is the operators' reference: it must name every BOOKING_*
setting the service reads, nothing else, and state the defaults the code really has."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path

from booking.settings import _ENVIRONMENT, Settings, load_settings

README = Path(__file__).resolve().parents[3] / "README.md"
ROW = re.compile(r"^\| `(BOOKING_[A-Z_]+)` \| (.+?) \|", re.MULTILINE)
LITERAL = re.compile(r"^`([^`]*)`$")


def documented() -> dict[str, str]:
    return dict(ROW.findall(README.read_text(encoding="utf-8")))


def default_of(name: str) -> object:
    section, field = _ENVIRONMENT[name]
    value = getattr(getattr(Settings(), section), field)
    return value.value if isinstance(value, Enum) else value


def test_the_table_names_every_setting_and_only_those():
    assert sorted(documented()) == sorted(_ENVIRONMENT)


def test_every_literal_default_in_the_table_is_the_codes_default():
    """A default written as one literal must load to what Settings() has when unset."""
    checked = 0
    for name, cell in documented().items():
        literal = LITERAL.match(cell.strip())
        if literal is None:
            continue  # "unset", or prose such as "unset: generated once into …"
        loaded = load_settings({name: literal.group(1)})
        section, field = _ENVIRONMENT[name]
        value = getattr(getattr(loaded, section), field)
        value = value.value if isinstance(value, Enum) else value
        assert value == default_of(name), (name, cell)
        checked += 1
    assert checked >= 10, f"only {checked} literal defaults found: has the table changed shape?"


def test_settings_documented_as_unset_default_to_none():
    for name, cell in documented().items():
        if cell.strip() == "unset":
            assert default_of(name) is None, name
