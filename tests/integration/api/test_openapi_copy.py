"""docs/openapi.json is the document the app serves at /schema/openapi.json, so the committed
copy of the contract (docs/contract.md) cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

from tools.export_openapi import COMMAND, render

COPY = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


async def test_the_committed_openapi_copy_is_what_the_app_serves(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    served = render(response.json())
    committed = COPY.read_text(encoding="utf-8") if COPY.exists() else ""
    assert committed == served, (
        f"docs/openapi.json differs from what the app serves at /schema/openapi.json; "
        f"regenerate it with `{COMMAND}` and commit it"
    )
