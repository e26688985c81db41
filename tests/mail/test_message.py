"""Building the MIME message from an outbox row; header injection refused at the door."""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.message import (
    InvalidMessage,
    _cte_for,
    build_message,
    header_line,
    message_id_domain,
    render_mail,
)
from ideenwerkstatt.mail.models import OutboxMessage
from ideenwerkstatt.mail.services import UnsafeHeaderValue, queue_mail

from .conftest import queue_test_mail

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ideenwerkstatt//DE\r\nEND:VCALENDAR\r\n"


def _row(message_id: int) -> OutboxMessage:
    return db.session.get(OutboxMessage, message_id)


def test_message_has_the_usual_headers_and_both_parts(app):
    app.config["MAIL_FROM"] = "Ideenwerkstatt Süd <no-reply@example.org>"
    (mid,) = queue_test_mail(1, to="jörg@example.org", locale="de")
    row = _row(mid)
    row.message_id = "<fixed@localhost>"

    msg = build_message(row)

    assert msg["From"].addresses[0].display_name == "Ideenwerkstatt Süd"
    assert msg["From"].addresses[0].addr_spec == "no-reply@example.org"
    assert str(msg["To"]) == "jörg@example.org"
    assert msg["Subject"] == "Testnachricht für Person 0: Grüße aus der Ideenwerkstatt"
    assert msg["Message-ID"] == "<fixed@localhost>"
    assert parsedate_to_datetime(msg["Date"]) == row.created_at.replace(microsecond=0)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert "Umlauten: äöüß" in text.get_content()
    assert "http://localhost/link/0" in text.get_content()
    assert '<html lang="de">' in html.get_content()
    assert "Ideenwerkstatt Musterstadt" in html.get_content()  # the operator, in the footer
    # Readable and intact in an .eml file: 8bit, no base64, no soft line breaks.
    assert text["Content-Transfer-Encoding"] == "8bit"


def test_the_layout_speaks_the_recipients_language(app):
    (mid,) = queue_test_mail(1, locale="en")
    html = build_message(_row(mid)).get_body(("html",)).get_content()
    assert '<html lang="en">' in html


def test_a_row_without_message_id_gets_one_on_the_base_url_host(app):
    (mid,) = queue_test_mail(1)
    msg = build_message(_row(mid))
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@localhost>")
    assert message_id_domain("https://ideen.example.org:8443/x") == "ideen.example.org"
    assert message_id_domain("http://127.0.0.1:5000") == "[127.0.0.1]"


def test_extra_headers_are_added(app):
    (mid,) = queue_test_mail(
        1,
        headers={
            "List-Unsubscribe": "<http://localhost/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    msg = build_message(_row(mid))
    assert msg["List-Unsubscribe"] == "<http://localhost/unsubscribe/abc>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_attachments_make_it_multipart_mixed(app):
    pdf = b"%PDF-1.4 \x00\x01 binary"
    (mid,) = queue_test_mail(
        1,
        attachments=[
            {
                "filename": "veranstaltung.ics",
                "content_type": "text/calendar; method=PUBLISH",
                "content": ICS,
            },
            {
                "filename": "programm.pdf",
                "content_type": "application/pdf",
                "content": base64.b64encode(pdf).decode(),
                "base64": True,
            },
        ],
    )
    msg = build_message(_row(mid))

    assert msg.get_content_type() == "multipart/mixed"
    body, ics, attachment = msg.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_filename() == "veranstaltung.ics"
    assert ics.get_content_disposition() == "attachment"
    assert ics.get_content().replace("\r\n", "\n") == ICS.replace("\r\n", "\n")
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == pdf
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        "veranstaltung.ics",
        "programm.pdf",
    ]


@pytest.mark.parametrize(
    "change",
    [
        {"headers": {"X-Test": "a\r\nBcc: victim@example.org"}},
        {"headers": {"From": "someone@else.example"}},
        {"headers": {"Bad Name": "x"}},
        {
            "attachments": [
                {"filename": "a\r\nb.ics", "content_type": "text/calendar", "content": ""}
            ]
        },
        {"attachments": [{"filename": "a.bin", "content": "***", "base64": True}]},
        {"attachments": [{"content": "no filename"}]},
        {"subject": "Hallo\nBcc: victim@example.org"},
    ],
)
def test_unusable_rows_are_refused_when_built(app, change):
    """Rows are checked again when sent: whatever reached the table by another way."""
    (mid,) = queue_test_mail(1)
    row = _row(mid)
    for name, value in change.items():
        setattr(row, name, value)
    with pytest.raises(InvalidMessage):
        build_message(row)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"to": "a@example.org\r\nBcc: victim@example.org"},
        {"to": "a@example.org\nX-Evil: 1"},
        {"headers": {"X-Test": "a\r\nBcc: victim@example.org"}},
        {"headers": {"X-Test\r\nBcc": "victim@example.org"}},
        {"headers": {"X-Test": "nul\0byte"}},
    ],
)
def test_queue_mail_refuses_header_injection(app, kwargs):
    params = {"to": "a@example.org", "locale": "de", "name": "A", "link": "http://localhost/"}
    params.update(kwargs)
    with pytest.raises(UnsafeHeaderValue):
        queue_mail("test_message", **params)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_line_breaks_in_the_rendered_subject_are_folded_away(app):
    queue_mail("test_message", to="a@example.org", locale="de", name="A\r\nBcc: x", link="/")
    (row,) = db.session.scalars(select(OutboxMessage))
    assert "\n" not in row.subject and "\r" not in row.subject
    assert build_message(row)["Bcc"] is None


