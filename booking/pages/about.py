"""The footer's pages: the privacy notice, the accessibility statement, and how to reach a hub."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.pages.catalogue import Catalogue
from booking.pages.rendering import page


class AboutPages(Controller):
    @get("/privacy")
    async def privacy(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "privacy.html", title="Privacy notice")

    @get("/accessibility")
    async def accessibility(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "accessibility.html", title="Accessibility statement")

    @get("/contact")
    async def contact(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        return page(
            request,
            "contact.html",
            title="Contact a hub",
            hubs=await catalogue.hub_contacts(db_session),
        )
