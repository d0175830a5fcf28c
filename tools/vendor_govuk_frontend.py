"""Vendor GOV.UK Frontend's built CSS and JS into booking/pages/static/govuk.

    uv run python tools/vendor_govuk_frontend.py 5.14.0

Needs npm (only here: CI and the container serve the committed files and never run npm). It
packs the pinned release, keeps `dist/govuk/govuk-frontend.min.{css,js}` and rewrites them in
two ways, both because this is not a GOV.UK domain:

- the `@font-face` rules for GDS Transport go: the font may only be used on GOV.UK, so we do not
  ship it, and without the rules browsers fall back to the stack's Arial with no failed requests;
- the trailing source-map comments go, since the maps are not shipped.

No image from `dist/govuk/assets` is shipped: every one is the crown or the royal crest.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "booking" / "pages" / "static" / "govuk"
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
SOURCE_MAP = re.compile(r"\n?/[/*]# sourceMappingURL=[^\n]*\s*$")


def main(version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603 - a fixed command with a version the caller chose
            ["npm", "pack", f"govuk-frontend@{version}", "--silent"],  # noqa: S607 - npm from PATH
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        archive = Path(tmp) / f"govuk-frontend-{version}.tgz"
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        dist = Path(tmp) / "package" / "dist" / "govuk"
        css = FONT_FACE.sub("", (dist / "govuk-frontend.min.css").read_text())
        js = (dist / "govuk-frontend.min.js").read_text()
        TARGET.mkdir(parents=True, exist_ok=True)
        (TARGET / "govuk-frontend.min.css").write_text(SOURCE_MAP.sub("\n", css))
        (TARGET / "govuk-frontend.min.js").write_text(SOURCE_MAP.sub("\n", js))
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (TARGET / "VERSION").write_text(f"govuk-frontend {version}\nnpm tarball sha256 {digest}\n")
    print(f"vendored govuk-frontend {version} into {TARGET}")  # noqa: T201 - a script's report


if __name__ == "__main__":
    if len(sys.argv) != 2:  # noqa: PLR2004 - one argument
        sys.exit("usage: vendor_govuk_frontend.py VERSION")
    main(sys.argv[1])
