"""The public theme page and the organizers' theme pages."""

import re

import pytest
from sqlalchemy import select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus
from ideenwerkstatt.themes.models import Theme

from ..factories import make_theme


def add_idea(theme, title, status=IdeaStatus.PUBLISHED):
    db.session.add(
        Idea(theme=theme, title=title, body="Text", body_html="<p>Text</p>", status=status)
    )
    db.session.commit()


@pytest.fixture
def organizer(auth):
    return auth.login_as("organizer")


# Public page -------------------------------------------------------------------------------


def test_theme_page_shows_the_theme_and_its_published_ideas(client):
    theme = make_theme(
        name_de="Mobilität", name_en="Mobility", slug="mobilitaet", description_de="Bus\n\nBahn"
    )
    add_idea(theme, "Mehr Radwege")
    add_idea(theme, "Noch nicht freigegeben", IdeaStatus.PENDING)
    add_idea(make_theme(), "Anderes Thema")
    page = client.get("/themes/mobilitaet")
    assert page.status_code == 200
    assert "<h1>Mobilität</h1>" in page.text
    assert '<p class="keep-lines">Bus</p>' in page.text
    assert "Mehr Radwege" in page.text
    assert "Noch nicht freigegeben" not in page.text
    assert "Anderes Thema" not in page.text
    assert "/ideas/new?theme=mobilitaet" in page.text


def test_theme_page_in_english(client):
    make_theme(name_de="Mobilität", name_en="Mobility", slug="mobilitaet")
    english = client.get("/themes/mobilitaet", headers={"Accept-Language": "en"})
    assert "<h1>Mobility</h1>" in english.text


def test_retired_theme_keeps_its_page_and_ideas(client):
    theme = make_theme(name_de="Alt", slug="alt", active=False)
    add_idea(theme, "Eine alte Idee")
    page = client.get("/themes/alt")
    assert page.status_code == 200
    assert "Eine alte Idee" in page.text
    assert "Neue Ideen nimmt es nicht mehr an" in page.text
    assert "/ideas/new" not in page.text


def test_unknown_theme_is_404(client):
    assert client.get("/themes/gibt-es-nicht").status_code == 404


def test_theme_page_past_the_last_idea_page_is_404(client):
    make_theme(slug="leer")
    assert client.get("/themes/leer?page=2").status_code == 404
    assert client.get("/themes/leer?page=x").status_code == 404


# Organizers' pages -------------------------------------------------------------------------


def test_theme_list_shows_all_themes_with_their_actions(client, organizer):
    make_theme(name_de="Erstes")
    make_theme(name_de="Ruhend", active=False)
    page = client.get("/organize/themes")
    assert page.status_code == 200
    assert "Erstes" in page.text and "Ruhend" in page.text
    assert "Stilllegen" in page.text and "Wieder aktivieren" in page.text
    assert "Nach unten" in page.text and "Nach oben" in page.text


def test_organizer_creates_a_theme(client, organizer):
    response = client.post(
        "/organize/themes/new",
        data={"name_de": "Öffentliche Räume", "name_en": "Public spaces", "description_de": "Ja"},
    )
    assert response.status_code == 302
    theme = db.session.scalar(select(Theme))
    assert (theme.slug, theme.name_en, theme.description_de) == (
        "oeffentliche-raeume",
        "Public spaces",
        "Ja",
    )
    assert "wurde angelegt" in client.get("/organize/themes").text


def test_duplicate_theme_is_422_with_the_message_next_to_the_name(client, organizer):
    make_theme(name_de="Bildung", slug="bildung")
    response = client.post(
        "/organize/themes/new", data={"name_de": "Bildung", "description_de": "Schulen"}
    )
    assert response.status_code == 422
    error = re.search(r'id="name_de-error">(.*?)</p>', response.text, re.S).group(1)
    assert "gibt es schon" in error
    assert 'value="Bildung"' in response.text and "Schulen" in response.text
    assert db.session.scalar(select(db.func.count(Theme.id))) == 1


@pytest.mark.parametrize("name", ["", "x" * 81, "!!!"])
def test_invalid_theme_name_is_422(client, organizer, name):
    response = client.post("/organize/themes/new", data={"name_de": name})
    assert response.status_code == 422
    assert 'id="name_de-error"' in response.text


def test_organizer_edits_a_theme(client, organizer):
    theme = make_theme(name_de="Alt", slug="alt")
    page = client.get(f"/organize/themes/{theme.id}/edit")
    assert page.status_code == 200 and 'value="Alt"' in page.text
    response = client.post(
        f"/organize/themes/{theme.id}/edit", data={"name_de": "Neu", "name_en": "New"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (theme.name_de, theme.name_en, theme.slug) == ("Neu", "New", "alt")
    bad = client.post(f"/organize/themes/{theme.id}/edit", data={"name_de": ""})
    assert bad.status_code == 422


def test_move_retire_and_reactivate(client, organizer):
    first = make_theme(name_de="Erstes")
    second = make_theme(name_de="Zweites")
    response = client.post(f"/organize/themes/{second.id}/move/up")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organize/themes#theme-{second.id}")
    db.session.expire_all()
    assert second.position < first.position

    client.post(f"/organize/themes/{first.id}/retire")
    db.session.expire_all()
    assert not first.active
    client.post(f"/organize/themes/{first.id}/reactivate")
    db.session.expire_all()
    assert first.active


def test_unknown_theme_or_direction_is_404(client, organizer):
    theme = make_theme()
    assert client.get("/organize/themes/999/edit").status_code == 404
    assert client.post("/organize/themes/999/retire").status_code == 404
    assert client.post(f"/organize/themes/{theme.id}/move/left").status_code == 404
