"""Accounts: the user, their server-side login sessions and single-use mail tokens."""

from __future__ import annotations

import datetime as dt
import enum

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

# enum_column lives in database.py (importable without this package); re-exported here.
from ..database import UTCDateTime, enum_column, utcnow
from ..extensions import db
from ..permissions import Role

# Not a werkzeug hash ("<method>$<salt>$<hash>"): check_password_hash() is False for any input.
UNUSABLE_PASSWORD = "!"  # noqa: S105  (a marker, not a password)


class User(UserMixin, db.Model):
    """A person's account. The least we need: an e-mail address to reach them and sign them
    in, an optional pseudonym, a password hash, a role and a language. No real name."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for an event participant (joined an evening by code or card, no account); a
    # unique constraint allows any number of NULLs on SQLite and PostgreSQL alike.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(60))
    # An event participant has no password: UNUSABLE_PASSWORD, which no password matches.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.CITIZEN)
    locale: Mapped[str] = mapped_column(String(5), default="de")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # Set by the user loader to the token of the login session this request belongs to;
    # Flask-Login keeps get_id() in the session cookie, so the cookie holds that token and
    # never the user's id: logging out ends the token, and an old cookie is worthless.
    session_token = None

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def name_for_display(self) -> str | None:
        return self.display_name

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(db.Model):
    """One sign-in. Its token lives in the session cookie (hashed here); deleting the row
    signs that browser out."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="login_sessions")


class TokenPurpose(enum.StrEnum):
    CONFIRM = "confirm"
    RESET = "reset"


class AccountToken(db.Model):
    """The server-side half of a mailed link: makes the link single-use and lets the purge
    remove it when expired. The link itself is signed by itsdangerous with a salt per
    purpose; `data` keeps what the link will put into effect (the consents chosen at
    registration)."""

    __tablename__ = "account_token"
    __table_args__ = (Index("ix_account_token_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(43), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
