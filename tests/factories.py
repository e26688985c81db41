"""Factories: build rows with sensible defaults; every call gets a fresh e-mail address."""

from __future__ import annotations

import itertools

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db

_counter = itertools.count(1)

DEFAULT_PASSWORD = "Lange-Nacht-der-Ideen-42"


def make_user(
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role="citizen",
    confirmed: bool = True,
    display_name: str | None = None,
    locale: str = "de",
    commit: bool = True,
):
    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.accounts.services import hash_password
    from ideenwerkstatt.permissions import Role

    n = next(_counter)
    user = User(
        email=email or f"person{n}@example.org",
        password_hash=hash_password(password),
        role=Role(role),
        display_name=display_name,
        locale=locale,
        confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    if commit:
        db.session.commit()
    return user
