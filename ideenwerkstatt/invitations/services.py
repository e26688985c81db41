"""Invitations: who an invitation reaches, sending it exactly once per person and event, the
state of each run, and the one-click unsubscribe link every invitation carries.

Audiences (both only people who may be invited now, privacy.services.may_be_invited: a
confirmed account whose newest invitations decision is a grant; and not already registered
for the event):
- CONSENTED: everyone who consented to invitations;
- INTERESTED: of those, people who submitted an idea in one of the event's themes or voted
  on one (any state of the idea: the interest is theirs either way).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import String, and_, cast, exists, func, literal, or_, select

from ..accounts.models import User
from ..accounts.services import absolute_url
from ..database import utcnow
from ..events.models import Event, Phase
from ..extensions import db
from ..ideas.models import Idea
from ..live.presentation import announced_join_url
from ..mail.models import OutboxMessage, OutboxStatus
from ..permissions import PermissionDenied, can_invite
from ..privacy.models import ConsentChannel
from ..privacy.services import may_be_invited, withdraw_invitations
from ..registrations.models import Registration, RegistrationStatus
from ..registrations.services import calendar_attachment, event_url
from ..votes.models import Vote
from .bulk import LinkMaker, Recipient, TokenSigner, queue_bulk
from .models import Audience, InvitationRun

INVITATION_TEMPLATE = "event_invitation"
UNSUBSCRIBE_SALT = "unsubscribe-invitations"


class InvitationError(Exception):
    """The invitation cannot be sent; `message` is for people (German source)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def invitation_key(event_id: int, user_id: int) -> str:
    return f"invitation:{event_id}:{user_id}"


def _key_for_user(prefix: str, event_id: int):
    """SQL for `<prefix>:<event_id>:<User.id>`, to look a person's key up in the outbox."""
    return literal(f"{prefix}:{event_id}:", String) + cast(User.id, String)


def open_for_invitations(event: Event, now: dt.datetime | None = None) -> bool:
    """Invitations go out for published events (not drafts, not closed) still to come."""
    now = now or utcnow()
    return event.phase not in (Phase.DRAFT, Phase.CLOSED) and event.starts_at > now


def invitable_events(now: dt.datetime | None = None) -> list[Event]:
    """Events an organizer may send invitations for, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.phase.not_in([Phase.DRAFT, Phase.CLOSED]), Event.starts_at > now)
            .order_by(Event.starts_at, Event.id)
        )
    )


# --- audience --------------------------------------------------------------------------------


def audience_query(event: Event, audience: Audience):
    """A SELECT of (User.id, User.email, User.locale) for everyone in the audience."""
    audience = Audience(audience)
    query = select(User.id, User.email, User.locale).where(
        may_be_invited(User.id),
        ~exists().where(
            Registration.event_id == event.id,
            Registration.user_id == User.id,
            Registration.status != RegistrationStatus.CANCELLED,
        ),
    )
    if audience is Audience.INTERESTED:
        theme_ids = [theme.id for theme in event.themes]
        authors = select(Idea.author_id).where(
            Idea.theme_id.in_(theme_ids), Idea.author_id.is_not(None)
        )
        voters = (
            select(Vote.user_id)
            .join(Idea, Idea.id == Vote.idea_id)
            .where(Idea.theme_id.in_(theme_ids), Vote.user_id.is_not(None))
        )
        query = query.where(or_(User.id.in_(authors), User.id.in_(voters)))
    return query


def _not_invited_yet(query, event: Event):
    return query.where(
        ~exists().where(OutboxMessage.idempotency_key == _key_for_user("invitation", event.id))
    )


def preview(event: Event, audience: Audience) -> dict[str, int]:
    """How many people the audience has, how many of them already got an invitation to
    this event, and how many would get one now (two counting queries)."""
    query = audience_query(event, audience)
    size = db.session.scalar(select(func.count()).select_from(query.subquery()))
    new = db.session.scalar(
        select(func.count()).select_from(_not_invited_yet(query, event).subquery())
    )
    return {"audience": size, "already_invited": size - new, "to_send": new}


# --- sending ---------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def _email_tag(email: str) -> str:
    # Binds the link to the address too: SQLite may hand a deleted account's id to a new one.
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:16]


def unsubscribe_token(user_id: int, email: str) -> str:
    """The signed token of a person's one-click unsubscribe link. It does not expire: an
    old invitation's link must still work."""
    return _serializer().dumps([user_id, _email_tag(email)])


def unsubscribe_url(user_id: int, email: str) -> str:
    return absolute_url("invitations.unsubscribe", token=unsubscribe_token(user_id, email))


def user_for_unsubscribe_token(token: str) -> User | None | bool:
    """The person an unsubscribe link belongs to; False for a forged or damaged link, None
    when the account no longer exists."""
    try:
        user_id, tag = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return False
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or _email_tag(user.email) != tag:
        return None
    return user


