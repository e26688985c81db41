"""The evening's rules: the live session and its join code, joining by code or personal card
(with the consent recorded), the cards, a guest's withdrawal and the retention purge.

Plain functions with an explicit actor; they never touch the request and only flush.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..accounts.models import UNUSABLE_PASSWORD, User
from ..accounts.services import clean_display_name, end_all_login_sessions
from ..auditlog import log_action
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..permissions import PermissionDenied, Role, can_moderate, can_organize, participant_event_id
from ..privacy.models import ConsentAction, ConsentChannel, Purpose
from ..privacy.services import (
    consent_state,
    consent_text_row,
    delete_account,
    record_consent,
    register_export_section,
    register_purge_step,
)
from .models import JoinMode, LiveCard, LiveParticipant, LiveSession

# Letters and digits nobody confuses when reading a projector or a printed card: no 0/O,
# no 1/I/l (upper case only; what people type is upper-cased).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 5  # 31**5 = 28 million codes: guessing is throttled per address
CARD_CODE_LENGTH = 8  # longer: a card is a single voice, and its code is printed, not typed
MAX_CARDS = 1000
_NOT_CODE = re.compile(r"[\s\-]+")


class LiveError(Exception):
    """A rule of the evening refused the action; `str(error)` is for people, `field` names
    the form field it belongs to (None: the whole page)."""

    default_message = _l("Das hat nicht geklappt.")

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)


class UnknownCode(LiveError):
    default_message = _l("Diesen Code kennen wir nicht. Bitte prüfen Sie ihn noch einmal.")


class JoiningClosed(LiveError):
    default_message = _l(
        "Zu diesem Werkstatt-Abend kann man gerade nicht dazukommen. Bitte fragen Sie das "
        "Team vor Ort."
    )


class CardRequired(LiveError):
    default_message = _l(
        "Heute Abend nehmen Sie mit Ihrer persönlichen Teilnahmekarte teil. Bitte scannen Sie "
        "den Code auf Ihrer Karte."
    )


class CardUsed(LiveError):
    default_message = _l(
        "Mit dieser Teilnahmekarte ist schon jemand dabei. Jede Karte gilt nur einmal. Wenn "
        "das Ihre Karte ist (zum Beispiel nach einem Wechsel des Handys), bittet das Team vor "
        "Ort die Moderation, sie neu auszugeben."
    )


class ConsentMissing(LiveError):
    default_message = _l("Bitte stimmen Sie zu, damit Sie mitmachen können.")


class NotAllowed(LiveError, PermissionDenied):
    default_message = _l("Das dürfen Sie hier nicht.")


def _touch(event_id: int) -> None:
    """Tell the wall that something it shows changed (participants, the join code)."""
    # Imported here: the live state shows the evening's join code and count
    # (cycle live <-> livestate).
    from ..livestate.services import touch

    touch(event_id)


# --- codes ---------------------------------------------------------------------------------


def new_code(length: int) -> str:
    """A random code from CODE_ALPHABET (secrets: unguessable)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(raw: str | None) -> str:
    """What was typed or scanned, as stored: spaces and dashes gone, upper case."""
    return _NOT_CODE.sub("", raw or "").upper()[:16]


def _unused_join_code() -> str:
    while True:
        code = new_code(JOIN_CODE_LENGTH)
        if db.session.scalar(select(LiveSession.id).where(LiveSession.join_code == code)) is None:
            return code


# --- the organizer's session ----------------------------------------------------------------


def _require_organizer(actor) -> None:
    if not can_organize(actor):
        raise NotAllowed()


def session_of(event: Event) -> LiveSession | None:
    """The event's live session, or None when it was never switched on."""
    return db.session.scalar(select(LiveSession).where(LiveSession.event_id == event.id))


def ensure_session(actor, event: Event) -> LiveSession:
    """The event's live session, created (switched off, with a fresh join code) when missing.
    Raises NotAllowed unless `actor` organizes."""
    _require_organizer(actor)
    session = session_of(event)
    if session is None:
        session = LiveSession(
            event_id=event.id, is_open=False, joining_open=True, join_code=_unused_join_code()
        )
        db.session.add(session)
        db.session.flush()
    return session