# -- the writer: plain headers as they are, the rest through the email package -----------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("To", "person0@example.org"),
        ("To", "a.b+c@sub.example.org"),
        ("Message-ID", "<179.18308.3224@ideen.example.org>"),
        ("Message-ID", "<x@[127.0.0.1]>"),
        ("Date", "Sun, 29 Nov 2026 22:56:48 +0000"),
        ("Subject", "Hallo  Welt"),
        ("Subject", "Einladung: Hamm von Morgen: Mobilität"),
        ("To", '"a b"@example.org'),
        ("Reply-To", "Orga <orga@example.org>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ],
)
def test_header_lines_are_what_the_email_package_writes(name, value):
    for utf8 in (False, True):
        policy = default_policy.clone(linesep="\n", utf8=utf8)
        expected = policy.header_factory(name, value).fold(policy=policy)
        assert header_line(name, value, utf8=utf8) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Subject", "Hallo  Welt "),
        ("X-Note", "a =?utf-8?q?b?= c"),
        ("Subject", "Idee =?utf-8?q?a=0D=0ABcc:_x@evil.example?= x"),
    ],
)
def test_values_the_email_package_would_change_are_encoded_as_typed(name, value):
    """The email package would decode `=?…?=` (the last one into a Bcc line) and drop the
    trailing space: these are written as encoded words of exactly the text."""
    for utf8 in (False, True):
        line = header_line(name, value, utf8=utf8)
        # ASCII, and the header's colon is the only one: nothing in it can start a header.
        assert line.isascii() and line.count(":") == 1
        msg = message_from_bytes(line.encode() + b"\n", policy=default_policy)
        assert list(msg.keys()) == [name]
        assert str(msg[name]) == value


def test_a_long_url_in_a_header_stays_whole():
    """The email package would turn a word longer than a line into encoded words, which
    mail programs do not read as a URL (List-Unsubscribe); RFC 5322 allows 998 octets."""
    url = "<https://ideen.example.org/unsubscribe/" + "W" * 120 + ">"
    assert header_line("List-Unsubscribe", url) == f"List-Unsubscribe: {url}\n"
    folded = header_line("X-Words", " ".join(["word"] * 40))
    assert all(len(line) <= 78 for line in folded.splitlines())
    assert folded.replace("\n ", " ") == "X-Words: " + " ".join(["word"] * 40) + "\n"


def test_without_8bit_every_part_is_ascii_and_reads_the_same(app):
    long_line = "ä" * 700  # 1,400 octets: over the 998 a line may have
    (mid,) = queue_test_mail(
        1,
        attachments=[{"filename": "notiz.txt", "content_type": "text/plain", "content": "Grüße"}],
    )
    row = _row(mid)
    row.body_text += long_line + "\n"
    mail = render_mail(row)

    for data in (mail.as_bytes(eight_bit=False), mail.as_bytes()):
        assert max(len(line) for line in data.split(b"\r\n")) <= 998
        msg = message_from_bytes(data, policy=default_policy)
        assert long_line in msg.get_body(("plain",)).get_content()
        assert "Umlauten: äöüß" in msg.get_body(("html",)).get_content()
        (note,) = msg.iter_attachments()
        assert note.get_content().rstrip("\r\n") == "Grüße"
    assert mail.as_bytes(eight_bit=False).isascii()
    assert not mail.as_bytes().isascii()  # 8bit where the server takes it


