"""/school: a school lead's page (docs/contract.md, Pages (additions)): the staff with trained /
booked / waiting, adding staff, booking several staff on a cohort at once with per-person results,
approvals with the cover each needs, and progress. Every action is the API's own service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.errors import ConflictError, DomainError, NotFoundError
from booking.models import JobRole, Role
from booking.pages.account import JOB_ROLE_LABELS
from booking.pages.catalogue import Catalogue
from booking.pages.formatting import HOME_ZONE, session_when
from booking.pages.my_bookings import runtime_of
from booking.pages.rendering import FormErrors, page
from booking.pages.sign_in import check_email, form_text
from booking.pages.training import signed_in
from booking.pages.views import COVER
from booking.schemas.bookings import BulkBookingCreate, BulkResult
from booking.schemas.schools import StaffAdd
from booking.services.actor import Actor
from booking.services.approvals import ApprovalService
from booking.services.bulk_bookings import BulkBookingService
from booking.services.progress import ProgressService
from booking.services.school_staff import StaffService
from booking.services.schools import SchoolService

Db = NamedDependency[AsyncSession]
DONE = {
    "added": "The person has been added to your staff",
    "approved": "The booking is approved",
    "rejected": "The booking is rejected and the place released",
}
OUTCOMES = {
    "confirmed": "Booked",
    "waitlisted": "On the waitlist",
    "pending_approval": "Waiting for approval",
    "already_booked": "Not booked: already booked or waiting",
    "booking_clash": "Not booked: booked on another session at the same time",
    "timetable_clash": "Not booked: the session clashes with their timetable",
    "waitlist_full": "Not booked: the course and its waitlist are full",
    "forbidden": "Not booked: not one of your staff",
    "not_found": "Not booked: no such person",
}
OPEN_COHORTS = 100


def school_lead(request: Request[Any, Any, Any]) -> Actor:
    actor = signed_in(request)
    if actor.role is not Role.SCHOOL_LEAD or actor.school_id is None:
        raise NotFoundError("only school leads have a school page")
    return actor


@dataclass(frozen=True, slots=True)
class Services:
    schools: SchoolService
    staff: StaffService
    approvals: ApprovalService
    progress: ProgressService
    bulk: BulkBookingService

    @classmethod
    def on(cls, clock: Clock) -> Services:
        return cls(
            SchoolService(clock),
            StaffService(clock),
            ApprovalService(clock),
            ProgressService(clock),
            BulkBookingService(clock),
        )


def services(request: Request[Any, Any, Any]) -> Services:
    return Services.on(runtime_of(request).clock)


class SchoolPages(Controller):
    path = "/school"

    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Template:
        actor = school_lead(request)
        done = DONE.get(request.query_params.get("done", ""), "")
        return await school_page(request, db_session, catalogue, actor, done=done)

    @post("/staff")
    async def add_staff(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Template | Redirect:
        """POST /api/v1/schools/{id}/staff."""
        actor = school_lead(request)
        form = await request.form()
        errors = FormErrors()
        name, email, job_role = (form_text(form, k) for k in ("name", "email", "job_role"))
        if not name:
            errors.add("name", "Enter their name")
        check_email(email, errors)
        if job_role and job_role not in JobRole.__members__.values():
            errors.add("job_role", "Select their job role")
        if not errors:
            try:
                await services(request).staff.add(
                    db_session,
                    actor,
                    str(actor.school_id),
                    StaffAdd(
                        email=email, name=name, job_role=JobRole(job_role) if job_role else None
                    ),
                )
            except ConflictError:
                errors.add(
                    "email",
                    "This person is at another school. They can change their school on their "
                    "account page",
                )
            except DomainError:
                errors.add(
                    "name", "Name must be 200 characters or fewer, without special characters"
                )
        if errors:
            typed = {"name": name, "email": email, "job_role": job_role}
            return await school_page(
                request, db_session, catalogue, actor, errors=errors, typed=typed, status_code=400
            )
        return Redirect("/school?done=added", status_code=303)

    @post("/book")
    async def book_staff(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Template:
        """POST /api/v1/cohorts/{id}/bookings/bulk, with the results on the page."""
        actor = school_lead(request)
        form = await request.form()
        errors = FormErrors()
        cohort_id = form_text(form, "cohort_id")
        teacher_ids = [v for v in form.getall("teacher_ids", []) if isinstance(v, str) and v]
        if not cohort_id:
            errors.add("cohort_id", "Select a course")
        if not teacher_ids:
            errors.add("teacher_ids", "Select at least one person")
        results: list[BulkResult] = []
        if not errors:
            try:
                read = await services(request).bulk.book(
                    db_session,
                    actor,
                    cohort_id,
                    BulkBookingCreate(
                        teacher_ids=teacher_ids[:200],
                        accept_clashes=form_text(form, "accept_clashes") == "yes",
                    ),
                    None,
                )
                results = read.results
            except DomainError as exc:
                errors.add("cohort_id", f"{exc.detail[0].upper()}{exc.detail[1:]}")
        return await school_page(
            request,
            db_session,
            catalogue,
            actor,
            errors=errors,
            results=results,
            status_code=400 if errors else 200,
        )

    @post("/approvals/{booking_id:str}/approve")
    async def approve(
        self, request: Request[Any, Any, Any], booking_id: FromPath[str], db_session: Db
    ) -> Redirect:
        actor = school_lead(request)
        await services(request).approvals.approve(db_session, actor, booking_id)
        return Redirect("/school?done=approved", status_code=303)

    @post("/approvals/{booking_id:str}/reject")
    async def reject(
        self, request: Request[Any, Any, Any], booking_id: FromPath[str], db_session: Db
    ) -> Redirect:
        actor = school_lead(request)
        form = await request.form()
        reason = form_text(form, "reason") or "Your school could not release you for these dates"
        await services(request).approvals.reject(db_session, actor, booking_id, reason[:2000])
        return Redirect("/school?done=rejected", status_code=303)


async def school_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    catalogue: Catalogue,
    actor: Actor,
    *,
    done: str = "",
    errors: FormErrors | None = None,
    typed: dict[str, str] | None = None,
    results: list[BulkResult] | None = None,
    status_code: int = 200,
) -> Template:
    school_id = str(actor.school_id)
    found = services(request)
    school = await found.schools.get(db_session, school_id)
    staff = (await found.staff.list(db_session, actor, school_id)).items
    names = {p.id: p.name or p.email for p in staff}
    approvals = (await found.approvals.list(db_session, actor, school_id)).items
    progress = await found.progress.school(db_session, actor, school_id)
    cohorts = await catalogue.cohorts.search(
        db_session,
        hub_id=None,
        course_id=None,
        need_area=None,
        start=runtime_of(request).clock.now(),
        end=None,
        has_seats=None,
        clash_free_for=None,
        limit=OPEN_COHORTS,
        cursor=None,
    )
    return page(
        request,
        "school.html",
        title=school.name,
        nav="school",
        errors=errors,
        status_code=status_code,
        done=done,
        school=school,
        staff=staff,
        progress=progress,
        approvals=[
            {
                "booking_id": a.booking.id,
                "name": a.teacher.name or a.teacher.email,
                "course": a.course_title,
                "sessions": [
                    (session_when(s.starts_at, s.ends_at, HOME_ZONE), COVER[s.during_school_day])
                    for s in a.sessions
                ],
                "cover": a.sessions_during_school_day,
            }
            for a in approvals
        ],
        cohorts=[
            (
                c.id,
                f"{c.course_title}, "
                + (
                    session_when(c.sessions[0].starts_at, c.sessions[0].ends_at, HOME_ZONE)
                    if c.sessions
                    else "dates to follow"
                )
                + f" ({c.seats_left} {'place' if c.seats_left == 1 else 'places'} left)",
            )
            for c in cohorts.items
            if c.status.value == "published"
        ],
        results=[
            (
                names.get(r.teacher_id, r.teacher_id),
                OUTCOMES.get(
                    r.booking.status.value if r.booking else (r.problem.code if r.problem else ""),
                    "Not booked",
                ),
            )
            for r in results or []
        ],
        typed=typed or {"name": "", "email": "", "job_role": ""},
        job_roles=[("", "Not given"), *((r.value, label) for r, label in JOB_ROLE_LABELS.items())],
    )
