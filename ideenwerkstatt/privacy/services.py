"""Privacy rules: the consent ledger, "invitations need consent", the data export, account
deletion and the retention purge.

Plain functions with an explicit user; they never touch the request and only flush. Later
features plug into export, erasure and purge through the three registries at the bottom
(`register_export_section`, `register_erasure_step`, `register_purge_step`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..accounts.models import AccountToken, LoginSession, User
from ..database import try_job_lock, utcnow
from ..extensions import db
from ..mail.delivery import register_send_check
from ..mail.models import OutboxMessage, OutboxStatus
from . import consent_texts
from .models import ConsentAction, ConsentChannel, ConsentRecord, ConsentText, Purpose

# Purposes a person may grant and withdraw on their own. Participation is granted once,
# at registration, and "withdrawn" only by deleting the account.
SELF_SERVICE_PURPOSES = frozenset({Purpose.INVITATIONS})


class ParticipationWithdrawalIsDeletion(ValueError):
    """Participation cannot be withdrawn on its own: it is what an account rests on, so
    withdrawing it means deleting the account (flow 9)."""


class NotSelfService(ValueError):
    """The purpose cannot be granted from the account page (participation is granted at
    registration only)."""


# --- consent texts -----------------------------------------------------------------------


def current_consent_wording(purpose: Purpose, locale: str) -> tuple[int, str]:
    """The (version, text) to show for `purpose` now, in `locale` (German for any language
    we have no wording in). Writes nothing."""
    purpose = Purpose(purpose)
    version = consent_texts.CURRENT_VERSIONS[purpose]
    _code, text = consent_texts.wording(purpose, version, locale)
    return version, text


def _find_text_row(purpose: Purpose, version: int, locale: str) -> ConsentText | None:
    return db.session.scalar(
        select(ConsentText).where(
            ConsentText.purpose == purpose,
            ConsentText.version == version,
            ConsentText.locale == locale,
        )
    )


def consent_text_row(purpose: Purpose, locale: str, version: int | None = None) -> ConsentText:
    """The database row holding the exact wording of `purpose`, `version` (default: the
    current one) in `locale` (German when we have no wording in it); created on first use
    (flush only). Two requests creating the same row at once are fine: the loser's insert
    is rolled back to a savepoint and the winner's row returned.

    Raises ValueError for a version that does not exist."""
    purpose = Purpose(purpose)
    if version is None:
        version = consent_texts.CURRENT_VERSIONS[purpose]
    try:
        code, text = consent_texts.wording(purpose, version, locale)
    except KeyError:
        raise ValueError(f"there is no version {version} of the {purpose} consent text") from None
    row = _find_text_row(purpose, version, code)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = ConsentText(purpose=purpose, version=version, locale=code, text=text)
            db.session.add(row)
    except IntegrityError:
        # Another transaction stored the same wording between our select and insert.
        row = _find_text_row(purpose, version, code)
        if row is None:
            raise
    return row


# --- the ledger ----------------------------------------------------------------------------


def record_consent(
    user: User,
    purpose: Purpose,
    action: ConsentAction,
    channel: ConsentChannel,
    consent_text: ConsentText,
) -> ConsentRecord:
    """Append one decision to the ledger (flush only). The ledger is never edited: the
    current state is always the newest record per purpose.

    Raises ValueError when the text belongs to another purpose."""
    purpose = Purpose(purpose)
    if Purpose(consent_text.purpose) is not purpose:
        raise ValueError("the consent text belongs to another purpose")
    record = ConsentRecord(
        user_id=user.id,
        purpose=purpose,
        action=ConsentAction(action),
        channel=ConsentChannel(channel),
        consent_text=consent_text,
        created_at=utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    return record


def grant_consents_on_confirmation(user: User, consent_text_ids: list[int]) -> list[ConsentRecord]:
    """Put the consents chosen at registration into effect: one GRANTED record (channel
    REGISTRATION) per consent text id. Called when the double opt-in link is followed,
    because a consent takes effect only then. A purpose already granted with that very
    text is skipped, so following the link twice records nothing twice (flush only).

    Raises ValueError for an id that is not a stored consent text."""
    wanted = list(dict.fromkeys(int(i) for i in consent_text_ids))
    if not wanted:
        return []
    texts = {
        t.id: t for t in db.session.scalars(select(ConsentText).where(ConsentText.id.in_(wanted)))
    }
    missing = [i for i in wanted if i not in texts]
    if missing:
        raise ValueError(f"unknown consent text ids: {missing}")
    state = consent_state(user)
    records = []
    for text_id in wanted:
        text = texts[text_id]
        newest = state.get(Purpose(text.purpose))
        if (
            newest is not None
            and newest.action is ConsentAction.GRANTED
            and newest.consent_text_id == text.id
        ):
            continue
        record = record_consent(
            user, text.purpose, ConsentAction.GRANTED, ConsentChannel.REGISTRATION, text
        )
        state[Purpose(text.purpose)] = record
        records.append(record)
    return records


def consent_state(user: User) -> dict[Purpose, ConsentRecord | None]:
    """The newest ledger record per purpose (None: never decided), in one query."""
    newest_ids = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.user_id == user.id)
        .group_by(ConsentRecord.purpose)
    )
    state: dict[Purpose, ConsentRecord | None] = {purpose: None for purpose in Purpose}
    for record in db.session.scalars(select(ConsentRecord).where(ConsentRecord.id.in_(newest_ids))):
        state[Purpose(record.purpose)] = record
    return state


def has_consent(user: User, purpose: Purpose) -> bool:
    """True when the newest record for `purpose` is a grant."""
    record = consent_state(user)[Purpose(purpose)]
    return record is not None and record.action is ConsentAction.GRANTED


def consent_overview(user: User, locale: str | None = None) -> list[dict]:
    """One entry per purpose for the account page (`templates/privacy/_consents.html`):

    purpose, label, required, state ("granted" | "withdrawn" | "never"), changed_at,
    version and text (the exact wording of the newest decision, or None), locale,
    can_withdraw, can_grant, and offer_version / offer_locale / offer_text: the wording a
    grant would agree to now (in `locale`, default the user's language)."""
    locale = consent_texts.normalize_locale(locale or user.locale)
    state = consent_state(user)
    overview = []
    for purpose in map(Purpose, consent_texts.PURPOSES):
        record = state[purpose]
        if record is None and purpose in consent_texts.EVENT_PURPOSES:
            continue  # given on an evening's join page, never offered here
        offer_version, offer_text = current_consent_wording(purpose, locale)
        granted = record is not None and record.action is ConsentAction.GRANTED
        outdated = granted and record.consent_text.version < offer_version
        overview.append(
            {
                "purpose": purpose,
                "label": consent_texts.PURPOSE_LABELS[purpose],
                "required": purpose in consent_texts.REQUIRED_PURPOSES,
                "state": "never" if record is None else str(record.action),
                "changed_at": record.created_at if record else None,
                "version": record.consent_text.version if record else None,
                "locale": record.consent_text.locale if record else None,
                "text": record.consent_text.text if record else None,
                "outdated": outdated,
                # An evening's consent is withdrawn on that evening's page (live.my_data).
                "can_withdraw": granted and purpose not in consent_texts.EVENT_PURPOSES,
                "can_grant": purpose in SELF_SERVICE_PURPOSES and (not granted or outdated),
                "offer_version": offer_version,
                "offer_locale": locale,
                "offer_text": offer_text,
            }
        )
    return overview


def withdraw_consent(user: User, purpose: Purpose, channel: ConsentChannel) -> ConsentRecord | None:
    """Withdraw a consent, effective at once (flush only). Invitations is the one purpose a
    person withdraws on its own: `withdraw_invitations`. Returns the WITHDRAWN record, or
    None when nothing was granted.

    Raises ParticipationWithdrawalIsDeletion for participation (that is account deletion)."""
    purpose = Purpose(purpose)
    if purpose is Purpose.PARTICIPATION:
        raise ParticipationWithdrawalIsDeletion(
            "participation is withdrawn by deleting the account (delete_account)"
        )
    return withdraw_invitations(user, channel)


def grant_consent(
    user: User, purpose: Purpose, channel: ConsentChannel, locale: str
) -> ConsentRecord | None:
    """Grant a self-service consent (invitations) with the current wording in `locale`
    (flush only). Already granted with the current version: records nothing, returns None.
    Granted with an older version: records a grant of the current one.

    Raises NotSelfService for participation (granted at registration only)."""
    purpose = Purpose(purpose)
    if purpose not in SELF_SERVICE_PURPOSES:
        raise NotSelfService(f"the {purpose} consent cannot be granted from the account")
    record = consent_state(user)[purpose]
    current = consent_texts.CURRENT_VERSIONS[purpose]
    if (
        record is not None
        and record.action is ConsentAction.GRANTED
        and record.consent_text.version >= current
    ):
        return None
    text = consent_text_row(purpose, locale)
    return record_consent(user, purpose, ConsentAction.GRANTED, channel, text)


# --- invitations need consent ----------------------------------------------------------------
#
# The one home of the rule. Mail beyond a person's own contributions (invitations to events,
# news of what became of an idea they voted on) reaches them only while they consent to
# invitations: `may_be_invited` answers "may this person be invited now?" when mail is
# queued (the invitations audience, its preview, outcome news) and, through
# `refused_invitations`, again right before each such mail is sent; `withdraw_invitations`
# carries out a withdrawal (account page, unsubscribe link, account deletion).

# Mail that leaves only with the consent, and why it is cancelled when it is missing at
# send time (mail.delivery.register_send_check; `register_send_checks` below).
NEEDS_INVITATIONS_CONSENT = {
    "event_invitation": "consent to invitations withdrawn before delivery",
    "idea_outcome_voter": "no invitations consent",
    "idea_merged_voter": "no invitations consent",
}

# Queued mail a withdrawal cancels at once: it exists only because of the consent (the
# events' invitations and reminders).
INVITATION_TEMPLATES = {"event_invitation", "event_reminder"}


def may_be_invited(user_id):
    """SQL truth for "may this person be invited now?", for any column or value holding a
    user id: the account is confirmed (a consent given at registration takes effect only
    then) and the person's newest decision on invitations is a grant. The newest decision
    is looked up by the ledger's (user, purpose, id) index, so one person costs one index
    probe, whether in a bulk SELECT over users or in the check before a single mail."""
    newest = (
        select(ConsentRecord.action)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.purpose == Purpose.INVITATIONS)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    person = aliased(User)
    confirmed = exists().where(person.id == user_id, person.confirmed_at.is_not(None))
    return and_(newest == ConsentAction.GRANTED, confirmed)


def refused_invitations(session: Session, ids: list[int]) -> set[int]:
    """Send-time check (mail.delivery.register_send_check) for mail that needs the
    invitations consent: the outbox ids among `ids` whose recipient may not be invited now
    (`may_be_invited`). It runs before every single mail, so its statement is built once."""
    allowed = session.scalars(_invitable_outbox_ids(), {"ids": list(ids)})
    return set(ids) - set(allowed)


@cache
def _invitable_outbox_ids():
    return select(OutboxMessage.id).where(
        OutboxMessage.id.in_(bindparam("ids", expanding=True)),
        may_be_invited(OutboxMessage.user_id),
    )


def register_send_checks() -> None:
    """Have the outbox ask `refused_invitations` before sending any mail that needs the
    consent (NEEDS_INVITATIONS_CONSENT)."""
    for template, reason in NEEDS_INVITATIONS_CONSENT.items():
        register_send_check(template, refused_invitations, reason)


def withdraw_invitations(user: User, channel: ConsentChannel) -> ConsentRecord | None:
    """Carry out a withdrawal of the invitations consent, effective at once (flush only): a
    WITHDRAWN record (channel `channel`) pointing at the text that was granted, and every
    invitation or reminder still queued for the person cancelled, also when nothing was
    granted: no invitation may leave without consent. Withdrawing twice records nothing
    twice. Returns the new record, or None when the consent was not granted."""
    record = consent_state(user)[Purpose.INVITATIONS]
    withdrawn = None
    if record is not None and record.action is ConsentAction.GRANTED:
        withdrawn = record_consent(
            user, Purpose.INVITATIONS, ConsentAction.WITHDRAWN, channel, record.consent_text
        )
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.user_id == user.id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.template.in_(sorted(INVITATION_TEMPLATES)),
        )
        .values(status=OutboxStatus.CANCELLED, last_error="consent withdrawn")
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return withdrawn


