"""One row per event that has been live: its change version and what the wall shows."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db


class WallMode(enum.StrEnum):
    IDEAS = "ideas"  # approved ideas as cards, grouped by theme
    VOTING = "voting"  # each idea's dots as a bar, sorted
    RESULTS = "results"  # the ranking, top N per theme


class EventLiveState(db.Model):
    """`version` goes up by one in the same transaction as every change the wall would show
    (a vote, a moderation decision, a phase change, the wall's own settings), so that a
    client's ETag or last seen version says exactly whether it is up to date."""

    __tablename__ = "event_live_state"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    version: Mapped[int] = mapped_column(default=1)
    wall_mode: Mapped[WallMode] = mapped_column(enum_column(WallMode), default=WallMode.IDEAS)
    numbers_hidden: Mapped[bool] = mapped_column(default=False)
    timer_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
