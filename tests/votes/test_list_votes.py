"""Vote buttons on the lists of ideas (/ideas, a theme's page, an event's page): plain posts
that lead back to the card, the dots left shown once per event, a bounded number of
queries, and nothing but one sign-in link for visitors."""

from __future__ import annotations

import re

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes.services import list_vote_states

from ..factories import make_event, make_idea, make_theme, make_user
from ..ideas.test_query_count import statements_for

JSON = {"Accept": "application/json"}


def count_of(idea) -> int:
    db.session.expire_all()
    return db.session.get(Idea, idea.id).vote_count


@pytest.fixture
def listed():
    theme = make_theme(slug="verkehr")
    support = make_event(slug="werkstatt", phase="voting", themes=[theme])
    dots = make_event(
        slug="punkte",
        title="Punkte-Werkstatt",
        phase="voting",
        themes=[theme],
        voting_rule="dots",
        dot_budget=3,
    )
    closed = make_event(slug="vorbei", phase="closed", themes=[theme])
    return {
        "support": make_idea(theme=theme, event=support, title="Mehr Bänke"),
        "dots": make_idea(theme=theme, event=dots, title="Punkte-Idee"),
        "dots2": make_idea(theme=theme, event=dots, title="Zweite Punkte-Idee"),
        "closed": make_idea(theme=theme, event=closed, title="Alte Idee"),
        "free": make_idea(theme=theme, title="Ohne Veranstaltung"),
    }


def forms_of(html: str, idea_id: int) -> list[str]:
    return re.findall(rf'action="/ideas/{idea_id}/vote(?:/retract)?"', html)


@pytest.mark.parametrize("url", ["/ideas", "/themes/verkehr", "/events/punkte"])
def test_signed_in_person_sees_vote_buttons_in_lists(client, auth, listed, url):
    auth.login_as("citizen")
    html = client.get(url).get_data(as_text=True)
    assert forms_of(html, listed["dots"].id)
    assert 'name="in_list" value="1"' in html
    assert "js/votes.js" in html
    # Dots: the budget once, above the list, not per card.
    assert html.count("data-dot-budget=") == 1
    assert "Ihre Punkte für „Punkte-Werkstatt“" in html
    if url != "/events/punkte":
        assert forms_of(html, listed["support"].id)
        assert forms_of(html, listed["free"].id)
        assert not forms_of(html, listed["closed"].id)  # voting over: no buttons


def test_visitor_gets_one_sign_in_link_and_no_form(client, listed):
    html = client.get("/ideas").get_data(as_text=True)
    assert "data-vote-form" not in html and "csrf_token" not in html
    assert html.count("um für diese Ideen abzustimmen") == 1
    assert "/account/login?next=/ideas" in html
    assert "js/votes.js" not in html


def test_plain_post_from_the_list_returns_to_the_card(client, auth, listed):
    auth.login_as("citizen")
    idea = listed["support"]
    response = client.post(
        f"/ideas/{idea.id}/vote", data={"next": f"/ideas?page=1#idea-{idea.id}", "in_list": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ideas?page=1#idea-{idea.id}"
    assert count_of(idea) == 1
    html = client.get("/ideas?page=1").get_data(as_text=True)
    assert "Danke für Ihre Unterstützung" in html
    card = html[html.index(f'id="idea-{idea.id}"') :]
    card = card[: card.index("</li>")]
    assert "Sie unterstützen diese Idee." in card and "Zurücknehmen" in card

    response = client.post(
        f"/ideas/{idea.id}/vote/retract", data={"next": f"/themes/verkehr#idea-{idea.id}"}
    )
    assert response.headers["Location"] == f"/themes/verkehr#idea-{idea.id}"
    assert count_of(idea) == 0


def test_unsafe_next_falls_back_to_the_idea(client, auth, listed):
    auth.login_as("citizen")
    idea = listed["support"]
    response = client.post(f"/ideas/{idea.id}/vote", data={"next": "//evil.example/ideas"})
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")


def test_json_answer_keeps_the_list_controls(client, auth, listed):
    auth.login_as("citizen")
    idea = listed["dots"]
    response = client.post(
        f"/ideas/{idea.id}/vote",
        data={"next": f"/ideas#idea-{idea.id}", "in_list": "1", "dots": "1"},
        headers=JSON,
    )
    assert response.status_code == 200
    data = response.json
    assert data["remaining"] == 2 and data["event_id"] == idea.event_id
    assert "Einen Punkt geben" in data["html"] and "Punkte zurücknehmen" in data["html"]
    assert f'value="/ideas#idea-{idea.id}"' in data["html"]
    assert f'aria-describedby="idea-{idea.id}-title"' in data["html"]
    assert "Anzahl Punkte" not in data["html"]  # the idea page's number field is not here
    html = client.get("/ideas").get_data(as_text=True)
    assert "<span data-dot-remaining>2</span> von 3" in html


def test_dots_left_are_per_event(app, listed):
    voter = make_user()
    other = make_event(phase="voting", voting_rule="dots", dot_budget=4)
    third = make_idea(event=other, theme=listed["dots"].theme)
    from ideenwerkstatt.votes.services import cast_vote

    cast_vote(voter, listed["dots"], dots=2)
    cast_vote(voter, listed["dots2"], dots=1)
    cast_vote(voter, third, dots=1)
    db.session.commit()
    result = list_vote_states(voter, [listed["dots"], listed["dots2"], third, listed["free"]])
    left = {budget.event_id: (budget.remaining, budget.budget) for budget in result.budgets}
    assert left == {listed["dots"].event_id: (0, 3), other.id: (3, 4)}
    assert result.states[listed["dots"].id].weight == 2
    assert result.states[listed["dots2"].id].can_add is False  # the budget is used up
    assert result.states[listed["free"].id].weight == 0


def test_list_votes_take_at_most_two_queries(app):
    from ..ideas.test_query_count import count_statements

    voter = make_user()
    theme = make_theme()
    events = [make_event(phase="voting", voting_rule="dots", themes=[theme]) for _ in range(3)]
    ideas = [make_idea(theme=theme, event=events[i % 3]) for i in range(12)]
    voter.id  # noqa: B018 (loaded, as the signed-in user is)
    for idea in ideas:
        idea.event  # noqa: B018 (loaded, as list_ideas does)
    with count_statements() as statements:
        list_vote_states(voter, ideas)
    assert len(statements) <= 2


def test_signed_in_list_with_votes_has_a_bounded_number_of_statements(app, client, auth):
    user = auth.login_as("citizen")
    theme = make_theme()
    dots = make_event(phase="voting", voting_rule="dots", themes=[theme])
    from ideenwerkstatt.votes.services import cast_vote

    for i in range(3):
        cast_vote(user, make_idea(theme=theme, event=dots if i % 2 else None))
    db.session.commit()
    small = statements_for(client, "/ideas")
    for i in range(20):
        idea = make_idea(theme=theme, event=dots if i % 2 else None)
        if i % 3 == 0:
            cast_vote(user, idea)
    db.session.commit()
    assert statements_for(client, "/ideas") == small
