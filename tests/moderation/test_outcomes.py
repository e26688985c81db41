"""Outcomes (flow 8): recorded by moderators with a note and a date, shown on the idea
page, mailed to the author and to voters who consent to invitations only."""

import datetime as dt

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.moderation import outcomes
from ideenwerkstatt.moderation.services import ModerationError, NotAllowed

from ..factories import make_consent, make_idea, make_user, make_vote


def test_outcome_mails_author_and_consenting_voters_only(app, outbox):
    author = make_user()
    idea = make_idea(author=author)
    consenting = make_user()
    make_consent(consenting, purpose="invitations")
    silent = make_user()
    make_vote(idea, consenting)
    make_vote(idea, silent)
    moderator = make_user(role="moderator")
    when = dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC)
    outcome = outcomes.record_outcome(moderator, idea, "forwarded", "Im Rat am 1. März", when)
    db.session.commit()
    assert outcome.decided_at == when and outcomes.outcomes_for(idea) == [outcome]
    assert [m.recipient for m in outbox(template="idea_outcome")] == [author.email]
    assert [m.recipient for m in outbox(template="idea_outcome_voter")] == [consenting.email]


def test_outcome_rules(app):
    moderator = make_user(role="moderator")
    with pytest.raises(NotAllowed):
        outcomes.record_outcome(make_user(), make_idea(), "done", "Fertig")
    with pytest.raises(ModerationError):
        outcomes.record_outcome(moderator, make_idea(status="pending"), "done", "Fertig")
    with pytest.raises(ModerationError) as error:
        outcomes.record_outcome(moderator, make_idea(), "done", "")
    assert error.value.field == "note"
    with pytest.raises(ModerationError):
        outcomes.record_outcome(moderator, make_idea(), "vergessen", "Notiz")


def test_outcome_form_and_trail_on_the_idea_page(client, auth):
    idea = make_idea()
    auth.login_as("moderator")
    assert (
        client.post(f"/moderation/ideas/{idea.id}/outcome", data={"status": "done", "note": ""})
    ).status_code == 422
    response = client.post(
        f"/moderation/ideas/{idea.id}/outcome",
        data={"status": "in_progress", "note": "Die Stadt plant es", "decided_on": "2030-04-02"},
    )
    assert response.status_code == 302
    auth.logout()
    page = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "In Arbeit" in page and "Die Stadt plant es" in page
