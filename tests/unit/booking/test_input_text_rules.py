"""Every text field of every request body refuses control characters
(docs/contract.md, Input rules), so nothing stored can later fail to render in a mail, a page, a CSV
or a calendar.

The fields are found by walking every `Input` Struct, not listed by hand: a field added later
without a pattern fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Annotated

import msgspec
import msgspec.inspect as mi
import pytest

import booking.schemas
from booking.schemas.common import Input

# C0 except TAB, LF and CR; DEL; C1 (NEL U+0085 among them).
CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"]
LINE_BREAKS_AND_TAB = ["\t", "\n", "\r", "\u2028", "\u2029"]


def input_structs() -> list[type[Input]]:
    for module in pkgutil.iter_modules(booking.schemas.__path__):
        importlib.import_module(f"booking.schemas.{module.name}")
    found, todo = [], list(Input.__subclasses__())
    while todo:
        struct = todo.pop()
        found.append(struct)
        todo.extend(struct.__subclasses__())
    return sorted(found, key=lambda s: s.__name__)


def strings(
    kind: mi.Type, path: str, examples: tuple[str, ...] = ()
) -> Iterator[tuple[str, mi.StrType, tuple[str, ...]]]:
    """(path, the string type, its documented examples) for every text field inside `kind`."""
    if isinstance(kind, mi.StrType):
        yield path, kind, examples
    elif isinstance(kind, mi.Metadata):  # a Meta with a description or examples
        found = (kind.extra_json_schema or {}).get("examples", [])
        yield from strings(kind.type, path, tuple(found))
    elif isinstance(kind, mi.UnionType):
        for member in kind.types:
            yield from strings(member, path)
    elif isinstance(kind, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        yield from strings(kind.item_type, f"{path}[0]")
    elif isinstance(kind, mi.StructType):
        for field in kind.fields:
            yield from strings(field.type, f"{path}.{field.encode_name}".lstrip("."))


FIELDS = [
    (f"{struct.__name__}.{path}", kind, examples)
    for struct in input_structs()
    for path, kind, examples in strings(mi.type_info(struct), "")
]
TEXT_FIELDS = [pytest.param(kind, id=name) for name, kind, _ in FIELDS]
FORMATTED = [pytest.param(kind, examples, id=name) for name, kind, examples in FIELDS if examples]


def accepts(kind: mi.StrType, value: str) -> bool:
    meta = msgspec.Meta(
        pattern=kind.pattern, min_length=kind.min_length, max_length=kind.max_length
    )
    try:
        msgspec.convert(value, Annotated[str, meta])
    except msgspec.ValidationError:
        return False
    return True


def test_the_walk_finds_the_fields_that_matter():
    ids = {name for name, _, _ in FIELDS}
    assert {
        "CohortCancel.reason",
        "UserCreate.name",
        "VenueCreate.address",
        "AvailabilityWrite.exceptions[0].reason",
        "WeeklyTimetable.weekly[0].label",
        "CohortCreate.hub_id",
        "TokenRequest.code",
        "LinkedTimetable.url",
        "VenueCreate.timezone",
        "VenueCreate.postcode",
        "CohortCreate.offer_ttl",
        "CohortCreate.reminder_offsets[0]",
        "HubCreate.contact_email",
    } <= ids


@pytest.mark.parametrize("kind", TEXT_FIELDS)
def test_every_text_field_refuses_every_control_character(kind):
    accepted = [hex(ord(c)) for c in CONTROLS if accepts(kind, f"Ab{c}cd")]
    assert not accepted


@pytest.mark.parametrize("kind", TEXT_FIELDS)
def test_only_multi_line_fields_take_tab_and_line_breaks(kind):
    if accepts(kind, "Ab\ncd"):
        return  # a multi-line field: TAB, LF and CR are text there
    accepted = [hex(ord(c)) for c in LINE_BREAKS_AND_TAB if accepts(kind, f"Ab{c}cd")]
    assert not accepted


@pytest.mark.parametrize(("kind", "examples"), FORMATTED)
def test_a_formatted_field_refuses_its_example_with_a_control_character(kind, examples):
    """Inside or at the end of a value that is otherwise right (a postcode, a duration): a
    pattern written with `\\s` or a bare `$` lets some through."""
    assert all(accepts(kind, example) for example in examples)
    multi_line = accepts(kind, f"{examples[0]}\n{examples[0]}")
    accepted = [
        (example, hex(ord(c)))
        for example in examples
        for c in [*CONTROLS, *([] if multi_line else LINE_BREAKS_AND_TAB)]
        for value in (f"{example}{c}", f"{example[:2]}{c}{example[2:]}")
        if accepts(kind, value)
    ]
    assert not accepted