def update_session(
    actor,
    event: Event,
    *,
    is_open: bool,
    joining_open: bool,
    join_mode: JoinMode,
    announce_link: bool,
    publish_at_once: bool | None = None,
) -> LiveSession:
    """Switch the evening on or off, open or close joining, choose the join mode and whether
    the event page and invitations carry the join link, and whether ideas from phones are
    published at once while the evening is on (`publish_at_once`; None: unchanged). Those who
    joined stay in when joining closes. Switching the evening off leaves the wall on the
    results. Raises NotAllowed unless `actor` organizes."""
    session = ensure_session(actor, event)
    was_open = session.is_open
    changes = []
    if session.is_open != bool(is_open):
        changes.append("open" if is_open else "closed")
    if session.joining_open != bool(joining_open):
        changes.append("joining open" if joining_open else "joining closed")
    if session.join_mode != JoinMode(join_mode):
        changes.append(f"mode {JoinMode(join_mode)}")
    if publish_at_once is not None and session.publish_at_once != bool(publish_at_once):
        changes.append("publish at once" if publish_at_once else "moderate first")
        session.publish_at_once = bool(publish_at_once)
    session.is_open = bool(is_open)
    session.joining_open = bool(joining_open)
    session.join_mode = JoinMode(join_mode)
    session.announce_link = bool(announce_link)
    db.session.flush()
    if changes:
        log_action(actor, "live.session", event, ", ".join(changes))
    if was_open and not session.is_open:
        _freeze_wall(actor, event)
    _touch(event.id)
    return session


def set_joining(actor, event: Event, joining_open: bool) -> LiveSession:
    """Open or close joining during the evening (those already in stay in). Moderators and
    organizers; logged. Raises NotAllowed."""
    if not can_moderate(actor):
        raise NotAllowed()
    session = session_of(event)
    if session is None:
        raise LiveError(_l("Für diese Veranstaltung gibt es keinen Werkstatt-Abend."))
    session.joining_open = bool(joining_open)
    db.session.flush()
    log_action(actor, "live.joining", event, "open" if joining_open else "closed")
    _touch(event.id)
    return session


def _freeze_wall(actor, event: Event) -> None:
    """The evening ended: the wall shows the results (and the numbers) from now on."""
    # Imported here: the live state shows the evening's join code and count
    # (cycle live <-> livestate).
    from ..livestate.services import show_results

    show_results(actor, event)


def regenerate_code(actor, event: Event) -> LiveSession:
    """A new join code: the old one (and its QR code) stops working at once; people already
    in stay in, personal cards keep working. Raises NotAllowed unless `actor` organizes."""
    session = ensure_session(actor, event)
    session.join_code = _unused_join_code()
    db.session.flush()
    log_action(actor, "live.code", event)
    _touch(event.id)
    return session


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_wall_key(actor, event: Event) -> str:
    """A new secret wall link for the projector's laptop (the old one stops working at once);
    returns the secret, which is shown once: only its SHA-256 is stored. Organizers only;
    logged. Raises NotAllowed."""
    session = ensure_session(actor, event)
    key = secrets.token_urlsafe(32)
    session.wall_key_hash = _key_hash(key)
    db.session.flush()
    log_action(actor, "live.wall_link", event, "new")
    _touch(event.id)  # a wall still open with the old link wakes, sees it gone and ends
    return key


def revoke_wall_key(actor, event: Event) -> None:
    """The wall link stops working: a wall open with it gets no new state, and its open
    stream ends at once (the version changes, the stream wakes and checks its link).
    Organizers only; logged. Raises NotAllowed."""
    session = ensure_session(actor, event)
    session.wall_key_hash = None
    db.session.flush()
    log_action(actor, "live.wall_link", event, "revoked")
    _touch(event.id)


def wall_key_valid(event_id: int, key: str | None) -> bool:
    """Whether `key` is the event's current wall link secret (compared in constant time)."""
    if not key:
        return False
    stored = db.session.scalar(
        select(LiveSession.wall_key_hash).where(LiveSession.event_id == event_id)
    )
    return stored is not None and hmac.compare_digest(stored, _key_hash(key))


