"""The phone page: submit an idea (pending), spend dots until the budget is gone, see my
ideas; and what a guest of one evening may not do anywhere else."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ideenwerkstatt.comments.services import CommentNotAllowed, add_comment
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus
from ideenwerkstatt.ideas.services import IdeaNotAllowed, submit_idea
from ideenwerkstatt.permissions import PermissionDenied
from ideenwerkstatt.registrations.services import register
from ideenwerkstatt.votes.services import VoteNotAllowed, cast_vote

from ..factories import make_event, make_idea, make_live_session, make_theme


def _guest(client, event):
    live = make_live_session(event)
    assert client.post(f"/j/{live.join_code}", data={"consent": "y"}).status_code == 302
    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.permissions import Role

    return db.session.scalars(
        select(User).where(User.role == Role.PARTICIPANT).order_by(User.id.desc())
    ).first()


def test_a_guest_submits_a_short_idea_that_waits_for_moderation(client):
    theme = make_theme(name_de="Mobilität")
    event = make_event(themes=[theme])
    guest = _guest(client, event)
    page = client.get(f"/events/{event.slug}/live").get_data(as_text=True)
    assert "Idee abschicken" in page and "Mobilität" in page
    response = client.post(
        f"/events/{event.slug}/live/ideas",
        data={"theme": str(theme.id), "title": "Mehr Bänke am Markt", "body": ""},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#my-ideas")
    idea = db.session.scalar(select(Idea))
    assert idea.author_id == guest.id and idea.event_id == event.id
    assert idea.status == IdeaStatus.PENDING and idea.body == ""
    assert idea.by_evening_guest
    page = client.get(f"/events/{event.slug}/live").get_data(as_text=True)
    assert "Mehr Bänke am Markt" in page and "Wartet auf Freigabe" in page


def test_a_bad_idea_is_answered_with_422_next_to_the_field_keeping_what_was_typed(client):
    theme = make_theme()
    event = make_event(themes=[theme])
    _guest(client, event)
    response = client.post(
        f"/events/{event.slug}/live/ideas",
        data={"theme": str(theme.id), "title": "ab", "body": "Mein Text"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "3 bis 120 Zeichen" in html and "Mein Text" in html


def test_a_guest_spends_dots_until_the_budget_is_gone(client):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=3)
    ideas = [make_idea(event=event) for _ in range(2)]
    _guest(client, event)
    page = client.get(f"/events/{event.slug}/live").get_data(as_text=True)
    assert "Sie haben noch 3 Punkte von 3." in page
    back = f"/events/{event.slug}/live#idea-{ideas[0].id}"
    for _ in range(3):
        response = client.post(f"/ideas/{ideas[0].id}/vote", data={"next": back})
        assert response.status_code == 302 and response.headers["Location"] == back
    page = client.get(f"/events/{event.slug}/live").get_data(as_text=True)
    assert "Sie haben noch 0 Punkte von 3." in page
    assert "Punkt geben" not in page and "Zurücknehmen" in page
    refused = client.post(f"/ideas/{ideas[1].id}/vote", data={"next": back})
    assert refused.status_code == 302
    db.session.refresh(ideas[0])
    db.session.refresh(ideas[1])
    assert (ideas[0].vote_count, ideas[1].vote_count) == (3, 0)


def test_a_guest_of_event_a_cannot_act_in_event_b(client):
    theme = make_theme()
    event_a = make_event(phase="voting", themes=[theme])
    event_b = make_event(phase="voting", themes=[theme])
    idea_b = make_idea(event=event_b, theme=theme)
    idea_free = make_idea(theme=theme)  # no event
    guest = _guest(client, event_a)
    make_live_session(event_b)

    assert client.post(f"/ideas/{idea_b.id}/vote").status_code == 302
    assert client.post(f"/ideas/{idea_free.id}/vote").status_code == 302
    for idea in (idea_b, idea_free):
        db.session.refresh(idea)
        assert idea.vote_count == 0
    assert client.get(f"/events/{event_b.slug}/live").status_code == 403
    response = client.post(
        f"/events/{event_b.slug}/live/ideas", data={"theme": str(theme.id), "title": "Fremd"}
    )
    assert response.status_code == 403
    assert client.post(f"/ideas/{idea_b.id}/comments", data={"body": "Hallo!"}).status_code == 403

    # The services refuse too, whatever the view.
    with pytest.raises(VoteNotAllowed):
        cast_vote(guest, idea_b)
    with pytest.raises(VoteNotAllowed):
        cast_vote(guest, idea_free)
    with pytest.raises(IdeaNotAllowed):
        submit_idea(guest, theme, "Eine Idee", "Eine Beschreibung der Idee", event=event_b)
    with pytest.raises(IdeaNotAllowed):
        submit_idea(guest, theme, "Eine Idee", "Eine Beschreibung der Idee")
    with pytest.raises(CommentNotAllowed):
        add_comment(guest, make_idea(event=event_a, theme=theme), "Ein Kommentar")
    with pytest.raises(PermissionDenied):
        register(guest, event_a)


@pytest.mark.parametrize(
    "path",
    [
        "/account",
        "/account/export",
        "/account/export.html",
        "/account/delete",
        "/account/password",
        "/ideas/new",
        "/moderation",
        "/organize",
    ],
)
def test_a_guest_cannot_reach_account_only_pages(client, path):
    _guest(client, make_event())
    assert client.get(path).status_code == 403


def test_a_guest_may_read_public_pages_and_sign_out(client):
    event = make_event()
    _guest(client, event)
    for path in ("/", "/ideas", f"/events/{event.slug}", "/privacy"):
        assert client.get(path).status_code == 200, path
    assert client.post("/account/logout").status_code == 302
    assert client.get("/account").status_code == 302  # now a visitor: to the login


def test_an_account_can_still_act_everywhere_after_joining(client, auth):
    theme = make_theme()
    event_a = make_event(phase="voting", themes=[theme])
    event_b = make_event(phase="voting", themes=[theme])
    idea_b = make_idea(event=event_b, theme=theme)
    me = auth.login_as("citizen")
    live = make_live_session(event_a)
    client.post(f"/j/{live.join_code}", data={"consent": "y"})
    assert cast_vote(me, idea_b).changed
    assert client.get("/account").status_code == 200


def test_the_phone_page_with_40_ideas_is_under_30_kb_gzip_and_loads_nothing_else(app, client):
    import gzip
    import re
    from pathlib import Path

    theme = make_theme()
    event = make_event(phase="voting", voting_rule="dots", dot_budget=5, themes=[theme])
    for n in range(40):
        make_idea(event=event, theme=theme, title=f"Eine gute Idee für die Stadt Nummer {n}")
    _guest(client, event)
    html = client.get(f"/events/{event.slug}/live").get_data()
    assert html.count(b'action="/ideas/') == 40
    assets = re.findall(rb'(?:href|src)="(/static/[^"?]+\.(?:css|js))', html)
    static = Path(app.static_folder)
    total = len(gzip.compress(html)) + sum(
        len(gzip.compress((static / a.decode().removeprefix("/static/")).read_bytes()))
        for a in assets
    )
    assert {a.rsplit(b".", 1)[1] for a in assets} == {b"css", b"js"}
    print(f"phone page with 40 ideas: {total} bytes gzip")
    assert total < 30_000, total
    assert b"http://" not in html.replace(b"http://localhost", b"")


def test_the_phone_page_shows_the_timer_as_a_plain_time_and_for_the_script(client, app):
    import datetime as dt

    from ideenwerkstatt.livestate import services as livestate

    from ..factories import make_user

    event = make_event(phase="voting", slug="zeit")
    make_live_session(event)
    page = client.get("/events/zeit/live").get_data(as_text=True)
    assert 'id="live-timer-box"' in page and "js/live_timer.js" in page
    assert 'data-ends=""' in page
    now = dt.datetime(2026, 12, 6, 19, 0, tzinfo=dt.UTC)
    livestate.start_timer(make_user(role="moderator"), event, 10, now=now)
    db.session.commit()
    page = client.get("/events/zeit/live").get_data(as_text=True)
    assert 'data-ends="2026-12-06T19:10:00Z"' in page
    assert "bis " in page and ":10" in page


def test_the_phone_page_hides_the_counts_while_the_numbers_are_hidden(client, app):
    from ideenwerkstatt.livestate import services as livestate

    from ..factories import make_idea, make_theme, make_user

    theme = make_theme(name_de="Grün")
    event = make_event(phase="voting", slug="verdeckt", themes=[theme])
    make_idea(theme=theme, event=event, title="Bäume", vote_count=4)
    make_live_session(event)
    assert "4 Stimmen" in client.get("/events/verdeckt/live").get_data(as_text=True)
    livestate.set_numbers_hidden(make_user(role="moderator"), event, True)
    db.session.commit()
    page = client.get("/events/verdeckt/live").get_data(as_text=True)
    assert "Bäume" in page and "4 Stimmen" not in page
