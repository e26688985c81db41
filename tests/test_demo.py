"""`ideenwerkstatt demo-data`: a workshop to look at, dated relative to today, idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.events.models import Event
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.votes.models import Vote


def counts() -> dict[str, int]:
    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.privacy.models import ConsentRecord
    from ideenwerkstatt.summaries.models import Summary, SummaryVersion

    models = (User, Event, Idea, Vote, ConsentRecord, Summary, SummaryVersion)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def test_demo_data_is_dated_around_today_and_idempotent(app, runner, client):
    from ideenwerkstatt.invitations import services as invitations
    from ideenwerkstatt.privacy.services import has_consent
    from ideenwerkstatt.summaries.models import SummaryStatus
    from ideenwerkstatt.summaries.services import summary_for_event

    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    with app.app_context():
        events = {e.phase: e for e in db.session.scalars(select(Event))}
        assert set(events) == {"voting", "collecting", "closed"}
        # Voting is happening now; collecting is ahead; the closed one is over and has its result.
        assert events["voting"].starts_at <= now <= events["voting"].ends_at
        assert events["collecting"].starts_at > now + dt.timedelta(days=7)
        assert events["closed"].ends_at < now - dt.timedelta(days=7)
        summary = summary_for_event(events["closed"])
        assert summary is not None and summary.status == SummaryStatus.PUBLISHED
        assert events["closed"].ends_at < summary.published_at < now
        slug = events["closed"].slug

        ideas = list(db.session.scalars(select(Idea)))
        for idea in ideas:
            # No idea is dated after its event began, nor published before it came in.
            if idea.event is not None:
                assert idea.created_at < idea.event.starts_at, idea.title
                if idea.published_at is not None:
                    assert idea.created_at <= idea.published_at < idea.event.starts_at
            assert idea.created_at < now
            # Votes only where they count; every count equals its rows.
            rows = db.session.scalar(
                select(func.coalesce(func.sum(Vote.weight), 0)).where(Vote.idea_id == idea.id)
            )
            assert idea.vote_count == rows, idea.title
            if idea.event is not None and idea.event.phase == "collecting":
                assert rows == 0, idea.title
        closed_votes = (
            select(Vote.created_at).join(Idea).where(Idea.event_id == events["closed"].id)
        )
        assert all(v <= events["closed"].ends_at for v in db.session.scalars(closed_votes))
        assert {i.event.phase for i in ideas if i.event} == {"voting", "collecting", "closed"}

        # Some citizens said yes to invitations (in the ledger), so an invitation reaches them.
        from ideenwerkstatt.accounts.models import User

        consenting = [
            u.email for u in db.session.scalars(select(User)) if has_consent(u, "invitations")
        ]
        assert consenting and len(consenting) < len(list(db.session.scalars(select(User))))
        assert sorted(consenting) == ["buergerin@example.org", "teilnehmende@example.org"]
        reach = invitations.preview(events["collecting"], "consented")
        assert reach["to_send"] == len(consenting)
        before = counts()

    assert client.get(f"/events/{slug}/summary").status_code == 200
    assert client.get(f"/events/{slug}/summary.pdf").status_code == 200

    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0, again.output
    assert "new: 0 themes, 0 events, 0 accounts, 0 ideas, 0 consents, 0 summaries" in again.output
    with app.app_context():
        assert counts() == before
