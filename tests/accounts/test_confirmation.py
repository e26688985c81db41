"""Following the confirmation link: one button, single use, consents into the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.accounts.models import AccountToken, TokenPurpose, User
from ideenwerkstatt.accounts.tokens import issue_token
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.privacy.models import ConsentAction, ConsentChannel, ConsentRecord, Purpose
from tests.factories import make_user

from .conftest import link_in


@pytest.fixture
def link(registration, outbox):
    """Register (with both consents) and return the path of the confirmation link."""
    assert registration.post(email="neu@example.org", consent_invitations="y").status_code == 302
    return link_in(outbox(template="confirm_account")[-1])


def the_user() -> User:
    return db.session.scalars(select(User)).one()


def test_opening_the_link_shows_a_button_and_changes_nothing(client, link):
    page = client.get(link)
    assert page.status_code == 200
    assert "Jetzt bestätigen" in page.text
    assert f'action="{link}"' in page.text and 'method="post"' in page.text
    # A mail scanner opening the link twice uses nothing up.
    assert client.get(link).status_code == 200
    assert the_user().confirmed_at is None
    assert db.session.scalars(select(AccountToken)).one().used_at is None


def test_the_button_confirms_grants_the_consents_and_signs_in(client, link):
    response = client.post(link)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    user = the_user()
    assert user.confirmed_at is not None
    assert db.session.scalars(select(AccountToken)).one().used_at is not None
    records = db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)).all()
    assert {r.purpose for r in records} == {Purpose.PARTICIPATION, Purpose.INVITATIONS}
    assert all(r.action is ConsentAction.GRANTED for r in records)
    assert all(r.channel is ConsentChannel.REGISTRATION for r in records)
    page = client.get("/account")
    assert page.status_code == 200
    assert "bestätigt" in page.text  # the flash
    assert "neu@example.org" in page.text


def test_a_second_use_says_the_link_was_used(client, link):
    client.post(link)
    client.post("/account/logout")
    for again in (client.get(link), client.post(link)):
        assert again.status_code == 410
        assert "bereits verwendet" in again.text
        assert 'href="/account/login"' in again.text
    assert db.session.scalar(select(db.func.count()).select_from(ConsentRecord)) == 2


def test_an_expired_link_says_so_and_offers_a_new_one(client, link):
    row = db.session.scalars(select(AccountToken)).one()
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    for attempt in (client.get(link), client.post(link)):
        assert attempt.status_code == 410
        assert "abgelaufen" in attempt.text
        assert 'href="/account/register"' in attempt.text
    assert the_user().confirmed_at is None


def test_a_link_older_than_the_max_age_is_expired(app, client, link):
    app.config["TOKEN_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 410 and "abgelaufen" in response.text


def test_registering_again_after_expiry_sends_a_link_that_works(client, registration, outbox, link):
    row = db.session.scalars(select(AccountToken)).one()
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    registration.post(email="neu@example.org")
    fresh = link_in(outbox(template="confirm_account")[-1])
    assert fresh != link
    assert client.post(fresh).status_code == 302
    assert the_user().is_active


@pytest.mark.parametrize(
    "token", ["garbage", "eyJqdGkiOiJ4IiwidWlkIjoxfQ.aaaa.bbbb", "a" * 300, "%00%0d%0a"]
)
def test_a_forged_link_gets_a_friendly_404(client, link, token):
    for response in (
        client.get(f"/account/confirm/{token}"),
        client.post(f"/account/confirm/{token}"),
    ):
        assert response.status_code == 404
        # A NUL in the path names no page at all: the plain 404 page, before any view.
        assert ("ungültig" if "%00" not in token else "nicht gefunden") in response.text
    assert the_user().confirmed_at is None


def test_a_tampered_signature_is_refused(client, link):
    response = client.post(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert response.status_code == 404
    assert the_user().confirmed_at is None


def test_a_reset_link_cannot_confirm_an_account(client, app):
    user = make_user(confirmed=False)
    token = issue_token(user, TokenPurpose.RESET)
    db.session.commit()
    response = client.post(f"/account/confirm/{token}")
    assert response.status_code == 404
    db.session.refresh(user)
    assert user.confirmed_at is None
