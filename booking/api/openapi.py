"""Corrections to what Litestar writes in the OpenAPI document for a handler."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIType, Operation, RequestBody, Schema


@dataclass
class OptionalJsonBody(Operation):
    """A body that may be left out (its defaults apply) but, when sent, is an object: Litestar
    would document `data: X | None = None` as a required body that may be `null`, and a `null`
    body is refused (docs/contract.md, Input rules)."""

    def __post_init__(self) -> None:
        body = self.request_body
        if not isinstance(body, RequestBody):
            return
        body.required = False
        for media in body.content.values():
            if isinstance(media.schema, Schema) and media.schema.one_of:
                kept = [s for s in media.schema.one_of if not _is_null(s)]
                media.schema = kept[0] if len(kept) == 1 else Schema(one_of=kept)


def _is_null(schema: object) -> bool:
    return isinstance(schema, Schema) and schema.type == OpenAPIType.NULL
