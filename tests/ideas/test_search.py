"""German full-text search (ideas.search_index, ideas.queries): what a query finds, in which
order, and that the index follows every change of an idea in the same transaction. Runs on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL: the same expectations on both."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas import queries, services
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from ..factories import make_event, make_idea, make_theme, make_user

# Key -> (title, body). Each query of the corpus below names the idea it must find.
CORPUS = {
    "fahrrad": (
        "Fahrräder sicher abstellen am Bahnhof",
        "Überdachte Bügel für viele Räder, damit niemand sein Rad an Laternen anschließt.",
    ),
    "strasse": (
        "Die Straße am Stadtpark verkehrsberuhigt gestalten",
        "Weniger Durchgangsverkehr und mehr Platz zum Spielen.",
    ),
    "buerger": (
        "Sprechstunde für Bürgerinnen im Rathaus",
        "Einmal im Monat ohne Termin Fragen an die Verwaltung stellen.",
    ),
    "uebergang": (
        "Übergang an der Grundschule sicherer machen",
        "Ein Zebrastreifen und eine Ampel für den Schulweg.",
    ),
    "baeume": (
        "Mehr Bäume in der Innenstadt pflanzen",
        "Schatten im Sommer und bessere Luft für alle.",
    ),
    "spielplatz": (
        "Neue Spielplätze im Quartier",
        "Für Kinder fehlt hier ein Ort zum Toben, Klettern und Rutschen.",
    ),
    "wlan": (
        "Freies WLAN am Marktplatz",
        "Kostenloser Zugang zum Internet für Gäste und Nachbarschaft.",
    ),
    "baenke": (
        "Bänke zum Ausruhen am Flussufer",
        "Ältere Menschen brauchen unterwegs Pausen.",
    ),
    "schwimmbad": (
        "Das Schwimmbad im Sommer länger öffnen",
        "Baden nach der Arbeit bis 22 Uhr wäre schön.",
    ),
    "kita": (
        "Kindergärten mit verlässlicher Betreuung",
        "Öffnungszeiten bis 18 Uhr helfen berufstätigen Eltern.",
    ),
    "muell": (
        "Mülleimer an jeder Bushaltestelle",
        "Damit weniger Verpackungen auf dem Gehweg landen.",
    ),
    "cafe": (
        "Ein Café im Stadtteilzentrum",
        "Ein Treffpunkt für Jung und Alt mit fairen Preisen.",
    ),
    "fussgaenger": (
        "Fußgängerzone am Wochenende",
        "Samstags keine Autos in der Altstadt, dafür Märkte und Musik.",
    ),
    "gruen": (
        "Grünflächen statt Parkplätze",
        "Entsiegelte Flächen nehmen Regen auf und kühlen das Viertel.",
    ),
    "radweg": (
        "Durchgehender Radweg zur Universität",
        "Die Radwege enden heute plötzlich an Kreuzungen.",
    ),
    "bibliothek": (
        "Stadtbibliothek sonntags öffnen",
        "Bücher ausleihen und lernen auch am Wochenende.",
    ),
    "solar": (
        "Solaranlagen auf städtischen Dächern",
        "Jedes Dach einer Schule kann Strom für die Nachbarschaft erzeugen.",
    ),
    "laerm": (
        "Lärmschutz an der Umgehung",
        "Nachts ist der Verkehr für Anwohnende kaum auszuhalten.",
    ),
}

# (query, the idea it must find): umlauts and their capitals, ß and ss, plurals and other
# inflections, the start of a compound, several words, accents.
QUERIES = [
    ("Fahrrad", "fahrrad"),
    ("fahrräder", "fahrrad"),
    ("FAHRRÄDERN", "fahrrad"),
    ("Strasse", "strasse"),
    ("Straße", "strasse"),
    ("STRASSEN", "strasse"),
    ("Bürger", "buerger"),
    ("bürgerinnen", "buerger"),
    ("ÜBERGANG", "uebergang"),
    ("Übergänge", "uebergang"),
    ("Baum", "baeume"),
    ("bäume", "baeume"),
    ("Spielplatz", "spielplatz"),
    ("wlan", "wlan"),
    ("Markt", "wlan"),
    ("Bank", "baenke"),
    ("Bänken", "baenke"),
    ("Schwimmbäder", "schwimmbad"),
    ("Kindergarten", "kita"),
    ("öffnungszeit", "kita"),
    ("Müll", "muell"),
    ("Mulleimer", "muell"),
    ("Cafe", "cafe"),
    ("CAFÉ", "cafe"),
    ("Fußgänger", "fussgaenger"),
    ("Fussgängerzonen", "fussgaenger"),
    ("Grünfläche", "gruen"),
    ("Radwegen", "radweg"),
    ("Rad", "radweg"),
    ("Universitäten", "radweg"),
    ("Radweg Universität", "radweg"),
    ("Bücher", "bibliothek"),
    ("Stadtbibliotheken sonntags", "bibliothek"),
    ("Solar", "solar"),
    ("Dach", "solar"),
    ("Lärm", "laerm"),
    ("Anwohnende", "laerm"),
]


@pytest.fixture
def corpus(app):
    theme = make_theme()
    return {
        key: make_idea(title=title, body=body, theme=theme).id
        for key, (title, body) in CORPUS.items()
    }


def found(q: str, viewer=None, **filters) -> list[int]:
    return [idea.id for idea in queries.list_ideas(viewer, q=q, per_page=100, **filters).items]


def test_the_corpus_has_enough_pairs():
    assert len(QUERIES) >= 30
    assert {key for _q, key in QUERIES} == set(CORPUS)


@pytest.mark.parametrize(("q", "key"), QUERIES, ids=[q for q, _key in QUERIES])
def test_german_query_finds_its_idea(corpus, q, key):
    ids = found(q)
    assert corpus[key] in ids
    # A search narrows: no query of the corpus finds more than a few of its 18 ideas.
    assert len(ids) <= 3, [idea for idea, i in corpus.items() if i in ids]


@pytest.mark.parametrize(
    ("q", "key"),
    [
        ("Fahrrad", "baeume"),
        ("Straße", "radweg"),  # "Radwege" is no form of "Straße"
        ("Bürger", "muell"),
        ("Baum", "bibliothek"),
    ],
)
def test_a_query_does_not_find_unrelated_ideas(corpus, q, key):
    assert corpus[key] not in found(q)


def test_every_word_must_match(corpus):
    assert found("Radweg Universität") == [corpus["radweg"]]
    assert found("Radweg Schwimmbad") == []


def test_stop_words_and_signs_alone_find_nothing(corpus):
    # Not "everything": a query without a word that counts is a question without an answer.
    assert found("der die und") == []
    assert found("!!! ???") == []


def test_results_by_relevance_unless_another_order_is_asked(app):
    older = make_idea(title="Ein Platz", body="Hier könnte ein Radweg entlang führen.")
    title_match = make_idea(title="Radweg entlang der Bahn", body="Sicher und breit.")
    newest = make_idea(title="Noch ein Platz", body="Radweg? Nein, Bänke.", vote_count=9)
    # The title weighs more than the body: first, though neither newest nor most voted.
    assert found("radweg")[0] == title_match.id
    assert found("radweg", sort="relevance")[0] == title_match.id
    assert found("radweg", sort="newest") == [newest.id, title_match.id, older.id]
    assert found("radweg", sort="votes")[0] == newest.id
    # Without a search, "relevance" means newest first.
    assert found("", sort="relevance")[0] == newest.id


def test_only_published_ideas_for_visitors_all_states_for_moderators(app):
    published = make_idea(title="Radweg am Fluss")
    pending = make_idea(title="Radweg am See", status="pending")
    hidden = make_idea(title="Radweg am Berg", status="hidden")
    assert found("Radweg") == [published.id]
    moderator = make_user(role="moderator")
    assert set(found("Radweg", moderator, status="all")) == {
        published.id,
        pending.id,
        hidden.id,
    }
    assert found("Radweg", moderator, status="hidden") == [hidden.id]


def test_filters_combine_with_the_search(app):
    theme, other = make_theme(), make_theme()
    event = make_event(themes=[theme])
    in_event = make_idea(title="Bäume am Markt", theme=theme, event=event)
    make_idea(title="Bäume am Bahnhof", theme=other)
    assert found("Baum", event=event) == [in_event.id]
    assert found("Baum", theme=theme) == [in_event.id]


# --- the index follows the idea, in the same transaction ------------------------------------


def test_an_edit_changes_what_finds_the_idea_before_the_commit(app):
    author = make_user()
    idea = services.submit_idea(author, make_theme(), "Mehr Bäume pflanzen", "Schatten " * 3)
    db.session.commit()
    moderator = make_user(role="moderator")
    services.edit_idea(moderator, idea, title="Mehr Fahrräder leihen", note="Titel")
    # Same transaction, not yet committed: the index already says so.
    assert found("Fahrrad", moderator, status="all") == [idea.id]
    assert found("Baum", moderator, status="all") == []
    db.session.rollback()
    # Rolled back with the idea: the old title finds it again.
    assert found("Baum", moderator, status="all") == [idea.id]
    assert found("Fahrrad", moderator, status="all") == []


def test_a_body_edit_is_searchable(app):
    idea = make_idea(title="Ein Vorschlag", body="Etwas ganz anderes steht hier.")
    services.edit_idea(make_user(role="moderator"), idea, body="Mehr Trinkbrunnen im Park.")
    db.session.commit()
    assert found("Trinkbrunnen") == [idea.id]
    assert found("anderes") == []


def test_approve_hide_and_restore_change_what_visitors_find(app):
    moderator = make_user(role="moderator")
    idea = services.submit_idea(make_user(), make_theme(), "Öffentliche Toiletten", "Bitte " * 4)
    db.session.commit()
    assert found("Toilette") == []
    services.approve_idea(moderator, idea)
    assert found("Toilette") == [idea.id]
    services.hide_idea(moderator, idea)
    assert found("Toilette") == []
    services.restore_idea(moderator, idea)
    assert found("Toilette") == [idea.id]


def _index_rows(idea_id: int) -> int:
    if db.engine.dialect.name == "sqlite":
        sql = "SELECT count(*) FROM idea_search WHERE rowid = :id"
    else:
        sql = "SELECT count(*) FROM idea WHERE id = :id AND search_vector IS NOT NULL"
    return db.session.scalar(text(sql), {"id": idea_id})


def test_a_deleted_idea_leaves_the_index(app):
    idea = make_idea(title="Eine Seilbahn über den Fluss")
    keep = make_idea(title="Eine Fähre über den Fluss")
    assert _index_rows(idea.id) == 1
    db.session.execute(delete(Idea).where(Idea.id == idea.id))  # as the privacy deletion
    assert _index_rows(idea.id) == 0
    db.session.commit()
    assert found("Fluss") == [keep.id]


def test_core_inserts_are_indexed_too(app):
    # The bulk generator writes with Core insert(), not the ORM: the database indexes them.
    theme = make_theme()
    db.session.execute(
        Idea.__table__.insert(),
        [
            {
                "theme_id": theme.id,
                "title": f"Ladesäule Nummer {n}",
                "body": "Für E-Bikes und Lastenräder.",
                "body_html": "",
                "status": "published",
                "vote_count": 0,
            }
            for n in range(3)
        ],
    )
    db.session.commit()
    assert len(found("Ladesäulen")) == 3
    assert len(found("Lastenrad")) == 3


def test_the_index_holds_exactly_the_ideas(app):
    for n in range(4):
        make_idea(title=f"Idee {n}")
    db.session.execute(delete(Idea).where(Idea.title == "Idee 2"))
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        indexed = set(db.session.scalars(text("SELECT rowid FROM idea_search")))
        assert indexed == set(db.session.scalars(select(Idea.id)))


# --- similar ideas ---------------------------------------------------------------------------


def test_similar_ideas_share_a_title_word_best_first_at_most_five(app):
    best = make_idea(title="Freies WLAN am Marktplatz")
    for n in range(6):
        make_idea(title=f"WLAN Nummer {n}")
    body_only = make_idea(title="Ein Platz zum Arbeiten", body="Vielleicht mit WLAN am Markt.")
    make_idea(title="Mehr Bäume")
    similar = queries.similar_ideas("Kostenloses WLAN am Markt")
    assert len(similar) == 5
    assert similar[0].id == best.id  # two words of the title ("Markt" starts "Marktplatz")
    assert body_only.id not in {idea.id for idea in similar}  # titles are compared
    assert all(idea.status == IdeaStatus.PUBLISHED for idea in similar)


def test_similar_ideas_only_published_and_only_the_event_if_asked(app):
    theme = make_theme()
    event = make_event(themes=[theme])
    make_idea(title="Radweg wartet", status="pending")
    make_idea(title="Radweg versteckt", status="hidden")
    make_idea(title="Radweg abgelehnt", status="rejected")
    everywhere = make_idea(title="Radweg überall")
    evening = make_idea(title="Radweg am Abend", theme=theme, event=event)
    assert {i.id for i in queries.similar_ideas("Radwege")} == {everywhere.id, evening.id}
    assert [i.id for i in queries.similar_ideas("Radwege", event=event)] == [evening.id]
    assert queries.similar_ideas("der die das") == []
    assert queries.similar_ideas("") == []


def test_pages_by_relevance_cover_every_match_once(app):
    theme = make_theme()
    for n in range(25):
        body = "Radweg " * (n % 4 + 1) + "und mehr"
        make_idea(title=f"Vorschlag {n}", body=body, theme=theme)
    make_idea(title="Radweg ganz oben", theme=theme)
    first = queries.list_ideas(None, q="Radweg", per_page=20, page=1)
    second = queries.list_ideas(None, q="Radweg", per_page=20, page=2)
    assert first.total == 26
    # The body saying it four times comes before the body saying it once.
    titles = [idea.title for idea in first.items + second.items]
    assert titles.index("Vorschlag 3") < titles.index("Vorschlag 0")
    ids = [idea.id for idea in first.items + second.items]
    assert len(ids) == 26 and len(set(ids)) == 26
    # Loaded with the page: theme and author need no further query.
    assert first.items[0].theme.id == theme.id


def test_api_q_searches_the_same_way_by_relevance_unless_sorted(client):
    older = make_idea(title="Ein Platz", body="Hier sollen Fahrräder stehen.")
    in_title = make_idea(title="Fahrradständer am Markt", body="Bügel für alle.")
    newest = make_idea(title="Straßenbahn", body="Fahrrad mitnehmen erlauben.", vote_count=5)
    make_idea(title="Mehr Bäume", body="Schatten.")
    make_idea(title="Fahrrad versteckt", status="hidden")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/ideas?{query}")
        assert response.status_code == 200
        return [row["id"] for row in response.get_json()["items"]]

    assert ids("q=FAHRRAD")[0] == in_title.id
    assert set(ids("q=Fahrräder")) == {older.id, in_title.id, newest.id}
    assert ids("q=fahrrad&sort=newest") == [newest.id, in_title.id, older.id]
    assert ids("q=fahrrad&sort=votes")[0] == newest.id
    assert ids("q=Strasse") == [newest.id]
    csv = client.get("/api/v1/ideas?q=fahrrad&format=csv").get_data(as_text=True)
    assert csv.index("Fahrradständer am Markt") < csv.index("Ein Platz")