def _unsubscribe_headers(person: Recipient) -> dict[str, str]:
    # RFC 8058: a mail program may offer "unsubscribe" and POST to the link by itself.
    return {
        "List-Unsubscribe": f"<{person.link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def send_invitations(
    organizer: User, event: Event, audience: Audience, now: dt.datetime | None = None
) -> InvitationRun:
    """Queue the invitation to `event` for everyone in `audience` who has not had one yet:
    one outbox row per person, key `invitation:<event_id>:<user_id>`, in their language,
    with the event's .ics and a personal unsubscribe link (also as List-Unsubscribe). The
    unique key makes it once per person and event even when two organizers send at the
    same moment. Records an InvitationRun with the numbers (flush only).

    Raises PermissionDenied unless `organizer` organizes; InvitationError when the event
    is a draft, closed or already begun."""
    if not can_invite(organizer, event):
        raise PermissionDenied("only organizers send invitations")
    now = now or utcnow()
    if not open_for_invitations(event, now):
        raise InvitationError(
            _l("Einladungen gibt es nur für veröffentlichte Veranstaltungen, die noch kommen.")
        )
    audience = Audience(audience)
    query = audience_query(event, audience)
    size = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(_not_invited_yet(query, event).order_by(User.id))
    signer, link = TokenSigner(_serializer()), LinkMaker("invitations.unsubscribe")
    recipients = (
        Recipient(
            user_id=user_id,
            email=email,
            locale=locale,
            key=invitation_key(event.id, user_id),
            link=link(signer.dumps([user_id, _email_tag(email)])),
        )
        for user_id, email, locale in rows
    )
    ids = queue_bulk(
        INVITATION_TEMPLATE,
        recipients,
        now=now,
        context={
            "event": event,
            "event_url": event_url(event),
            "join_url": announced_join_url(event),
        },
        headers=_unsubscribe_headers,
        attachments=[calendar_attachment(event, now)],
    )
    run = InvitationRun(
        event_id=event.id,
        organizer_id=organizer.id,
        audience=audience,
        audience_size=size,
        queued=len(ids),
        skipped=max(size - len(ids), 0),
        created_at=now,
    )
    db.session.add(run)
    db.session.flush()
    return run


# --- runs ------------------------------------------------------------------------------------

RUN_STATES = ("queued", "sent", "failed", "withdrawn")


def _run_rows(run: InvitationRun):
    # The rows this run added: the invitation's key prefix, and created at the run's moment.
    return and_(
        OutboxMessage.template == INVITATION_TEMPLATE,
        OutboxMessage.created_at == run.created_at,
        OutboxMessage.idempotency_key.like(f"invitation:{run.event_id}:%"),
    )


def run_state(run: InvitationRun) -> dict[str, int]:
    """Where the run's mails are now: queued (or being sent), sent, failed, withdrawn
    (cancelled: consent withdrawn before delivery), and `gone`: no longer in the outbox
    (deleted with an account, or by the retention purge after delivery)."""
    found = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(_run_rows(run))
            .group_by(OutboxMessage.status)
        ).all()
    )
    state = {
        "queued": found.get(OutboxStatus.QUEUED, 0) + found.get(OutboxStatus.SENDING, 0),
        "sent": found.get(OutboxStatus.SENT, 0),
        "failed": found.get(OutboxStatus.FAILED, 0),
        "withdrawn": found.get(OutboxStatus.CANCELLED, 0),
    }
    state["gone"] = max(run.queued - sum(state.values()), 0)
    return state


def failures(run: InvitationRun, limit: int = 20) -> list[tuple[str, int]]:
    """The reasons of the run's failed mails (as the mail server gave them), most frequent
    first, with how often each occurred; no addresses."""
    rows = db.session.execute(
        select(OutboxMessage.last_error, func.count())
        .where(_run_rows(run), OutboxMessage.status == OutboxStatus.FAILED)
        .group_by(OutboxMessage.last_error)
        .order_by(func.count().desc())
        .limit(limit)
    )
    return [(reason or "", n) for reason, n in rows]


def recent_runs(limit: int = 50) -> list[InvitationRun]:
    return list(
        db.session.scalars(select(InvitationRun).order_by(InvitationRun.id.desc()).limit(limit))
    )


def get_run(run_id: int) -> InvitationRun | None:
    return db.session.get(InvitationRun, run_id)


# --- unsubscribing ---------------------------------------------------------------------------


def unsubscribe(user: User) -> None:
    """The one-click link: withdraw the invitations consent in the ledger (channel
    UNSUBSCRIBE_LINK) and cancel every invitation or reminder still queued for the person
    (privacy.services.withdraw_invitations). Clicking twice records nothing twice. Flush only."""
    withdraw_invitations(user, ConsentChannel.UNSUBSCRIBE_LINK)
