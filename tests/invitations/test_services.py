"""Invitation rules: the audience, exactly one mail per person and event, what each mail
carries, the run's state, and the one-click unsubscribe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.invitations import services
from ideenwerkstatt.invitations.bulk import LINK_PLACEHOLDER
from ideenwerkstatt.invitations.models import Audience, InvitationRun
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus
from ideenwerkstatt.permissions import PermissionDenied
from ideenwerkstatt.privacy.models import ConsentChannel, ConsentRecord, Purpose
from ideenwerkstatt.privacy.services import has_consent, refused_invitations, withdraw_consent
from ideenwerkstatt.registrations.services import register

from ..factories import make_consent, make_event, make_idea, make_theme, make_user, make_vote
from .conftest import consenting_user


def send(event, audience=Audience.CONSENTED, organizer=None):
    run = services.send_invitations(organizer or make_user(role="organizer"), event, audience)
    db.session.commit()
    return run


def invitations(event=None):
    query = select(OutboxMessage).where(OutboxMessage.template == "event_invitation")
    if event is not None:
        query = query.where(OutboxMessage.idempotency_key.like(f"invitation:{event.id}:%"))
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def test_audience_is_who_consents_now_with_a_confirmed_account(app):
    event = make_event()
    yes = consenting_user()
    consenting_user(confirmed=False)  # never confirmed: the consent never took effect
    withdrawn = consenting_user()
    withdraw_consent(withdrawn, Purpose.INVITATIONS, ConsentChannel.ACCOUNT_PAGE)
    make_user()  # never consented
    registered = consenting_user()
    register(registered, event)  # already coming: no invitation needed
    db.session.commit()
    assert services.preview(event, Audience.CONSENTED) == {
        "audience": 1,
        "already_invited": 0,
        "to_send": 1,
    }
    send(event)
    assert [m.user_id for m in invitations()] == [yes.id]


def test_interested_means_ideas_or_votes_in_the_event_themes(app):
    mobility, education = make_theme(), make_theme()
    event = make_event(themes=[mobility])
    author, voter, elsewhere, idle = (consenting_user() for _ in range(4))
    make_idea(author=author, theme=mobility, status="pending")
    make_vote(make_idea(theme=mobility), user=voter)
    make_idea(author=elsewhere, theme=education)
    make_idea(author=make_user(), theme=mobility)  # interested, but no consent
    assert services.preview(event, Audience.INTERESTED)["to_send"] == 2
    assert services.preview(event, Audience.CONSENTED)["to_send"] == 4
    send(event, Audience.INTERESTED)
    assert sorted(m.user_id for m in invitations()) == sorted([author.id, voter.id])
    assert idle.id not in {m.user_id for m in invitations()}


def test_each_person_once_however_often_sent(app):
    event, other_event = make_event(), make_event()
    people = [consenting_user() for _ in range(3)]
    first = send(event)
    second = send(event, organizer=make_user(role="admin"))
    send(other_event)
    assert (first.queued, first.skipped) == (3, 0)
    assert (second.queued, second.skipped, second.audience_size) == (0, 3, 3)
    keys = [m.idempotency_key for m in invitations(event)]
    assert sorted(keys) == sorted(f"invitation:{event.id}:{p.id}" for p in people)
    assert len(invitations(other_event)) == 3
    assert services.preview(event, Audience.CONSENTED) == {
        "audience": 3,
        "already_invited": 3,
        "to_send": 0,
    }
    # A newcomer gets theirs in the next run, nobody else a second one.
    newcomer = consenting_user()
    third = send(event)
    assert third.queued == 1
    assert invitations(event)[-1].user_id == newcomer.id


def test_the_mail_carries_language_calendar_and_one_click_unsubscribe(app):
    event = make_event(title="Hamm von Morgen: Bildung", place="Stadthalle")
    german = consenting_user()
    english = consenting_user(locale="en")
    send(event)
    by_user = {m.user_id: m for m in invitations()}
    de, en = by_user[german.id], by_user[english.id]
    assert de.subject == "Einladung: Hamm von Morgen: Bildung"
    assert "wir laden Sie herzlich" in de.body_text
    # Rendered once per language (the English wording comes with the catalogue).
    assert '<html lang="de">' in de.body_html and '<html lang="en">' in en.body_html
    for message, user in ((de, german), (en, english)):
        url = services.unsubscribe_url(user.id, user.email)
        assert message.headers == {
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        assert url in message.body_text and url in message.body_html
        assert LINK_PLACEHOLDER not in message.body_text + message.body_html
        assert message.recipient == user.email
        assert message.status is OutboxStatus.QUEUED
        [attachment] = message.attachments
        assert attachment["filename"] == "veranstaltung.ics"
        assert "SUMMARY:Hamm von Morgen: Bildung" in attachment["content"]
    # Each person's link is their own.
    assert services.unsubscribe_url(german.id, german.email) not in en.body_text


def test_only_organizers_send_and_only_for_published_upcoming_events(app):
    consenting_user()
    with pytest.raises(PermissionDenied):
        services.send_invitations(make_user(role="moderator"), make_event(), Audience.CONSENTED)
    for fields in ({"phase": "draft"}, {"phase": "closed"}, {"starts_in_days": -1}):
        with pytest.raises(services.InvitationError):
            services.send_invitations(
                make_user(role="organizer"), make_event(**fields), Audience.CONSENTED
            )
    assert invitations() == []
    assert db.session.scalar(select(InvitationRun.id)) is None


def test_run_state_counts_the_runs_own_mails(app):
    event = make_event()
    people = [consenting_user() for _ in range(4)]
    run = send(event)
    rows = {m.user_id: m for m in invitations()}
    rows[people[0].id].status = OutboxStatus.SENT
    rows[people[1].id].status = OutboxStatus.FAILED
    rows[people[1].id].last_error = "550 5.1.1 Mailbox unavailable"
    db.session.commit()
    withdraw_consent(people[2], Purpose.INVITATIONS, ConsentChannel.UNSUBSCRIBE_LINK)
    db.session.commit()
    assert services.run_state(run) == {
        "queued": 1,
        "sent": 1,
        "failed": 1,
        "withdrawn": 1,
        "gone": 0,
    }
    assert services.failures(run) == [("550 5.1.1 Mailbox unavailable", 1)]
    # A later run for the same event has its own numbers.
    consenting_user()
    later = send(event)
    assert services.run_state(later)["queued"] == 1
    assert services.run_state(run)["queued"] == 1


def test_unsubscribe_withdraws_in_the_ledger_and_cancels_queued_mail(app):
    event = make_event()
    user = consenting_user()
    send(event)
    token = services.unsubscribe_token(user.id, user.email)
    assert services.user_for_unsubscribe_token(token).id == user.id
    services.unsubscribe(user)
    db.session.commit()
    assert not has_consent(user, Purpose.INVITATIONS)
    newest = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
    ).all()[-1]
    assert (newest.action, newest.channel) == ("withdrawn", "unsubscribe_link")
    assert [m.status for m in invitations()] == [OutboxStatus.CANCELLED]


def test_unsubscribe_tokens_cannot_be_forged_or_reused_for_another_account(app):
    user = consenting_user()
    token = services.unsubscribe_token(user.id, user.email)
    assert services.user_for_unsubscribe_token(token[:-3] + "abc") is False
    assert services.user_for_unsubscribe_token("nonsense") is False
    other_id_same_token = services.unsubscribe_token(user.id, "someone@example.org")
    assert services.user_for_unsubscribe_token(other_id_same_token) is None


def test_send_check_refuses_mail_to_people_who_withdrew(app):
    event = make_event()
    stays, leaves = consenting_user(), consenting_user()
    send(event)
    # A withdrawal recorded while the mail was already claimed (so not cancelled in the queue).
    make_consent(leaves, "invitations", action="withdrawn", channel="unsubscribe_link")
    ids = [m.id for m in invitations()]
    refused = refused_invitations(db.session, ids)
    assert refused == {m.id for m in invitations() if m.user_id == leaves.id}
    assert stays.id != leaves.id


def test_fast_token_signer_writes_what_itsdangerous_reads(app):
    from ideenwerkstatt.invitations.bulk import TokenSigner

    serializer = services._serializer()
    payload = [12345, "0123456789abcdef"]
    assert TokenSigner(serializer).dumps(payload) == serializer.dumps(payload)
    assert serializer.loads(TokenSigner(serializer).dumps(payload)) == payload
