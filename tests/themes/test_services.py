"""Theme rules: slugs, duplicates, order, retiring without losing ideas, who may do it."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from ideenwerkstatt.database import commit
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus
from ideenwerkstatt.permissions import PermissionDenied
from ideenwerkstatt.themes import services
from ideenwerkstatt.themes.models import Theme
from ideenwerkstatt.themes.services import ThemeError, slugify

from ..factories import make_theme, make_user


@pytest.fixture
def organizer(app):
    return make_user(role="organizer")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Mobilität", "mobilitaet"),
        ("Öffentliche Räume", "oeffentliche-raeume"),
        ("Soziale Stadt!", "soziale-stadt"),
        ("Straße & Übergänge", "strasse-uebergaenge"),
        ("  Café  Kultur ", "cafe-kultur"),
        ("Bildung 2030", "bildung-2030"),
        ("Mobilita\u0308t", "mobilitaet"),  # decomposed umlaut, as some keyboards send it
        ("???", ""),
    ],
)
def test_slugify_spells_out_german_letters(name, slug):
    assert slugify(name, 60) == slug


def test_slugify_cuts_at_a_word_boundary_without_trailing_hyphen():
    assert slugify("a" * 10 + " " + "b" * 10, 11) == "a" * 10


def test_create_theme_derives_the_slug_and_goes_last(organizer):
    first = services.create_theme(organizer, name_de="Digitalisierung", name_en="Digitalisation")
    second = services.create_theme(organizer, name_de="Mobilität", description_de="Bus und Rad")
    commit()
    assert (first.slug, second.slug) == ("digitalisierung", "mobilitaet")
    assert second.position > first.position
    assert second.active and second.name("en") == "Mobilität"  # falls back to German
    assert first.name("en") == "Digitalisation"


def test_duplicate_theme_is_refused_with_a_message_and_the_session_survives(app, organizer):
    services.create_theme(organizer, name_de="Mobilität")
    commit()
    with pytest.raises(ThemeError) as refused:
        services.create_theme(organizer, name_de="Mobilitaet")  # same slug
    assert refused.value.field == "name_de"
    with app.test_request_context():
        assert "Ein Thema mit diesem Namen gibt es schon" in str(refused.value)
        assert "mobilitaet" in str(refused.value)
    # Only the failed insert was rolled back: the same transaction goes on.
    services.create_theme(organizer, name_de="Bildung")
    commit()
    assert [t.slug for t in services.all_themes()] == ["mobilitaet", "bildung"]


@pytest.mark.parametrize(
    ("name_de", "name_en"), [("", ""), ("   ", "x"), ("x" * 81, ""), ("Gut", "x" * 81), ("!!!", "")]
)
def test_invalid_theme_names_are_refused(organizer, name_de, name_en):
    with pytest.raises(ThemeError):
        services.create_theme(organizer, name_de=name_de, name_en=name_en)
    assert services.all_themes() == []


def test_update_keeps_the_slug(organizer):
    theme = services.create_theme(organizer, name_de="Mobilität")
    services.update_theme(
        organizer,
        theme,
        name_de="Mobilität und Verkehr",
        name_en="Mobility",
        description_de=" Neu ",
    )
    commit()
    assert (theme.slug, theme.name_de, theme.description_de) == (
        "mobilitaet",
        "Mobilität und Verkehr",
        "Neu",
    )


def test_move_swaps_neighbours_and_stops_at_the_ends(organizer):
    a, b, c = (make_theme(name_de=name, position=0) for name in "ABC")  # ties on purpose
    assert services.move_theme(organizer, c, "up")
    commit()
    assert [t.name_de for t in services.all_themes()] == ["A", "C", "B"]
    assert [t.position for t in services.all_themes()] == [0, 1, 2]
    assert not services.move_theme(organizer, a, "up")
    assert not services.move_theme(organizer, b, "down")
    assert services.move_theme(organizer, a, "down")
    commit()
    assert [t.name_de for t in services.all_themes()] == ["C", "A", "B"]
    with pytest.raises(ValueError):
        services.move_theme(organizer, a, "sideways")


def test_retired_theme_keeps_its_ideas_and_page_but_leaves_the_active_list(organizer):
    theme = make_theme(name_de="Mobilität", slug="mobilitaet")
    other = make_theme(name_de="Bildung")
    idea = Idea(
        theme=theme,
        title="Mehr Fahrradständer",
        body="Am Bahnhof",
        body_html="<p>Am Bahnhof</p>",
        status=IdeaStatus.PUBLISHED,
    )
    db.session.add(idea)
    commit()

    services.retire_theme(organizer, theme)
    commit()
    assert services.active_themes() == [other]
    assert services.theme_by_slug("mobilitaet") is theme
    assert db.session.scalar(select(Idea).where(Idea.theme_id == theme.id)) is idea

    services.reactivate_theme(organizer, theme)
    commit()
    assert services.active_themes() == [theme, other]


def test_active_themes_follow_the_organizers_order(app):
    late = make_theme(name_de="Spät", position=5)
    early = make_theme(name_de="Früh", position=1)
    make_theme(name_de="Alt", position=0, active=False)
    assert services.active_themes() == [early, late]


@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_only_organizers_change_themes(app, role):
    actor = make_user(role=role) if role else AnonymousUserMixin()
    theme = make_theme()
    for call in (
        lambda: services.create_theme(actor, name_de="Wirtschaft"),
        lambda: services.update_theme(actor, theme, name_de="Neu"),
        lambda: services.move_theme(actor, theme, "up"),
        lambda: services.retire_theme(actor, theme),
        lambda: services.reactivate_theme(actor, theme),
    ):
        with pytest.raises(PermissionDenied):
            call()
    db.session.rollback()
    assert db.session.scalars(select(Theme.name_de)).all() == [theme.name_de]


def test_admin_may_change_themes(app):
    admin = make_user(role="admin")
    assert services.create_theme(admin, name_de="Wirtschaft").slug == "wirtschaft"
