"""The browser-test harness itself: the live server's mail reaches the `mailbox`."""

from __future__ import annotations

import pytest

from ideenwerkstatt.database import commit
from ideenwerkstatt.mail.services import queue_mail

pytestmark = pytest.mark.browser


def test_mail_from_the_live_server_arrives_in_the_mailbox(live_server, mailbox):
    with live_server.app.test_request_context():
        queue_mail(
            "test_message",
            to="harness@example.org",
            locale="de",
            name="Kim",
            link=live_server("/account/confirm/abc"),
        )
        queue_mail("test_message", to="other@example.org", locale="de", name="Alex", link="")
        commit()  # delivered right after the commit (MAIL_DELIVER_AFTER_COMMIT = "sync")

    message = mailbox.wait_for(to="harness@example.org", subject_contains="testnachricht")
    assert "Kim" in message["Subject"]
    assert mailbox.links_in(message)[0] == live_server("/account/confirm/abc")
    assert mailbox.wait_for(to="other@example.org")["Subject"].endswith(
        "Grüße aus der Ideenwerkstatt"
    )
    # A message is handed out once: the next wait is for the next one.
    with pytest.raises(pytest.fail.Exception, match="no mail to 'harness@example.org'"):
        mailbox.wait_for(to="harness@example.org", timeout=0.2)