def publishes_at_once(event: Event) -> bool:
    """Whether an idea from a phone is published at once now: the event chose
    post-moderation and its evening is switched on (otherwise ideas wait in the queue)."""
    session = session_of(event)
    return bool(session is not None and session.is_open and session.publish_at_once)


def participant_count(event: Event) -> int:
    """How many joined the evening (guests and account holders), to compare with the room."""
    return db.session.scalar(
        select(func.count(LiveParticipant.id)).where(LiveParticipant.event_id == event.id)
    )


def join_open(session: LiveSession | None) -> bool:
    """Whether new people may join now: switched on and joining open."""
    return bool(session is not None and session.is_open and session.joining_open)


# --- joining --------------------------------------------------------------------------------


@dataclass
class JoinTarget:
    """What a code leads to: the evening, and the personal card when it is a card's code."""

    session: LiveSession
    card: LiveCard | None = None

    @property
    def event(self) -> Event:
        return self.session.event


def find_target(code: str) -> JoinTarget | None:
    """The evening (and card) a join code or card code belongs to, else None."""
    code = normalize_code(code)
    if not code:
        return None
    session = db.session.scalar(select(LiveSession).where(LiveSession.join_code == code))
    if session is not None:
        return JoinTarget(session)
    card = db.session.scalar(select(LiveCard).where(LiveCard.code == code))
    if card is None:
        return None
    session = db.session.scalar(select(LiveSession).where(LiveSession.event_id == card.event_id))
    return JoinTarget(session, card) if session is not None else None


def check_can_join(target: JoinTarget, viewer=None) -> None:
    """The refusals a join page shows before anyone types anything: joining closed, the
    open code while the evening uses cards (for guests), a card already used.
    Raises JoiningClosed, CardRequired, CardUsed."""
    if not join_open(target.session):
        raise JoiningClosed()
    has_account = bool(viewer is not None and viewer.is_authenticated) and (
        Role(viewer.role) is not Role.PARTICIPANT
    )
    if target.card is None and target.session.join_mode is JoinMode.CARDS and not has_account:
        raise CardRequired()
    if target.card is not None and target.card.used_at is not None:
        raise CardUsed()


def _record_join_consent(user: User, locale: str) -> None:
    text = consent_text_row(Purpose.EVENT_PARTICIPATION, locale)
    record_consent(
        user, Purpose.EVENT_PARTICIPATION, ConsentAction.GRANTED, ConsentChannel.EVENT_JOIN, text
    )


def _link(user: User, event: Event, card: LiveCard | None = None) -> LiveParticipant:
    row = db.session.scalar(
        select(LiveParticipant).where(
            LiveParticipant.user_id == user.id, LiveParticipant.event_id == event.id
        )
    )
    if row is None:
        row = LiveParticipant(
            user_id=user.id,
            event_id=event.id,
            card_id=card.id if card else None,
            code=secrets.token_hex(6),
        )
        db.session.add(row)
        db.session.flush()
    return row


