"""Building the MIME message from an outbox row; header injection refused at the door."""

from __future__ import annotations

import base64
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail import queue_mail
from ideenwerkstatt.mail.message import InvalidMessage, build_message, message_id_domain
from ideenwerkstatt.mail.models import OutboxMessage
from ideenwerkstatt.mail.services import UnsafeHeaderValue

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
