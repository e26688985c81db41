"""The idea page shows its comments a page at a time (30 top-level comments with their
replies, oldest first, ?comments_page=N): the same visibility rules as the whole thread,
a bounded number of queries whatever the thread's size, and links to one comment (after
writing, editing, deleting, flagging, from mails and the queue) land on the page holding it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from ideenwerkstatt.comments import services
from ideenwerkstatt.comments.models import Comment, CommentStatus
from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.permissions import can_moderate, is_owner

from ..factories import make_idea, make_user
from ..ideas.test_query_count import count_statements, statements_for
from .factories import make_comment

PER_PAGE = services.COMMENTS_PER_PAGE
TOP = re.compile(r'<article class="card comment" id="comment-(\d+)"')
REPLY = re.compile(r'<article class="card comment comment-reply" id="comment-(\d+)"')


def seed_thread(idea, top_level: int, replies_each: int = 0, start=None) -> list[Comment]:
    """`top_level` published comments ten seconds apart, each with `replies_each` published
    replies, written by ten people in turn; the top-level comments, oldest first."""
    start = start or utcnow() - dt.timedelta(days=1)
    authors = [make_user(commit=False) for _ in range(10)]
    tops = []
    for i in range(top_level):
        at = start + dt.timedelta(seconds=10 * i)
        top = make_comment(
            idea=idea, author=authors[i % 10], body=f"Kommentar {i}", created_at=at, commit=False
        )
        for j in range(replies_each):
            make_comment(
                idea=idea,
                author=authors[(i + j + 1) % 10],
                parent=top,
                body=f"Antwort {i}.{j}",
                created_at=at + dt.timedelta(seconds=j + 1),
                commit=False,
            )
        tops.append(top)
    db.session.commit()
    return tops


def reference_thread(viewer, idea):
    """The rules as the unpaged thread applied them in Python before paging."""
    moderator = can_moderate(viewer)
    rows = db.session.scalars(
        select(Comment).where(Comment.idea_id == idea.id).order_by(Comment.created_at, Comment.id)
    ).all()

    def visible(c):
        if c.status == CommentStatus.PUBLISHED or moderator:
            return True
        return c.status == CommentStatus.PENDING and is_owner(viewer, c)

    replies = {}
    for c in rows:
        if c.parent_id is not None and visible(c) and c.status != CommentStatus.DELETED:
            replies.setdefault(c.parent_id, []).append(c)
    thread = []
    for c in rows:
        if c.parent_id is not None:
            continue
        kids = replies.get(c.id, [])
        if (visible(c) and c.status != CommentStatus.DELETED) or (
            kids and c.status in (CommentStatus.DELETED, CommentStatus.HIDDEN)
        ):
            thread.append((c, kids))
    return thread


def test_pages_follow_the_visibility_rules_of_the_whole_thread(app):
    idea = make_idea()
    me, other = make_user(), make_user()
    start = utcnow() - dt.timedelta(hours=1)
    clock = iter(start + dt.timedelta(seconds=s) for s in range(1000))

    def c(status="published", parent=None, author=None, same_time=False):
        at = start if same_time else next(clock)
        return make_comment(
            idea=idea,
            parent=parent,
            status=status,
            author=author or make_user(commit=False),
            created_at=at,
            commit=False,
        )

    first = c(same_time=True)
    c(parent=first)
    c("pending", parent=first, author=me)
    c("pending", parent=first, author=other)
    c("hidden", parent=first)
    c("deleted", parent=first)
    c(same_time=True)  # same time as the first: the id decides the order
    c("pending", author=me)
    c("pending", author=other)
    hidden_with_reply = c("hidden")
    c(parent=hidden_with_reply)
    hidden_with_hidden_reply = c("hidden")
    c("hidden", parent=hidden_with_hidden_reply)
    deleted_with_reply = c("deleted")
    c(parent=deleted_with_reply)
    c("deleted")
    deleted_with_my_pending_reply = c("deleted")
    c("pending", parent=deleted_with_my_pending_reply, author=me)
    c("hidden")
    for _ in range(5):
        c()
    db.session.commit()

    for viewer in (None, me, other, make_user(role="moderator")):
        expected = reference_thread(viewer, idea)
        assert services.comments_for(viewer, idea) == expected
        paged = []
        first_page = services.comment_page(viewer, idea, 1, per_page=3)
        assert first_page.pages == -(-len(expected) // 3)
        for number in range(1, first_page.pages + 1):
            page = services.comment_page(viewer, idea, number, per_page=3)
            assert page.page == number and len(page.thread) <= 3
            paged.extend(page.thread)
        assert paged == expected
        readable = [c for top, kids in expected for c in (top, *kids)]
        readable = [c for c in readable if c.status != "deleted"]
        if not can_moderate(viewer):
            readable = [c for c in readable if c.status != "hidden"]
        assert first_page.total == len(readable)
        for number in range(1, first_page.pages + 1):
            for top, kids in services.comment_page(viewer, idea, number, per_page=3).thread:
                for comment in (top, *kids):
                    assert services.page_of_comment(viewer, comment, per_page=3) == number


def test_a_page_past_the_end_is_the_last_and_an_empty_thread_has_one_page(app):
    idea = make_idea()
    empty = services.comment_page(None, idea, 5)
    assert (empty.page, empty.pages, empty.thread, empty.total) == (1, 1, [], 0)
    seed_thread(idea, PER_PAGE + 2)
    last = services.comment_page(None, idea, 99)
    assert (last.page, last.pages, len(last.thread)) == (2, 2, 2)
    assert services.comment_page(None, idea, 0).page == 1


def test_the_idea_page_shows_one_page_and_links_to_the_next(client):
    idea = make_idea()
    tops = seed_thread(idea, PER_PAGE + 5, replies_each=1)
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    shown = [int(n) for n in TOP.findall(html)]
    assert shown == [c.id for c in tops[:PER_PAGE]]
    assert len(REPLY.findall(html)) == PER_PAGE
    assert f"Kommentare ({2 * (PER_PAGE + 5)})" in html
    assert '<nav class="pagination" aria-label="Seiten der Kommentare">' in html
    assert f'href="/ideas/{idea.id}?comments_page=2#comments" rel="next"' in html
    assert "Seite 1 von 2" in html and "Ältere Kommentare" not in html

    html = client.get(f"/ideas/{idea.id}?comments_page=2").get_data(as_text=True)
    assert [int(n) for n in TOP.findall(html)] == [c.id for c in tops[PER_PAGE:]]
    assert f'href="/ideas/{idea.id}#comments" rel="prev"' in html
    assert "Seite 2 von 2" in html and "Neuere Kommentare" not in html
    # Nonsense or stale page numbers show a page instead of failing.
    for arg in ("abc", "-1", "²", "999999999999"):
        response = client.get(f"/ideas/{idea.id}?comments_page={arg}")
        assert response.status_code == 200
    assert "Seite 2 von 2" in client.get(f"/ideas/{idea.id}?comments_page=7").get_data(as_text=True)


def test_signing_in_to_comment_returns_to_the_page_one_was_reading(client):
    idea = make_idea()
    seed_thread(idea, PER_PAGE + 1)
    html = client.get(f"/ideas/{idea.id}?comments_page=2").get_data(as_text=True)
    login = f"/account/login?next=/ideas/{idea.id}?comments_page%3D2%23new-comment"
    assert f'href="{login}"' in html


def test_a_short_thread_has_no_page_links(client):
    idea = make_idea()
    seed_thread(idea, 3)
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert len(TOP.findall(html)) == 3
    assert "Seiten der Kommentare" not in html and "Kommentare (3)" in html


def test_first_and_last_page_links_in_the_middle(client):
    idea = make_idea()
    seed_thread(idea, 4 * PER_PAGE)
    html = client.get(f"/ideas/{idea.id}?comments_page=3").get_data(as_text=True)
    assert f'href="/ideas/{idea.id}#comments">Älteste Kommentare' in html
    assert f'href="/ideas/{idea.id}?comments_page=2#comments" rel="prev"' in html
    assert f'href="/ideas/{idea.id}?comments_page=4#comments" rel="next"' in html
    assert "Neueste Kommentare" not in html  # the next page is the newest
    html = client.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert f'href="/ideas/{idea.id}?comments_page=4#comments">Neueste Kommentare' in html


@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_the_idea_page_sends_as_many_queries_for_40_as_for_400_comments(app, client, auth, role):
    if role:
        auth.login_as(role)
    idea = make_idea()
    seed_thread(idea, 20, replies_each=1, start=utcnow() - dt.timedelta(days=2))

    def statements(url):
        db.session.expire_all()  # nothing left over from the last request or the seeding
        return statements_for(client, url)

    small = statements(f"/ideas/{idea.id}")
    seed_thread(idea, 200, replies_each=1)
    assert statements(f"/ideas/{idea.id}") == small
    assert statements(f"/ideas/{idea.id}?comments_page=7") == small
    assert small <= 10


def test_a_page_of_comments_takes_four_queries(app):
    idea = make_idea()
    seed_thread(idea, 3 * PER_PAGE, replies_each=2)
    db.session.expire_all()
    db.session.refresh(idea)
    with count_statements() as statements:
        page = services.comment_page(None, idea, 2)
        names = [c.author.email for top, kids in page.thread for c in (top, *kids)]
    assert len(names) == 3 * PER_PAGE
    assert len(statements) == 4
    assert any("LIMIT" in s.upper() and "OFFSET" in s.upper() for s in statements)
    assert any(" IN (" in s.upper() or " IN (__" in s.upper() for s in statements)


def test_posting_editing_and_deleting_redirect_to_the_page_holding_the_comment(client, auth):
    idea = make_idea()
    tops = seed_thread(idea, PER_PAGE)
    auth.login_as("citizen")
    url = f"/ideas/{idea.id}"

    response = client.post(f"{url}/comments", data={"body": "Der neueste Kommentar"})
    new = db.session.scalars(select(Comment).where(Comment.body == "Der neueste Kommentar")).one()
    assert response.headers["Location"].endswith(f"{url}?comments_page=2#comment-{new.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="comment-{new.id}"' in page

    response = client.post(f"{url}/comments", data={"body": "Zur ersten", "parent": tops[0].id})
    reply = db.session.scalars(select(Comment).where(Comment.body == "Zur ersten")).one()
    assert response.headers["Location"].endswith(f"{url}#comment-{reply.id}")

    response = client.post(f"{url}/comments", data={"body": "Zur neuen", "parent": new.id})
    late = db.session.scalars(select(Comment).where(Comment.body == "Zur neuen")).one()
    assert response.headers["Location"].endswith(f"{url}?comments_page=2#comment-{late.id}")

    response = client.post(f"/comments/{late.id}/edit", data={"body": "Zur neuen, geändert"})
    assert response.headers["Location"].endswith(f"{url}?comments_page=2#comment-{late.id}")
    response = client.post(f"/comments/{new.id}/delete")
    assert response.headers["Location"].endswith(f"{url}?comments_page=2#comments")


def test_a_failed_reply_on_a_later_page_shows_that_page_again(client, auth):
    idea = make_idea()
    tops = seed_thread(idea, PER_PAGE + 1)
    auth.login_as("citizen")
    html = client.get(f"/ideas/{idea.id}?comments_page=2").get_data(as_text=True)
    action = f'action="/ideas/{idea.id}/comments?comments_page=2"'
    assert action in html
    response = client.post(
        f"/ideas/{idea.id}/comments?comments_page=2", data={"body": "x", "parent": tops[-1].id}
    )
    assert response.status_code == 422
    assert f'id="comment-{tops[-1].id}"' in response.get_data(as_text=True)


def test_a_link_to_a_comment_leads_to_its_page(client, auth, outbox):
    idea = make_idea()
    tops = seed_thread(idea, PER_PAGE + 1)
    last = tops[-1]
    response = client.get(f"/comments/{last.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/ideas/{idea.id}?comments_page=2#comment-{last.id}"
    )
    assert client.get("/comments/999999").status_code == 404
    hidden_idea = make_idea(status="pending")
    assert client.get(f"/comments/{make_comment(idea=hidden_idea).id}").status_code == 404

    # Flagging a comment returns to its page.
    auth.login_as("citizen")
    response = client.post(
        "/flags/new", data={"kind": "comment", "object_id": last.id, "reason": "Werbung"}
    )
    assert response.headers["Location"].endswith(
        f"/ideas/{idea.id}?comments_page=2#comment-{last.id}"
    )

    # The moderator's hide link returns to the page, and the author's mail links to it.
    auth.login_as("moderator")
    html = client.get(f"/ideas/{idea.id}?comments_page=2").get_data(as_text=True)
    assert f"next=/ideas/{idea.id}?comments_page%3D2%23comment-{last.id}" in html
    response = client.post(
        f"/moderation/comments/{last.id}/hide",
        data={"reason": "Werbung", "next": f"/ideas/{idea.id}?comments_page=2#comment-{last.id}"},
    )
    assert response.headers["Location"].endswith(
        f"/ideas/{idea.id}?comments_page=2#comment-{last.id}"
    )
    (mail,) = outbox(template="comment_hidden")
    assert f"/comments/{last.id}" in mail.body_text


def test_the_moderation_queue_links_to_the_comment_in_its_thread(client, auth):
    waiting = make_comment(status="pending", body="Bitte prüfen")
    auth.login_as("moderator")
    html = client.get("/moderation").get_data(as_text=True)
    assert f'href="/comments/{waiting.id}"' in html
