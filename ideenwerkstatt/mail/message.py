"""Turning an outbox row into an RFC 5322 message (UTF-8, text + HTML, attachments).

`render_mail(row)` checks the row and returns an OutgoingMail, whose `as_bytes()` writes
the message straight out: our mails have one fixed structure (multipart/alternative text
+ HTML, inside a multipart/mixed when there are attachments), so there is nothing for a
general MIME library to work out per message. Python's `email` package is still used, and
its result remembered, where it has real work to do: headers that need encoding (non-ASCII
text, display names, anything unusual) and attachments, which are the same for every
recipient of a mass mailing. `build_message(row)` parses the bytes back into an
EmailMessage, for tests and for looking at a row's mail by hand.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import re
import secrets
from email import message_from_bytes, quoprimime
from email.message import EmailMessage, MIMEPart
from email.policy import default as default_policy
from email.utils import format_datetime, getaddresses, make_msgid
from functools import lru_cache
from urllib.parse import quote, urlsplit

from flask import current_app

HEADER_FORBIDDEN = ("\r", "\n", "\0")


class UnsafeHeaderValue(ValueError):
    """A value bound for a mail header holds CR, LF or NUL (header injection)."""


def check_header_value(value: str) -> str:
    """Refuse CR, LF and NUL in anything that ends up in a mail header."""
    if any(ch in value for ch in HEADER_FORBIDDEN):
        raise UnsafeHeaderValue("line breaks and NUL are not allowed in mail headers")
    return value


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
# Header lines are folded (at spaces) to this length where they can be (RFC 5322 2.1.1).
FOLD_AT = 78

# The email package's policies, with "\n" (as_bytes turns it into CRLF where asked).
_POLICY = default_policy.clone(linesep="\n")
_POLICY_UTF8 = _POLICY.clone(utf8=True)
_POLICY_7BIT = _POLICY.clone(cte_type="7bit")
# Header names the email package parses (addresses, dates, message ids, MIME headers);
# Subject is in its registry only to be unique, and is unstructured text like the rest.
_STRUCTURED = frozenset(_POLICY.header_factory.registry) - {"subject"}
_ADDRESS_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "sender"}
    | {"resent-from", "resent-to", "resent-cc", "resent-bcc", "resent-sender"}
)
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
# A bare address (no display name, no quoting) and a plain Message-ID: written as they
# are, which is what the email package would write for them too (tests compare).
_SIMPLE_ADDRESS = re.compile(rf"{_DOT_ATOM}@{_DOT_ATOM}")
_SIMPLE_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@(?:{_DOT_ATOM}|\[[0-9A-Fa-f.:]+\])>")
# What email.utils.format_datetime writes for an aware time.
_PLAIN_DATE = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")


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
    longest = max(map(len, text.encode("utf-8").splitlines()), default=0)
    if longest > MAX_8BIT_LINE:
        return "quoted-printable"
    return "7bit" if text.isascii() else "8bit"


# -- headers ---------------------------------------------------------------------------------
# A header value is text that people typed (a title, a name), never MIME that someone encoded
# beforehand: `=?utf-8?q?…?=` in a title is those characters. The email package would decode
# it as an RFC 2047 encoded word (into CR/LF and a new header line, or a different name), so
# such values, and any with characters a mail program might take for a line break, leading or
# trailing white space, are encoded here: RFC 2047 encoded words (UTF-8, base64) of exactly
# the text, which every reader decodes back to it and which hold nothing but ASCII.
_EW_PREFIX, _EW_SUFFIX = "=?utf-8?b?", "?="
MAX_ENCODED_WORD = 75  # RFC 2047 section 2
_ADDR_SPEC = re.compile(r"[^\s<>()\[\],;:\\\"@]+@[^\s<>()\[\],;:\\\"@]+")


def needs_encoding(value: str) -> bool:
    """True when the email package would not write `value` back as it is: it looks like an
    encoded word, holds a character that is not printable (controls, U+2028, U+0085 …), or
    starts or ends with white space."""
    return "=?" in value or not value.isprintable() or value != value.strip()


def _encoded_word(text: str) -> str:
    return _EW_PREFIX + base64.b64encode(text.encode("utf-8")).decode("ascii") + _EW_SUFFIX


def encoded_words(text: str, room: int = MAX_ENCODED_WORD) -> list[str]:
    """`text` as RFC 2047 encoded words of at most `room` (16 to 75) characters each, split
    between characters, never inside one; decoded and joined, they are `text` again."""
    room = max(16, min(room, MAX_ENCODED_WORD))
    limit = (room - len(_EW_PREFIX) - len(_EW_SUFFIX)) // 4 * 3  # bytes per word
    words, chunk, size = [], [], 0
    for char in text:
        length = len(char.encode("utf-8"))
        if chunk and size + length > limit:
            words.append(_encoded_word("".join(chunk)))
            chunk, size = [], 0
        chunk.append(char)
        size += length
    words.append(_encoded_word("".join(chunk)))
    return words


def _fold_tokens(name: str, tokens: list[str]) -> str:
    """`Name: token token …`, a new line (folding white space) before a token that would
    make the line longer than FOLD_AT."""
    lines, line = [], f"{name}:"
    for token in tokens:
        if line != f"{name}:" and len(line) + 1 + len(token) > FOLD_AT:
            lines.append(line)
            line = " " + token
        else:
            line += " " + token
    lines.append(line)
    return "\n".join(lines) + "\n"


def _encoded_text_line(name: str, value: str) -> str:
    return _fold_tokens(name, encoded_words(value, FOLD_AT - len(name) - 2))


def format_address(display_name: str, addr_spec: str) -> str:
    """`"Display Name" <addr@example.org>` for a To, From or Reply-To header, the name as
    typed but for white space (a name's runs of spaces, tabs or line separators become one
    space: no reader keeps them apart); a bare address without a name. The header writer
    encodes the name when it must."""
    name = " ".join(display_name.split())
    if not name:
        return addr_spec
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{addr_spec}>'


def _display_name(name: str, utf8: bool) -> str:
    """A display name as a quoted string when that reads back as it is, else as ONE encoded
    word: Python's email package reads a space between two encoded words in a name (RFC 2047
    says to drop it), so a name is never split, even past RFC 2047's 75 characters (display
    names have at most 60; the line stays under 998 octets, or the mail is refused)."""
    plain = "=?" not in name and name.isprintable() and name == " ".join(name.split())
    if plain and (name.isascii() or utf8):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return _encoded_word(name)


def _address_line(name: str, value: str, utf8: bool) -> str:
    """An address header with display names that need care (see header_line): split into
    (display name, address) by the parser that decodes nothing, each name written by
    _display_name. Raises InvalidMessage for anything but plain addresses."""
    pairs = getaddresses([value])
    if not pairs:
        raise InvalidMessage(f"invalid header {name}: no address")
    tokens: list[str] = []
    for index, (display_name, addr_spec) in enumerate(pairs):
        if not _ADDR_SPEC.fullmatch(addr_spec) or not (utf8 or addr_spec.isascii()):
            raise InvalidMessage(f"invalid header {name}: {addr_spec!r} is not an address")
        if display_name:
            tokens += [_display_name(display_name, utf8), f"<{addr_spec}>"]
        else:
            tokens.append(addr_spec)
        if index < len(pairs) - 1:
            tokens[-1] += ","
    line = _fold_tokens(name, tokens)
    if any(len(part.encode("utf-8")) > MAX_8BIT_LINE for part in line.splitlines()):
        raise InvalidMessage(f"invalid header {name}: a display name is too long")
    return line


def header_line(name: str, value: str, *, utf8: bool = False) -> str:
    """`Name: value` and "\\n", folded, ASCII unless `utf8` (RFC 6532). Plain values are
    written as they are; values that need it (see needs_encoding) are encoded here, the
    rest goes through the email package (remembered, so a subject or sender shared by
    thousands of mails is encoded once)."""
    key = name.lower()
    # Names in address headers are written here; bare (international) addresses are not.
    if key in _ADDRESS_HEADERS and (needs_encoding(value) or not value.isascii() and "<" in value):
        return _address_line(name, value, utf8)
    if needs_encoding(value):
        if key not in _STRUCTURED:
            return _encoded_text_line(name, value)
        raise InvalidMessage(f"invalid header {name}: {value!r}")
    if value.isascii() and value.isprintable():
        if len(name) + len(value) + 2 <= FOLD_AT:
            if key not in _STRUCTURED:
                if "=?" not in value:  # the email package would decode it as an encoded word
                    return f"{name}: {value}\n"
            elif key in _ADDRESS_HEADERS:
                if _SIMPLE_ADDRESS.fullmatch(value):
                    return f"{name}: {value}\n"
            elif key == "message-id":
                if _SIMPLE_MESSAGE_ID.fullmatch(value):
                    return f"{name}: {value}\n"
            elif key == "date" and _PLAIN_DATE.fullmatch(value):
                return f"{name}: {value}\n"
        if key not in _STRUCTURED:
            folded = _fold_ascii(name, value)
            if folded is not None:
                return folded
    return _folded_header(name, value, utf8)


@lru_cache(maxsize=1024)
def _folded_header(name: str, value: str, utf8: bool) -> str:
    policy = _POLICY_UTF8 if utf8 else _POLICY
    try:
        return policy.header_factory(name, value).fold(policy=policy)
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidMessage(f"invalid header {name}: {exc}") from exc


def _fold_ascii(name: str, value: str) -> str | None:
    """A long unstructured ASCII header folded at single spaces into lines of at most 78
    characters where possible; a word longer than that (a URL in List-Unsubscribe) stays
    whole on its line, as RFC 5322 allows up to 998. The email package would instead turn
    such a word into encoded words, which breaks the URL for mail programs. None when the
    value has anything but single spaces between printable words (left to the package)."""
    if "=?" in value:
        return None
    words = value.split(" ")
    if "" in words:
        return None
    lines, line = [], f"{name}: {words[0]}"
    for word in words[1:]:
        if len(line) + 1 + len(word) <= FOLD_AT:
            line += " " + word
        else:
            lines.append(line)
            line = " " + word
    lines.append(line)
    if any(len(line) > MAX_8BIT_LINE for line in lines):
        return None
    return "\n".join(lines) + "\n"


# -- bodies ----------------------------------------------------------------------------------
def _text_part(subtype: str, text: str, *, eight_bit: bool) -> bytes:
    """A text/<subtype> part in UTF-8 as the email package writes it: 7bit or 8bit when
    every line fits, quoted-printable when one does not (or when 8bit may not be sent)."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    ascii_only = body.isascii()
    if max(map(len, lines), default=0) > MAX_8BIT_LINE or not (ascii_only or eight_bit):
        cte = "quoted-printable"
        body = quoprimime.body_encode(body.decode("latin-1"), FOLD_AT).encode("ascii")
    else:
        cte = "7bit" if ascii_only else "8bit"
    head = f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: {cte}\n\n'
    return head.encode("ascii") + body


