"""The consent ledger: versioned consent texts and an append-only record of decisions."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..accounts.models import enum_column
from ..database import UTCDateTime, utcnow
from ..extensions import db


class Purpose(enum.StrEnum):
    PARTICIPATION = "participation"  # required to hold an account
    INVITATIONS = "invitations"  # optional: e-mail invitations to future events
    EVENT_PARTICIPATION = "event_participation"  # taking part in one evening (live session)


class ConsentAction(enum.StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"


class ConsentChannel(enum.StrEnum):
    REGISTRATION = "registration"  # ticked at sign-up, effective on confirmation
    ACCOUNT_PAGE = "account_page"
    UNSUBSCRIBE_LINK = "unsubscribe_link"  # the link in an invitation mail
    ACCOUNT_DELETION = "account_deletion"
    ADMIN_CLI = "admin_cli"
    EVENT_JOIN = "event_join"  # the join page of an evening (/j/<code>)
    EVENT_WITHDRAWAL = "event_withdrawal"  # "delete my participation" on the phone page


class ConsentText(db.Model):
    """The exact words a person saw when deciding, per purpose, version and language."""

    __tablename__ = "consent_text"
    __table_args__ = (UniqueConstraint("purpose", "version", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose))
    version: Mapped[int]
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentRecord(db.Model):
    """One decision: (user, purpose, granted|withdrawn, text seen, when, how). Append-only:
    the current state is derived from the newest record per purpose."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_user_purpose", "user_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose))
    action: Mapped[ConsentAction] = mapped_column(enum_column(ConsentAction))
    consent_text_id: Mapped[int] = mapped_column(ForeignKey("consent_text.id"), index=True)
    channel: Mapped[ConsentChannel] = mapped_column(enum_column(ConsentChannel, 30))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    consent_text: Mapped[ConsentText] = relationship(lazy="joined")


class LedgerIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_ledger_changes(session, _flush_context, _instances):
    # The ledger is evidence (GDPR Art. 7(1)): a record is never edited. Records go only
    # with the whole account (a database cascade), never one by one.
    for obj in session.dirty:
        if isinstance(obj, ConsentRecord) and session.is_modified(obj):
            raise LedgerIsAppendOnly("consent records cannot be changed")
    for obj in session.deleted:
        if isinstance(obj, ConsentRecord | ConsentText):
            raise LedgerIsAppendOnly("consent records and texts cannot be deleted one by one")
