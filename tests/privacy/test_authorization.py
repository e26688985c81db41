"""Who may use the privacy endpoints: only the signed-in person, and only on their own data."""

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxStatus
from ideenwerkstatt.privacy import services
from ideenwerkstatt.privacy.models import ConsentRecord, Purpose
from tests.factories import DEFAULT_PASSWORD, make_consent, make_outbox_message, make_user


def privacy_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("privacy.")]
    assert len(rules) >= 5
    return rules


def requests_for(rule):
    url = rule.rule.replace("<purpose>", "invitations")
    return [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_every_privacy_endpoint_sends_visitors_to_the_login(app, client):
    for rule in privacy_rules(app):
        for method, url in requests_for(rule):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/account/login"), (method, url)


def test_no_privacy_url_names_a_user(app):
    # The acting user is always the signed-in one: there is no id to swap in a URL.
    for rule in privacy_rules(app):
        assert set(rule.arguments) <= {"purpose"}, rule.rule


@pytest.mark.parametrize("role", ["citizen", "moderator", "organizer", "admin"])
def test_every_role_may_use_its_own_privacy_pages(client, auth, role):
    auth.login_as(role)
    assert client.get("/account/export").status_code == 200
    assert client.get("/account/export.html").status_code == 200
    assert client.get("/account/delete").status_code == 200


def test_withdraw_acts_on_the_signed_in_person_only(client, auth):
    victim = make_user()
    make_consent(victim, "invitations")
    invitation = make_outbox_message(victim, "event_invitation")
    attacker = auth.login_as()
    make_consent(attacker, "invitations")

    for data in ({"user_id": victim.id}, {"user": victim.email}):
        client.post(f"/account/consents/invitations/withdraw?user_id={victim.id}", data=data)
    assert services.has_consent(victim, Purpose.INVITATIONS)
    assert not services.has_consent(attacker, Purpose.INVITATIONS)
    assert db.session.get(type(invitation), invitation.id).status is OutboxStatus.QUEUED


def test_grant_acts_on_the_signed_in_person_only(client, auth):
    other = make_user()
    me = auth.login_as()
    client.post(
        f"/account/consents/invitations/grant?user_id={other.id}", data={"user_id": other.id}
    )
    assert services.consent_state(other)[Purpose.INVITATIONS] is None
    assert services.has_consent(me, Purpose.INVITATIONS)
    owners = set(db.session.scalars(select(ConsentRecord.user_id)))
    assert owners == {me.id}


def test_export_shows_the_signed_in_person_only(client, auth):
    other = make_user()
    me = auth.login_as()
    data = client.get(f"/account/export?user_id={other.id}").json
    assert data["account"]["id"] == me.id


def test_delete_removes_the_signed_in_person_only(client, auth):
    from ideenwerkstatt.accounts.models import User

    other = make_user()
    me = auth.login_as()
    client.post(
        f"/account/delete?user_id={other.id}",
        data={
            "password": DEFAULT_PASSWORD,
            "contributions": "keep",
            "confirm": "y",
            "user_id": other.id,
        },
    )
    assert db.session.get(User, me.id) is None
    assert db.session.get(User, other.id) is not None
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
