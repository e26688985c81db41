"""A hall behind one address: 300 joins in two minutes all succeed; a flood of wrong codes
from one address is throttled. Rate limiting on, one fixed REMOTE_ADDR."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.live.models import LiveParticipant

from ..factories import make_event, make_live_session

HALL = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def test_300_joins_from_one_address_all_succeed(app):
    live = make_live_session(make_event())
    statuses = []
    started = time.monotonic()
    for _ in range(300):
        phone = app.test_client()  # each phone its own cookies, all behind one address
        phone.get(f"/j/{live.join_code}", environ_base=HALL)
        response = phone.post(f"/j/{live.join_code}", data={"consent": "y"}, environ_base=HALL)
        statuses.append(response.status_code)
    assert statuses == [302] * 300
    assert time.monotonic() - started < 120
    assert db.session.scalar(select(func.count(LiveParticipant.id))) == 300


def test_wrong_codes_from_one_address_are_throttled_but_other_addresses_still_join(app):
    app.config["RATELIMIT_JOIN_WRONG_CODES"] = "5 per 10 minutes"
    live = make_live_session(make_event())
    client = app.test_client()
    answers = [client.get(f"/j/WRONG{n}", environ_base=HALL).status_code for n in range(8)]
    assert answers[:5] == [404] * 5 and answers[5:] == [429] * 3
    # From that address even the right code now waits (it could be a lucky guess) ...
    assert client.get(f"/j/{live.join_code}", environ_base=HALL).status_code == 429
    # ... while another address joins.
    other = app.test_client()
    response = other.post(
        f"/j/{live.join_code}", data={"consent": "y"}, environ_base={"REMOTE_ADDR": "198.51.100.2"}
    )
    assert response.status_code == 302


def test_joins_are_limited_per_join_code(app):
    app.config["RATELIMIT_JOIN"] = "3 per minute"
    live = make_live_session(make_event())
    other = make_live_session(make_event())
    codes = [
        app.test_client().get(f"/j/{live.join_code}", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        for n in range(4)
    ]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert app.test_client().get(f"/j/{other.join_code}").status_code == 200
