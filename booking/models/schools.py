"""Schools, colleges and nurseries, as the DfE's Get Information about Schools lists them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, Timestamped, id_column


class School(Timestamped, Base):
    __tablename__ = "school"
    __table_args__ = (Index("ix_school_local_authority_name", "local_authority", "name"),)

    id: Mapped[str] = id_column()
    # The DfE's Unique Reference Number: the key an import upserts by.
    urn: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name folded (lower case, accents and punctuation gone, words between single spaces,
    # one space either side), so a word search is the same LIKE on SQLite and PostgreSQL.
    search_name: Mapped[str] = mapped_column(String(300))
    local_authority: Mapped[str] = mapped_column(String(100))
    phase: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(10))
    # GIAS's EstablishmentStatus: "Open", "Open, but proposed to close", ...
    status: Mapped[str] = mapped_column(String(60), default="Open")
    approval_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    hub_id: Mapped[str | None] = mapped_column(
        ForeignKey("hub.id", ondelete="RESTRICT"), index=True, default=None
    )
