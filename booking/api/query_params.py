"""Refusing query parameters a handler does not declare
(docs/contract.md, Lists and paging: lists take `limit`, `cursor` and their filters, anything else →
400).

Litestar ignores a query parameter no handler argument asks for; a misspelt filter would then
quietly widen a list. `rejects_unknown_query` answers 400 `validation_error` naming each such
parameter instead. It has a guard's signature, but the app calls it from its `before_request`
hook for every handler under /api/v1: that hook runs after the guards of every layer, so a
missing token (401) or the wrong role (403) is still answered before the 400, whether the role
guard sits on the controller or on the handler.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.constants import RESERVED_KWARGS
from litestar.enums import ParamType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import ParameterKwarg
from litestar.typing import FieldDefinition

from booking.errors import ValidationError

API_PREFIX = "/api/v1/"


def applies_to(path: str) -> bool:
    """The JSON API; not the calendar feeds, the pages, /health, /ready or /schema."""
    return f"{path}/".startswith(API_PREFIX)


def declared_query_names(handler: BaseRouteHandler, path_params: set[str]) -> set[str]:
    """The query keys the handler reads: its own arguments and those declared on its layers."""
    dependencies = handler.resolve_dependencies()
    fields: dict[str, FieldDefinition] = {
        **handler.resolve_layered_parameters(),
        **handler.parsed_fn_signature.parameters,
    }
    return {
        _alias(name, field)
        for name, field in fields.items()
        if _is_query(name, field, path_params, dependencies)
    }


def _is_query(
    name: str, field: FieldDefinition, path_params: set[str], dependencies: dict[str, Any]
) -> bool:
    # Litestar's own rule: path parameters, dependencies (NamedDependency and providers in
    # scope) and reserved names (request, state, data, ...) are never read from the query.
    if name in path_params or name in dependencies or field.is_di_field or name in RESERVED_KWARGS:
        return False
    kwarg = field.kwarg_definition
    if kwarg is None:
        return True  # an undeclared argument is a query parameter
    # QueryParameter / FromQuery, and the older Parameter(query=...) spelling.
    return isinstance(kwarg, ParameterKwarg) and kwarg.param_type is ParamType.QUERY


def _alias(name: str, field: FieldDefinition) -> str:
    kwarg = field.kwarg_definition
    if isinstance(kwarg, ParameterKwarg) and kwarg.name:
        return kwarg.name  # e.g. `from` and `to`, which are not Python names
    return name


def rejects_unknown_query(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """400 validation_error naming every query parameter the handler does not declare."""
    if not connection.query_params or connection.scope.get("method") == "OPTIONS":
        return  # a CORS preflight repeats the URL; the request itself gets the 400
    known = declared_query_names(handler, set(connection.path_params))
    unknown = sorted(set(connection.query_params) - known)
    if unknown:
        raise ValidationError(
            f"unknown query parameter: {', '.join(unknown)}",
            errors=[{"field": n, "message": "is not a parameter here"} for n in unknown],
        )
