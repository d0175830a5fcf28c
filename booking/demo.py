"""Demo data for `booking serve --demo`: a hub, venues, trainers with availability, courses.

Seeded through the same services as the API, so demo data obeys every rule real data does.
Only an empty database is seeded; a second start leaves everything as it is.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.models import Accessibility, JobRole, NeedArea, Role
from booking.repositories.users import count_users
from booking.schemas.courses import CourseCreate
from booking.schemas.hubs import HubCreate, VenueCreate
from booking.schemas.trainers import AvailabilityWrite, WeeklyBlock
from booking.schemas.users import UserCreate
from booking.services.actor import Actor
from booking.services.availability import AvailabilityService
from booking.services.courses import CourseService
from booking.services.hubs import HubService, VenueService
from booking.services.users import UserService
from booking.settings import Settings
from calendars.weekly import Weekday

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
    users = UserService(clock)
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
        lines.append(f"Demo trainer: {email}  token {created.api_token}")
    lines.append(
        "Teachers sign in with any address: POST /api/v1/auth/email-code; the code arrives as an "
        f".eml file in {settings.mail.mail_dir} (or by SMTP when BOOKING_SMTP_HOST is set)."
    )
    return lines
