"""`ideenwerkstatt demo-data`: the demo accounts share a password, never a hash or salt."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from ideenwerkstatt.extensions import db

# A method no other test uses: its dummy hash can only come from this app's start-up.
METHOD = "pbkdf2:sha256:1013"


@pytest.fixture
def app_config():
    return {"PASSWORD_HASH_METHOD": METHOD}


def test_each_demo_account_has_its_own_salt(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    emails = [email for email, _role, _name in DEMO_ACCOUNTS]
    hashes = list(db.session.scalars(select(User.password_hash).where(User.email.in_(emails))))
    assert len(hashes) == len(emails)
    assert len(set(hashes)) == len(hashes)
    assert len({h.split("$")[1] for h in hashes}) == len(hashes)  # the salts differ
    assert all(check_password_hash(h, DEMO_PASSWORD) for h in hashes)


def test_the_dummy_hash_for_unknown_addresses_is_built_at_start_up(app):
    """The first login for an unknown address costs no extra hash: create_app made it."""
    from ideenwerkstatt.accounts.services import _dummy_hash

    before = _dummy_hash.cache_info()
    _dummy_hash(METHOD)
    after = _dummy_hash.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses
