"""The consent ledger: append-only, state derived from the newest record, withdraw and grant."""

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.models import OutboxStatus
from ideenwerkstatt.privacy import services
from ideenwerkstatt.privacy.models import (
    ConsentAction,
    ConsentChannel,
    ConsentRecord,
    LedgerIsAppendOnly,
    Purpose,
)
from tests.factories import make_consent, make_outbox_message, make_user

GRANTED, WITHDRAWN = ConsentAction.GRANTED, ConsentAction.WITHDRAWN


def records_of(user, purpose=None):
    query = select(ConsentRecord).where(ConsentRecord.user_id == user.id)
    if purpose:
        query = query.where(ConsentRecord.purpose == purpose)
    return list(db.session.scalars(query.order_by(ConsentRecord.id)))


def test_a_record_cannot_be_changed_through_the_orm(app):
    record = make_consent(make_user(), "invitations")
    record.action = WITHDRAWN
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(ConsentRecord, record.id).action is GRANTED


def test_a_record_cannot_be_deleted_one_by_one(app):
    record = make_consent(make_user(), "invitations")
    db.session.delete(record)
    with pytest.raises(LedgerIsAppendOnly):
        db.session.flush()


def test_state_is_the_newest_record_per_purpose(app):
    user, other = make_user(), make_user()
    start = utcnow() - dt.timedelta(days=10)
    make_consent(user, "participation", at=start)
    make_consent(user, "invitations", at=start)
    make_consent(user, "invitations", "withdrawn", "account_page", at=start + dt.timedelta(days=1))
    newest = make_consent(user, "invitations", "granted", "account_page", locale="en")
    make_consent(other, "invitations", "withdrawn", "account_page")

    state = services.consent_state(user)
    assert state[Purpose.PARTICIPATION].action is GRANTED
    assert state[Purpose.INVITATIONS].id == newest.id
    assert state[Purpose.INVITATIONS].consent_text.locale == "en"
    assert services.has_consent(user, Purpose.INVITATIONS)
    assert not services.has_consent(other, Purpose.INVITATIONS)
    assert services.consent_state(make_user()) == {p: None for p in Purpose}


def test_state_takes_one_query(app):
    user = make_user()
    for action in ("granted", "withdrawn", "granted"):
        make_consent(user, "invitations", action)
    make_consent(user, "participation")
    db.session.expire_all()
    assert user.id  # the user is loaded (and the transaction begun) before counting
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        state = services.consent_state(user)
        assert state[Purpose.INVITATIONS].consent_text.text  # loaded with the record
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_confirmation_grants_the_chosen_consents(app):
    user = make_user(confirmed=False)
    ids = [
        services.consent_text_row(Purpose.PARTICIPATION, "de").id,
        services.consent_text_row(Purpose.INVITATIONS, "de").id,
    ]
    records = services.grant_consents_on_confirmation(user, ids)
    assert [(r.purpose, r.action, r.channel) for r in records] == [
        (Purpose.PARTICIPATION, GRANTED, ConsentChannel.REGISTRATION),
        (Purpose.INVITATIONS, GRANTED, ConsentChannel.REGISTRATION),
    ]
    # Following the link again records nothing twice.
    assert services.grant_consents_on_confirmation(user, ids) == []
    assert len(records_of(user)) == 2


def test_confirmation_without_invitations_grants_only_participation(app):
    user = make_user()
    services.grant_consents_on_confirmation(
        user, [services.consent_text_row(Purpose.PARTICIPATION, "en").id]
    )
    assert services.has_consent(user, Purpose.PARTICIPATION)
    assert services.consent_state(user)[Purpose.INVITATIONS] is None


def test_confirmation_with_an_unknown_text_id_is_refused(app):
    with pytest.raises(ValueError):
        services.grant_consents_on_confirmation(make_user(), [12345])


def test_record_refuses_a_text_of_another_purpose(app):
    text = services.consent_text_row(Purpose.PARTICIPATION, "de")
    with pytest.raises(ValueError):
        services.record_consent(
            make_user(), Purpose.INVITATIONS, GRANTED, ConsentChannel.ACCOUNT_PAGE, text
        )


def test_withdraw_is_idempotent_and_points_at_the_granted_text(app):
    user = make_user()
    granted = make_consent(user, "invitations", locale="en")
    record = services.withdraw_consent(user, Purpose.INVITATIONS, ConsentChannel.ACCOUNT_PAGE)
    assert record.action is WITHDRAWN and record.channel is ConsentChannel.ACCOUNT_PAGE
    assert record.consent_text_id == granted.consent_text_id
    again = services.withdraw_consent(user, Purpose.INVITATIONS, ConsentChannel.UNSUBSCRIBE_LINK)
    assert again is None
    assert [r.action for r in records_of(user)] == [GRANTED, WITHDRAWN]


def test_withdrawing_what_was_never_granted_records_nothing(app):
    user = make_user()
    assert services.withdraw_consent(user, "invitations", ConsentChannel.ACCOUNT_PAGE) is None
    assert records_of(user) == []