# --- export (Art. 15 and 20 GDPR) ---------------------------------------------------------

_export_sections: dict[str, Callable[[User], Any]] = {}
_erasure_steps: dict[str, Callable[[User, bool], None]] = {}
_purge_steps: dict[str, Callable[[dt.datetime], int]] = {}

BUILT_IN_SECTIONS = frozenset(
    {"export", "account", "login_sessions", "account_links", "consents", "mails"}
)


def register_export_section(name: str, fn: Callable[[User], Any]) -> None:
    """Add a section `name` to every data export: `fn(user)` returns JSON-serialisable data
    (dicts, lists, strings, numbers, None; datetimes as ISO strings). Registering a name
    again replaces the earlier function. Raises ValueError for a built-in section name."""
    if name in BUILT_IN_SECTIONS:
        raise ValueError(f"{name!r} is a built-in export section")
    _export_sections[name] = fn


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(user: User) -> dict:
    """Everything stored about `user`, as JSON-serialisable data: the account, login
    sessions, pending mail links, the whole consent ledger with the exact texts, mails to
    them, and each registered section. Only the password is left out: it is stored as a
    salted hash that cannot be turned back into the password."""
    sessions = db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    tokens = db.session.scalars(
        select(AccountToken).where(AccountToken.user_id == user.id).order_by(AccountToken.id)
    )
    records = db.session.scalars(
        select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
    )
    mails = db.session.scalars(
        select(OutboxMessage)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.recipient == user.email))
        .order_by(OutboxMessage.id)
    )
    data: dict[str, Any] = {
        "export": {
            "format": "ideenwerkstatt-export",
            "format_version": 1,
            "created_at": _iso(utcnow()),
        },
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": str(user.role),
            "locale": user.locale,
            "created_at": _iso(user.created_at),
            "confirmed_at": _iso(user.confirmed_at),
            "password": (
                "Stored only as a salted hash (scrypt), from which the password cannot be "
                "recovered; therefore not part of this export."
            ),
        },
        "login_sessions": [
            {"created_at": _iso(s.created_at), "last_seen_at": _iso(s.last_seen_at)}
            for s in sessions
        ],
        "account_links": [
            {
                "purpose": str(t.purpose),
                "created_at": _iso(t.created_at),
                "expires_at": _iso(t.expires_at),
                "used_at": _iso(t.used_at),
            }
            for t in tokens
        ],
        "consents": [
            {
                "purpose": str(r.purpose),
                "action": str(r.action),
                "channel": str(r.channel),
                "created_at": _iso(r.created_at),
                "text_version": r.consent_text.version,
                "text_locale": r.consent_text.locale,
                "text": r.consent_text.text,
            }
            for r in records
        ],
        "mails": [
            {
                "template": m.template,
                "recipient": m.recipient,
                "subject": m.subject,
                "status": str(m.status),
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in mails
        ],
    }
    for name, fn in _export_sections.items():
        data[name] = fn(user)
    return data


