"""Write docs/openapi.json: the OpenAPI document the app serves at /schema/openapi.json.

    uv run python tools/export_openapi.py           # write docs/openapi.json
    uv run python tools/export_openapi.py --check   # exit 1 if the committed copy is stale

The document is built from the app's routes as the service builds it (no server, no database,
no settings from the environment) and encoded as the service encodes it, then written with
sorted keys, two-space indents and a final newline, so the same app always gives the same
bytes and a change shows as a readable diff. tests/integration/api/test_openapi_copy.py fails
when the committed copy is not what the app serves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from litestar.serialization import encode_json

from booking.app import create_app
from booking.settings import Settings

TARGET = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
COMMAND = "uv run python tools/export_openapi.py"


def render(document: dict[str, Any]) -> str:
    """The one canonical text of a document: what the file holds and what the test compares."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def served_document() -> dict[str, Any]:
    """The document as /schema/openapi.json answers it (examples held as Structs become JSON
    the way the service's encoder writes them)."""
    app = create_app(Settings(), background=False)
    document: dict[str, Any] = json.loads(encode_json(app.openapi_schema.to_schema()))
    return document


def main(argv: list[str]) -> int:
    text = render(served_document())
    if argv == ["--check"]:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.name} is stale; run: {COMMAND}", file=sys.stderr)  # noqa: T201
            return 1
        return 0
    if argv:
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)  # noqa: T201
        return 2
    TARGET.write_text(text, encoding="utf-8")
    print("wrote docs/openapi.json")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
