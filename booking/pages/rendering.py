"""The Jinja environment and the one way a page handler answers with HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from booking.auth import current_actor
from booking.pages.csrf import FIELD, csrf_token

SERVICE_NAME = "Book SEND training"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def environment() -> Environment:
    # StrictUndefined: a misspelt name fails the test that renders it instead of printing "".
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(service_name=SERVICE_NAME, csrf_field=FIELD)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


@dataclass(slots=True)
class FormErrors:
    """Field id -> message, in the order the fields appear (the error summary's order)."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.messages.setdefault(field_id, message)

    def __bool__(self) -> bool:
        return bool(self.messages)


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    title: str,
    errors: FormErrors | None = None,
    status_code: int = 200,
    **context: Any,  # noqa: ANN401 - whatever the template shows
) -> Template:
    """A page titled "<title>", an en dash, then "Book SEND training"; "Error: " goes first
    when a form has errors (the GOV.UK pattern)."""
    return Template(
        template_name=template,
        context={
            "title": title,
            "errors": (errors or FormErrors()).messages,
            "actor": current_actor(request),
            "csrf_token": csrf_token(request),
            "nav": "",
            **context,
        },
        status_code=status_code,
    )
