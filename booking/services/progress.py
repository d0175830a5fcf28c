"""How far a school's staff are trained, for the school and for its hub
(docs/contract.md, Schools and staff: trained = marked attended at every session of some cohort;
booked = a confirmed seat in a cohort not yet finished; waiting = waitlisted, offered or pending
approval)."""

from __future__ import annotations

import csv
import io
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.errors import ForbiddenError
from booking.models import Role, School
from booking.repositories import school_staff as staff_repo
from booking.repositories import schools as school_repo
from booking.schemas.schools import (
    HubProgress,
    HubSchoolProgress,
    JobRoleProgress,
    SchoolBrief,
    SchoolProgress,
)
from booking.services.actor import Actor
from booking.services.hubs import load_hub
from booking.services.roster import csv_safe
from booking.services.schools import load_school

HUB_CSV_COLUMNS = ["urn", "school", "local_authority", "staff", "trained", "booked"]
NO_JOB_ROLE = "unknown"


def is_hub_staff(actor: Actor, hub_id: str | None) -> bool:
    """Admins, and the hub_admins and trainers of `hub_id`."""
    return actor.is_admin or (
        hub_id is not None
        and actor.role in {Role.HUB_ADMIN, Role.TRAINER}
        and actor.hub_id == hub_id
    )


class ProgressService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def school(
        self, db_session: AsyncSession, actor: Actor, school_id: str
    ) -> SchoolProgress:
        """Its school_leads, the staff of its hub, admins."""
        school = await load_school(db_session, school_id)
        if not (actor.leads_school(school.id) or is_hub_staff(actor, school.hub_id)):
            raise ForbiddenError("only this school's leads, its hub's staff and admins")
        people = await staff_repo.staff_of(db_session, school.id)
        ids = [p.id for p in people]
        trained = await staff_repo.trained(db_session, ids)
        booked = await staff_repo.booked_ahead(db_session, ids, self.clock.now())
        waiting = await staff_repo.waiting(db_session, ids)
        staff_by_role: Counter[str] = Counter()
        trained_by_role: Counter[str] = Counter()
        for person in people:
            role = person.job_role.value if person.job_role else NO_JOB_ROLE
            staff_by_role[role] += 1
            trained_by_role[role] += person.id in trained
        return SchoolProgress(
            staff=len(ids),
            trained=len(trained),
            booked=len(booked),
            waiting=len(waiting),
            not_started=len(set(ids) - trained - booked - waiting),
            by_job_role={
                role: JobRoleProgress(staff=n, trained=trained_by_role[role])
                for role, n in sorted(staff_by_role.items())
            },
        )

    async def hub(self, db_session: AsyncSession, actor: Actor, hub_id: str) -> HubProgress:
        """Every school of the hub, by name (its staff and admins)."""
        hub = await load_hub(db_session, hub_id)
        if not is_hub_staff(actor, hub.id):
            raise ForbiddenError("only this hub's staff and admins")
        schools = await school_repo.schools_of_hub(db_session, hub.id)
        pairs = await staff_repo.staff_of_schools(db_session, [s.id for s in schools])
        ids = [user_id for _, user_id in pairs]
        trained = await staff_repo.trained(db_session, ids)
        booked = await staff_repo.booked_ahead(db_session, ids, self.clock.now())
        counts: dict[str, Counter[str]] = {s.id: Counter() for s in schools}
        for school_id, user_id in pairs:
            counts[school_id]["staff"] += 1
            counts[school_id]["trained"] += user_id in trained
            counts[school_id]["booked"] += user_id in booked
        return HubProgress(
            items=[
                HubSchoolProgress(
                    school=brief(s),
                    staff=counts[s.id]["staff"],
                    trained=counts[s.id]["trained"],
                    booked=counts[s.id]["booked"],
                )
                for s in schools
            ]
        )

    async def hub_csv(self, db_session: AsyncSession, actor: Actor, hub_id: str) -> str:
        progress = await self.hub(db_session, actor, hub_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HUB_CSV_COLUMNS)
        for item in progress.items:
            writer.writerow(
                [
                    item.school.urn,
                    csv_safe(item.school.name),
                    csv_safe(item.school.local_authority),
                    item.staff,
                    item.trained,
                    item.booked,
                ]
            )
        return out.getvalue()


def brief(school: School) -> SchoolBrief:
    return SchoolBrief(
        id=school.id, urn=school.urn, name=school.name, local_authority=school.local_authority
    )
