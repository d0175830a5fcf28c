"""/hub/cohorts/{id}/trainer and /capacity: give a cohort to another trainer of the hub (a
refusal names each session the new trainer cannot take), or change its number of places (a
rise offers the new places to the waitlist), through CohortService.update."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import (
    CapacityBelowBookingsError,
    CapacityExceedsVenueError,
    ConflictError,
    ValidationError,
)
from booking.pages.catalogue import Catalogue
from booking.pages.formatting import session_when
from booking.pages.hub import hub_staff
from booking.pages.hub_cohorts import cohort_page
from booking.pages.hub_forms import number, text
from booking.pages.rendering import FormErrors
from booking.schemas.cohorts import CohortUpdate

Db = NamedDependency[AsyncSession]
MAX_CAPACITY = 10_000


class HubCohortChangePages(Controller):
    path = "/hub/cohorts"

    @post("/{cohort_id:str}/trainer")
    async def change_trainer(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        actor = hub_staff(request)
        form, errors, status = await request.form(), FormErrors(), 400
        cohort = await catalogue.cohorts.get(db_session, actor, cohort_id)
        trainer_id = text(form, "new_trainer", 64)
        if not trainer_id:
            errors.add("new_trainer", "Select a trainer")
        elif trainer_id != cohort.trainer_id:
            try:
                await catalogue.cohorts.update(
                    db_session, actor, cohort_id, CohortUpdate(trainer_id=trainer_id)
                )
            except ValidationError:
                errors.add("new_trainer", "Select a trainer of this hub")
            except ConflictError as exc:
                context = await catalogue.cohort(db_session, actor, cohort_id)
                errors.add("new_trainer", trainer_refusal(exc, context["zone"]))
                status = exc.status
        if errors:
            return await cohort_page(
                request,
                db_session,
                catalogue,
                actor,
                cohort_id,
                errors=errors,
                typed=form,
                status_code=status,
            )
        return Redirect(f"/hub/cohorts/{cohort_id}?done=trainer", status_code=303)

    @post("/{cohort_id:str}/capacity")
    async def change_capacity(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        actor = hub_staff(request)
        form, errors, status = await request.form(), FormErrors(), 400
        capacity = number(text(form, "new_capacity", 8), "new_capacity", "number of places", errors)
        if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
            errors.add("new_capacity", "The number of places must be between 1 and 10,000")
        if not errors and capacity is not None:
            try:
                await catalogue.cohorts.update(
                    db_session, actor, cohort_id, CohortUpdate(capacity=capacity)
                )
            except ConflictError as exc:
                message = next(
                    (m for t, m in CAPACITY_REFUSALS.items() if isinstance(exc, t)), exc.title
                )
                errors.add("new_capacity", message)
                status = exc.status
            else:
                return Redirect(f"/hub/cohorts/{cohort_id}?done=capacity", status_code=303)
        return await cohort_page(
            request,
            db_session,
            catalogue,
            actor,
            cohort_id,
            errors=errors,
            typed=form,
            status_code=status,
        )


CAPACITY_REFUSALS: dict[type[Exception], str] = {
    CapacityBelowBookingsError: "There are more people booked or offered a place than that",
    CapacityExceedsVenueError: "A venue of this cohort holds fewer people than that",
}


def trainer_refusal(exc: ConflictError, zone: str) -> str:
    """Each session the new trainer cannot take, and why."""
    named = []
    for c in exc.extra.get("conflicts", []):
        when = session_when(c.starts_at, c.ends_at, zone)
        if c.kind == "availability":
            named.append(f"they are not available for the session on {when}")
        else:
            named.append(f"they are teaching {c.course_title} on {when}")
    if not named:
        return exc.title
    return "The trainer cannot take this cohort: " + "; ".join(named)
