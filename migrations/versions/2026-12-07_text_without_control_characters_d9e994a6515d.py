"""Free text stored before control characters were refused at the edge follows the same rules.

A cohort cancelled with a bell in its reason made every cancellation mail fail to compose, and
an admin's retry composes the mail again from the data as it is: so the data is put right here.
Single-line text (names, titles, regions, schools): every control character, line break and
U+2028/U+2029 becomes a space. Multi-line text (addresses, notes, summaries, reasons): a
vertical tab or form feed, which word processors paste for a line or page break, becomes a line
break; any other control character but TAB, LF and CR is dropped. Data only: nothing to undo.

Revision ID: d9e994a6515d
Revises: 5c2e7a91d4b3
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9e994a6515d"
down_revision: str | None = "5c2e7a91d4b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SINGLE_LINE = {
    "user_account": ("name", "school"),
    "hub": ("name", "region"),
    "venue": ("name",),
    "course": ("title",),
}
MULTI_LINE = {
    "venue": ("address", "travel_notes"),
    "course": ("summary",),
    "cohort": ("cancel_reason",),
    "availability_exception": ("reason",),
}
_NOT_ON_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_PAGE_OR_LINE_BREAK = re.compile(r"[\x0b\x0c]")
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def single_line(value: str) -> str:
    return _NOT_ON_ONE_LINE.sub(" ", value).strip() if _NOT_ON_ONE_LINE.search(value) else value


def multi_line(value: str) -> str:
    return _NOT_IN_TEXT.sub("", _PAGE_OR_LINE_BREAK.sub("\n", value))


def upgrade() -> None:
    connection = op.get_bind()
    for columns, clean in ((SINGLE_LINE, single_line), (MULTI_LINE, multi_line)):
        for table_name, names in columns.items():
            for name in names:
                _clean_column(connection, table_name, name, clean)


def _clean_column(
    connection: sa.Connection, table_name: str, name: str, clean: Callable[[str], str]
) -> None:
    table = sa.table(table_name, sa.column("id", sa.String), sa.column(name, sa.Text))
    rows = connection.execute(sa.select(table.c.id, table.c[name]).where(table.c[name].isnot(None)))
    cleaned = [(row_id, value, clean(value)) for row_id, value in rows]
    for row_id, _value, value in (row for row in cleaned if row[1] != row[2]):
        connection.execute(sa.update(table).where(table.c.id == row_id).values({name: value}))


def downgrade() -> None:
    """The text was only put right; there is nothing to take back."""
