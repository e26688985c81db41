"""Where mail goes: an SMTP server (one connection per batch) or .eml files for development."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app

from ..database import utcnow
from .message import OutgoingMail

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
# A server that keeps dropping the connection gets this many fresh ones per batch; after
# that the batch stops and what is left stays queued for the next run.
MAX_RECONNECTS = 5


class DeliveryError(Exception):
    """Sending one message failed; `reason` is safe to store (no secrets)."""

    def __init__(self, reason: str, *, connection_broken: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.connection_broken = connection_broken


class TemporaryFailure(DeliveryError):
    """Try this message again later (4xx, a dropped connection, a timeout)."""


class PermanentFailure(DeliveryError):
    """The server refused this message for good (5xx): retrying would not help."""


class BackendUnavailable(Exception):
    """No connection could be made (refused, TLS, login): no message was attempted, so
    the claimed messages go back to the queue untouched and count no attempt."""


def describe(exc: BaseException, secret: str = "") -> str:
    """A one-line reason for last_error: the SMTP code and text, or the exception."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{code} {_text(msg)}" for code, msg in exc.recipients.values()]
        text = "recipient refused: " + "; ".join(parts)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    if secret:
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _code_of(exc: BaseException) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return max(codes) if codes else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code
    return None


def ehlo_name(base_url: str) -> str:
    """The name we greet with: BASE_URL's host (an address literal for an IP). Saves the
    slow reverse lookup smtplib would do, and names the platform honestly."""
    host = urlsplit(base_url).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"


class SMTPBackend:
    """Sends over one SMTP connection, opened once and re-opened when the server drops it."""

    def __init__(self, config):
        self.host = config["SMTP_HOST"]
        self.security = (config.get("SMTP_SECURITY") or "none").strip().lower()
        self.port = int(config.get("SMTP_PORT") or DEFAULT_PORTS.get(self.security, 25))
        self.user = config.get("SMTP_USER") or ""
        self.password = config.get("SMTP_PASSWORD") or ""
        self.timeout = float(config.get("SMTP_TIMEOUT") or 10)
        self.local_hostname = ehlo_name(config["BASE_URL"])
        self.envelope_from = parseaddr(config["MAIL_FROM"])[1]
        self.connections = 0  # opened so far (the tests count them)
        self._smtp: smtplib.SMTP | None = None

    # -- connection ------------------------------------------------------------------------
    def open(self) -> None:
        if self.security not in DEFAULT_PORTS:
            raise BackendUnavailable(
                f"SMTP_SECURITY must be one of none, starttls, tls (not {self.security!r})"
            )
        smtp = None
        try:
            if self.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(
                    self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
                )
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except (smtplib.SMTPException, OSError) as exc:
            if smtp is not None:
                smtp.close()
            raise BackendUnavailable(
                f"SMTP {self.host}:{self.port}: {describe(exc, self.password)}"
            ) from exc
        self._smtp = smtp
        self.connections += 1

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    # -- sending ---------------------------------------------------------------------------
    def _ensure_open(self) -> smtplib.SMTP:
        if self._smtp is None or self._smtp.sock is None:
            self._smtp = None
            if self.connections > MAX_RECONNECTS:
                raise BackendUnavailable(
                    f"SMTP {self.host}:{self.port} dropped the connection {self.connections} times"
                )
            self.open()
        assert self._smtp is not None
        return self._smtp

    def _flatten(self, smtp: smtplib.SMTP, mail: OutgoingMail, recipient: str):
        """The message as bytes, and the MAIL FROM options the server needs for it."""
        if not (self.envelope_from.isascii() and recipient.isascii()):
            if not smtp.has_extn("smtputf8"):
                raise PermanentFailure("the server does not accept internationalized addresses")
            return mail.as_bytes(utf8=True), ["SMTPUTF8", "BODY=8BITMIME"]
        if smtp.has_extn("8bitmime"):
            return mail.as_bytes(), ["BODY=8BITMIME"]
        # An old server without 8BITMIME: non-ASCII text parts go quoted-printable.
        return mail.as_bytes(eight_bit=False), []

    def send(self, mail: OutgoingMail, *, outbox_id: int | None = None) -> None:
        """Send one message to its To address. Raises TemporaryFailure, PermanentFailure, or
        BackendUnavailable when no connection can be (re-)opened before trying it."""
        smtp = self._ensure_open()
        recipient = parseaddr(mail.recipient)[1]
        try:
            data, options = self._flatten(smtp, mail, recipient)
            smtp.sendmail(self.envelope_from, [recipient], data, mail_options=options)
        except PermanentFailure:
            raise
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentFailure(describe(exc, self.password)) from exc
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
            # smtplib itself closes the connection on 421 ("closing channel").
            broken = smtp.sock is None
            if broken:
                self._smtp = None
            reason = describe(exc, self.password)
            code = _code_of(exc) or 0
            sender_problem = isinstance(exc, smtplib.SMTPSenderRefused) and code != 552
            if sender_problem and 500 <= code < 600:
                # Refusing our envelope sender (550/553/530: not allowed, login needed)
                # says nothing about this message and would fail every queued mail alike:
                # keep retrying (with back-off) until the operator fixes MAIL_FROM/SMTP_*.
                log.error("SMTP server refused the sender %s: %s", self.envelope_from, reason)
                raise TemporaryFailure(reason, connection_broken=broken) from exc
            if 500 <= code < 600:
                raise PermanentFailure(reason, connection_broken=broken) from exc
            raise TemporaryFailure(reason, connection_broken=broken) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Disconnected, timed out, reset: the connection cannot be trusted any more.
            self._drop()
            raise TemporaryFailure(describe(exc, self.password), connection_broken=True) from exc


class FileBackend:
    """Writes each mail as INSTANCE_PATH/mail/<YYYYmmdd-HHMMSS>-<id>.eml: without an SMTP
    server, a newcomer opens the confirmation mail in a mail program or text editor."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.written: list[Path] = []

    def open(self) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendUnavailable(f"cannot create {self.folder}: {exc}") from exc

    def close(self) -> None:
        pass

    def send(self, mail: OutgoingMail, *, outbox_id: int | None = None) -> None:
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        name = f"{stamp}-{outbox_id if outbox_id is not None else secrets.token_hex(4)}"
        path = self.folder / f"{name}.eml"
        n = 1
        while path.exists():
            n += 1
            path = self.folder / f"{name}-{n}.eml"
        # UTF-8 headers (RFC 6532) keep subject and names readable in an editor; written
        # to a temporary name first so that nobody opens half a file. 0600: links in
        # these mails sign people in.
        data = mail.as_bytes(utf8=True, linesep="\n")
        tmp = self.folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise TemporaryFailure(f"cannot write {path}: {exc}") from exc
        self.written.append(path)


def make_backend(app: Flask):
    """The SMTP backend when SMTP_HOST is set, else the file backend."""
    if app.config.get("SMTP_HOST"):
        return SMTPBackend(app.config)
    return FileBackend(Path(app.instance_path) / "mail")


@contextmanager
def open_backend(app: Flask | None = None) -> Iterator[SMTPBackend | FileBackend]:
    """A connected backend for one batch: `with open_backend(app) as backend:
    backend.send(msg)`. Raises BackendUnavailable when it cannot connect."""
    backend = make_backend(app or current_app._get_current_object())
    backend.open()
    try:
        yield backend
    finally:
        backend.close()
