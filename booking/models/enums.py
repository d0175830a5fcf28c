"""Fixed vocabularies of the contract (docs/contract.md), stored as strings."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    HUB_ADMIN = "hub_admin"
    TRAINER = "trainer"
    TEACHER = "teacher"
    # Bound to one school; also a teacher (books for themselves) who books and adds their staff.
    SCHOOL_LEAD = "school_lead"


# Roles that hold seats of their own
# (docs/contract.md, Schools and staff: a school_lead is also a teacher).
BOOKING_ROLES = frozenset({Role.TEACHER, Role.SCHOOL_LEAD})
HUB_ROLES = frozenset({Role.HUB_ADMIN, Role.TRAINER})


class TokenKind(StrEnum):
    SIGN_IN = "sign_in"  # from an email code (API or pages): expires after a spell unused
    API = "api"  # from POST /users or create-admin: expires a fixed time after issue


class JobRole(StrEnum):
    TEACHER = "teacher"
    TEACHING_ASSISTANT = "teaching_assistant"
    SENCO = "senco"
    LEADER = "leader"
    EARLY_YEARS = "early_years"
    FURTHER_EDUCATION = "further_education"


class Accessibility(StrEnum):
    STEP_FREE_ACCESS = "step_free_access"
    LIFT = "lift"
    ACCESSIBLE_TOILET = "accessible_toilet"
    HEARING_LOOP = "hearing_loop"
    ACCESSIBLE_PARKING = "accessible_parking"
    QUIET_ROOM = "quiet_room"
    ADJUSTABLE_LIGHTING = "adjustable_lighting"
    NEAR_PUBLIC_TRANSPORT = "near_public_transport"


ACCESSIBILITY_WORDS = {
    Accessibility.STEP_FREE_ACCESS: "step-free access",
    Accessibility.LIFT: "lift",
    Accessibility.ACCESSIBLE_TOILET: "accessible toilet",
    Accessibility.HEARING_LOOP: "hearing loop",
    Accessibility.ACCESSIBLE_PARKING: "accessible parking",
    Accessibility.QUIET_ROOM: "quiet room",
    Accessibility.ADJUSTABLE_LIGHTING: "adjustable lighting",
    Accessibility.NEAR_PUBLIC_TRANSPORT: "near public transport",
}


def accessibility_words(values: list[str]) -> str:
    """A venue's features in words, as calendars and mails show them."""
    return ", ".join(ACCESSIBILITY_WORDS[Accessibility(v)] for v in values) or "none listed"


class NeedArea(StrEnum):
    COMMUNICATION_AND_INTERACTION = "communication_and_interaction"
    SPEECH_LANGUAGE_COMMUNICATION = "speech_language_communication"
    COGNITION_AND_LEARNING = "cognition_and_learning"
    SOCIAL_EMOTIONAL_MENTAL_HEALTH = "social_emotional_mental_health"
    SENSORY_AND_PHYSICAL = "sensory_and_physical"
    VISUAL_IMPAIRMENT = "visual_impairment"
    HEARING_IMPAIRMENT = "hearing_impairment"
    ASSISTIVE_TECHNOLOGY = "assistive_technology"
    WORKING_WITH_PARENTS = "working_with_parents"
    EARLY_IDENTIFICATION = "early_identification"


class CohortStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class WaitlistMode(StrEnum):
    AUTO = "auto"
    OFFER = "offer"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    # Holding a seat until the teacher's school approves, rejects or lets it expire.
    PENDING_APPROVAL = "pending_approval"


ACTIVE_BOOKING_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.OFFERED,
    BookingStatus.WAITLISTED,
    BookingStatus.PENDING_APPROVAL,
)
SEAT_HOLDING_STATUSES = (
    BookingStatus.CONFIRMED,
    BookingStatus.OFFERED,
    BookingStatus.PENDING_APPROVAL,
)


class AttendanceStatus(StrEnum):
    ATTENDED = "attended"
    ABSENT = "absent"