@lru_cache(maxsize=64)
def _content_type(value: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    check_header_value(value)
    probe = EmailMessage()
    probe["Content-Type"] = value
    params = tuple(
        (k, v) for k, v in probe["Content-Type"].params.items() if k.lower() != "charset"
    )
    return probe.get_content_maintype(), probe.get_content_subtype(), params


def _attachment_key(attachment) -> tuple[str, str, str, bool]:
    """(filename, content type, content, base64?) of an attachment, checked."""
    if not isinstance(attachment, dict):
        raise InvalidMessage("an attachment must be an object")
    try:
        filename = check_header_value(str(attachment["filename"]))
        content_type = str(attachment.get("content_type") or "application/octet-stream")
        check_header_value(content_type)
        content = attachment["content"]
    except (KeyError, TypeError) as exc:
        raise InvalidMessage(f"attachment without filename or content: {exc}") from exc
    except UnsafeHeaderValue as exc:
        raise InvalidMessage(f"attachment: {exc}") from exc
    is_base64 = bool(attachment.get("base64"))
    if is_base64 and not isinstance(content, str | bytes):
        raise InvalidMessage(f"attachment {filename!r}: content is not base64")
    if isinstance(content, bytes):
        content = content.decode("ascii", "replace") if is_base64 else content.decode("utf-8")
    return filename, content_type, content if is_base64 else str(content), is_base64


@lru_cache(maxsize=32)
def _attachment_part(
    filename: str, content_type: str, content: str, is_base64: bool, variant: str
) -> bytes:
    """The attachment as a MIME part (headers, blank line, body), written by the email
    package: the same attachment goes to every recipient of a mailing, so this runs once
    per attachment and variant ("8bit", "7bit", "utf8")."""
    try:
        maintype, subtype, params = _content_type(content_type)
    except UnsafeHeaderValue as exc:
        raise InvalidMessage(f"attachment: {exc}") from exc
    if is_base64:
        try:
            data: str | bytes = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise InvalidMessage(f"attachment {filename!r}: content is not base64") from exc
    else:
        data = content
    part = MIMEPart(policy=_POLICY)
    try:
        if maintype == "text" and isinstance(data, str):
            part.set_content(
                data,
                subtype=subtype,
                charset="utf-8",
                cte=_cte_for(data),
                disposition="attachment",
                params=dict(params),
            )
        else:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            part.set_content(
                raw,
                maintype,
                subtype,
                disposition="attachment",
                params=dict(params),
            )
        policy = {"8bit": _POLICY, "7bit": _POLICY_7BIT, "utf8": _POLICY_UTF8}[variant]
        data = part.as_bytes(policy=policy)
    except (TypeError, ValueError) as exc:
        raise InvalidMessage(f"attachment {filename!r}: {exc}") from exc
    plain = b"Content-Disposition: attachment\n"
    head, _sep, body = data.partition(b"\n\n")
    if plain not in head + b"\n":
        raise InvalidMessage(f"attachment {filename!r}: no Content-Disposition")
    head = (head + b"\n").replace(plain, disposition_line(filename).encode("ascii"))
    return head + b"\n" + body


# A file name written as it is (quoted); any other is written as RFC 2231 says, which no
# reader decodes as an RFC 2047 encoded word, so `=?…?=` in a name stays those characters.
_PLAIN_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+ -]{0,59}")
_RFC2231_CHUNK = 60


