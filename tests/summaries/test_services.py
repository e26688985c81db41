"""Summary services: the proposal's ranking and grouping, curation, versions, figures."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import IdeaStatus
from ideenwerkstatt.summaries import document, services
from ideenwerkstatt.summaries.models import SummaryStatus, SummaryVersion
from tests.factories import make_event, make_idea, make_user
from tests.summaries.helpers import closed_event_with_ideas


@pytest.fixture
def data(app):
    return closed_event_with_ideas()


@pytest.fixture
def moderator(app):
    return make_user(role="moderator")


def titles(summary):
    return [item.idea.title for item in summary.items]


def test_proposal_ranks_by_votes_ties_by_earlier_publication_grouped_by_theme(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    db.session.commit()
    # A and B have 3 votes each: A was published earlier. Theme one first, then theme two.
    assert titles(summary) == ["Idee A", "Idee B", "Idee C", "Idee D"]
    assert [item.position for item in summary.items] == [1, 2, 3, 4]


def test_ties_with_the_same_publication_go_to_the_lower_id(app, moderator):
    event = make_event(phase="closed")
    from ideenwerkstatt.database import utcnow

    now = utcnow()
    first = make_idea(event=event, published_at=now)
    theme = first.theme
    second = make_idea(event=event, theme=theme, published_at=now)
    summary = services.start_summary(event, moderator)
    assert [item.idea_id for item in summary.items] == [first.id, second.id]


def test_only_published_ideas_are_proposed(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    assert "Wartend" not in titles(summary) and "Versteckt" not in titles(summary)
    assert services.unselected_ideas(summary) == []


@pytest.mark.parametrize("phase", ["draft", "collecting", "voting"])
def test_only_closed_events_get_a_summary(app, moderator, phase):
    event = make_event(phase=phase)
    with pytest.raises(services.SummaryError, match="event-not-closed"):
        services.start_summary(event, moderator)


def test_starting_twice_gives_the_same_summary(data, moderator):
    first = services.start_summary(data["event"], moderator)
    db.session.commit()
    assert services.start_summary(data["event"], moderator).id == first.id


def test_move_stays_within_the_theme(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    ideas = data["ideas"]
    services.move_item(summary, ideas["b"].id, "up")
    assert titles(summary) == ["Idee B", "Idee A", "Idee C", "Idee D"]
    services.move_item(summary, ideas["b"].id, "up")  # first of its theme: stays
    services.move_item(summary, ideas["c"].id, "down")  # last of its theme: stays, not past D
    assert titles(summary) == ["Idee B", "Idee A", "Idee C", "Idee D"]
    with pytest.raises(services.SummaryError):
        services.move_item(summary, ideas["pending"].id, "up")


def test_remove_and_add_again(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    ideas = data["ideas"]
    services.remove_item(summary, ideas["a"].id)
    assert titles(summary) == ["Idee B", "Idee C", "Idee D"]
    assert [idea.title for idea in services.unselected_ideas(summary)] == ["Idee A"]
    services.add_item(summary, ideas["a"].id)
    assert titles(summary) == ["Idee B", "Idee C", "Idee D", "Idee A"]
    for bad in (ideas["hidden"].id, ideas["pending"].id, ideas["a"].id, make_idea().id):
        with pytest.raises(services.SummaryError):
            services.add_item(summary, bad)


def test_texts_are_sanitized_and_notes_kept(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    item = summary.items[0]
    services.save_texts(
        summary, moderator, "**Danke** <script>x()</script>", "Fazit", {item.id: " Gut. "}
    )
    assert "<strong>Danke</strong>" in summary.intro_html
    assert "<script" not in summary.intro_html
    assert item.note == "Gut."
    with pytest.raises(services.SummaryError):
        services.save_texts(summary, moderator, "", "", {item.id: "x" * 2001})


def test_publishing_creates_a_version_each_time(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    assert summary.status == SummaryStatus.DRAFT
    assert document.published_document(data["event"]) is None
    first = services.publish_summary(summary, moderator)
    db.session.commit()
    assert (summary.status, summary.version, first.version) == (SummaryStatus.PUBLISHED, 1, 1)
    published_at = summary.published_at

    # An edit after publishing stays private until published again.
    services.remove_item(summary, data["ideas"]["a"].id)
    db.session.commit()
    shown = document.published_document(data["event"])
    assert [item["title"] for item in shown["items"]][0] == "Idee A"

    second = services.publish_summary(summary, moderator)
    db.session.commit()
    assert second.version == 2 and summary.published_at == published_at
    assert summary.updated_at >= published_at
    versions = db.session.query(SummaryVersion).order_by(SummaryVersion.version).all()
    assert [v.version for v in versions] == [1, 2]
    assert [i["title"] for i in versions[0].snapshot["items"]][0] == "Idee A"
    assert "Idee A" not in [i["title"] for i in versions[1].snapshot["items"]]
    assert versions[1].actor_id == moderator.id
    shown = document.published_document(data["event"])
    assert [item["title"] for item in shown["items"]] == ["Idee B", "Idee C", "Idee D"]
    assert [item["position"] for item in shown["items"]] == [1, 2, 3]


def test_hidden_ideas_drop_out_of_the_published_result(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    services.publish_summary(summary, moderator)
    db.session.commit()
    data["ideas"]["b"].status = IdeaStatus.HIDDEN
    db.session.commit()
    shown = document.published_document(data["event"])
    assert [item["title"] for item in shown["items"]] == ["Idee A", "Idee C", "Idee D"]
    assert services.summaries_for_idea(data["ideas"]["a"]) == [summary]


def test_figures_count_distinct_people_published_ideas_and_votes(data):
    figures = services.participation_figures(data["event"])
    # 3 voters + 4 authors (the voters wrote no idea).
    assert (figures.participants, figures.ideas, figures.votes) == (7, 4, 9)
    one, two = figures.themes
    assert (one.slug, one.ideas, one.votes, one.participants) == ("mobilitaet", 3, 7, 6)
    assert (two.slug, two.ideas, two.votes, two.participants) == ("bildung", 1, 2, 3)


def test_latest_published_summaries(data, moderator):
    assert services.latest_published_summaries() == []
    summary = services.start_summary(data["event"], moderator)
    services.publish_summary(summary, moderator)
    db.session.commit()
    assert services.latest_published_summaries() == [summary]


def test_groups_follow_the_themes(data, moderator):
    summary = services.start_summary(data["event"], moderator)
    services.publish_summary(summary, moderator)
    shown = document.published_document(data["event"])
    groups = document.theme_groups(shown, "de")
    assert [g["slug"] for g in groups] == ["mobilitaet", "bildung"]
    assert [[i["title"] for i in g["items"]] for g in groups] == [
        ["Idee A", "Idee B", "Idee C"],
        ["Idee D"],
    ]


def test_publish_and_update_go_to_the_moderation_log(data, moderator):
    from ideenwerkstatt.auditlog import ModerationLogEntry

    summary = services.start_summary(data["event"], moderator)
    services.publish_summary(summary, moderator)
    services.publish_summary(summary, moderator)
    entries = db.session.query(ModerationLogEntry).order_by(ModerationLogEntry.id).all()
    assert [(e.action, e.object_type, e.object_id, e.actor_id) for e in entries] == [
        ("summary.publish", "summary", summary.id, moderator.id),
        ("summary.update", "summary", summary.id, moderator.id),
    ]
