"""Mail test helpers: a real SMTP server (aiosmtpd) on 127.0.0.1 that records what it gets."""

from __future__ import annotations

import asyncio
import socket
from email import message_from_bytes
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.services import queue_mail


class RecordingHandler:
    """Accepts mail and keeps it. `temporary_failures`: answer the DATA of that many
    messages with `failure` (421 closes the connection); `refuse`: recipients answered
    550; `refuse_sender`: MAIL FROM answered 550; `delay`: seconds per message."""

    def __init__(
        self,
        *,
        temporary_failures: int = 0,
        failure: str = "421 4.3.2 Service shutting down, try again later",
        refuse: tuple[str, ...] = (),
        refuse_sender: bool = False,
        delay: float = 0.0,
    ):
        self.temporary_failures = temporary_failures
        self.failure = failure
        self.refuse = set(refuse)
        self.refuse_sender = refuse_sender
        self.delay = delay
        self.connections = 0
        self.envelopes: list[SimpleNamespace] = []

    # aiosmtpd runs the hooks on one event loop thread: no locking needed.
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return "550 5.7.1 Sender address not allowed"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return self.failure
        self.envelopes.append(
            SimpleNamespace(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                mail_options=list(envelope.mail_options),
                raw=envelope.original_content,
                message=message_from_bytes(envelope.original_content, policy=default_policy),
            )
        )
        return "250 2.0.0 Queued"

    @property
    def message_ids(self) -> list[str]:
        return [e.message["Message-ID"] for e in self.envelopes]

    @property
    def recipients(self) -> list[str]:
        return [rcpt for e in self.envelopes for rcpt in e.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """Start an SMTP server: `server = smtp_server(app, handler)` points the app at it
    (options go to aiosmtpd's SMTP class, e.g. decode_data=True: no 8BITMIME)."""
    controllers = []

    def start(app, handler: RecordingHandler | None = None, port: int | None = None, **options):
        handler = handler or RecordingHandler()
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        controllers.append(controller)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none")
        return SimpleNamespace(handler=handler, port=port, controller=controller)

    yield start
    for controller in controllers:
        controller.stop()


def queue_test_mail(
    n: int = 1, *, commit: bool = True, to: str | None = None, **kwargs
) -> list[int]:
    """Queue n test mails (to `to`, else to person<i>@example.org); returns their ids."""
    kwargs.setdefault("locale", "de")
    ids = []
    for i in range(n):
        message = queue_mail(
            "test_message",
            to=to or f"person{i}@example.org",
            name=f"Person {i}",
            link=f"http://localhost/link/{i}",
            **kwargs,
        )
        ids.append(message.id)
    if commit:
        db.session.commit()
    return ids
