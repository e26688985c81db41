"""Invitation test helpers: people who consented (or not), and the SMTP server of the mail tests."""

from __future__ import annotations

import pytest

from ..factories import make_consent, make_user
from ..mail.conftest import RecordingHandler, smtp_server  # noqa: F401


def consenting_user(**fields):
    user = make_user(**fields)
    make_consent(user, "invitations")
    return user


@pytest.fixture
def handler_factory():
    return RecordingHandler
