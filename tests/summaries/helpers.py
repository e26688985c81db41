"""Shared setup for the summary tests: a closed event with themed, voted ideas."""

from __future__ import annotations

import datetime as dt

from ideenwerkstatt.database import utcnow
from tests.factories import make_event, make_idea, make_theme, make_user, make_vote


def closed_event_with_ideas():
    """Two themes; ideas a (3 votes), b (3 votes, published later), c (1) in theme one,
    d (2) in theme two; a pending and a hidden idea that must not appear."""
    one = make_theme(name_de="Mobilität", slug="mobilitaet", position=1)
    two = make_theme(name_de="Bildung – „Schule“", slug="bildung", position=2)
    event = make_event(
        title="Ideenwerkstatt Süd",
        slug="sued",
        phase="closed",
        themes=[one, two],
        starts_in_days=-3,
    )
    now = utcnow()
    a = make_idea(theme=one, event=event, title="Idee A", published_at=now - dt.timedelta(hours=5))
    b = make_idea(theme=one, event=event, title="Idee B", published_at=now - dt.timedelta(hours=4))
    c = make_idea(theme=one, event=event, title="Idee C", published_at=now - dt.timedelta(hours=6))
    d = make_idea(theme=two, event=event, title="Idee D", published_at=now - dt.timedelta(hours=3))
    pending = make_idea(theme=one, event=event, title="Wartend", status="pending")
    hidden = make_idea(theme=two, event=event, title="Versteckt", status="hidden")
    voters = [make_user() for _ in range(3)]
    for voter in voters:
        make_vote(a, voter)
        make_vote(b, voter)
    make_vote(c, voters[0])
    make_vote(d, voters[0])
    make_vote(d, voters[1])
    return {
        "event": event,
        "themes": (one, two),
        "ideas": {"a": a, "b": b, "c": c, "d": d, "pending": pending, "hidden": hidden},
        "voters": voters,
    }
