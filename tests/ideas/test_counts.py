"""The idea count memory: same filter within the time, emptied by writes to ideas."""

from ideenwerkstatt.ideas.counts import CountCache


def counter(values):
    calls = iter(values)
    return lambda: next(calls)


def test_a_count_is_remembered_per_key():
    cache = CountCache(60)
    count = counter([7, 9])
    assert cache.get(("a",), count) == 7
    assert cache.get(("a",), count) == 7
    assert cache.get(("b",), count) == 9


def test_an_expired_count_is_counted_again():
    cache = CountCache(-1)
    count = counter([1, 2])
    assert cache.get("k", count) == 1
    assert cache.get("k", count) == 2


def test_writes_to_ideas_empty_it_but_vote_counts_do_not():
    cache = CountCache(60)
    cache.get("k", lambda: 1)
    cache.on_statement(None, None, "UPDATE idea SET vote_count=(idea.vote_count + ?) WHERE ...")
    cache.on_statement(None, None, "INSERT INTO idea_other (x) VALUES (?)")
    cache.on_statement(None, None, "SELECT count(idea.id) FROM idea")
    assert cache.entries
    cache.on_statement(None, None, "UPDATE idea SET status=? WHERE idea.id = ?")
    assert not cache.entries
    cache.get("k", lambda: 1)
    cache.on_statement(None, None, "INSERT INTO idea (theme_id, title) VALUES (?, ?)")
    assert not cache.entries


def test_a_new_idea_shows_in_the_total_at_once(app, client):
    from ideenwerkstatt.ideas.queries import list_ideas
    from tests.factories import make_user

    with app.app_context():
        from ideenwerkstatt.database import commit
        from ideenwerkstatt.extensions import db
        from ideenwerkstatt.ideas.models import Idea, IdeaStatus
        from ideenwerkstatt.themes.models import Theme

        app.config["IDEA_COUNT_CACHE_SECONDS"] = 60
        theme = Theme(slug="t", name_de="T", name_en="T")
        db.session.add(theme)
        author = make_user()
        db.session.flush()
        before = list_ideas(None).total
        db.session.add(
            Idea(
                theme_id=theme.id,
                author_id=author.id,
                title="Neu",
                body="Text",
                body_html="<p>Text</p>",
                status=IdeaStatus.PUBLISHED,
            )
        )
        commit()
        assert list_ideas(None).total == before + 1
