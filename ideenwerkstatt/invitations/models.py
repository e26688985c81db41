"""Invitation runs: an organizer sent the invitation to an event to an audience, once."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..database import UTCDateTime, enum_column, utcnow
from ..events.models import Event
from ..extensions import db


class Audience(enum.StrEnum):
    CONSENTED = "consented"  # everyone who consented to invitations
    INTERESTED = "interested"  # of those, who submitted or voted on ideas in the themes


class InvitationRun(db.Model):
    """One press of "send". The mails themselves are outbox rows (idempotency key
    `invitation:<event_id>:<user_id>`), all created at this run's `created_at`: that is how
    the run's state page finds them. `queued` counts the mails this run added, `skipped`
    the people of the audience who already had an invitation to the event."""

    __tablename__ = "invitation_run"
    __table_args__ = (Index("ix_invitation_run_event_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience))
    audience_size: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    organizer: Mapped[User | None] = relationship()
