"""`booking serve --demo` seeds an empty database once, through the real services."""

from __future__ import annotations

from sqlalchemy import func, select

from booking.demo import seed
from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    Hub,
    Role,
    School,
    TrainerAvailability,
    User,
    Venue,
)


async def count(sessionmaker, model):
    async with sessionmaker() as db_session:
        return await db_session.scalar(select(func.count()).select_from(model))


async def test_demo_seeds_hub_venues_trainers_and_courses(sessionmaker, clock, settings):
    async with sessionmaker() as db_session:
        lines = await seed(db_session, clock, settings)
    assert any(line.startswith("Demo admin:") for line in lines)
    assert await count(sessionmaker, Hub) == 1
    assert await count(sessionmaker, Venue) == 3
    assert await count(sessionmaker, TrainerAvailability) == 2
    assert await count(sessionmaker, Course) >= 3


async def test_demo_leaves_a_used_database_alone(sessionmaker, clock, settings):
    async with sessionmaker() as db_session:
        await seed(db_session, clock, settings)
    users = await count(sessionmaker, User)
    async with sessionmaker() as db_session:
        lines = await seed(db_session, clock, settings)
    assert "nothing seeded" in lines[0]
    assert await count(sessionmaker, User) == users
    assert await count(sessionmaker, Hub) == 1


async def test_demo_has_published_cohorts_one_full_with_a_waitlist(sessionmaker, clock, settings):
    async with sessionmaker() as db_session:
        await seed(db_session, clock, settings)
    async with sessionmaker() as db_session:
        cohorts = (await db_session.scalars(select(Cohort))).all()
        waiting = await db_session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.status == BookingStatus.WAITLISTED)
        )
    assert len(cohorts) == 4
    assert all(c.status is CohortStatus.PUBLISHED for c in cohorts)
    assert any(c.confirmed_count == c.capacity for c in cohorts)
    assert waiting == 2


async def test_demo_seeds_the_hubs_schools_and_a_lead(sessionmaker, clock, settings):
    async with sessionmaker() as db_session:
        lines = await seed(db_session, clock, settings)
    assert any(line.startswith("Demo schools: 4; school lead:") for line in lines)
    async with sessionmaker() as db_session:
        schools = (await db_session.scalars(select(School))).all()
        lead = await db_session.scalar(select(User).where(User.role == Role.SCHOOL_LEAD))
    assert len(schools) == 4
    assert all(s.hub_id is not None for s in schools)
    assert lead is not None
    assert lead.school_id in {s.id for s in schools if s.approval_required}
