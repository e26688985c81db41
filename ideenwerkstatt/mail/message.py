"""Turning an outbox row into an RFC 5322 message (UTF-8, text + HTML, attachments)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app

from .services import UnsafeHeaderValue, check_header_value

# Headers the platform sets itself; a row's extra headers may not replace them.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "sender",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "auto-submitted",
        "return-path",
    }
)
# RFC 5322 field name: printable US-ASCII except colon.
HEADER_NAME = re.compile(r"[!-9;-~]+")
# RFC 5322 allows 998 octets per line; below that, text parts stay 8bit (readable, links
# whole in an .eml file), above it they are quoted-printable.
MAX_8BIT_LINE = 998


class InvalidMessage(ValueError):
    """The row cannot become a valid mail (bad header, bad attachment): retrying won't help."""


def message_id_domain(base_url: str) -> str:
    """The right-hand side of our Message-IDs: the host of BASE_URL ([1.2.3.4] for an IP)."""
    host = urlsplit(base_url).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"


def new_message_id(base_url: str | None = None) -> str:
    """A fresh, globally unique Message-ID; stored on the row before the first attempt so
    that every retry of the same mail carries the same one (receivers deduplicate on it)."""
    base_url = base_url or current_app.config["BASE_URL"]
    return make_msgid(domain=message_id_domain(base_url))


def _cte_for(text: str) -> str:
    longest = max((len(line.encode("utf-8")) for line in text.splitlines()), default=0)
    if longest > MAX_8BIT_LINE:
        return "quoted-printable"
    return "7bit" if text.isascii() else "8bit"


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    check_header_value(value)
    probe = EmailMessage()
    probe["Content-Type"] = value
    params = {k: v for k, v in probe["Content-Type"].params.items() if k.lower() != "charset"}
    return probe.get_content_maintype(), probe.get_content_subtype(), params


def _add_attachment(msg: EmailMessage, attachment: dict) -> None:
    try:
        filename = check_header_value(str(attachment["filename"]))
        maintype, subtype, params = _content_type(
            str(attachment.get("content_type") or "application/octet-stream")
        )
        content = attachment["content"]
    except (KeyError, TypeError) as exc:
        raise InvalidMessage(f"attachment without filename or content: {exc}") from exc
    except UnsafeHeaderValue as exc:
        raise InvalidMessage(f"attachment: {exc}") from exc
    if attachment.get("base64"):
        try:
            data: str | bytes = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise InvalidMessage(f"attachment {filename!r}: content is not base64") from exc
    else:
        data = str(content)
    if maintype == "text" and isinstance(data, str):
        msg.add_attachment(
            data,
            subtype=subtype,
            charset="utf-8",
            cte=_cte_for(data),
            filename=filename,
            params=params,
        )
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        msg.add_attachment(raw, maintype, subtype, filename=filename, params=params)


def build_message(row, *, mail_from: str | None = None) -> EmailMessage:
    """The mail for an outbox row (an OutboxMessage, or anything with its attributes).

    From = MAIL_FROM, To = the recipient, the row's subject, a Date (when it was queued),
    its stored Message-ID (a new one when the row has none yet), Auto-Submitted, the row's
    extra headers, a multipart/alternative text + HTML body and, when the row has
    attachments (`{"filename", "content_type", "content", "base64": bool}`), an outer
    multipart/mixed. No tracking pixels and no link rewriting: the bodies go out as rendered.
    Raises InvalidMessage when a header or attachment is unusable (retrying won't help)."""
    config = current_app.config
    msg = EmailMessage()
    try:
        msg["From"] = check_header_value(mail_from or config["MAIL_FROM"])
        msg["To"] = check_header_value(row.recipient)
        msg["Subject"] = check_header_value(row.subject)
        when = row.created_at.timestamp() if getattr(row, "created_at", None) else None
        msg["Date"] = formatdate(when, localtime=False, usegmt=True)
        msg["Message-ID"] = check_header_value(row.message_id or new_message_id())
        msg["Auto-Submitted"] = "auto-generated"
        for name, value in (row.headers or {}).items():
            check_header_value(str(name))
            check_header_value(str(value))
            if not HEADER_NAME.fullmatch(str(name)) or name.lower() in RESERVED_HEADERS:
                raise InvalidMessage(f"header {name!r} may not be set by a template")
            msg[name] = str(value)
    except UnsafeHeaderValue as exc:
        raise InvalidMessage(str(exc)) from exc
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InvalidMessage):
            raise
        raise InvalidMessage(f"invalid header: {exc}") from exc

    msg.set_content(row.body_text, subtype="plain", charset="utf-8", cte=_cte_for(row.body_text))
    msg.add_alternative(row.body_html, subtype="html", charset="utf-8", cte=_cte_for(row.body_html))
    for attachment in row.attachments or []:
        if not isinstance(attachment, dict):
            raise InvalidMessage("an attachment must be an object")
        _add_attachment(msg, attachment)
    return msg
