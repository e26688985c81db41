"""The evening's tables: one live session per event, its personal cards, its participants."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import UTCDateTime, enum_column, utcnow
from ..events.models import Event
from ..extensions import db


class JoinMode(enum.StrEnum):
    OPEN_CODE = "open_code"  # anyone with the code joins (one participant per browser)
    CARDS = "cards"  # one single-use personal card per person: one person, one voice


class LiveSession(db.Model):
    """An event's evening. `is_open`: switched on (the phone page and joining work);
    `joining_open`: new people may join (closing it keeps those already in)."""

    __tablename__ = "live_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    is_open: Mapped[bool] = mapped_column(default=False)
    joining_open: Mapped[bool] = mapped_column(default=True)
    join_code: Mapped[str] = mapped_column(String(8), unique=True)
    join_mode: Mapped[JoinMode] = mapped_column(enum_column(JoinMode), default=JoinMode.OPEN_CODE)
    # Organizer's choice: the event page and the invitation mail carry the join link.
    announce_link: Mapped[bool] = mapped_column(default=False)
    # The secret wall link for the projector's laptop: only its SHA-256 is stored (the
    # secret is random, 32 bytes); None when there is no link (never made, or revoked).
    wall_key_hash: Mapped[str | None] = mapped_column(String(64))
    # Post-moderation for the evening: ideas from phones are published at once while the
    # session is open (moderators hide afterwards) instead of waiting in the queue.
    publish_at_once: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()


class LiveCard(db.Model):
    """A printed personal card: its own single-use code. `participant_id` is who joined
    with it; `used_at` None with a participant means a moderator re-issued it (lost phone):
    the next use signs in as that same participant again, so no second voice arises."""

    __tablename__ = "live_card"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    number: Mapped[int]
    code: Mapped[str] = mapped_column(String(12), unique=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LiveParticipant(db.Model):
    """Someone who joined an evening: a guest (a `User` with role participant, no e-mail,
    no password) or an account holder who joined with their account. One row per person
    and event; the guest's row says which event they may act in."""

    __tablename__ = "live_participant"
    __table_args__ = (UniqueConstraint("user_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("live_card.id", ondelete="SET NULL"))
    # The random participant number the consent text speaks of (shown under "my data").
    code: Mapped[str] = mapped_column(String(12), unique=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    event: Mapped[Event] = relationship()