def disposition_line(filename: str) -> str:
    """`Content-Disposition: attachment; filename=…` for exactly this file name: quoted when
    plain, else percent-encoded UTF-8 (RFC 2231), in numbered pieces when long."""
    if _PLAIN_FILENAME.fullmatch(filename) and "  " not in filename and filename[-1] != " ":
        return f'Content-Disposition: attachment; filename="{filename}"\n'
    encoded = quote(filename, safe="")
    pieces, start = [], 0
    while start < len(encoded):
        end = min(start + _RFC2231_CHUNK, len(encoded))
        # Never split a %XX triplet.
        if "%" in encoded[end - 2 : end] and end < len(encoded):
            end = start + encoded[start:end].rindex("%")
        pieces.append(encoded[start:end])
        start = end
    if len(pieces) == 1:
        params = [f"filename*=utf-8''{pieces[0]}"]
    else:
        params = [f"filename*0*=utf-8''{pieces[0]}"]
        params += [f"filename*{n}*={piece}" for n, piece in enumerate(pieces[1:], start=1)]
    return "Content-Disposition: attachment;\n " + ";\n ".join(params) + "\n"


def _boundary() -> str:
    # "=_" cannot occur in quoted-printable or base64 text; the random part in nothing else.
    return f"=_{secrets.token_hex(12)}"


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    """A multipart/<subtype> part, laid out as the email package's generator does."""
    boundary = _boundary()
    while any(boundary.encode("ascii") in part for part in parts):  # practically never
        boundary = _boundary()
    delimiter = f"--{boundary}\n".encode("ascii")
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n'  # < 78 characters
    return b"".join(
        [
            head.encode("ascii"),
            b"\n",
            delimiter,
            (b"\n" + delimiter).join(parts),
            f"\n--{boundary}--\n".encode("ascii"),
        ]
    )


