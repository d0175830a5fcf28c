"""Schools: the GIAS import, the directory people search, and what admins and leads change."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import ForbiddenError, NotFoundError, UrnTakenError, ValidationError
from booking.models import Role, School
from booking.repositories import hubs as hub_repo
from booking.repositories import schools as school_repo
from booking.schemas.schools import SchoolCreate, SchoolPage, SchoolRead, SchoolUpdate
from booking.services.actor import Actor
from booking.services.gias import GiasFile
from booking.services.school_names import fold_words, search_name
from booking.services.validation import normalise_postcode

# Rows written per transaction by an import: a national file has ~50,000.
IMPORT_BATCH = 1000


def school_read(school: School) -> SchoolRead:
    return msgspec.convert(school, SchoolRead, from_attributes=True)


@dataclass(frozen=True, slots=True)
class ImportCounts:
    imported: int
    updated: int
    skipped: int


async def load_school(db_session: AsyncSession, school_id: str) -> School:
    school = await school_repo.get_school(db_session, school_id)
    if school is None:
        raise NotFoundError("no such school")
    return school


def require_lead_of(actor: Actor, school_id: str) -> None:
    """Admins, and the school's own school_leads."""
    if actor.is_admin or actor.leads_school(school_id):
        return
    raise ForbiddenError("only admins and this school's leads may do this")


class SchoolService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create(
        self, db_session: AsyncSession, actor: Actor, data: SchoolCreate
    ) -> SchoolRead:
        actor.require_role(Role.ADMIN)
        now = self.clock.now()
        name = data.name.strip()
        school = School(
            urn=data.urn,
            name=name,
            search_name=search_name(name),
            local_authority=data.local_authority.strip(),
            phase=data.phase.strip(),
            postcode=normalise_postcode(data.postcode),
            status="Open",
            created_at=now,
            updated_at=now,
        )
        async with unit_of_work(db_session):
            if await school_repo.get_by_urn(db_session, data.urn) is not None:
                raise UrnTakenError(f"a school with URN {data.urn} exists")
            db_session.add(school)
        return school_read(school)

    async def list(
        self,
        db_session: AsyncSession,
        *,
        q: str | None,
        urn: int | None,
        local_authority: str | None,
        limit: int,
        cursor: str | None,
    ) -> SchoolPage:
        schools, next_cursor = await school_repo.list_schools(
            db_session,
            words=fold_words(q or ""),
            urn=urn,
            local_authority=local_authority,
            limit=limit,
            cursor=cursor,
        )
        return SchoolPage(items=[school_read(s) for s in schools], next_cursor=next_cursor)

    async def get(self, db_session: AsyncSession, school_id: str) -> SchoolRead:
        return school_read(await load_school(db_session, school_id))

    async def update(
        self, db_session: AsyncSession, actor: Actor, school_id: str, data: SchoolUpdate
    ) -> SchoolRead:
        async with unit_of_work(db_session):
            school = await load_school(db_session, school_id)
            require_lead_of(actor, school.id)
            if data.hub_id is not msgspec.UNSET:
                if not actor.is_admin:
                    raise ForbiddenError("only admins choose a school's hub")
                if data.hub_id is not None and not await hub_repo.hub_exists(
                    db_session, data.hub_id
                ):
                    raise ValidationError.field("hub_id", "no such hub")
                school.hub_id = data.hub_id
            if data.approval_required is not msgspec.UNSET:
                school.approval_required = data.approval_required
            school.updated_at = self.clock.now()
        return school_read(school)

    async def import_file(self, db_session: AsyncSession, gias: GiasFile) -> ImportCounts:
        """Upsert by URN (a URN twice in the file: the later row wins); closed ones skipped.
        An update keeps what the service adds (approval_required, hub_id)."""
        latest = {row.urn: row for row in gias.rows}
        imported = updated = 0
        rows = list(latest.values())
        for start in range(0, len(rows), IMPORT_BATCH):
            batch = rows[start : start + IMPORT_BATCH]
            async with unit_of_work(db_session):
                now = self.clock.now()
                known = await school_repo.by_urns(db_session, [r.urn for r in batch])
                for row in batch:
                    values = {
                        "name": row.name,
                        "search_name": search_name(row.name),
                        "local_authority": row.local_authority,
                        "phase": row.phase,
                        "postcode": row.postcode,
                        "status": row.status,
                    }
                    school = known.get(row.urn)
                    if school is None:
                        db_session.add(
                            School(urn=row.urn, created_at=now, updated_at=now, **values)
                        )
                        imported += 1
                    else:
                        for field, value in values.items():
                            setattr(school, field, value)
                        school.updated_at = now
                        updated += 1
        return ImportCounts(imported=imported, updated=updated, skipped=gias.skipped)
