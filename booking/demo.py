"""Demo data for `booking serve --demo`: a hub, venues, trainers with availability, courses,
schools and a school lead.

Seeded through the same services as the API, so demo data obeys every rule real data does.
Only an empty database is seeded; a second start leaves everything as it is.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.models import Accessibility, JobRole, NeedArea, Role, WaitlistMode
from booking.repositories.users import count_users
from booking.schemas.bookings import BookingCreate
from booking.schemas.cohorts import CohortCreate, SessionCreate
from booking.schemas.courses import CourseCreate
from booking.schemas.hubs import HubCreate, VenueCreate
from booking.schemas.schools import SchoolCreate, SchoolUpdate
from booking.schemas.trainers import AvailabilityWrite, WeeklyBlock
from booking.schemas.users import UserCreate
from booking.services.actor import Actor
from booking.services.availability import AvailabilityService
from booking.services.bookings import BookingService
from booking.services.cohorts import CohortService
from booking.services.courses import CourseService
from booking.services.hubs import HubService, VenueService
from booking.services.schools import SchoolService
from booking.services.sessions import SessionService
from booking.services.users import UserService
from booking.settings import Settings
from calendars.weekly import Weekday, local_to_utc

A = Accessibility
VENUES = [
    VenueCreate(
        name="Piccadilly Learning Centre, Room 2",
        address="12 Portland Street\nManchester",
        postcode="M1 4GX",
        capacity=30,
        accessibility=[
            A.STEP_FREE_ACCESS,
            A.LIFT,
            A.ACCESSIBLE_TOILET,
            A.HEARING_LOOP,
            A.NEAR_PUBLIC_TRANSPORT,
        ],
        travel_notes="Five minutes from Piccadilly station. Lift to the second floor.",
    ),
    VenueCreate(
        name="Salford Teaching School, Library",
        address="Lower Broughton Road\nSalford",
        postcode="M7 2HT",
        capacity=20,
        accessibility=[
            A.STEP_FREE_ACCESS,
            A.ACCESSIBLE_PARKING,
            A.QUIET_ROOM,
            A.ADJUSTABLE_LIGHTING,
        ],
        travel_notes="Free parking on site; blue-badge bays by the main entrance.",
    ),
    VenueCreate(
        name="Stockport Early Years Hub",
        address="Wellington Road South\nStockport",
        postcode="SK1 3UA",
        capacity=16,
        accessibility=[A.ACCESSIBLE_TOILET, A.QUIET_ROOM, A.NEAR_PUBLIC_TRANSPORT],
        travel_notes="Ground floor rooms; the building has no lift to the first floor.",
    ),
]

COURSES = [
    CourseCreate(
        title="Understanding autism in the classroom",
        summary="Practical strategies for communication, sensory needs and predictable routines.",
        need_areas=[NeedArea.COMMUNICATION_AND_INTERACTION, NeedArea.SENSORY_AND_PHYSICAL],
        audience=[JobRole.TEACHER, JobRole.TEACHING_ASSISTANT, JobRole.SENCO],
    ),
    CourseCreate(
        title="Speech, language and communication needs",
        summary="Spotting SLCN early and adapting classroom talk.",
        need_areas=[NeedArea.SPEECH_LANGUAGE_COMMUNICATION, NeedArea.EARLY_IDENTIFICATION],
        audience=[JobRole.EARLY_YEARS, JobRole.TEACHER, JobRole.TEACHING_ASSISTANT],
    ),
    CourseCreate(
        title="Supporting social, emotional and mental health",
        summary="Trauma-informed approaches, co-regulation and working with families.",
        need_areas=[NeedArea.SOCIAL_EMOTIONAL_MENTAL_HEALTH, NeedArea.WORKING_WITH_PARENTS],
        audience=[JobRole.TEACHER, JobRole.LEADER, JobRole.SENCO, JobRole.FURTHER_EDUCATION],
    ),
    CourseCreate(
        title="Assistive technology for learners with visual impairment",
        summary="Screen readers, magnification and accessible resources in everyday lessons.",
        need_areas=[NeedArea.VISUAL_IMPAIRMENT, NeedArea.ASSISTIVE_TECHNOLOGY],
        audience=[JobRole.TEACHER, JobRole.TEACHING_ASSISTANT],
    ),
]

WEEKDAYS = [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI]


async def seed(db_session: AsyncSession, clock: Clock, settings: Settings) -> list[str]:
    """Seed an empty database and return lines for the operator (accounts and tokens)."""
    if await count_users(db_session) > 0:
        return ["Demo: the database already has users; nothing seeded."]
    users = UserService(clock, settings.accounts)
    admin_read, admin_token = await users.ensure_admin(
        db_session, "admin@demo.example", "Demo Admin"
    )
    admin = Actor(id=admin_read.id, email=admin_read.email, role=Role.ADMIN, hub_id=None)
    hub = await HubService(clock).create_hub(
        db_session,
        admin,
        HubCreate(
            name="Greater Manchester SEND Hub",
            region="North West",
            contact_email="hub@demo.example",
        ),
    )
    for venue in VENUES:
        await VenueService(clock).create_venue(db_session, admin, hub.id, venue)
    for course in COURSES:
        await CourseService(clock).create_course(db_session, admin, course)
    hub_admin = await users.create(
        db_session,
        admin,
        UserCreate(
            email="hubadmin@demo.example", name="Priya Shah", role=Role.HUB_ADMIN, hub_id=hub.id
        ),
    )
    trainers = [
        ("trainer.ada@demo.example", "Ada Okafor", [("09:00", "12:30"), ("13:30", "18:30")]),
        ("trainer.tom@demo.example", "Tom Birch", [("15:30", "19:00")]),
    ]
    lines = [
        f"Demo admin: admin@demo.example  token {admin_token}",
        f"Demo hub admin: hubadmin@demo.example  token {hub_admin.api_token}",
    ]
    trainer_ids: list[str] = []
    for email, name, blocks in trainers:
        created = await users.create(
            db_session, admin, UserCreate(email=email, name=name, role=Role.TRAINER, hub_id=hub.id)
        )
        await AvailabilityService(clock).put(
            db_session,
            admin,
            created.user.id,
            AvailabilityWrite(
                timezone="Europe/London",
                weekly=[WeeklyBlock(day=d, start=s, end=e) for d in WEEKDAYS for s, e in blocks],
            ),
        )
        trainer_ids.append(created.user.id)
        lines.append(f"Demo trainer: {email}  token {created.api_token}")
    lines += await _seed_cohorts(db_session, clock, admin, hub.id, trainer_ids)
    lines += await _seed_schools(db_session, clock, admin, hub.id, users)
    lines.append(
        "Teachers sign in with any address: POST /api/v1/auth/email-code; the code arrives as an "
        f".eml file in {settings.mail.mail_dir} (or by SMTP when BOOKING_SMTP_HOST is set)."
    )
    return lines


# Made-up schools (URNs in no real range): two of one name, told apart by local authority.
SCHOOLS = [
    SchoolCreate(
        urn=990001,
        name="St Mary's CE Primary School",
        local_authority="Manchester",
        phase="Primary",
        postcode="M14 5AB",
    ),
    SchoolCreate(
        urn=990002,
        name="St Mary's CE Primary School",
        local_authority="Oldham",
        phase="Primary",
        postcode="OL1 2CD",
    ),
    SchoolCreate(
        urn=990003,
        name="Brontë Academy",
        local_authority="Salford",
        phase="Secondary",
        postcode="M6 7EF",
    ),
    SchoolCreate(
        urn=990004,
        name="Little Acorns Nursery School",
        local_authority="Stockport",
        phase="Nursery",
        postcode="SK2 8GH",
    ),
]


async def _seed_schools(
    db_session: AsyncSession, clock: Clock, admin: Actor, hub_id: str, users: UserService
) -> list[str]:
    """The hub's schools, and a lead for the first (who approves its staff's bookings)."""
    schools = SchoolService(clock)
    created = [await schools.create(db_session, admin, school) for school in SCHOOLS]
    for school in created:
        await schools.update(db_session, admin, school.id, SchoolUpdate(hub_id=hub_id))
    await schools.update(db_session, admin, created[0].id, SchoolUpdate(approval_required=True))
    lead = await users.create(
        db_session,
        admin,
        UserCreate(
            email="lead@demo.example",
            name="Sam Lead",
            role=Role.SCHOOL_LEAD,
            school_id=created[0].id,
        ),
    )
    return [f"Demo schools: {len(created)}; school lead: lead@demo.example  token {lead.api_token}"]


# (course index, trainer index, venue index, capacity, weekday, local start, hours, sessions, mode)
COHORTS = [
    (0, 0, 0, 12, 1, time(16, 0), 2, 3, WaitlistMode.AUTO),
    (1, 1, 1, 4, 3, time(16, 0), 2, 2, WaitlistMode.AUTO),
    (2, 0, 2, 8, 2, time(16, 0), 2, 2, WaitlistMode.OFFER),
    (3, 1, 0, 10, 0, time(16, 0), 2, 1, WaitlistMode.AUTO),
]
LONDON = ZoneInfo("Europe/London")


def term_weeks(first_monday: date, count: int) -> list[date]:
    """The first `count` Mondays from `first_monday` of weeks in term, so that no demo session
    lands in a school holiday. Holidays as most English schools keep them, roughly: Christmas,
    Easter (late March to mid April: the fortnight moves with Easter, this covers most years), the
    summer, and the half terms of late October, mid February and late May."""
    weeks: list[date] = []
    monday = first_monday
    while len(weeks) < count:
        if not _holiday_week(monday):
            weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def _holiday_week(monday: date) -> bool:
    friday = monday + timedelta(days=4)
    holidays = [
        (date(monday.year - 1, 12, 20), date(monday.year, 1, 3)),
        (date(monday.year, 12, 20), date(monday.year + 1, 1, 3)),
        (date(monday.year, 2, 14), date(monday.year, 2, 21)),
        (date(monday.year, 3, 27), date(monday.year, 4, 14)),
        (date(monday.year, 5, 25), date(monday.year, 5, 31)),
        (date(monday.year, 7, 21), date(monday.year, 9, 2)),
        (date(monday.year, 10, 24), date(monday.year, 10, 31)),
    ]
    return any(start <= friday and monday <= end for start, end in holidays)


async def _seed_cohorts(
    db_session: AsyncSession, clock: Clock, admin: Actor, hub_id: str, trainer_ids: list[str]
) -> list[str]:
    """Published cohorts with weekly after-school sessions from next week; the small one is full
    with two teachers on its waitlist, so booking it shows the waitlist at once."""
    courses = (
        await CourseService(clock).list_courses(db_session, need_area=None, limit=10, cursor=None)
    ).items
    venues = (
        await VenueService(clock).list_venues(db_session, hub_id=hub_id, limit=10, cursor=None)
    ).items
    today = clock.now().astimezone(LONDON).date()
    weeks = term_weeks(today + timedelta(days=7 - today.weekday()), max(c[7] for c in COHORTS))
    cohort_ids = []
    for course, trainer, venue, capacity, weekday, start, hours, count, mode in COHORTS:
        cohort = await CohortService(clock).create(
            db_session,
            admin,
            CohortCreate(
                hub_id=hub_id,
                course_id=courses[course].id,
                trainer_id=trainer_ids[trainer],
                venue_id=venues[venue].id,
                capacity=capacity,
                waitlist_mode=mode,
            ),
        )
        for monday in weeks[:count]:
            starts = local_to_utc(monday + timedelta(days=weekday), start, LONDON)
            await SessionService(clock).add(
                db_session,
                admin,
                cohort.id,
                SessionCreate(starts_at=starts, ends_at=starts + timedelta(hours=hours)),
            )
        await CohortService(clock).publish(db_session, admin, cohort.id)
        cohort_ids.append(cohort.id)
    full = cohort_ids[1]
    for i in range(6):
        teacher = await UserService(clock).create(
            db_session,
            admin,
            UserCreate(
                email=f"teacher{i + 1}@demo.example",
                name=f"Demo Teacher {i + 1}",
                role=Role.TEACHER,
            ),
        )
        actor = Actor(id=teacher.user.id, email=teacher.user.email, role=Role.TEACHER, hub_id=None)
        await BookingService(clock).book(db_session, actor, full, BookingCreate(), None)
    return [f"Demo cohorts: {len(cohort_ids)} published; {full} is full with a waitlist of 2."]
