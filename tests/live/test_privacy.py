"""A guest's rights: the ledger, withdrawal from the phone (ideas kept or deleted, votes
anonymous), the retention purge, and turning the participation into an account."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import LoginSession, User
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.live.models import LiveParticipant
from ideenwerkstatt.permissions import Role
from ideenwerkstatt.privacy.models import ConsentRecord
from ideenwerkstatt.privacy.services import purge_expired
from ideenwerkstatt.votes.models import Vote
from ideenwerkstatt.votes.services import cast_vote

from ..accounts.conftest import link_in
from ..factories import make_event, make_idea, make_live_session, make_theme


def _join(client, event, name="Fuchs"):
    live = make_live_session(event)
    assert (
        client.post(f"/j/{live.join_code}", data={"consent": "y", "display_name": name}).status_code
        == 302
    )
    return db.session.scalars(select(User).where(User.role == Role.PARTICIPANT)).one()


def _with_contributions(client, event):
    theme = make_theme()
    guest = _join(client, event)
    own = make_idea(
        author=guest, event=event, theme=theme, title="Meine Idee", by_evening_guest=True
    )
    other = make_idea(event=event, theme=theme, title="Fremde Idee")
    cast_vote(guest, other, dots=2)
    db.session.commit()
    return guest, own, other


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_withdrawal_on_the_phone_erases_the_guest_as_chosen(client, choice):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=3)
    guest, own, other = _with_contributions(client, event)
    page = client.get(f"/events/{event.slug}/live/me").get_data(as_text=True)
    assert "Fuchs" in page and "Meine Idee" in page and "Fremde Idee (2)" in page
    response = client.post(f"/events/{event.slug}/live/me", data={"ideas": choice})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, guest.id) is None
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0
    assert db.session.scalar(select(func.count(ConsentRecord.id))) == 0
    assert db.session.scalar(select(func.count(LiveParticipant.id))) == 0
    kept = db.session.get(Idea, own.id)
    if choice == "keep":
        assert kept is not None and kept.author_id is None
        page = client.get(f"/ideas/{own.id}").get_data(as_text=True)
        assert "Von: Teilnehmende der Werkstatt" in page
    else:
        assert kept is None
    vote = db.session.scalars(select(Vote).where(Vote.idea_id == other.id)).one()
    assert vote.user_id is None and vote.weight == 2
    assert db.session.get(Idea, other.id).vote_count == 2
    assert client.get(f"/events/{event.slug}/live/me").status_code == 302  # signed out


def test_an_account_withdrawing_keeps_the_account_and_records_the_withdrawal(client, auth):
    event = make_event()
    me = auth.login_as("citizen")
    live = make_live_session(event)
    client.post(f"/j/{live.join_code}", data={"consent": "y"})
    assert client.post(f"/events/{event.slug}/live/me", data={"ideas": "keep"}).status_code == 302
    records = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.user_id == me.id).order_by(ConsentRecord.id)
    ).all()
    assert [(str(r.action), str(r.channel)) for r in records] == [
        ("granted", "event_join"),
        ("withdrawn", "event_withdrawal"),
    ]
    assert db.session.get(User, me.id) is not None
    assert db.session.scalar(select(func.count(LiveParticipant.id))) == 0


def test_the_purge_deletes_guests_after_the_events_retention_only(client, app):
    old = make_event(phase="voting", voting_rule="dots", dot_budget=3, starts_in_days=-1)
    guest, own, other = _with_contributions(client, old)
    longer = make_event(starts_in_days=-1, retention_days=365)
    second_phone = app.test_client()
    live = make_live_session(longer)
    second_phone.post(f"/j/{live.join_code}", data={"consent": "y"})
    second = db.session.scalars(
        select(User).where(User.id != guest.id, User.role == Role.PARTICIPANT)
    ).one()
    now = utcnow()
    # Within the retention period: nothing goes.
    assert purge_expired(now)["event_participants"] == 0
    db.session.commit()
    assert db.session.get(User, guest.id) is not None
    later = old.ends_at + dt.timedelta(days=old.retention_days, hours=1)
    counts = purge_expired(later)
    db.session.commit()
    assert counts["event_participants"] == 1
    assert db.session.get(User, guest.id) is None
    assert db.session.get(User, second.id) is not None  # its event keeps data for a year
    assert db.session.get(Idea, own.id).author_id is None  # ideas stay, without a name
    vote = db.session.scalars(select(Vote).where(Vote.idea_id == other.id)).one()
    assert vote.user_id is None and db.session.get(Idea, other.id).vote_count == 2


def test_the_purge_deletes_guests_whose_event_was_deleted(client):
    event = make_event()
    guest = _join(client, event)
    db.session.delete(event)
    db.session.commit()
    assert purge_expired(utcnow())["event_participants"] == 1
    db.session.commit()
    assert db.session.get(User, guest.id) is None


def test_the_purge_command_runs_the_step(client, runner):
    event = make_event(starts_in_days=-200)
    _join(client, event)
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_guest_becomes_an_account_with_ideas_and_votes_and_the_export_has_the_evening(
    app, client, outbox
):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=3)
    guest, own, other = _with_contributions(client, event)
    page = client.get(f"/events/{event.slug}/live/account")
    assert page.status_code == 200
    bad = client.post(
        f"/events/{event.slug}/live/account",
        data={"email": "fuchs@example.org", "password": "kurz", "consent": "y"},
    )
    assert bad.status_code == 422 and "fuchs@example.org" in bad.get_data(as_text=True)
    response = client.post(
        f"/events/{event.slug}/live/account",
        data={"email": "fuchs@example.org", "password": "Lange-Nacht-der-Ideen-42", "consent": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, guest.id).email is None  # nothing changes before the link
    link = link_in(outbox(template="confirm_account")[-1])
    confirmed = app.test_client().post(link)
    assert confirmed.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, guest.id)
    assert user.email == "fuchs@example.org" and user.role == Role.CITIZEN
    assert db.session.scalar(select(func.count(User.id))) == 2  # the guest row, the author
    assert db.session.get(Idea, own.id).author_id == user.id
    assert db.session.get(Idea, other.id).vote_count == 2
    purposes = [
        str(r.purpose)
        for r in db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    ]
    assert purposes == ["event_participation", "participation"]

    account = app.test_client()
    login = account.post(
        "/account/login",
        data={"email": "fuchs@example.org", "password": "Lange-Nacht-der-Ideen-42"},
    )
    assert login.status_code == 302
    export = account.get("/account/export").get_json()
    assert export["evenings"][0]["event"] == event.slug
    assert [i["title"] for i in export["ideas"]] == ["Meine Idee"]
    assert export["votes"][0]["weight"] == 2
    assert {c["purpose"] for c in export["consents"]} == {"event_participation", "participation"}
    assert account.get("/account").status_code == 200
