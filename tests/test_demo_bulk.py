"""`ideenwerkstatt demo-data` with sizes: the bulk set for benchmarks."""

from sqlalchemy import func, select


def test_bulk_demo_data_writes_the_sizes_asked_for(app, runner):
    from ideenwerkstatt.accounts.models import User
    from ideenwerkstatt.comments.models import Comment
    from ideenwerkstatt.demo_bulk import BULK_EMAIL_DOMAIN
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.ideas.models import Idea
    from ideenwerkstatt.votes.models import Vote

    sizes = ["--users", "30", "--ideas", "12", "--votes", "100", "--comments", "25"]
    result = runner.invoke(args=["demo-data", *sizes])
    assert result.exit_code == 0, result.output
    with app.app_context():
        bulk_voters = select(User.id).where(User.email.like(f"%@{BULK_EMAIL_DOMAIN}"))
        bulk_votes = db.session.scalar(
            select(func.count(Vote.id)).where(Vote.user_id.in_(bulk_voters))
        )
        assert bulk_votes == 100
        bulk_comments = select(func.count(Comment.id)).where(Comment.author_id.in_(bulk_voters))
        assert db.session.scalar(bulk_comments) == 25
        # Every idea's count equals its rows, whatever the skew.
        counted = dict(
            db.session.execute(
                select(Vote.idea_id, func.sum(Vote.weight)).group_by(Vote.idea_id)
            ).all()
        )
        for idea in db.session.scalars(select(Idea)):
            assert idea.vote_count == counted.get(idea.id, 0)
    again = runner.invoke(args=["demo-data", *sizes])
    assert "nothing added" in again.output
