"""/schema is served from our own pinned assets
(docs/contract.md: it works with no internet access)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import booking.pages

SWAGGER = Path(booking.pages.__file__).parent / "static" / "swagger-ui"


def recorded_digests() -> dict[str, str]:
    lines = (SWAGGER / "VERSION").read_text().splitlines()
    return {
        name: digest
        for name, _, digest in (line.rpartition(" sha256 ") for line in lines[1:])
        if name and not name.startswith("npm ")
    }


def test_the_vendored_files_are_the_ones_recorded():
    digests = recorded_digests()
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"} <= digests.keys()
    for name, digest in digests.items():
        assert hashlib.sha256((SWAGGER / name).read_bytes()).hexdigest() == digest, name


async def test_the_docs_page_loads_only_our_own_assets_and_no_inline_script(client):
    response = await client.get("/schema")
    assert response.status_code == 200
    html = response.text
    assert not re.search(r"https?://", html)  # nothing from another origin
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts
    assert all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) == 3
    for asset in assets:
        assert (await client.get(asset)).status_code == 200, asset
    assert 'data-url="/schema/openapi.json"' in html