def test_grant_is_idempotent(app):
    user = make_user()
    record = services.grant_consent(user, Purpose.INVITATIONS, ConsentChannel.ACCOUNT_PAGE, "en")
    assert record.action is GRANTED and record.consent_text.locale == "en"
    assert services.grant_consent(user, "invitations", ConsentChannel.ACCOUNT_PAGE, "de") is None
    services.withdraw_consent(user, Purpose.INVITATIONS, ConsentChannel.ACCOUNT_PAGE)
    assert services.grant_consent(user, "invitations", ConsentChannel.ACCOUNT_PAGE, "de")
    assert [r.action for r in records_of(user)] == [GRANTED, WITHDRAWN, GRANTED]


def test_grant_renews_a_consent_given_to_an_older_version(app, monkeypatch):
    from ideenwerkstatt.privacy import consent_texts

    user = make_user()
    make_consent(user, "invitations")
    monkeypatch.setitem(
        consent_texts.CONSENT_TEXTS, ("invitations", 2), {"de": "Neu " * 40, "en": "New " * 40}
    )
    monkeypatch.setitem(consent_texts.CURRENT_VERSIONS, "invitations", 2)
    overview = {c["purpose"]: c for c in services.consent_overview(user)}
    assert overview[Purpose.INVITATIONS]["outdated"]
    assert overview[Purpose.INVITATIONS]["can_grant"]
    record = services.grant_consent(user, "invitations", ConsentChannel.ACCOUNT_PAGE, "de")
    assert record.consent_text.version == 2
    assert services.grant_consent(user, "invitations", ConsentChannel.ACCOUNT_PAGE, "de") is None


def test_participation_cannot_be_withdrawn_or_granted_on_its_own(app):
    user = make_user()
    make_consent(user, "participation")
    with pytest.raises(services.ParticipationWithdrawalIsDeletion):
        services.withdraw_consent(user, Purpose.PARTICIPATION, ConsentChannel.ACCOUNT_PAGE)
    with pytest.raises(services.NotSelfService):
        services.grant_consent(user, Purpose.PARTICIPATION, ConsentChannel.ACCOUNT_PAGE, "de")
    assert services.has_consent(user, Purpose.PARTICIPATION)
    assert len(records_of(user)) == 1


def test_withdrawing_invitations_cancels_queued_invitations_only(app):
    user, other = make_user(), make_user()
    make_consent(user, "invitations")
    invitation = make_outbox_message(user, "event_invitation")
    reminder = make_outbox_message(user, "event_reminder")
    sent = make_outbox_message(user, "event_invitation", status="sent")
    confirmation = make_outbox_message(user, "account_confirm")
    others = make_outbox_message(other, "event_invitation")

    services.withdraw_consent(user, Purpose.INVITATIONS, ConsentChannel.UNSUBSCRIBE_LINK)
    db.session.commit()
    status = {
        m.id: db.session.get(type(m), m.id).status
        for m in (invitation, reminder, sent, confirmation, others)
    }
    assert status == {
        invitation.id: OutboxStatus.CANCELLED,
        reminder.id: OutboxStatus.CANCELLED,
        sent.id: OutboxStatus.SENT,
        confirmation.id: OutboxStatus.QUEUED,
        others.id: OutboxStatus.QUEUED,
    }


def test_overview_shows_state_version_and_the_exact_text(app):
    user = make_user(locale="en")
    since = utcnow() - dt.timedelta(days=3)
    participation = make_consent(user, "participation", locale="en", at=since)
    make_consent(user, "invitations", at=since)
    make_consent(user, "invitations", "withdrawn", "account_page")

    overview = services.consent_overview(user)
    assert [c["purpose"] for c in overview] == [Purpose.PARTICIPATION, Purpose.INVITATIONS]
    first, second = overview
    assert first["state"] == "granted" and first["required"]
    assert first["changed_at"] == participation.created_at
    assert first["version"] == 1 and first["text"] == participation.consent_text.text
    assert first["can_withdraw"] and not first["can_grant"]
    assert second["state"] == "withdrawn" and second["locale"] == "de"
    assert second["can_grant"] and not second["can_withdraw"]
    assert second["offer_locale"] == "en" and second["offer_text"].startswith("We send you")
    assert services.consent_overview(user, "de")[1]["offer_locale"] == "de"


def test_overview_of_someone_who_never_decided(app):
    (participation, invitations) = services.consent_overview(make_user())
    assert participation["state"] == invitations["state"] == "never"
    assert invitations["text"] is None and invitations["can_grant"]
    assert not participation["can_grant"] and not participation["can_withdraw"]


def test_who_may_be_invited(app):
    yes, no, withdrawn = make_user(), make_user(), make_user()
    unconfirmed = make_user(confirmed=False)
    make_consent(yes, "invitations")
    make_consent(withdrawn, "invitations")
    make_consent(withdrawn, "invitations", "withdrawn", "unsubscribe_link")
    make_consent(unconfirmed, "invitations")
    make_consent(no, "participation")
    ids = set(db.session.scalars(select(User.id).where(services.may_be_invited(User.id))))
    assert ids == {yes.id}
    assert db.session.scalar(select(func.count()).select_from(ConsentRecord)) == 5