class OutgoingMail:
    """A checked outbox row, ready to be written as bytes for a backend."""

    __slots__ = ("recipient", "_headers", "_text", "_html", "_attachments")

    def __init__(self, recipient, headers, text, html, attachments):
        self.recipient = recipient  # the To header as stored: the envelope recipient
        self._headers = headers  # [(name, value)] in order, checked
        self._text, self._html = text, html
        self._attachments = attachments  # [_attachment_key(...)]

    def as_bytes(
        self, *, utf8: bool = False, eight_bit: bool = True, linesep: str = "\r\n"
    ) -> bytes:
        """The message: headers ASCII (encoded words) unless `utf8` (RFC 6532, for
        SMTPUTF8 and .eml files); 8bit text parts unless `eight_bit` is False (a server
        without 8BITMIME gets quoted-printable); lines end with `linesep`."""
        variant = "utf8" if utf8 else ("8bit" if eight_bit else "7bit")
        eight_bit = eight_bit or utf8
        charset = "utf-8" if utf8 else "ascii"
        try:
            head = "".join(header_line(n, v, utf8=utf8) for n, v in self._headers).encode(charset)
        except UnicodeEncodeError as exc:
            raise InvalidMessage(f"header needs SMTPUTF8: {exc}") from exc
        body = _multipart(
            "alternative",
            [
                _text_part("plain", self._text, eight_bit=eight_bit),
                _text_part("html", self._html, eight_bit=eight_bit),
            ],
        )
        if self._attachments:
            parts = [body] + [_attachment_part(*key, variant) for key in self._attachments]
            body = _multipart("mixed", parts)
        data = head + b"MIME-Version: 1.0\n" + body
        return data.replace(b"\n", linesep.encode("ascii")) if linesep != "\n" else data


