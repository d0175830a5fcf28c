"""The one way a JSON request body is read (docs/contract.md, Input rules).

Every JSON body is UTF-8, nested at most MAX_DEPTH levels and an object; anything else is a 400
before any handler sees it. The depth is measured on the raw bytes, before decoding: msgspec
decodes recursively and a body a few thousand levels deep (60 KB, under the size limit) ended in
a RecursionError, a 500 on every JSON endpoint.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

import msgspec
from litestar import Request
from litestar.types import Empty

from booking.errors import ValidationError

MAX_DEPTH = 32

# A JSON string, escapes included; brackets inside strings do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(body: bytes) -> int:
    """How deeply the arrays and objects of `body` nest (`{}` is 1), strings left out."""
    brackets = _STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def decode_object(body: bytes) -> dict[str, Any]:
    """`body` as a JSON object, or a ValidationError (400 validation_error) saying why not."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the body is not UTF-8 text") from None
    if nesting_depth(body) > MAX_DEPTH:
        raise ValidationError(f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise ValidationError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValidationError("the body must be a JSON object")
    return value


class JsonObjectRequest(Request[Any, Any, Any]):
    """Litestar reads every `data: JSONBody[...]` through `json()`: this is where the rules
    above apply to all of them at once (an empty body never gets here: it means no `data`)."""

    async def json(self) -> Any:  # noqa: ANN401 - Litestar's signature
        if self._json is Empty:
            self._json = decode_object(await self.body())
        return self._json
