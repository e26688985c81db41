"""Moderation services: every decision, the refused ones, reasons reaching the author, the
log entry for each action, and the log being append-only."""

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import LogIsAppendOnly, ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas import services as ideas
from ideenwerkstatt.moderation import services

from ..factories import make_event, make_idea, make_theme, make_user


def log_rows():
    return list(db.session.scalars(select(ModerationLogEntry).order_by(ModerationLogEntry.id)))


@pytest.fixture
def moderator(app):
    return make_user(role="moderator")


def test_approve_is_logged(moderator):
    idea = make_idea(status="pending")
    ideas.approve_idea(moderator, idea)
    assert idea.status == "published"
    (entry,) = log_rows()
    assert (entry.actor_id, entry.action, entry.object_type, entry.object_id) == (
        moderator.id,
        "idea.approve",
        "idea",
        idea.id,
    )


def test_reject_with_template_and_free_text_reaches_the_author_in_their_language(moderator, outbox):
    author = make_user(locale="en")
    idea = make_idea(author=author, status="pending")
    services.seed_rejection_templates()
    template = services.rejection_templates()[0]
    services.reject_with_reason(moderator, idea, template, "Bitte neu formulieren.")
    db.session.commit()
    reason = f"{template.text}\n\nBitte neu formulieren."
    assert idea.status == "rejected" and idea.rejection_reason == reason
    (mail,) = outbox(template="idea_rejected")
    assert mail.recipient == author.email and mail.user_id == author.id
    assert "Bitte neu formulieren." in mail.body_text and template.text in mail.body_text
    entry = log_rows()[-1]
    assert entry.action == "idea.reject" and entry.reason == reason


def test_reject_needs_a_reason(moderator):
    idea = make_idea(status="pending")
    with pytest.raises(ideas.IdeaError) as error:
        services.reject_with_reason(moderator, idea, None, "  ")
    assert error.value.field == "reason"
    assert idea.status == "pending"


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("published", ideas.hide_idea, "hidden"),
        ("hidden", ideas.restore_idea, "published"),
    ],
)
def test_hide_and_restore_are_logged(moderator, status, action, expected):
    idea = make_idea(status=status)
    action(moderator, idea)
    assert idea.status == expected
    assert log_rows()[-1].action == f"idea.{action.__name__.split('_')[0]}"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("published", ideas.approve_idea),
        ("rejected", ideas.approve_idea),
        ("pending", ideas.hide_idea),
        ("pending", ideas.restore_idea),
        ("published", ideas.restore_idea),
    ],
)
def test_refused_transitions_change_nothing_and_log_nothing(moderator, status, action):
    idea = make_idea(status=status)
    with pytest.raises(ideas.InvalidTransition):
        action(moderator, idea)
    assert idea.status == status
    assert log_rows() == []


def test_citizens_cannot_decide(app):
    citizen = make_user()
    idea = make_idea(status="pending")
    with pytest.raises(ideas.IdeaNotAllowed):
        ideas.approve_idea(citizen, idea)
    with pytest.raises(services.NotAllowed):
        services.bulk_approve(citizen, [idea.id])
    with pytest.raises(services.NotAllowed):
        services.edit_with_note(citizen, idea, title="Neu", body="x" * 20, note="weil")
    with pytest.raises(services.NotAllowed):
        services.create_template(citizen, title="Titel", text="Ein Text")
    assert log_rows() == []


def test_edit_with_note_shows_and_logs_the_note(moderator):
    idea = make_idea(status="published")
    services.edit_with_note(
        moderator, idea, title="Neuer Titel", body="Ein ganz neuer Text.", note="Tippfehler"
    )
    assert idea.title == "Neuer Titel" and idea.moderation_note == "Tippfehler"
    entry = log_rows()[-1]
    assert entry.action == "idea.edit" and entry.reason == "Tippfehler"


def test_edit_needs_a_note(moderator):
    idea = make_idea(status="published")
    with pytest.raises(services.ModerationError) as error:
        services.edit_with_note(moderator, idea, title="Neu", body="x" * 20, note="")
    assert error.value.field == "note"


