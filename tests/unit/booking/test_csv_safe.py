"""CSV exports prefix ' to any cell whose first non-space character starts a formula
(docs/contract.md)."""

from __future__ import annotations

import pytest

from booking.services.roster import _csv_safe


@pytest.mark.parametrize(
    "value", ["=1+1", " =1+1", "   +1", "-2", "@SUM(A1)", "\t=1", " \t1", "\r=1", "  @x"]
)
def test_a_cell_that_a_spreadsheet_would_run_is_quoted(value):
    assert _csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["", " ", "Sam Jones", "sam@example.org", "O'Neill", "1=1"])
def test_other_cells_are_left_alone(value):
    assert _csv_safe(value) == value