# --- account deletion (flow 9) ------------------------------------------------------------


def register_erasure_step(fn: Callable[[User, bool], None]) -> None:
    """Run `fn(user, keep_contributions)` at the start of every account deletion, before
    the user row goes: delete the person's content, or (keep_contributions=True) detach it
    so it shows as "deleted account". Flush only. Registering the same function (same
    module and name) again replaces it."""
    _erasure_steps[f"{fn.__module__}.{fn.__qualname__}"] = fn


def delete_account(user: User, *, keep_contributions: bool) -> None:
    """Erase `user` at once (flush only): the registered erasure steps first, then every
    mail to them in the outbox, then the user row, whose deletion takes their login
    sessions (so an old session cookie is worthless), mail-link tokens and consent ledger
    with it (ON DELETE CASCADE). Contributions go or stay as `keep_contributions` says.
    The invitations consent is withdrawn first (`withdraw_invitations`), so that nothing
    queued for the person can still leave while the deletion runs."""
    withdraw_invitations(user, ConsentChannel.ACCOUNT_DELETION)
    for step in list(_erasure_steps.values()):
        step(user, keep_contributions)
    db.session.execute(
        delete(OutboxMessage)
        .where(or_(OutboxMessage.user_id == user.id, OutboxMessage.recipient == user.email))
        .execution_options(synchronize_session="fetch")
    )
    # Loaded ledger rows would be in the way of the before_flush guard only if deleted
    # through the ORM; the database cascade removes them, so just forget them here.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, ConsentRecord | AccountToken) and obj.user_id == user.id:
            db.session.expunge(obj)
    db.session.delete(user)
    db.session.flush()