def _the_general_way(row, mail_from: str) -> EmailMessage:
    """The mail built with the email package's EmailMessage API, as the platform once did."""
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in row.headers.items():
        msg[name] = value
    msg.set_content(row.body_text, charset="utf-8", cte=_cte_for(row.body_text))
    msg.add_alternative(row.body_html, subtype="html", charset="utf-8", cte=_cte_for(row.body_html))
    for item in row.attachments:
        maintype, subtype = item["content_type"].split("/")
        if item.get("base64"):
            data = base64.b64decode(item["content"])
            msg.add_attachment(data, maintype, subtype, filename=item["filename"])
        else:
            content = item["content"]
            msg.add_attachment(
                content, subtype=subtype, filename=item["filename"], cte=_cte_for(content)
            )
    return msg


def _as_read(data: bytes) -> list:
    """What a mail program shows: decoded headers, and per part its type, name and content."""
    msg = message_from_bytes(data, policy=default_policy)
    shown = []
    for part in msg.walk():
        headers = [
            (name, str(value))
            for name, value in part.items()
            if name.lower() not in {"content-type", "mime-version", "content-transfer-encoding"}
        ]
        content = None if part.is_multipart() else part.get_content()
        if isinstance(content, str):
            content = content.replace("\r\n", "\n")
        shown.append((headers, part.get_content_type(), part.get_filename(), content))
    return shown


PDF = base64.b64encode(b"%PDF-1.4 \x00\x01" * 40).decode()


@pytest.mark.parametrize(
    ("subject", "to", "body", "headers", "attachments"),
    [
        ("Hallo", "person0@example.org", "Hallo\nWelt\n", {}, []),
        (
            "Einladung: Hamm von Morgen: Mobilität",
            "Jörg Müller <joerg@example.org>",
            "Grüße\r\nmit\rCR\n\n.\nFrom here",
            {"List-Unsubscribe": "<http://localhost/unsubscribe/abc>"},
            [{"filename": "veranstaltung.ics", "content_type": "text/calendar", "content": ICS}],
        ),
        (
            "Ä" * 90,
            '"a b"@example.org',
            "x" * 1200 + "\nÄ",
            {"Reply-To": "Orga Süd <orga@example.org>", "X-Note": "ä  b"},
            [
                {
                    "filename": "prog ä.pdf",
                    "content_type": "application/pdf",
                    "content": PDF,
                    "base64": True,
                },
                {"filename": "lang.txt", "content_type": "text/plain", "content": "y" * 1500},
            ],
        ),
        ("word " * 30, "a.b+c@sub.example.org", "", {"X-Long": "z" * 200}, []),
    ],
    ids=["plain", "umlauts-and-ics", "odd-headers-and-attachments", "long-words"],
)
def test_mail_reads_as_if_built_by_the_email_package(app, subject, to, body, headers, attachments):
    """Written directly or with the email package's EmailMessage, a mail program reads the
    same, in each form: 8bit, 7bit (no 8BITMIME) and UTF-8 headers (SMTPUTF8)."""
    (mid,) = queue_test_mail(1, to="a@example.org")
    row = _row(mid)
    row.subject, row.recipient, row.body_text, row.body_html = subject, to, body, f"<p>{body}</p>"
    row.headers, row.attachments, row.message_id = headers, attachments, "<fixed@localhost>"
    general = _the_general_way(row, app.config["MAIL_FROM"])
    mail = render_mail(row)
    forms = [({"utf8": True}, {"utf8": True})]
    if to.isascii():
        forms += [({}, {}), ({"eight_bit": False}, {"cte_type": "7bit"})]

    for ours, theirs in forms:
        data = mail.as_bytes(**ours)
        assert max(len(line) for line in data.split(b"\r\n")) <= 998
        if ours.get("eight_bit") is False:
            assert data.isascii()
        expected = general.as_bytes(policy=general.policy.clone(linesep="\r\n", **theirs))
        assert _as_read(data) == _as_read(expected)