def render_mail(row, *, mail_from: str | None = None) -> OutgoingMail:
    """The mail for an outbox row (an OutboxMessage, or anything with its attributes).

    From = MAIL_FROM, To = the recipient, the row's subject, a Date (when it was queued),
    its stored Message-ID (a new one when the row has none yet), Auto-Submitted, the row's
    extra headers, a multipart/alternative text + HTML body and, when the row has
    attachments (`{"filename", "content_type", "content", "base64": bool}`), an outer
    multipart/mixed. No tracking pixels and no link rewriting: the bodies go out as rendered.
    Raises InvalidMessage when a header or attachment is unusable (retrying won't help)."""
    config = current_app.config
    created_at = getattr(row, "created_at", None) or dt.datetime.now(dt.UTC)
    try:
        headers = [
            ("From", check_header_value(mail_from or config["MAIL_FROM"])),
            ("To", check_header_value(row.recipient)),
            ("Subject", check_header_value(row.subject)),
            ("Date", format_datetime(created_at.astimezone(dt.UTC))),
            ("Message-ID", check_header_value(row.message_id or new_message_id())),
            ("Auto-Submitted", "auto-generated"),
        ]
        for name, value in (row.headers or {}).items():
            name, value = str(name), str(value)
            check_header_value(name)
            check_header_value(value)
            if not HEADER_NAME.fullmatch(name) or name.lower() in RESERVED_HEADERS:
                raise InvalidMessage(f"header {name!r} may not be set by a template")
            headers.append((name, value))
        for name, value in headers:
            header_line(name, value)  # refuses what cannot be a header (remembered)
    except UnsafeHeaderValue as exc:
        raise InvalidMessage(str(exc)) from exc
    attachments = [_attachment_key(attachment) for attachment in row.attachments or []]
    for key in attachments:
        _attachment_part(*key, "8bit")  # refuses a bad attachment now, not when sending
    return OutgoingMail(row.recipient, headers, row.body_text, row.body_html, attachments)


def build_message(row, *, mail_from: str | None = None) -> EmailMessage:
    """render_mail(row), parsed back into an EmailMessage: what a mail program would read.
    For tests and for looking at a row's mail by hand."""
    data = render_mail(row, mail_from=mail_from).as_bytes(linesep="\n")
    return message_from_bytes(data, policy=default_policy)