# --- retention (flow 10) ------------------------------------------------------------------


def register_purge_step(name: str, fn: Callable[[dt.datetime], int]) -> None:
    """Run `fn(now)` in every retention purge; it deletes what has outlived its purpose in
    bulk and returns how many rows went (reported under `name`). Registering a name again
    replaces the earlier function."""
    _purge_steps[name] = fn


# A used confirmation or reset link is kept this long, so that a second click can still be
# answered with "this link was already used" instead of "invalid link".
USED_TOKEN_GRACE = dt.timedelta(days=1)


def _bulk_delete(statement) -> int:
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount or 0


def purge_expired(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what has outlived its purpose, in bulk, and say how many rows per kind
    (flush only): accounts never confirmed within UNCONFIRMED_ACCOUNT_DAYS (with their
    mails, tokens and ledger), expired or used mail-link tokens, login sessions unused for
    LOGIN_SESSION_MAX_AGE, sent/failed/cancelled mails older than SENT_MAIL_RETENTION_DAYS,
    and whatever the registered purge steps delete. An empty dict when another server is
    running the purge right now (PostgreSQL advisory lock, `try_job_lock`); a later run at
    the same due time finds nothing left to delete."""
    now = now or utcnow()
    if not try_job_lock("retention_purge"):
        return {}
    config = current_app.config
    counts: dict[str, int] = {}

    unconfirmed_before = now - dt.timedelta(days=config["UNCONFIRMED_ACCOUNT_DAYS"])
    unconfirmed = select(User.id).where(
        User.confirmed_at.is_(None), User.created_at < unconfirmed_before
    )
    unconfirmed_mails = _bulk_delete(
        delete(OutboxMessage).where(OutboxMessage.user_id.in_(unconfirmed))
    )
    counts["unconfirmed_accounts"] = _bulk_delete(
        delete(User).where(User.confirmed_at.is_(None), User.created_at < unconfirmed_before)
    )
    counts["account_tokens"] = _bulk_delete(
        delete(AccountToken).where(
            or_(AccountToken.expires_at < now, AccountToken.used_at < now - USED_TOKEN_GRACE)
        )
    )
    session_cutoff = now - dt.timedelta(seconds=config["LOGIN_SESSION_MAX_AGE"])
    counts["login_sessions"] = _bulk_delete(
        delete(LoginSession).where(LoginSession.last_seen_at < session_cutoff)
    )
    mail_cutoff = now - dt.timedelta(days=config["SENT_MAIL_RETENTION_DAYS"])
    counts["outbox_messages"] = unconfirmed_mails + _bulk_delete(
        delete(OutboxMessage).where(
            OutboxMessage.status.in_(
                [OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED]
            ),
            func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < mail_cutoff,
        )
    )
    for name, step in list(_purge_steps.items()):
        counts[name] = step(now)
    db.session.flush()
    # Bulk deletes bypass the session: forget any loaded rows they may have removed.
    db.session.expire_all()
    return counts
