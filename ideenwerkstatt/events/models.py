"""Events (Ideenwerkstätten): a workshop with themes, a phase and a voting rule."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import enum_column
from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..themes.models import Theme


class Phase(enum.StrEnum):
    DRAFT = "draft"  # visible to organizers only
    COLLECTING = "collecting"  # ideas may be submitted for the event
    VOTING = "voting"  # votes count
    CLOSED = "closed"  # the result is being curated / published


PHASE_ORDER = [Phase.DRAFT, Phase.COLLECTING, Phase.VOTING, Phase.CLOSED]


class VotingRule(enum.StrEnum):
    SUPPORT = "support"  # one support vote per person and idea
    DOTS = "dots"  # a budget of N dots per person for the event, several on one idea allowed


event_theme = Table(
    "event_theme",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_phase_starts_at", "phase", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.DRAFT)
    voting_rule: Mapped[VotingRule] = mapped_column(
        enum_column(VotingRule), default=VotingRule.SUPPORT
    )
    dot_budget: Mapped[int | None]
    # Registrant data is deleted this many days after the event ends (flow 10).
    retention_days: Mapped[int] = mapped_column(default=90)
    # True: comments on this event's ideas wait for a moderator; False: shown at once and
    # moderated afterwards (flags, hide).
    comments_premoderated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(secondary=event_theme, order_by=Theme.position)
