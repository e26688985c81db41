"""Results people can find: the event page leads to its published result, /events, the
start page and each idea of the event link to it; before publication the event says the
result is coming, moderators get the way to start it, the moderation queue lists it, and
the result's address sends moderators to its curation page."""

from __future__ import annotations

import re

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.summaries import services
from tests.factories import make_event, make_idea, make_user
from tests.summaries.helpers import closed_event_with_ideas

RESULT_LINK = 'href="/events/sued/summary"'
PENDING_TEXT = "Das Ergebnis wird gerade zusammengestellt"
START_FORM = 'action="/events/sued/summary/start"'


@pytest.fixture
def data(app):
    return closed_event_with_ideas()


def publish(data, without=()):
    """Publish the result of the closed event, leaving out the ideas named in `without`."""
    summary = services.start_summary(data["event"], make_user(role="moderator"))
    for name in without:
        services.remove_item(summary, data["ideas"][name].id)
    services.save_texts(summary, None, "Danke!", "", {})
    services.publish_summary(summary, None)
    db.session.commit()
    return summary


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def result_section(html: str) -> str:
    match = re.search(r'<section class="card event-result".*?</section>', html, re.S)
    assert match, "no result section"
    return match.group(0)


# --- after publication -----------------------------------------------------------------------


def test_event_page_leads_to_the_result(client, data):
    publish(data)
    page = body(client, "/events/sued")
    section = result_section(page)
    # First thing after the heading: before the event's facts and its ideas.
    assert page.index("event-result") < page.index('<dl class="data">')
    assert RESULT_LINK in section
    for download in ("summary.pdf", "summary.csv", "summary.json"):
        assert f'href="/events/sued/{download}"' in section
    assert "Veröffentlicht am" in section
    # The top ideas by votes: A and B (3 each, A placed first), then D (2).
    titles = re.findall(r'<a href="/ideas/\d+">([^<]+)</a>', section)
    assert titles == ["Idee A", "Idee B", "Idee D"]
    assert "ausgewertet" not in page
    assert PENDING_TEXT not in page
    assert "Das Ergebnis ist veröffentlicht." in page


def test_the_date_shown_is_the_last_version(client, data):
    summary = publish(data)
    services.publish_summary(summary, None)
    db.session.commit()
    section = result_section(body(client, "/events/sued"))
    assert "Zuletzt geändert am" in section and "Veröffentlicht am" not in section


def test_events_list_and_start_page_link_to_the_result(client, data):
    for url in ("/", "/events"):
        assert RESULT_LINK not in body(client, url)
    publish(data)
    events = body(client, "/events")
    # In "Neueste Ergebnisse" and on the event's own card among past events.
    assert events.count(RESULT_LINK) == 2
    past = events[events.index('id="past-heading"') :]
    assert RESULT_LINK in past
    assert RESULT_LINK in body(client, "/")


def test_every_idea_of_the_event_links_to_the_result(client, data):
    publish(data, without=("c",))
    ideas = data["ideas"]
    included = body(client, f"/ideas/{ideas['a'].id}")
    assert "Aufgenommen in das Ergebnis der Veranstaltung" in included
    assert RESULT_LINK in included
    left_out = body(client, f"/ideas/{ideas['c'].id}")
    assert "Aufgenommen in das Ergebnis" not in left_out
    assert "Das Ergebnis der Veranstaltung ist veröffentlicht:" in left_out
    assert RESULT_LINK in left_out
    other = make_idea(event=make_event(phase="closed", starts_in_days=-1))
    assert "/summary" not in body(client, f"/ideas/{other.id}")


# --- before publication ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, "citizen"])
def test_a_closed_event_without_result_says_it_is_coming(client, auth, data, role):
    if role:
        auth.login_as(role)
    page = body(client, "/events/sued")
    assert PENDING_TEXT in page
    assert START_FORM not in page
    assert "summary/edit" not in page
    assert RESULT_LINK not in page


def test_a_draft_is_not_a_result_for_visitors(client, data):
    services.start_summary(data["event"], make_user(role="moderator"))
    db.session.commit()
    page = body(client, "/events/sued")
    assert PENDING_TEXT in page and RESULT_LINK not in page
    idea = body(client, f"/ideas/{data['ideas']['a'].id}")
    assert "/summary" not in idea


def test_moderators_get_the_button_that_starts_the_curation(client, auth, data):
    auth.login_as("moderator")
    page = body(client, "/events/sued")
    assert PENDING_TEXT in page
    assert START_FORM in page and "Ergebnis zusammenstellen" in page
    response = client.post("/events/sued/summary/start")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/events/sued/summary/edit")
    page = body(client, "/events/sued")
    assert START_FORM not in page
    assert 'href="/events/sued/summary/edit"' in page


def test_events_still_running_say_nothing_about_a_result(client, auth):
    make_event(slug="laeuft", phase="voting", starts_in_days=0)
    auth.login_as("moderator")
    page = body(client, "/events/laeuft")
    assert PENDING_TEXT not in page and "/summary" not in page


def test_moderation_lists_closed_events_without_published_result(client, auth, data):
    waiting = make_event(title="Werkstatt Ost", slug="ost", phase="closed", starts_in_days=-10)
    make_event(title="Läuft noch", slug="laeuft", phase="voting", starts_in_days=0)
    auth.login_as("moderator")
    queue = body(client, "/moderation")
    assert 'id="queue-result-sued"' in queue and 'id="queue-result-ost"' in queue
    assert 'href="/events/sued/summary/edit"' in queue
    assert "queue-result-laeuft" not in queue
    assert "Offene Ergebnisse: 2" in queue
    services.start_summary(waiting, make_user(role="moderator"))
    db.session.commit()
    queue = body(client, "/moderation")
    ost = queue[queue.index('id="queue-result-ost"') :]
    assert "Entwurf, noch nicht veröffentlicht" in ost[: ost.index("</li>")]
    publish(data)
    queue = body(client, "/moderation")
    assert "queue-result-sued" not in queue and "queue-result-ost" in queue


@pytest.mark.parametrize("role", [None, "citizen"])
def test_the_result_address_is_a_404_before_publication(client, auth, data, role):
    if role:
        auth.login_as(role)
    assert client.get("/events/sued/summary").status_code == 404


def test_moderators_are_sent_to_the_curation_page(client, auth, data):
    auth.login_as("moderator")
    response = client.get("/events/sued/summary")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/events/sued/summary/edit")
    # With a draft they see it as a preview, with the way back to editing.
    services.start_summary(data["event"], make_user(role="moderator"))
    db.session.commit()
    preview = body(client, "/events/sued/summary")
    assert "Vorschau:" in preview and 'href="/events/sued/summary/edit"' in preview


def test_a_moderator_of_an_unknown_event_gets_a_404(client, auth, data):
    auth.login_as("moderator")
    assert client.get("/events/gibt-es-nicht/summary").status_code == 404
