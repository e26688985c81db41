"""Flags: once per person and object, the threshold hides, moderators decide (logged),
the hourly digest, export and erasure, the flag form."""

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.auditlog import ModerationLogEntry
from ideenwerkstatt.extensions import db
from ideenwerkstatt.moderation import flags
from ideenwerkstatt.moderation.models import Flag
from ideenwerkstatt.moderation.services import ModerationError, NotAllowed

from ..comments.factories import make_comment
from ..factories import make_idea, make_user


def test_flag_once_per_person_and_not_ones_own(app):
    idea = make_idea()
    reporter = make_user()
    flags.flag(reporter, idea, "Werbung")
    with pytest.raises(ModerationError):
        flags.flag(reporter, idea, "Nochmal")
    with pytest.raises(ModerationError):
        flags.flag(idea.author, idea, "Selbst")
    with pytest.raises(ModerationError) as error:
        flags.flag(make_user(), idea, "")
    assert error.value.field == "reason"
    with pytest.raises(NotAllowed):
        flags.flag(None, idea, "Anonym")
    assert flags.open_flag_count(idea) == 1


@pytest.mark.parametrize("kind", ["idea", "comment"])
def test_threshold_hides_until_a_moderator_decides(app, kind):
    obj = make_idea() if kind == "idea" else make_comment()
    for n in range(2):
        flags.flag(make_user(), obj, f"Grund {n}")
    assert obj.status == "published"
    flags.flag(make_user(), obj, "Grund 3")
    assert obj.status == "hidden"
    assert db.session.scalars(select(ModerationLogEntry)).one().action == f"{kind}.flag_hide"
    moderator = make_user(role="moderator")
    assert flags.decide_flags(moderator, obj, upheld=False) == 3
    assert obj.status == "published" and flags.open_flag_count(obj) == 0
    with pytest.raises(NotAllowed):
        flags.decide_flags(make_user(), obj, upheld=True)


@pytest.mark.parametrize("app_config", [{"FLAG_HIDE_THRESHOLD": 1}])
def test_threshold_is_configurable_and_upheld_stays_hidden(app):
    idea = make_idea()
    flags.flag(make_user(), idea, "Beleidigend")
    assert idea.status == "hidden"
    flags.decide_flags(make_user(role="moderator"), idea, upheld=True)
    assert idea.status == "hidden"
    actions = [e.action for e in db.session.scalars(select(ModerationLogEntry))]
    assert actions == ["idea.flag_hide", "flags.uphold"]


def test_digest_at_most_hourly(app, outbox):
    make_user(role="moderator")
    make_user(role="admin")
    flags.flag(make_user(), make_idea(), "Spam")
    now = dt.datetime(2030, 1, 1, 10, 5, tzinfo=dt.UTC)
    assert flags.send_flag_digest(now) == 2
    flags.flag(make_user(), make_idea(), "Noch mehr Spam")
    assert flags.send_flag_digest(now + dt.timedelta(minutes=30)) == 0
    assert flags.send_flag_digest(now + dt.timedelta(hours=1)) == 2
    assert flags.send_flag_digest(now + dt.timedelta(hours=2)) == 0  # nothing new
    db.session.commit()
    assert len(outbox(template="flag_digest")) == 4


def test_digest_command(runner, app):
    make_user(role="moderator")
    flags.flag(make_user(), make_idea(), "Spam")
    db.session.commit()
    result = runner.invoke(args=["moderation", "digest"])
    assert result.exit_code == 0 and "1 mails" in result.output


def test_flags_are_exported_and_erased(app):
    from ideenwerkstatt.privacy.services import delete_account, export_user_data

    reporter = make_user()
    flags.flag(reporter, make_idea(), "Spam")
    assert export_user_data(reporter)["flags"][0]["reason"] == "Spam"
    delete_account(reporter, keep_contributions=True)
    db.session.commit()
    assert db.session.scalars(select(Flag)).all() == []


def test_flag_form_and_queue(client, auth):
    idea = make_idea(title="Gemeldete Idee")
    auth.login_as("citizen")
    assert client.get(f"/flags/new?kind=idea&object_id={idea.id}").status_code == 200
    response = client.post("/flags/new", data={"kind": "idea", "object_id": idea.id, "reason": ""})
    assert response.status_code == 422
    response = client.post(
        "/flags/new", data={"kind": "idea", "object_id": idea.id, "reason": "Werbung"}
    )
    assert response.status_code == 302
    assert client.get("/flags/new?kind=user&object_id=1").status_code == 404
    auth.login_as("moderator")
    page = client.get("/moderation").get_data(as_text=True)
    assert "Gemeldete Beiträge: 1" in page and "Werbung" in page
    client.post(f"/moderation/flags/idea/{idea.id}/uphold")
    db.session.expire_all()
    assert idea.status == "hidden" and flags.open_flag_count(idea) == 0


def test_upheld_flags_on_a_comment_tell_its_author(app, outbox):
    comment = make_comment()
    flags.flag(make_user(), comment, "Beleidigend")
    flags.decide_flags(make_user(role="moderator"), comment, upheld=True)
    db.session.commit()
    assert comment.status == "hidden" and comment.hidden_reason
    (mail,) = outbox(template="comment_hidden")
    assert mail.recipient == comment.author.email
