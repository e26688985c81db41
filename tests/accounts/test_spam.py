"""Honeypot and minimum fill time on the registration form (the ideas form uses them too)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from ideenwerkstatt import spam
from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.extensions import db


@pytest.fixture
def app_config():
    return {"FORM_MIN_FILL_SECONDS": 3}


def no_users() -> bool:
    return db.session.scalars(select(User)).first() is None


def test_a_form_sent_back_at_once_is_refused_with_everything_kept(registration, outbox):
    response = registration.post(email="schnell@example.org", display_name="Flink")
    assert response.status_code == 422
    assert "Das ging sehr schnell" in response.text
    assert 'value="schnell@example.org"' in response.text and 'value="Flink"' in response.text
    assert no_users() and outbox() == []


def test_the_same_form_goes_through_once_the_time_has_passed(client, registration, monkeypatch):
    page = client.get("/account/register").text
    data = registration.form_data(page=page)
    assert client.post("/account/register", data=data).status_code == 422
    later = time.time() + 3.5
    monkeypatch.setattr(spam, "_now", lambda: later)
    assert client.post("/account/register", data=data).status_code == 302
    assert not no_users()


def test_a_form_filled_in_more_slowly_is_accepted(registration):
    response = registration.post(form_started=spam.issue_fill_token(time.time() - 5))
    assert response.status_code == 302
    assert not no_users()


@pytest.mark.parametrize("token", ["", "garbage", "eyJ0IjoxfQ.forged-signature"])
def test_a_missing_or_forged_fill_time_is_refused(registration, token):
    response = registration.post(form_started=token)
    assert response.status_code == 422
    assert "Das ging sehr schnell" in response.text
    assert no_users()


def test_a_filled_honeypot_looks_like_success_and_creates_nothing(registration, outbox):
    response = registration.post(
        website="http://spam.example", form_started=spam.issue_fill_token(time.time() - 60)
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/register/check-inbox"
    assert no_users() and outbox() == []


def test_fill_time_rules(app):
    with app.test_request_context():
        assert spam.filled_too_fast(spam.issue_fill_token())
        assert not spam.filled_too_fast(spam.issue_fill_token(time.time() - 3))
        assert spam.filled_too_fast(None)
        app.config["FORM_MIN_FILL_SECONDS"] = 0
        assert not spam.filled_too_fast(None)
