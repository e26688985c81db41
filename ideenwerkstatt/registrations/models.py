"""Registrations: a person's place at an event, or their place on its waiting list."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import UTCDateTime, enum_column, utcnow
from ..events.models import Event
from ..extensions import db


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # has a place
    WAITING = "waiting"  # on the waiting list, in `position` order
    CANCELLED = "cancelled"  # gave the place (or the waiting-list spot) back


class Registration(db.Model):
    """One row per person and event (registering again after cancelling reuses it).

    `position` is the order of registration within the event, unique per event: the
    waiting list moves up in this order, and the attendance list shows it as the person's
    number ("Teilnehmende #7") where they chose no display name."""

    __tablename__ = "registration"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        UniqueConstraint("event_id", "position"),
        Index("ix_registration_event_status_position", "event_id", "status", "position"),
        Index("ix_registration_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    position: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the person got their place (at once, or on moving up); NULL while waiting.
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status is not RegistrationStatus.CANCELLED
