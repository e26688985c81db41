"""Without SMTP_HOST every mail becomes an .eml file in INSTANCE_PATH/mail/."""

from __future__ import annotations

import re
import stat
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.delivery import deliver_due
from ideenwerkstatt.mail.models import OutboxMessage, OutboxStatus

from .conftest import queue_test_mail


def test_file_backend_writes_a_parseable_eml_with_both_parts(app):
    assert app.config["SMTP_HOST"] == ""
    (mid,) = queue_test_mail(1, to="neu@example.org")

    report = deliver_due()

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    folder = Path(app.instance_path) / "mail"
    (path,) = folder.glob("*.eml")
    assert re.fullmatch(rf"\d{{8}}-\d{{6}}-{mid}\.eml", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # links in it sign people in
    raw = path.read_bytes()
    msg = message_from_bytes(raw, policy=default_policy)
    assert msg["To"] == "neu@example.org"
    assert msg["Subject"] == "Testnachricht für Person 0: Grüße aus der Ideenwerkstatt"
    assert msg.get_body(("plain",)).get_content().startswith("Hallo Person 0,")
    assert "Link öffnen" in msg.get_body(("html",)).get_content()
    # A newcomer can read the link in any text editor: it stands whole in the file.
    assert b"http://localhost/link/0\n" in raw

    row = db.session.get(OutboxMessage, mid)
    assert row.status is OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 0
    assert row.message_id == msg["Message-ID"]


def test_nothing_due_writes_nothing(app):
    report = deliver_due()
    assert report.claimed == report.sent == 0
    assert not (Path(app.instance_path) / "mail").exists()
