"""Similar ideas while writing: the lookup the script posts to (the idea form's and the phone's)
and the check button that asks the same without JavaScript. Only published ideas ever show;
the draft is kept and nothing is created; who may ask."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.livestate.services import set_numbers_hidden

from ..factories import make_event, make_idea, make_live_session, make_theme, make_user

BODY = "Eine ausführliche Beschreibung meiner Idee für die Stadt."


def html(response) -> str:
    return response.get_data(as_text=True)


def idea_count() -> int:
    return db.session.scalar(select(func.count(Idea.id)))


@pytest.fixture
def ideas(app):
    """Published, pending, hidden and rejected ideas about a Radweg, and one about trees."""
    theme = make_theme(slug="mobilitaet")
    return {
        "published": make_idea(title="Radweg zur Schule", theme=theme, vote_count=7),
        "body_only": make_idea(title="Sicher zur Schule", body="Ein breiter Radweg.", theme=theme),
        "pending": make_idea(title="Radweg geheim wartend", theme=theme, status="pending"),
        "hidden": make_idea(title="Radweg ausgeblendet", theme=theme, status="hidden"),
        "rejected": make_idea(title="Radweg abgelehnt", theme=theme, status="rejected"),
        "trees": make_idea(title="Mehr Bäume", theme=theme),
    }


def test_lookup_shows_published_similar_ideas_with_link_and_votes(client, auth, ideas):
    auth.login_as("citizen")
    response = client.post("/ideas/similar", data={"title": "Radwege"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = html(response)
    first = ideas["published"]
    assert f'href="/ideas/{first.id}"' in page and "Radweg zur Schule" in page
    assert "7 Stimmen" in page
    for key in ("body_only", "pending", "hidden", "rejected", "trees"):
        assert ideas[key].title not in page, key


def test_lookup_at_most_five_and_nothing_for_a_short_or_empty_title(client, auth, app):
    for n in range(7):
        make_idea(title=f"Trinkbrunnen Nummer {n}")
    auth.login_as("citizen")
    page = html(client.post("/ideas/similar", data={"title": "Trinkbrunnen"}))
    assert page.count("<li>") == 5
    for title in ("", "der", "!!"):
        response = client.post("/ideas/similar", data={"title": title})
        assert response.status_code == 200 and "<li>" not in html(response)


def test_lookup_needs_a_signed_in_person_and_a_post(client, auth, ideas):
    response = client.post("/ideas/similar", data={"title": "Radweg"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    auth.login_as("citizen")
    assert client.get("/ideas/similar?title=Radweg").status_code == 405


def test_the_draft_is_not_logged(client, auth, ideas, caplog):
    auth.login_as("citizen")
    with caplog.at_level(logging.DEBUG):
        client.post("/ideas/similar", data={"title": "Radweg Geheimwort4711"})
        client.post(
            "/ideas/new",
            data={"theme": "mobilitaet", "title": "Radweg Geheimwort4711", "check": "1"},
        )
    assert "Geheimwort4711" not in caplog.text


def test_check_button_without_javascript_keeps_the_draft_and_creates_nothing(client, auth, ideas):
    auth.login_as("citizen")
    before = idea_count()
    response = client.post(
        "/ideas/new",
        data={"theme": "mobilitaet", "title": "Radweg am Fluss", "body": BODY, "check": "1"},
    )
    assert response.status_code == 200
    page = html(response)
    assert idea_count() == before
    assert 'value="Radweg am Fluss"' in page and f"{BODY}</textarea>" in page
    assert 'selected value="mobilitaet"' in page or 'value="mobilitaet" selected' in page
    assert "Radweg zur Schule" in page and "7 Stimmen" in page
    assert 'aria-live="polite"' in page
    for key in ("pending", "hidden", "rejected"):
        assert ideas[key].title not in page, key
    assert "error-summary" not in page  # a check is no failed submission


def test_check_button_says_when_nothing_is_similar(client, auth, ideas):
    auth.login_as("citizen")
    page = html(client.post("/ideas/new", data={"title": "Seilbahn", "check": "1"}))
    assert "keine ähnliche veröffentlichte Idee" in page
    assert idea_count() == len(ideas)


def test_the_form_has_the_region_the_button_and_the_script(client, auth, ideas):
    auth.login_as("citizen")
    page = html(client.get("/ideas/new"))
    assert 'id="similar-ideas"' in page and 'aria-live="polite"' in page
    assert 'data-similar-url="/ideas/similar"' in page
    assert 'name="check" value="1"' in page and "Ähnliche Ideen prüfen" in page
    assert "js/similar_ideas.js" in page


def test_submitting_still_creates_the_idea(client, auth, ideas):
    auth.login_as("citizen")
    response = client.post(
        "/ideas/new", data={"theme": "mobilitaet", "title": "Radweg am Fluss", "body": BODY}
    )
    assert response.status_code == 302
    assert idea_count() == len(ideas) + 1


# --- the phone's form ------------------------------------------------------------------------


def _guest(client, event):
    live = make_live_session(event)
    assert client.post(f"/j/{live.join_code}", data={"consent": "y"}).status_code == 302


@pytest.fixture
def evening(app):
    theme = make_theme(name_de="Mobilität")
    event = make_event(themes=[theme], phase="collecting")
    other = make_event(themes=[theme], phase="collecting")
    return {
        "event": event,
        "theme": theme,
        "ours": make_idea(title="Radweg am Abend", theme=theme, event=event, vote_count=3),
        "pending": make_idea(title="Radweg wartet", theme=theme, event=event, status="pending"),
        "elsewhere": make_idea(title="Radweg woanders", theme=theme, event=other),
        "other": other,
    }


def test_phone_lookup_shows_the_evenings_published_ideas_only(client, evening):
    event = evening["event"]
    _guest(client, event)
    response = client.post(f"/events/{event.slug}/live/similar", data={"title": "Radwege"})
    assert response.status_code == 200
    page = html(response)
    assert "Radweg am Abend" in page and "3 Stimmen" in page
    assert "Radweg wartet" not in page and "Radweg woanders" not in page


def test_phone_lookup_hides_the_numbers_when_the_moderators_do(client, evening):
    event = evening["event"]
    set_numbers_hidden(make_user(role="moderator"), event, True)
    db.session.commit()
    _guest(client, event)
    page = html(client.post(f"/events/{event.slug}/live/similar", data={"title": "Radweg"}))
    assert "Radweg am Abend" in page and "Stimme" not in page


def test_phone_check_without_javascript_keeps_the_draft_and_creates_nothing(client, evening):
    event = evening["event"]
    _guest(client, event)
    before = idea_count()
    response = client.post(
        f"/events/{event.slug}/live/ideas",
        data={"theme": str(evening["theme"].id), "title": "Radweg bitte", "check": "1"},
    )
    assert response.status_code == 200
    page = html(response)
    assert idea_count() == before
    assert 'value="Radweg bitte"' in page and "Radweg am Abend" in page
    assert "Radweg wartet" not in page and "Radweg woanders" not in page


def test_a_guest_asks_only_on_their_evening(client, evening):
    _guest(client, evening["event"])
    other = evening["other"]
    assert client.post(f"/events/{other.slug}/live/similar", data={"title": "x"}).status_code == 403
    # The idea form's lookup is for accounts; a guest of an evening uses the phone's.
    assert client.post("/ideas/similar", data={"title": "Radweg"}).status_code == 403


def test_phone_lookup_needs_someone_signed_in(client, evening):
    event = evening["event"]
    response = client.post(f"/events/{event.slug}/live/similar", data={"title": "Radweg"})
    assert response.status_code in (302, 401)
    assert "Radweg am Abend" not in html(response)