def test_authors_own_edit_is_not_logged(app):
    author = make_user()
    idea = make_idea(author=author, status="pending")
    ideas.edit_idea(author, idea, title="Von mir geändert")
    assert log_rows() == []


def test_bulk_approve_skips_what_was_decided(moderator):
    pending = [make_idea(status="pending") for _ in range(3)]
    done = make_idea(status="rejected")
    approved, skipped = services.bulk_approve(
        moderator, [i.id for i in pending] + [done.id, 999999]
    )
    assert {i.id for i in approved} == {i.id for i in pending}
    assert skipped == 2
    assert [e.action for e in log_rows()] == ["idea.approve"] * 3


def test_paper_card_mark_is_logged(moderator):
    idea = make_idea(status="published")
    services.mark_paper_card(moderator, idea)
    assert idea.from_paper_card
    assert log_rows()[-1].action == "idea.paper_card"
    services.mark_paper_card(moderator, idea)  # unchanged: no second entry
    assert len(log_rows()) == 1


def test_queue_oldest_first_filtered_with_counts(moderator):
    import datetime as dt

    from ideenwerkstatt.database import utcnow

    theme = make_theme()
    event = make_event(themes=[theme])
    old = make_idea(status="pending", theme=theme, created_at=utcnow() - dt.timedelta(days=2))
    new = make_idea(status="pending", theme=theme, event=event)
    other = make_idea(status="pending")
    make_idea(status="published")
    queue = services.moderation_queue()
    assert [i.id for i in queue.ideas] == [old.id, new.id, other.id]
    assert queue.counts["ideas"] == 3 and queue.total == 3
    assert [i.id for i in services.moderation_queue(event_id=event.id).ideas] == [new.id]
    by_theme = services.moderation_queue(theme_id=theme.id)
    assert {i.id for i in by_theme.ideas} == {old.id, new.id}
    assert other not in by_theme.ideas


def test_templates_create_update_delete_are_logged(moderator):
    assert services.seed_rejection_templates() == 3
    assert services.seed_rejection_templates() == 0
    template = services.create_template(moderator, title="Werbung", text="Keine Werbung bitte.")
    services.update_template(moderator, template, title="Werbung", text="Keine Werbung.")
    services.delete_template(moderator, template)
    assert [e.action for e in log_rows()] == [
        "reason.create",
        "reason.update",
        "reason.delete",
    ]
    with pytest.raises(services.ModerationError):
        services.create_template(moderator, title="", text="Text")


def test_organizer_actions_are_logged(app):
    from ideenwerkstatt.events import services as events
    from ideenwerkstatt.themes import services as themes

    organizer = make_user(role="organizer")
    theme = themes.create_theme(organizer, name_de="Wirtschaft")
    themes.update_theme(organizer, theme, name_de="Wirtschaft und Arbeit")
    themes.retire_theme(organizer, theme)
    themes.reactivate_theme(organizer, theme)
    event = make_event(phase="draft")
    events.change_phase(organizer, event, "next")  # to collecting: no confirmation
    actions = [e.action for e in log_rows()]
    assert actions == [
        "theme.create",
        "theme.update",
        "theme.retire",
        "theme.reactivate",
        "event.phase",
    ]
    assert log_rows()[-1].reason == "collecting"


def test_log_is_append_only(moderator):
    idea = make_idea(status="pending")
    ideas.approve_idea(moderator, idea)
    db.session.commit()
    (entry,) = log_rows()
    entry.reason = "geändert"
    with pytest.raises(LogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    (entry,) = log_rows()
    db.session.delete(entry)
    with pytest.raises(LogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_deleting_a_moderator_keeps_their_entries(moderator):
    from sqlalchemy import delete

    from ideenwerkstatt.accounts.models import User

    idea = make_idea(status="pending")
    ideas.approve_idea(moderator, idea)
    db.session.commit()
    db.session.execute(delete(User).where(User.id == moderator.id))
    db.session.commit()
    db.session.expire_all()
    (entry,) = log_rows()
    assert entry.actor_id is None and entry.action == "idea.approve"
