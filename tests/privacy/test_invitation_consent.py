""" "Invitations need consent" has one home (privacy.services): who may be invited, the
send-time check built on it, and the one withdrawal used by every way of withdrawing."""

from __future__ import annotations

from sqlalchemy import select

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail import delivery
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus
from ideenwerkstatt.privacy import services
from ideenwerkstatt.privacy.models import ConsentAction, ConsentChannel, ConsentRecord, Purpose
from tests.factories import make_consent, make_outbox_message, make_user


def test_the_mail_that_needs_the_consent_is_checked_by_the_one_rule(app):
    for template in ("event_invitation", "idea_outcome_voter"):
        check, reason = delivery._send_checks[template]
        assert check is services.refused_invitations
        assert reason == services.NEEDS_INVITATIONS_CONSENT[template]


def test_send_time_check_and_bulk_selection_agree(app):
    yes, withdrawn, unconfirmed, never = (
        make_user(),
        make_user(),
        make_user(confirmed=False),
        make_user(),
    )
    for person in (yes, withdrawn, unconfirmed):
        make_consent(person, "invitations")
    make_consent(withdrawn, "invitations", "withdrawn", "account_page")
    mails = {
        person.id: make_outbox_message(person, "event_invitation", commit=False).id
        for person in (yes, withdrawn, unconfirmed, never)
    }
    db.session.commit()
    invitable = set(db.session.scalars(select(User.id).where(services.may_be_invited(User.id))))
    assert invitable == {yes.id}
    refused = services.refused_invitations(db.session, list(mails.values()))
    assert refused == {mails[withdrawn.id], mails[unconfirmed.id], mails[never.id]}


def test_account_deletion_withdraws_before_anything_else(app, monkeypatch):
    user = make_user()
    make_consent(user, "invitations")
    invitation = make_outbox_message(user, "event_invitation")
    seen = {}

    def look(person, keep_contributions):
        # An erasure step runs after the withdrawal: nothing queued may still leave.
        seen["newest"] = services.consent_state(person)[Purpose.INVITATIONS].action
        seen["invitation"] = db.session.get(OutboxMessage, invitation.id).status

    monkeypatch.setattr(services, "_erasure_steps", {})
    services.register_erasure_step(look)
    services.delete_account(user, keep_contributions=False)
    assert seen == {"newest": ConsentAction.WITHDRAWN, "invitation": OutboxStatus.CANCELLED}
    db.session.commit()
    assert db.session.scalars(select(ConsentRecord)).all() == []  # gone with the account


def test_withdrawing_on_the_account_page_and_by_link_is_the_same_withdrawal(app):
    by_page, by_link = make_user(), make_user()
    queued = {}
    for person in (by_page, by_link):
        make_consent(person, "invitations")
        queued[person.id] = make_outbox_message(person, "event_reminder").id
    services.withdraw_consent(by_page, Purpose.INVITATIONS, ConsentChannel.ACCOUNT_PAGE)
    services.withdraw_invitations(by_link, ConsentChannel.UNSUBSCRIBE_LINK)
    db.session.commit()
    for person, channel in ((by_page, "account_page"), (by_link, "unsubscribe_link")):
        newest = services.consent_state(person)[Purpose.INVITATIONS]
        assert (newest.action, newest.channel) == (ConsentAction.WITHDRAWN, channel)
        assert db.session.get(OutboxMessage, queued[person.id]).status is OutboxStatus.CANCELLED
