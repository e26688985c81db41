"""Factories: build rows with sensible defaults; every call gets a fresh e-mail address."""

from __future__ import annotations

import itertools

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db

_counter = itertools.count(1)

DEFAULT_PASSWORD = "Lange-Nacht-der-Ideen-42"


def make_user(
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role="citizen",
    confirmed: bool = True,
    display_name: str | None = None,
    locale: str = "de",
    commit: bool = True,
):
    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.accounts.services import hash_password
    from ideenwerkstatt.permissions import Role

    n = next(_counter)
    user = User(
        email=email or f"person{n}@example.org",
        password_hash=hash_password(password),
        role=Role(role),
        display_name=display_name,
        locale=locale,
        confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    if commit:
        db.session.commit()
    return user


# --- privacy ---------------------------------------------------------------------------------


def make_consent(
    user,
    purpose="invitations",
    action="granted",
    channel="registration",
    locale: str = "de",
    version: int | None = None,
    at=None,
    commit: bool = True,
):
    """One consent ledger record (granted by default) pointing at the real consent text."""
    from ideenwerkstatt.privacy.models import ConsentAction, ConsentChannel, ConsentRecord, Purpose
    from ideenwerkstatt.privacy.services import consent_text_row

    text = consent_text_row(Purpose(purpose), locale, version)
    record = ConsentRecord(
        user_id=user.id,
        purpose=Purpose(purpose),
        action=ConsentAction(action),
        channel=ConsentChannel(channel),
        consent_text=text,
        created_at=at or utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    if commit:
        db.session.commit()
    return record


def make_outbox_message(
    user=None, template="event_invitation", status="queued", commit=True, **fields
):
    """An outbox row written directly (no templates rendered), addressed to `user`."""
    from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus

    n = next(_counter)
    message = OutboxMessage(
        user_id=user.id if user is not None else None,
        recipient=fields.pop("recipient", None) or (user.email if user else f"x{n}@example.org"),
        template=template,
        subject=fields.pop("subject", f"Betreff {n}"),
        body_text=fields.pop("body_text", "Text"),
        body_html=fields.pop("body_html", "<p>Text</p>"),
        status=OutboxStatus(status),
        **fields,
    )
    db.session.add(message)
    db.session.flush()
    if commit:
        db.session.commit()
    return message


# --- themes and events -----------------------------------------------------------------------


def make_theme(
    name_de: str | None = None,
    name_en: str = "",
    slug: str | None = None,
    active: bool = True,
    position: int | None = None,
    description_de: str = "",
    commit: bool = True,
):
    """A theme written directly (no organizer needed); a fresh name and slug per call."""
    from ideenwerkstatt.themes.models import Theme

    n = next(_counter)
    theme = Theme(
        slug=slug or f"thema-{n}",
        name_de=name_de or f"Thema {n}",
        name_en=name_en,
        description_de=description_de,
        active=active,
        position=n if position is None else position,
    )
    db.session.add(theme)
    db.session.flush()
    if commit:
        db.session.commit()
    return theme


def make_event(
    title: str | None = None,
    slug: str | None = None,
    phase="collecting",
    starts_in_days: float = 7,
    hours: float = 6,
    themes=(),
    voting_rule="support",
    dot_budget: int | None = None,
    capacity: int | None = None,
    place: str = "Rathaus, Marktplatz 1",
    commit: bool = True,
    **fields,
):
    """An event written directly (no organizer needed): starts `starts_in_days` from now
    (negative: in the past) and lasts `hours`; in the collecting phase unless told."""
    import datetime as dt

    from ideenwerkstatt.events.models import Event, Phase, VotingRule

    n = next(_counter)
    starts_at = fields.pop("starts_at", None) or utcnow() + dt.timedelta(days=starts_in_days)
    event = Event(
        slug=slug or f"veranstaltung-{n}",
        title=title or f"Ideenwerkstatt {n}",
        place=place,
        starts_at=starts_at,
        ends_at=fields.pop("ends_at", None) or starts_at + dt.timedelta(hours=hours),
        phase=Phase(phase),
        voting_rule=VotingRule(voting_rule),
        dot_budget=dot_budget if dot_budget is not None else (5 if voting_rule == "dots" else None),
        capacity=capacity,
        themes=list(themes),
        **fields,
    )
    db.session.add(event)
    db.session.flush()
    if commit:
        db.session.commit()
    return event


# --- ideas and votes -------------------------------------------------------------------------


_NEW_AUTHOR = object()


def make_idea(
    author=_NEW_AUTHOR,
    theme=None,
    title: str | None = None,
    body: str = "Eine ausführliche Beschreibung der Idee mit **Markdown**.",
    status="published",
    event=None,
    vote_count: int = 0,
    from_paper_card: bool = False,
    commit: bool = True,
    **fields,
):
    """An idea written directly (no moderation needed), published unless told; makes an
    author (pass author=None for a deleted account) and a theme when none are given.
    `vote_count` is written as given: use make_vote (or votes.services) when the count must
    match rows."""
    from ideenwerkstatt.ideas.models import Idea, IdeaStatus
    from ideenwerkstatt.sanitize import clean_html

    n = next(_counter)
    if author is _NEW_AUTHOR:
        author = None if from_paper_card else make_user(commit=False)
    if theme is None:
        theme = make_theme(commit=False)
    now = utcnow()
    status = IdeaStatus(status)
    idea = Idea(
        author=author,
        theme=theme,
        event=event,
        title=title or f"Idee Nummer {n}",
        body=body,
        body_html=str(clean_html(body)),
        status=status,
        from_paper_card=from_paper_card,
        vote_count=vote_count,
        created_at=fields.pop("created_at", now),
        updated_at=now,
        published_at=fields.pop("published_at", now if status != IdeaStatus.PENDING else None),
        **fields,
    )
    db.session.add(idea)
    db.session.flush()
    if commit:
        db.session.commit()
    return idea


def make_vote(idea, user=None, weight: int = 1, commit: bool = True):
    """A vote row plus the matching change of the idea's count (as votes.services does)."""
    from sqlalchemy import update

    from ideenwerkstatt.ideas.models import Idea
    from ideenwerkstatt.votes.models import Vote

    if user is None:
        user = make_user(commit=False)
    vote = Vote(user_id=user.id, idea_id=idea.id, weight=weight)
    db.session.add(vote)
    db.session.flush()
    db.session.execute(
        update(Idea).where(Idea.id == idea.id).values(vote_count=Idea.vote_count + weight)
    )
    db.session.refresh(idea)
    if commit:
        db.session.commit()
    return vote


# --- the evening (live session) ---------------------------------------------------------------


def make_live_session(event, join_mode="open_code", is_open=True, joining_open=True, commit=True):
    """An event's evening, switched on with joining open unless told, with a fresh code."""
    from ideenwerkstatt.live.models import JoinMode, LiveSession
    from ideenwerkstatt.live.services import JOIN_CODE_LENGTH, new_code

    live = LiveSession(
        event_id=event.id,
        is_open=is_open,
        joining_open=joining_open,
        join_mode=JoinMode(join_mode),
        join_code=new_code(JOIN_CODE_LENGTH),
    )
    db.session.add(live)
    db.session.flush()
    if commit:
        db.session.commit()
    return live
