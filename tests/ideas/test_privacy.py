"""My data and account deletion: ideas and votes in the export; both deletion choices."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.privacy.services import delete_account, export_user_data
from ideenwerkstatt.votes import services as votes
from ideenwerkstatt.votes.models import Vote

from ..factories import make_event, make_idea, make_theme, make_user


def assert_counts_equal_rows():
    """Every idea's stored count equals the sum of its vote rows."""
    db.session.expire_all()
    sums = dict(
        db.session.execute(select(Vote.idea_id, func.sum(Vote.weight)).group_by(Vote.idea_id)).all()
    )
    for idea in db.session.scalars(select(Idea)):
        assert idea.vote_count == sums.get(idea.id, 0), idea.title


@pytest.fixture
def person(app):
    """Someone with two ideas (one with a vote by another person) and two votes."""
    person = make_user(display_name="Kim")
    theme = make_theme(slug="mobilitaet")
    event = make_event(slug="werkstatt", phase="voting", themes=[theme])
    own = make_idea(author=person, theme=theme, event=event, title="Meine Idee")
    make_idea(author=person, theme=theme, status="pending", title="Meine wartende Idee")
    others = make_idea(title="Fremde Idee")
    votes.cast_vote(make_user(), own)
    votes.cast_vote(person, own)
    votes.cast_vote(person, others)
    db.session.commit()
    return person


def test_export_contains_ideas_and_votes(app, person):
    data = export_user_data(person)
    json.dumps(data)  # serialisable as it is
    ideas = {idea["title"]: idea for idea in data["ideas"]}
    assert set(ideas) == {"Meine Idee", "Meine wartende Idee"}
    assert ideas["Meine Idee"]["theme"] == "mobilitaet"
    assert ideas["Meine Idee"]["event"] == "werkstatt"
    assert ideas["Meine wartende Idee"]["status"] == "pending"
    assert ideas["Meine Idee"]["body"] and ideas["Meine Idee"]["created_at"]
    assert {vote["idea_title"] for vote in data["votes"]} == {"Meine Idee", "Fremde Idee"}
    assert all(vote["weight"] == 1 and vote["created_at"] for vote in data["votes"])


def test_export_of_someone_without_content(app):
    data = export_user_data(make_user())
    assert data["ideas"] == [] and data["votes"] == []


def test_delete_keeping_contributions(app, person):
    person_id = person.id
    delete_account(person, keep_contributions=True)
    db.session.commit()
    titles = set(db.session.scalars(select(Idea.title)))
    assert {"Meine Idee", "Meine wartende Idee", "Fremde Idee"} <= titles
    assert db.session.scalar(select(func.count(Idea.id)).where(Idea.author_id.is_not(None))) == 1
    # The votes stay, anonymously.
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.user_id == person_id)) == 0
    assert db.session.scalar(select(func.count(Vote.id))) == 3
    assert_counts_equal_rows()


def test_delete_with_contributions(app, person):
    person_id = person.id
    delete_account(person, keep_contributions=False)
    db.session.commit()
    titles = set(db.session.scalars(select(Idea.title)))
    assert titles == {"Fremde Idee"}
    # Their vote on someone else's idea stays, anonymously; the votes on their ideas went.
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.user_id == person_id)) == 0
    assert_counts_equal_rows()


def test_kept_idea_shows_deleted_account(client, person):
    idea_id = db.session.scalar(select(Idea.id).where(Idea.title == "Meine Idee"))
    delete_account(person, keep_contributions=True)
    db.session.commit()
    page = client.get(f"/ideas/{idea_id}").get_data(as_text=True)
    assert "gelöschtes Konto" in page and "Kim" not in page


def test_my_ideas_and_votes_partial(app, auth, client):
    from flask import render_template

    me = auth.login_as("citizen")
    make_idea(author=me, status="pending", title="Meine wartende Idee")
    voted = make_idea(title="Gute Idee anderer")
    votes.cast_vote(me, voted)
    db.session.commit()
    with app.test_request_context("/account"):
        from flask_login import login_user

        login_user(me)
        html = render_template("ideas/_mine.html")
    assert "Meine wartende Idee" in html and "Wartet auf Freigabe" in html
    assert "bearbeiten" in html
    assert "Gute Idee anderer" in html and "1 Stimme" in html


def test_account_page_shows_my_ideas_and_votes(client, auth):
    me = auth.login_as("citizen")
    make_idea(author=me, status="pending", title="Meine wartende Idee")
    votes.cast_vote(me, make_idea(title="Gute Idee anderer"))
    db.session.commit()
    page = client.get("/account").get_data(as_text=True)
    assert 'id="my-ideas-heading"' in page and 'id="my-votes-heading"' in page
    assert "Meine wartende Idee" in page and "Gute Idee anderer" in page
