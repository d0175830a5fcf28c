"""Vendor Swagger UI's built bundle into booking/pages/static/swagger-ui, for /schema.

    uv run python tools/vendor_swagger_ui.py 5.36.0

Needs npm (only here: CI and the container serve the committed files and never run npm). It
packs the pinned release of `swagger-ui-dist`, keeps the bundle, its stylesheet and the licence
files, drops the trailing source-map comments (the maps are not shipped), and records in
`VERSION` the tarball's digests (sha256, and npm's own sha512 integrity) and the sha256 of
each file shipped, which tests/unit/booking/test_api_docs.py checks.

Why vendored: /schema used to load Scalar from a CDN, unpinned and without an integrity check,
on the service's own origin, so it was blank without internet access and a compromised CDN
could have acted as any signed-in visitor. Swagger UI needs no inline script (our own
/static/schema.js starts it) and no request anywhere else.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "booking" / "pages" / "static" / "swagger-ui"
SHIPPED = (
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "LICENSE",
    "NOTICE",
    "swagger-ui-bundle.js.LICENSE.txt",
)
SOURCE_MAP = re.compile(r"\n?/[/*]# sourceMappingURL=[^\n]*\s*$")


def main(version: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        packed = subprocess.run(  # noqa: S603 - a fixed command with a version the caller chose
            ["npm", "pack", f"swagger-ui-dist@{version}", "--json"],  # noqa: S607 - npm from PATH
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        integrity = json.loads(packed.stdout)[0]["integrity"]
        archive = Path(tmp) / f"swagger-ui-dist-{version}.tgz"
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "package"
        TARGET.mkdir(parents=True, exist_ok=True)
        lines = [
            f"swagger-ui-dist {version}",
            f"npm tarball sha256 {hashlib.sha256(archive.read_bytes()).hexdigest()}",
            f"npm tarball integrity {integrity}",
        ]
        for name in SHIPPED:
            text = (package / name).read_text(encoding="utf-8")
            if name.endswith((".js", ".css")):
                text = SOURCE_MAP.sub("\n", text)
            (TARGET / name).write_text(text, encoding="utf-8")
            digest = hashlib.sha256((TARGET / name).read_bytes()).hexdigest()
            lines.append(f"{name} sha256 {digest}")
    (TARGET / "VERSION").write_text("\n".join(lines) + "\n")
    print(f"vendored swagger-ui-dist {version} into {TARGET}")  # noqa: T201 - a script's report


if __name__ == "__main__":
    if len(sys.argv) != 2:  # noqa: PLR2004 - one argument
        sys.exit("usage: vendor_swagger_ui.py VERSION")
    main(sys.argv[1])
