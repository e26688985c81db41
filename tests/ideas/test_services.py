"""ideas.services: submission rules, editing rights, the moderators' transitions."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.attributes import set_committed_value

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas import services
from ideenwerkstatt.ideas.models import IdeaStatus
from ideenwerkstatt.ideas.services import IdeaError, IdeaNotAllowed, InvalidTransition

from ..factories import make_event, make_idea, make_theme, make_user

BODY = "Mehr Bänke am Marktplatz, damit ältere Menschen sich ausruhen können."


def test_submit_creates_pending_idea_with_sanitized_html(app):
    author, theme = make_user(), make_theme()
    idea = services.submit_idea(author, theme, "  Mehr Bänke  ", BODY + " <script>x</script>")
    assert idea.status == IdeaStatus.PENDING
    assert idea.title == "Mehr Bänke"
    assert idea.author is author and idea.theme is theme and idea.event is None
    assert idea.published_at is None and idea.vote_count == 0
    assert "<script>" not in idea.body_html and "&lt;script&gt;" in idea.body_html


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("ab", BODY, "title"),
        ("   abc   "[:4], BODY, "title"),
        ("x" * 121, BODY, "title"),
        ("Gute Idee", "zu kurz", "body"),
        ("Gute Idee", "y" * 5001, "body"),
        ("Gute Idee", "          \n\n      ", "body"),
        ("\x00\x01", BODY, "title"),
    ],
)
def test_submit_length_rules(app, title, body, field):
    with pytest.raises(IdeaError) as info:
        services.submit_idea(make_user(), make_theme(), title, body)
    assert info.value.field == field
    assert info.value.message


def test_boundaries_are_accepted(app):
    idea = services.submit_idea(make_user(), make_theme(), "abc", "z" * 5000)
    assert idea.title == "abc"
    idea = services.submit_idea(make_user(), make_theme(), "t" * 120, "1234567890")
    assert len(idea.title) == 120


def test_control_characters_are_removed(app):
    idea = services.submit_idea(make_user(), make_theme(), "Titel\x00mit\nNull", BODY + "\x00")
    assert "\x00" not in idea.title + idea.body
    assert idea.title == "Titel mit Null"


def test_retired_theme_is_refused(app):
    with pytest.raises(IdeaError) as info:
        services.submit_idea(make_user(), make_theme(active=False), "Titel", BODY)
    assert info.value.field == "theme"


def test_missing_theme_is_refused(app):
    with pytest.raises(IdeaError) as info:
        services.submit_idea(make_user(), None, "Titel", BODY)
    assert info.value.field == "theme"


@pytest.mark.parametrize("phase", ["draft", "voting", "closed"])
def test_event_must_be_collecting(app, phase):
    theme = make_theme()
    event = make_event(phase=phase, themes=[theme])
    with pytest.raises(IdeaError) as info:
        services.submit_idea(make_user(), theme, "Titel", BODY, event=event)
    assert info.value.field == "event"


def test_event_in_collecting_phase_is_accepted(app):
    theme = make_theme()
    event = make_event(phase="collecting", themes=[theme])
    idea = services.submit_idea(make_user(), theme, "Titel", BODY, event=event)
    assert idea.event is event


def test_theme_must_belong_to_the_event(app):
    event = make_event(phase="collecting", themes=[make_theme()])
    with pytest.raises(IdeaError) as info:
        services.submit_idea(make_user(), make_theme(), "Titel", BODY, event=event)
    assert info.value.field == "theme"


def test_submit_needs_an_active_author(app):
    with pytest.raises(IdeaNotAllowed):
        services.submit_idea(None, make_theme(), "Titel", BODY)
    with pytest.raises(IdeaNotAllowed):
        services.submit_idea(make_user(confirmed=False), make_theme(), "Titel", BODY)


def test_paper_card_by_moderator_is_published_without_author(app):
    moderator = make_user(role="moderator")
    theme = make_theme()
    event = make_event(phase="voting", themes=[theme])
    idea = services.submit_idea(
        None, theme, "Karte 7", BODY, event=event, from_paper_card=True, actor=moderator
    )
    assert idea.from_paper_card and idea.author is None
    assert idea.status == IdeaStatus.PUBLISHED and idea.published_at is not None


def test_paper_card_by_citizen_is_refused(app):
    citizen = make_user()
    with pytest.raises(IdeaNotAllowed):
        services.submit_idea(citizen, make_theme(), "Karte", BODY, from_paper_card=True)


def test_author_edits_while_pending(app):
    idea = make_idea(status="pending")
    services.edit_idea(idea.author, idea, title="Neuer Titel", body="Ganz *neue* Beschreibung")
    assert idea.title == "Neuer Titel"
    assert "<em>neue</em>" in idea.body_html


@pytest.mark.parametrize("status", ["published", "rejected", "hidden"])
def test_author_cannot_edit_after_pending(app, status):
    idea = make_idea(status=status)
    with pytest.raises(IdeaNotAllowed):
        services.edit_idea(idea.author, idea, title="Neuer Titel")


def test_someone_else_cannot_edit_a_pending_idea(app):
    idea = make_idea(status="pending")
    with pytest.raises(IdeaNotAllowed):
        services.edit_idea(make_user(), idea, title="Gekapert")
    with pytest.raises(IdeaNotAllowed):
        services.edit_idea(None, idea, title="Gekapert")


def test_moderator_edits_any_time(app):
    idea = make_idea(status="published")
    services.edit_idea(make_user(role="moderator"), idea, body="Von der Moderation gekürzt.")
    assert idea.body == "Von der Moderation gekürzt."


def test_edit_checks_the_rules(app):
    idea = make_idea(status="pending")
    with pytest.raises(IdeaError):
        services.edit_idea(idea.author, idea, title="x")
    with pytest.raises(IdeaError):
        services.edit_idea(idea.author, idea, theme=make_theme(active=False))
    with pytest.raises(IdeaError):
        services.edit_idea(idea.author, idea, event=make_event(phase="voting"))
    db.session.refresh(idea)
    assert idea.title.startswith("Idee Nummer")


def test_edit_keeps_a_retired_theme_that_was_there(app):
    theme = make_theme()
    idea = make_idea(status="pending", theme=theme)
    theme.active = False
    services.edit_idea(idea.author, idea, title="Weiter im alten Thema")
    assert idea.theme is theme


def test_event_of_an_idea_with_votes_stays(app):
    event = make_event(phase="voting")
    idea = make_idea(event=event, vote_count=3)
    with pytest.raises(IdeaError):
        services.edit_idea(make_user(role="moderator"), idea, event=None)


def test_approve_publishes(app):
    idea = make_idea(status="pending")
    services.approve_idea(make_user(role="moderator"), idea)
    assert idea.status == IdeaStatus.PUBLISHED and idea.published_at is not None


@pytest.mark.parametrize("status", ["published", "rejected", "hidden"])
def test_approve_only_from_pending(app, status):
    idea = make_idea(status=status)
    with pytest.raises(InvalidTransition):
        services.approve_idea(make_user(role="moderator"), idea)
    assert idea.status == IdeaStatus(status)


@pytest.mark.parametrize("role", [None, "citizen"])
def test_transitions_need_a_moderator(app, role):
    actor = make_user(role=role) if role else None
    pending, published, hidden = (
        make_idea(status="pending"),
        make_idea(status="published"),
        make_idea(status="hidden"),
    )
    with pytest.raises(IdeaNotAllowed):
        services.approve_idea(actor, pending)
    with pytest.raises(IdeaNotAllowed):
        services.reject_idea(actor, pending, "Kein Bezug zur Stadt")
    with pytest.raises(IdeaNotAllowed):
        services.hide_idea(actor, published)
    with pytest.raises(IdeaNotAllowed):
        services.restore_idea(actor, hidden)
    assert pending.status == IdeaStatus.PENDING
    assert published.status == IdeaStatus.PUBLISHED


def test_a_stale_object_cannot_transition_twice(app):
    """Two moderators on the same pending idea: the second compare-and-set finds nothing."""
    idea = make_idea(status="pending")
    moderator = make_user(role="moderator")
    services.approve_idea(moderator, idea)
    set_committed_value(idea, "status", IdeaStatus.PENDING)  # what another request believes
    with pytest.raises(InvalidTransition):
        services.reject_idea(moderator, idea, "Doppelt")
    assert idea.status == IdeaStatus.PUBLISHED


def test_reject_mails_the_author_in_their_language(app, outbox):
    author = make_user(locale="en")
    idea = make_idea(author=author, status="pending", title="Mehr Bänke")
    services.reject_idea(make_user(role="moderator"), idea, "Das gibt es schon.\nSiehe Idee 4.")
    assert idea.status == IdeaStatus.REJECTED
    (mail,) = outbox(template="idea_rejected")
    assert mail.recipient == author.email
    assert "Das gibt es schon." in mail.body_text and "Siehe Idee 4." in mail.body_html
    assert f"/ideas/{idea.id}" in mail.body_text
    assert "Mehr Bänke" in mail.subject


def test_reject_needs_a_reason(app, outbox):
    idea = make_idea(status="pending")
    with pytest.raises(IdeaError) as info:
        services.reject_idea(make_user(role="moderator"), idea, "  ")
    assert info.value.field == "reason"
    assert idea.status == IdeaStatus.PENDING
    assert outbox() == []


def test_reject_a_paper_card_sends_no_mail(app, outbox):
    idea = make_idea(status="pending", author=None, from_paper_card=True)
    services.reject_idea(make_user(role="moderator"), idea, "Unleserlich")
    assert idea.status == IdeaStatus.REJECTED
    assert outbox() == []


def test_approve_mails_the_author_in_their_language(app, outbox):
    author = make_user(locale="en")
    idea = make_idea(author=author, status="pending", title="Mehr Bänke")
    services.approve_idea(make_user(role="moderator"), idea)
    assert idea.status == IdeaStatus.PUBLISHED
    (mail,) = outbox(template="idea_approved")
    assert mail.recipient == author.email and mail.user_id == author.id
    assert mail.subject == "Your idea “Mehr Bänke” has been published"
    assert "approved it" in mail.body_text and "Guten Tag" not in mail.body_text
    assert f"http://localhost/ideas/{idea.id}" in mail.body_text
    assert f"http://localhost/ideas/{idea.id}" in mail.body_html


def test_approve_mails_a_german_author_in_german(app, outbox):
    idea = make_idea(author=make_user(locale="de"), status="pending", title="Mehr Bänke")
    services.approve_idea(make_user(role="moderator"), idea)
    (mail,) = outbox(template="idea_approved")
    assert mail.subject == "Ihre Idee „Mehr Bänke“ ist veröffentlicht"
    assert "freigegeben" in mail.body_text


@pytest.mark.parametrize("case", ["paper card", "moderator's own", "deleted account"])
def test_approve_sends_no_mail_to_nobody_or_to_the_deciding_moderator(app, outbox, case):
    """A paper card typed in by the moderation (marked as one while pending), the deciding
    moderator's own idea, an idea whose author is gone: approved, nobody mailed."""
    moderator = make_user(role="moderator")
    if case == "paper card":
        idea = make_idea(status="pending", author=moderator, from_paper_card=True)
        decider = make_user(role="moderator")
    elif case == "moderator's own":
        idea = make_idea(status="pending", author=moderator)
        decider = moderator
    else:
        idea = make_idea(status="pending", author=None)
        decider = moderator
    services.approve_idea(decider, idea)
    assert idea.status == IdeaStatus.PUBLISHED
    assert outbox() == []


def test_hide_and_restore(app):
    moderator = make_user(role="moderator")
    idea = make_idea(status="published")
    services.hide_idea(moderator, idea)
    assert idea.status == IdeaStatus.HIDDEN
    with pytest.raises(InvalidTransition):
        services.hide_idea(moderator, idea)
    services.restore_idea(moderator, idea)
    assert idea.status == IdeaStatus.PUBLISHED
    with pytest.raises(InvalidTransition):
        services.restore_idea(moderator, idea)


def test_rejected_is_final(app):
    moderator = make_user(role="moderator")
    idea = make_idea(status="rejected")
    for step in (services.approve_idea, services.hide_idea, services.restore_idea):
        with pytest.raises(InvalidTransition):
            step(moderator, idea)
