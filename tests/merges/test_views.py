"""The merge form and the undo from the web: the redirect of a merged idea, bad input
answered next to the field with 422, and every role but the moderation refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import IdeaStatus
from ideenwerkstatt.live.models import LiveParticipant
from ideenwerkstatt.merges.models import IdeaMerge
from ideenwerkstatt.votes import services as votes

from ..factories import make_event, make_idea, make_theme, make_user


def token(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.fixture
def ideas(app):
    theme = make_theme()
    target = make_idea(theme=theme, title="Freies WLAN am Marktplatz")
    source = make_idea(theme=theme, title="WLAN in der Innenstadt")
    votes.cast_vote(make_user(), source)
    db.session.commit()
    return source, target


def post_merge(client, source, target_value, **extra):
    data = {"csrf_token": token(client, f"/ideas/{source.id}/merge"), "target": target_value}
    return client.post(f"/ideas/{source.id}/merge", data={**data, **extra})


def test_merge_from_the_idea_page_and_undo(client, auth, ideas):
    source, target = ideas
    auth.login_as("moderator")
    page = client.get(f"/ideas/{source.id}").get_data(as_text=True)
    assert f'href="/ideas/{source.id}/merge"' in page
    form = client.get(f"/ideas/{source.id}/merge")
    assert form.status_code == 200
    assert target.title in form.get_data(as_text=True)  # offered as a candidate

    answer = post_merge(client, source, f"http://localhost/ideas/{target.id}")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/ideas/{target.id}")
    db.session.refresh(source)
    db.session.refresh(target)
    assert source.status == IdeaStatus.MERGED and target.vote_count == 1

    old_address = client.get(f"/ideas/{source.id}")
    assert old_address.status_code == 302
    assert old_address.headers["Location"].endswith(f"/ideas/{target.id}")
    shown = client.get(f"/ideas/{target.id}").get_data(as_text=True)
    assert "wurde mit dieser Idee zusammengeführt" in shown
    assert "Zusammengeführte Ideen" in shown and "Rückgängig machen" in shown

    merge_id = db.session.scalar(select(IdeaMerge.id))
    undo = client.post(
        f"/merges/{merge_id}/undo", data={"csrf_token": token(client, f"/ideas/{target.id}")}
    )
    assert undo.status_code == 302 and undo.headers["Location"].endswith(f"/ideas/{source.id}")
    db.session.refresh(source)
    assert source.status == IdeaStatus.PUBLISHED and source.vote_count == 1
    assert client.get(f"/ideas/{source.id}").status_code == 200


def test_a_merged_idea_leaves_lists_and_the_api(client, auth, ideas):
    source, target = ideas
    auth.login_as("moderator")
    post_merge(client, source, str(target.id))
    auth.logout()
    listing = client.get("/ideas").get_data(as_text=True)
    assert source.title not in listing and target.title in listing
    api = client.get("/api/v1/ideas").get_json()
    assert [item["id"] for item in api["items"]] == [target.id]
    assert api["total"] == 1
    assert client.get(f"/api/v1/ideas/{source.id}").status_code == 404
    # Visitors follow the old address to the idea it went into.
    assert client.get(f"/ideas/{source.id}").headers["Location"].endswith(f"/ideas/{target.id}")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Bitte geben Sie die Nummer der Idee an."),
        ("keine Nummer", "zum Beispiel 42"),
        ("999999", "Eine Idee mit dieser Nummer gibt es nicht."),
        ("99999999999999", "zum Beispiel 42"),
    ],
)
def test_bad_numbers_are_answered_next_to_the_field(client, auth, ideas, typed, message):
    source, _target = ideas
    auth.login_as("moderator")
    answer = post_merge(client, source, typed)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="target-error"' in html and message in html
    assert f'value="{typed}"' in html or typed == ""
    assert db.session.scalar(select(func.count(IdeaMerge.id))) == 0


def test_bad_targets_are_answered_next_to_the_field(client, auth, ideas):
    source, target = ideas
    auth.login_as("moderator")
    hidden = make_idea(theme=source.theme, status="hidden")
    elsewhere = make_idea(event=make_event(phase="voting"))
    cases = {
        str(source.id): "nicht mit sich selbst",
        str(hidden.id): "nur in eine veröffentlichte Idee",
        str(elsewhere.id): "selben Veranstaltung",
    }
    for typed, message in cases.items():
        answer = post_merge(client, source, typed)
        assert answer.status_code == 422, typed
        html = answer.get_data(as_text=True)
        assert 'id="target-error"' in html and message in html
    other = make_idea(theme=source.theme)
    assert post_merge(client, other, str(target.id)).status_code == 302
    answer = post_merge(client, source, str(other.id))
    assert answer.status_code == 422
    assert "schon mit Idee Nr." in answer.get_data(as_text=True)


def guest_of(event):
    guest = make_user(role="participant", commit=False)
    db.session.add(LiveParticipant(user_id=guest.id, event_id=event.id, code=f"G{guest.id:06d}"))
    db.session.commit()
    return guest


def test_everyone_but_the_moderation_is_refused(client, auth, app):
    event = make_event(phase="voting")
    theme = make_theme()
    target = make_idea(theme=theme, event=event)
    source = make_idea(theme=theme, event=event)
    moderator = make_user(role="moderator")
    from ideenwerkstatt.merges import services

    merge = services.merge_ideas(moderator, make_idea(theme=theme, event=event), target)
    db.session.commit()
    # A visitor is sent to the login.
    assert client.get(f"/ideas/{source.id}/merge").status_code in (302, 401)
    people = [
        make_user(role="citizen"),
        source.author,  # not even the author
        guest_of(event),  # a guest of this very evening
        guest_of(make_event(phase="voting")),  # a guest of another evening
    ]
    for person in people:
        auth.login_user(person)
        assert client.get(f"/ideas/{source.id}/merge").status_code == 403
        assert client.post(f"/ideas/{source.id}/merge", data={"target": target.id}).status_code in (
            400,
            403,
        )
        assert client.post(f"/merges/{merge.id}/undo").status_code in (400, 403)
        auth.logout()
    db.session.refresh(source)
    assert source.status == IdeaStatus.PUBLISHED
    assert db.session.get(IdeaMerge, merge.id).undone_at is None


def test_the_queue_and_the_live_console_link_to_the_merge_form(client, auth, app):
    event = make_event(phase="voting")
    pending = make_idea(event=event, status="pending")
    auth.login_as("moderator")
    queue = client.get("/moderation").get_data(as_text=True)
    assert f"/ideas/{pending.id}/merge?next=" in queue
    console = client.get(f"/moderation/events/{event.slug}/live").get_data(as_text=True)
    assert f"/ideas/{pending.id}/merge?next=" in console
