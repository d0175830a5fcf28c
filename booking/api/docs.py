"""/schema: interactive API documentation from the service's own assets.

Swagger UI is vendored (booking/pages/static/swagger-ui, by tools/vendor_swagger_ui.py, pinned
with its digests recorded) and served from /static like the pages' assets: /schema works with
no internet access (docs/contract.md), and no third party's script runs on this origin, where it
could act as any signed-in visitor. The page has no inline script, so the pages' Content-Security-
Policy (booking/http_headers.py) applies to it unchanged; /static/schema.js starts Swagger UI.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

ASSETS = "/static/swagger-ui"

_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
  <noscript>
    <p>The interactive documentation needs JavaScript. The OpenAPI document is at
    <a href="{url}">{url}</a>.</p>
  </noscript>
  <main id="swagger-ui" data-url="{url}"></main>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/schema.js"></script>
</body>
</html>
"""


class VendoredSwaggerUI(OpenAPIRenderPlugin):
    """Serves the documentation page at /schema (and /schema/swagger)."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"], favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = openapi_schema.get("info", {}).get("title", "API")
        return _PAGE.format(
            title=escape(f"API \N{EN DASH} {title}"),
            assets=ASSETS,
            url=escape(self.get_openapi_json_route(request)),
        ).encode()
