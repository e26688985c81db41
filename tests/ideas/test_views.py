"""Idea pages: list, filters, pagination, submitting, detail visibility, editing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea, IdeaStatus

from ..factories import make_event, make_idea, make_theme, make_user

BODY = "Mehr Bänke am Marktplatz, damit ältere Menschen sich ausruhen können."


def html(response) -> str:
    return response.get_data(as_text=True)


# --- list ---------------------------------------------------------------------------------


def test_empty_list(client):
    response = client.get("/ideas")
    assert response.status_code == 200
    assert "0 Ideen" in html(response)
    assert "Hier gibt es noch keine Ideen." in html(response)


def test_list_shows_published_only(client):
    make_idea(title="Öffentliche Idee")
    make_idea(title="Wartende Idee", status="pending")
    make_idea(title="Ausgeblendete Idee", status="hidden")
    make_idea(title="Abgelehnte Idee", status="rejected")
    page = html(client.get("/ideas"))
    assert "Öffentliche Idee" in page
    for hidden in ("Wartende Idee", "Ausgeblendete Idee", "Abgelehnte Idee"):
        assert hidden not in page


def test_authors_own_pending_idea_is_not_in_the_public_list(client, auth):
    author = auth.login_as("citizen")
    make_idea(author=author, title="Meine wartende Idee", status="pending")
    assert "Meine wartende Idee" not in html(client.get("/ideas"))


def test_moderators_filter_by_status(client, auth):
    make_idea(title="Wartende Idee", status="pending")
    make_idea(title="Öffentliche Idee")
    auth.login_as("moderator")
    page = html(client.get("/ideas?status=pending"))
    assert "Wartende Idee" in page and "Öffentliche Idee" not in page
    page = html(client.get("/ideas?status=all"))
    assert "Wartende Idee" in page and "Öffentliche Idee" in page


def test_citizens_status_filter_is_ignored(client, auth):
    make_idea(title="Wartende Idee", status="pending")
    auth.login_as("citizen")
    assert "Wartende Idee" not in html(client.get("/ideas?status=pending"))


def test_filter_by_theme_event_and_search(client):
    mobility, education = make_theme(slug="mobilitaet"), make_theme(slug="bildung")
    event = make_event(slug="werkstatt-mai", phase="voting", themes=[mobility])
    make_idea(
        theme=mobility, event=event, title="Radwege ausbauen", body="Sichere Radwege zur Schule"
    )
    make_idea(theme=mobility, title="Busse im Takt", body="Ein Bus alle zehn Minuten bitte")
    make_idea(theme=education, title="Schulgarten", body="Ein Garten für jede Grundschule")

    page = html(client.get("/ideas?theme=mobilitaet"))
    assert "Radwege ausbauen" in page and "Busse im Takt" in page and "Schulgarten" not in page
    page = html(client.get("/ideas?event=werkstatt-mai"))
    assert "Radwege ausbauen" in page and "Busse im Takt" not in page
    page = html(client.get("/ideas?q=SCHULE"))
    assert "Radwege ausbauen" in page and "Schulgarten" in page and "Busse" not in page
    page = html(client.get("/ideas?q=garten+grundschule"))
    assert "Schulgarten" in page and "Radwege" not in page
    page = html(client.get("/ideas?theme=mobilitaet&q=bus"))
    assert "Busse im Takt" in page and "Radwege" not in page


def test_idea_page_gives_visitors_no_cookie(client):
    idea = make_idea(title="Ohne Keks")
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200 and "Ohne Keks" in response.text
    assert "Set-Cookie" not in response.headers


def test_search_total_counts_what_the_page_finds(client, auth):
    # On SQLite the count of a search is built apart from the page (read in table order).
    make_idea(title="Radweg am Fluss", body="Breit und sicher")
    make_idea(title="Mehr Bänke", body="Am RADWEG entlang")
    make_idea(title="Wartender Radweg", status="pending")
    make_idea(title="Busse im Takt", body="Ein Bus alle zehn Minuten bitte")
    page = html(client.get("/ideas?q=radweg"))
    assert "2 Ideen" in page and "Radweg am Fluss" in page and "Mehr Bänke" in page
    auth.login_as("moderator")
    page = html(client.get("/ideas?q=Radweg&status=all"))
    assert "3 Ideen" in page and "Wartender Radweg" in page


def test_search_signs_are_no_wildcards(client):
    # Words are letters and digits: `%` and `_` are separators, never "anything".
    make_idea(title="Hundert Prozent Ökostrom", body="Der Strom soll zu 100% grün sein")
    make_idea(title="Anderes Thema", body="Nichts mit Prozenten hier drin, ehrlich")
    for query in ("%25", "_", "*", '"'):
        assert "0 Ideen" in html(client.get(f"/ideas?q={query}"))
    page = html(client.get("/ideas?q=100%25"))
    assert "Hundert Prozent" in page and "Anderes Thema" not in page


def test_unknown_filter_value_is_422_with_message(client):
    make_idea(title="Eine Idee")
    response = client.get("/ideas?theme=gibt-es-nicht&q=Idee")
    assert response.status_code == 422
    page = html(response)
    assert 'aria-invalid="true"' in page
    assert 'value="Idee"' in page  # what was typed stays


def test_sort_by_votes_and_newest(client):
    now = utcnow()
    make_idea(title="Alt aber beliebt", vote_count=9, created_at=now - dt.timedelta(days=3))
    make_idea(title="Neu und still", vote_count=0, created_at=now)
    page = html(client.get("/ideas?sort=votes"))
    assert page.index("Alt aber beliebt") < page.index("Neu und still")
    page = html(client.get("/ideas?sort=newest"))
    assert page.index("Neu und still") < page.index("Alt aber beliebt")


def test_pagination(client):
    theme = make_theme()
    now = utcnow()
    for n in range(25):
        make_idea(theme=theme, title=f"Idee {n:02d}", created_at=now, commit=False)
    db.session.commit()
    first = html(client.get("/ideas"))
    assert "Seite 1 von 2" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert first.count('class="card idea-card"') == 20
    second = html(client.get("/ideas?page=2"))
    assert second.count('class="card idea-card"') == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert 'aria-label="Seiten der Ideenliste"' in second
    # Same created_at everywhere: the id breaks ties, no idea shows twice.
    titles = [f"Idee {n:02d}" for n in range(25)]
    assert all((t in first) != (t in second) for t in titles)


@pytest.mark.parametrize("page", ["2", "0", "-1", "abc", "99999999999999999999"])
def test_page_past_the_last_is_404(client, page):
    make_idea()
    assert client.get(f"/ideas?page={page}").status_code == 404


def test_first_page_of_an_empty_filter_is_200(client):
    assert client.get("/ideas?q=nichts&page=1").status_code == 200


def test_list_is_escaped(client):
    make_idea(title="<script>alert(1)</script>")
    page = html(client.get("/ideas"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- submitting -----------------------------------------------------------------------------


def test_new_needs_login(client):
    response = client.get("/ideas/new")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    response = client.post("/ideas/new", data={})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_new_form_lists_active_themes_and_collecting_events(client, auth):
    make_theme(name_de="Mobilität")
    make_theme(name_de="Altes Thema", active=False)
    make_event(title="Werkstatt sammelt", phase="collecting")
    make_event(title="Werkstatt stimmt ab", phase="voting")
    auth.login_as("citizen")
    page = html(client.get("/ideas/new"))
    assert "Mobilität" in page and "Altes Thema" not in page
    assert "Werkstatt sammelt" in page and "Werkstatt stimmt ab" not in page
    assert 'maxlength="120"' in page
    assert 'name="website"' in page  # the honeypot
    assert "js/idea_form.js" in page


def test_submit_idea(client, auth):
    theme = make_theme(slug="mobilitaet")
    event = make_event(slug="werkstatt", phase="collecting", themes=[theme])
    author = auth.login_as("citizen")
    response = client.post(
        "/ideas/new",
        data={"theme": "mobilitaet", "title": "Mehr Bänke", "body": BODY, "event": "werkstatt"},
    )
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    assert response.headers["Location"].endswith(f"/ideas/{idea.id}")
    assert idea.status == IdeaStatus.PENDING
    assert idea.author_id == author.id and idea.event_id == event.id
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "Wartet auf Freigabe" in page


def test_submit_with_errors_is_422_and_keeps_values(client, auth):
    make_theme(slug="mobilitaet")
    auth.login_as("citizen")
    response = client.post(
        "/ideas/new", data={"theme": "mobilitaet", "title": "Gute Überschrift", "body": "kurz"}
    )
    assert response.status_code == 422
    page = html(response)
    assert 'value="Gute Überschrift"' in page
    assert "kurz</textarea>" in page
    assert 'id="body-error"' in page and "error-summary" in page
    assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_submit_to_a_voting_event_is_422(client, auth):
    theme = make_theme(slug="mobilitaet")
    make_event(slug="werkstatt", phase="voting", themes=[theme])
    auth.login_as("citizen")
    response = client.post(
        "/ideas/new",
        data={"theme": "mobilitaet", "title": "Titel", "body": BODY, "event": "werkstatt"},
    )
    assert response.status_code == 422  # not a choice any more
    assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_honeypot_pretends_success_and_keeps_nothing(client, auth):
    make_theme(slug="mobilitaet")
    auth.login_as("citizen")
    response = client.post(
        "/ideas/new",
        data={"theme": "mobilitaet", "title": "Spam", "body": BODY, "website": "http://spam"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Idea.id))) == 0


class TestFillTime:
    @pytest.fixture
    def app_config(self):
        return {"FORM_MIN_FILL_SECONDS": 3}

    def test_too_fast_is_422(self, client, auth):
        make_theme(slug="mobilitaet")
        auth.login_as("citizen")
        response = client.post(
            "/ideas/new", data={"theme": "mobilitaet", "title": "Schnell", "body": BODY}
        )
        assert response.status_code == 422
        assert db.session.scalar(select(func.count(Idea.id))) == 0

    def test_in_time_is_accepted(self, client, auth):
        from ideenwerkstatt.spam import issue_fill_token

        make_theme(slug="mobilitaet")
        auth.login_as("citizen")
        token = issue_fill_token(started_at=utcnow().timestamp() - 10)
        response = client.post(
            "/ideas/new",
            data={"theme": "mobilitaet", "title": "Ruhig", "body": BODY, "form_started": token},
        )
        assert response.status_code == 302


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_IDEAS": "2 per hour"}

    def test_submissions_are_limited(self, client, auth):
        make_theme(slug="mobilitaet")
        auth.login_as("citizen")
        # Forms sent back with errors do not count.
        for _ in range(3):
            assert client.post("/ideas/new", data={"title": "x"}).status_code == 422
        for n in range(2):
            data = {"theme": "mobilitaet", "title": f"Idee {n}", "body": BODY}
            assert client.post("/ideas/new", data=data).status_code == 302
        data = {"theme": "mobilitaet", "title": "Eine zu viel", "body": BODY}
        assert client.post("/ideas/new", data=data).status_code == 429
        assert client.get("/ideas/new").status_code == 200


# --- detail ---------------------------------------------------------------------------------


def test_detail_of_published_idea(client):
    theme = make_theme(name_de="Mobilität")
    event = make_event(title="Werkstatt Mobilität", phase="voting", themes=[theme])
    idea = make_idea(theme=theme, event=event, title="Radwege", body="Mehr **sichere** Radwege")
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "<h1" in page and "Radwege" in page
    assert "<strong>sichere</strong>" in page
    assert "Mobilität" in page and "Werkstatt Mobilität" in page
    assert "0 Stimmen" in page
    assert "Melden Sie sich an, um abzustimmen." in page
    assert "Wartet auf Freigabe" not in page and "Status:" not in page


def test_detail_shows_deleted_account_and_paper_card(client):
    anonymous = make_idea(author=None, title="Verwaist")
    card = make_idea(author=None, from_paper_card=True, title="Karte")
    assert "gelöschtes Konto" in html(client.get(f"/ideas/{anonymous.id}"))
    assert "Ideenkarte" in html(client.get(f"/ideas/{card.id}"))


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
def test_unpublished_detail_is_404_for_visitors_and_other_citizens(client, auth, status):
    idea = make_idea(status=status)
    assert client.get(f"/ideas/{idea.id}").status_code == 404
    auth.login_as("citizen")
    assert client.get(f"/ideas/{idea.id}").status_code == 404


@pytest.mark.parametrize("status", ["pending", "rejected", "hidden"])
def test_unpublished_detail_for_author_and_moderator(client, auth, status):
    author = make_user()
    idea = make_idea(author=author, status=status)
    auth.login_as("moderator")
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "Status:" in page and 'id="moderation-heading"' in page
    auth.login_user(author)
    response = client.get(f"/ideas/{idea.id}")
    assert response.status_code == 200 and "Status:" in html(response)
    assert 'id="moderation-heading"' not in html(response)


@pytest.mark.parametrize("phase", [None, "collecting", "voting"])
def test_pending_idea_tells_its_author_why_it_cannot_be_voted_on_yet(client, auth, phase):
    author = make_user()
    event = make_event(phase=phase, title="Werkstatt Mobilität") if phase else None
    idea = make_idea(author=author, status="pending", event=event)
    auth.login_user(author)
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "Die Moderation prüft die Idee erst. Nach der Freigabe kann über sie abgestimmt" in page
    # Voting comes in the event's voting phase: said when that phase has not come yet.
    assert ("Abstimmungsphase von „Werkstatt Mobilität“" in page) == (phase == "collecting")
    assert "Diese Idee unterstützen" not in page


def test_pending_idea_tells_its_author_in_english(client, auth):
    author = make_user(locale="en")
    idea = make_idea(author=author, status="pending")
    auth.login_user(author)
    page = html(client.get(f"/ideas/{idea.id}"))
    assert "No voting yet: the moderation team is still checking the idea." in page


@pytest.mark.parametrize(
    ("status", "reason"),
    [("hidden", "Die Idee ist ausgeblendet"), ("rejected", "Die Idee wurde nicht veröffentlicht")],
)
def test_hidden_or_rejected_idea_says_why_there_is_no_vote(client, auth, status, reason):
    idea = make_idea(status=status)
    auth.login_as("moderator")
    assert reason in html(client.get(f"/ideas/{idea.id}"))


def test_unknown_idea_is_404(client):
    assert client.get("/ideas/12345").status_code == 404


# --- editing --------------------------------------------------------------------------------


def test_author_edits_pending_idea(client, auth):
    author = auth.login_as("citizen")
    idea = make_idea(author=author, status="pending", theme=make_theme(slug="t1"))
    page = html(client.get(f"/ideas/{idea.id}/edit"))
    assert f'value="{idea.title}"' in page
    response = client.post(
        f"/ideas/{idea.id}/edit", data={"theme": "t1", "title": "Besserer Titel", "body": BODY}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Idea, idea.id).title == "Besserer Titel"


def test_edit_with_errors_is_422(client, auth):
    author = auth.login_as("citizen")
    idea = make_idea(author=author, status="pending", theme=make_theme(slug="t1"))
    response = client.post(
        f"/ideas/{idea.id}/edit", data={"theme": "t1", "title": "ab", "body": BODY}
    )
    assert response.status_code == 422
    assert 'value="ab"' in html(response)


def test_editing_someone_elses_pending_idea_is_refused(client, auth):
    idea = make_idea(status="pending")
    auth.login_as("citizen")
    # Someone else's pending idea does not even exist for them.
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 404
    assert client.post(f"/ideas/{idea.id}/edit", data={"title": "Gekapert"}).status_code == 404
    published = make_idea()
    assert client.get(f"/ideas/{published.id}/edit").status_code == 403
    assert client.post(f"/ideas/{published.id}/edit", data={"title": "Gekapert"}).status_code == 403


def test_author_cannot_edit_after_publication(client, auth):
    author = auth.login_as("citizen")
    idea = make_idea(author=author, status="published")
    assert client.get(f"/ideas/{idea.id}/edit").status_code == 403
    assert "Idee bearbeiten" not in html(client.get(f"/ideas/{idea.id}"))


def test_edit_needs_login(client):
    idea = make_idea(status="pending")
    response = client.get(f"/ideas/{idea.id}/edit")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_moderator_edits_published_idea(client, auth):
    auth.login_as("moderator")
    idea = make_idea(theme=make_theme(slug="t1"))
    response = client.post(
        f"/ideas/{idea.id}/edit", data={"theme": "t1", "title": "Geglättet", "body": BODY}
    )
    assert response.status_code == 302