def _use_card(card: LiveCard) -> bool:
    """Mark the card used; False when another request used it a moment ago (one UPDATE with
    the condition, so two phones scanning one card cannot both get in)."""
    result = db.session.execute(
        update(LiveCard)
        .where(LiveCard.id == card.id, LiveCard.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)


@dataclass
class JoinResult:
    """Who is in now, and whether the browser must be signed in as them (a new login
    session): False when an account or an already joined guest just carries on."""

    user: User
    sign_in: bool


def join(
    target: JoinTarget,
    viewer,
    *,
    display_name: str | None,
    consent: bool,
    locale: str,
) -> JoinResult:
    """Join the evening of `target`.

    Rules: joining is open; in card mode guests need a card, and a card joins exactly once
    (a re-issued card signs in as the participant it was first used by, so nobody gets a
    second voice); the consent box for this evening is ticked (recorded in the ledger with
    the text version, channel event_join). Someone signed in with an account joins with it
    (their votes are the account's); a guest already in this evening carries on. A new guest
    is a `User` with role participant, no e-mail and no password, confirmed at once.

    Raises JoiningClosed, CardRequired, CardUsed, ConsentMissing, InvalidDisplayName."""
    check_can_join(target, viewer)
    event = target.event
    signed_in = bool(viewer is not None and viewer.is_authenticated)
    if signed_in and Role(viewer.role) is Role.PARTICIPANT:
        if participant_event_id(viewer) == event.id and target.card is None:
            return JoinResult(viewer, sign_in=False)
        signed_in = False  # a guest of another evening (or a new card): a new guest
    if not consent:
        raise ConsentMissing(field="consent")
    display_name = clean_display_name(display_name)

    if signed_in:
        _record_join_consent(viewer, locale)
        _link(viewer, event)
        _touch(event.id)
        return JoinResult(viewer, sign_in=False)

    card = target.card
    if card is not None and card.participant_id is not None:
        # Re-issued by a moderator: the same participant again, on the new phone.
        participant = db.session.get(User, card.participant_id)
        if participant is not None:
            if not _use_card(card):
                raise CardUsed()
            if display_name:
                participant.display_name = display_name
            db.session.flush()
            _touch(event.id)
            return JoinResult(participant, sign_in=True)
    if card is not None and not _use_card(card):
        raise CardUsed()

    now = utcnow()
    participant = User(
        email=None,
        password_hash=UNUSABLE_PASSWORD,
        display_name=display_name,
        role=Role.PARTICIPANT,
        locale=locale,
        created_at=now,
        confirmed_at=now,
    )
    db.session.add(participant)
    db.session.flush()
    _link(participant, event, card)
    if card is not None:
        card.participant_id = participant.id
    _record_join_consent(participant, locale)
    participant._live_event_id = event.id
    db.session.flush()
    _touch(event.id)
    return JoinResult(participant, sign_in=True)


# --- personal cards -------------------------------------------------------------------------


def ensure_cards(actor, event: Event, n: int) -> list[LiveCard]:
    """Cards 1..n of the event, making the missing ones (each with its own code), so that
    printing again gives the same cards. The evening is created when missing.
    Raises NotAllowed unless `actor` organizes, ValueError for n outside 1..MAX_CARDS."""
    _require_organizer(actor)
    if not 1 <= n <= MAX_CARDS:
        raise ValueError(f"n must be between 1 and {MAX_CARDS}")
    ensure_session(actor, event)
    cards = list(
        db.session.scalars(
            select(LiveCard)
            .where(LiveCard.event_id == event.id, LiveCard.number <= n)
            .order_by(LiveCard.number)
        )
    )
    have = {card.number for card in cards}
    if len(have) < n:
        log_action(actor, "live.cards", event, f"{n - len(have)} new, {n} in all")
    taken = set(db.session.scalars(select(LiveCard.code)))
    for number in range(1, n + 1):
        if number in have:
            continue
        code = new_code(CARD_CODE_LENGTH)
        while code in taken:
            code = new_code(CARD_CODE_LENGTH)
        taken.add(code)
        card = LiveCard(event_id=event.id, number=number, code=code)
        db.session.add(card)
        cards.append(card)
    db.session.flush()
    return sorted(cards, key=lambda card: card.number)


def cards_of(event: Event) -> list[LiveCard]:
    """The event's cards in their printed order."""
    return list(
        db.session.scalars(
            select(LiveCard).where(LiveCard.event_id == event.id).order_by(LiveCard.number)
        )
    )


def reissue_card(actor, card: LiveCard) -> LiveCard:
    """A lost or changed phone: the card's participant is signed out everywhere (the old
    phone can no longer act) and the card may join once more, as that same participant.
    Raises NotAllowed unless `actor` moderates, LiveError for a card never used."""
    if not can_moderate(actor):
        raise NotAllowed()
    if card.used_at is None:
        raise LiveError(_l("Diese Karte wurde noch nicht benutzt."))
    if card.participant_id is not None:
        participant = db.session.get(User, card.participant_id)
        if participant is not None:
            end_all_login_sessions(participant)
    card.used_at = None
    db.session.flush()
    log_action(actor, "live.card_reissue", card, str(card.number))
    return card


# --- the participant's data -----------------------------------------------------------------


def participation_of(user, event: Event) -> LiveParticipant | None:
    """The user's participation in the event's evening, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(LiveParticipant).where(
            LiveParticipant.user_id == user.id, LiveParticipant.event_id == event.id
        )
    )


def withdraw(user: User, event: Event, *, keep_ideas: bool) -> None:
    """Withdraw the consent for the evening. A guest is deleted at once, exactly like an
    account deletion: their ideas stay without a name (keep_ideas) or go, their votes stay
    only as anonymous counts, the login sessions and the ledger go with the row. An account
    holder keeps the account: a withdrawal record, and the link to the evening goes.
    Raises NotAllowed when the user did not join this evening."""
    row = participation_of(user, event)
    if row is None:
        raise NotAllowed()
    _touch(event.id)
    if Role(user.role) is Role.PARTICIPANT:
        delete_account(user, keep_contributions=keep_ideas)
        return
    record = consent_state(user)[Purpose.EVENT_PARTICIPATION]
    if record is not None and record.action is ConsentAction.GRANTED:
        record_consent(
            user,
            Purpose.EVENT_PARTICIPATION,
            ConsentAction.WITHDRAWN,
            ConsentChannel.EVENT_WITHDRAWAL,
            record.consent_text,
        )
    db.session.delete(row)
    db.session.flush()


def retention_ends(event: Event) -> dt.datetime:
    """When the evening's participants are deleted: the event's end plus its retention."""
    return event.ends_at + dt.timedelta(days=event.retention_days)


def purge_participants(now: dt.datetime) -> int:
    """Retention: guests of evenings whose retention period is over are deleted like an
    account deleted with "keep my contributions" (their ideas stay without a name, their
    votes as anonymous counts); account holders' links to such evenings go too, and so do
    guests whose event was deleted. Returns
    how many guests were deleted (flush only)."""
    # Events that ended and had an evening; the retention varies per event, so the final
    # cut is made here (a few events a day), then their participants are read.
    ended = db.session.scalars(
        select(Event).where(
            Event.ends_at < now,
            select(LiveParticipant.id).where(LiveParticipant.event_id == Event.id).exists(),
        )
    ).all()
    expired = [event.id for event in ended if retention_ends(event) < now]
    # Guests whose evening is gone altogether (the event was deleted) go as well.
    orphans = db.session.scalars(
        select(User).where(
            User.role == Role.PARTICIPANT,
            ~select(LiveParticipant.id).where(LiveParticipant.user_id == User.id).exists(),
        )
    ).all()
    deleted = 0
    for user in orphans:
        delete_account(user, keep_contributions=True)
        deleted += 1
    if not expired:
        db.session.flush()
        return deleted
    rows = db.session.scalars(
        select(LiveParticipant).where(LiveParticipant.event_id.in_(expired))
    ).all()
    for row in rows:
        user = db.session.get(User, row.user_id)
        if user is not None and Role(user.role) is Role.PARTICIPANT:
            delete_account(user, keep_contributions=True)
            deleted += 1
        else:
            db.session.delete(row)
    db.session.flush()
    return deleted


def export_participation(user: User) -> list[dict]:
    """The evenings the person joined (for the data export), with the card's number."""
    rows = db.session.execute(
        select(LiveParticipant, Event, LiveCard.number)
        .join(Event, Event.id == LiveParticipant.event_id)
        .outerjoin(LiveCard, LiveCard.id == LiveParticipant.card_id)
        .where(LiveParticipant.user_id == user.id)
        .order_by(LiveParticipant.id)
    )
    return [
        {
            "event": event.slug,
            "event_title": event.title,
            "joined_at": row.joined_at.isoformat(),
            "card_number": number,
            "deleted_after": retention_ends(event).isoformat(),
        }
        for row, event, number in rows
    ]


def register_privacy_hooks() -> None:
    """Hook the evening into the data export and the retention purge (idempotent)."""
    register_export_section("evenings", export_participation)
    register_purge_step("event_participants", purge_participants)
