"""Header injection, tried every way: text that people type (a subject, a display name, an
attachment's file name) is rendered into a mail and parsed back with the email package. The
mail has exactly the headers we meant, each value reads back exactly as typed (encoded by us
where it must be), and nothing in a value, decoded or not, starts a header line of its own.

A corpus of hostile values (RFC 2047 encoded words hiding CR/LF in Q and base64 form, bare
CR, LF, NUL, U+2028 and other line separators, very long words, quoting tricks) and
hypothesis-generated text mixed with them."""

from __future__ import annotations

import base64
import re
from email import message_from_bytes, message_from_string
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.message import InvalidMessage, format_address, render_mail


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


INJECTED = "\r\nBcc: victim@evil.example\r\nReply-To: attacker@evil.example"
HOSTILE = [
    # Encoded words that decode to CR/LF and new header lines (the reported attack).
    "Inj =?utf-8?q?a=0D=0ABcc:_victim@evil.example=0D=0AReply-To:_attacker@evil.example?= end",
    "Idee =?utf-8?q?a=0D=0ABcc:_x@evil.example?= x",
    "=?utf-8?q?=0D=0ABcc:_x@evil.example?=",
    "=?UTF-8?Q?=0A=0ABody_starts_here?=",
    "=?utf-8?q?=0Dbare_CR?=",
    "=?utf-8?q?=0Abare_LF?=",
    "=?utf-8?q?NUL=00byte?=",
    "=?utf-8?q?=E2=80=A8line_separator?=",
    "=?utf-8?q?=C2=85next_line?=",
    f"=?utf-8?b?{_b64(INJECTED)}?=",
    f"=?UTF-8?B?{_b64('a' + INJECTED)}?= tail",
    f"head =?utf-8?b?{_b64(INJECTED)}?==?utf-8?q?=0D=0AX-Evil:_1?=",
    "=?iso-8859-1?q?=0D=0ABcc:_x@evil.example?=",
    "=?us-ascii?q?=0D=0ABcc:_x@evil.example?=",
    "=?utf-8*en?q?=0D=0ABcc:_x@evil.example?=",
    "=?utf-8?x?unknown_encoding?=",
    "=?utf-8?q?unterminated",
    "=??q?empty_charset?=",
    "=?utf-8?q??=",
    "=?" * 40,
    "?=" * 40,
    "=?utf-8?q?" + "=0D=0A" * 60 + "?=",
    "a=?utf-8?q?b?=c",
    '"=?utf-8?q?quoted=0D=0ABcc:_x@evil.example?="',
    "(=?utf-8?q?comment=0D=0ABcc:_x@evil.example?=)",
    "<=?utf-8?q?angle=0D=0ABcc:_x@evil.example?=>",
    "x@evil.example, =?utf-8?q?=0D=0ABcc:_y@evil.example?=",
    # Raw line breaks and NUL: refused before anything is written.
    "Hallo\r\nBcc: victim@evil.example",
    "Hallo\nBcc: victim@evil.example",
    "Hallo\rBcc: victim@evil.example",
    "Hallo\r\n\r\nbody",
    "nul\x00byte",
    "\r\n",
    # Characters some programs take for a line break, and other controls.
    "Hallo\u2028Bcc: victim@evil.example",
    "Hallo\u2029Bcc: victim@evil.example",
    "Hallo\x85Bcc: victim@evil.example",
    "Hallo\x0bBcc: victim@evil.example",
    "Hallo\x0cBcc: victim@evil.example",
    "Hallo\x1c\x1d\x1eBcc: victim@evil.example",
    "tab\tseparated\tvalue",
    "\tleading tab",
    "trailing tab\t",
    "escape \x1b[31m red",
    "delete \x7f char",
    # White space the email package would drop or fold away.
    " leading space",
    "trailing space ",
    "two  spaces",
    "   ",
    "",
    # Very long words (a header line may have at most 998 octets).
    "W" * 2000,
    "Ä" * 700,
    "😀" * 300,
    "word " * 300,
    "x" * 77 + " " + "y" * 77,
    # Quoting and address syntax in display names.
    'Jörg "der Große" Müller',
    'Backslash \\ and \\" quote',
    "Komma, Semikolon; Doppelpunkt: <spitze> (runde) [eckige] @",
    "victim@evil.example",
    "Name <victim@evil.example>",
    "Bcc: victim@evil.example",
    # Scripts, combining marks, right-to-left, zero-width.
    "مرحبا بالعالم \u200f\u202e evil",
    "e\u0301\u0301\u0301 zalgo",
    "zero\u200bwidth\ufeffjoiner",
    "日本語の件名",
    "=?utf-8?q?=E6=97=A5=E6=9C=AC?= 日本",
]
assert len(HOSTILE) >= 50

# Display names are at most this long (accounts: User.display_name).
NAME_MAX = User.display_name.type.length
TO = "person@example.org"
REPLY_TO = "orga@example.org"
# The only header lines a mail of ours may have, in this order.
EXPECTED_HEADERS = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "Reply-To",
    "MIME-Version",
    "Content-Type",
]
FORMS = ({}, {"eight_bit": False}, {"utf8": True})
LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _row(value: str) -> SimpleNamespace:
    name = value[:NAME_MAX]
    return SimpleNamespace(
        recipient=format_address(name, TO),
        subject=value,
        message_id="<fixed@localhost>",
        created_at=None,
        headers={"Reply-To": format_address(name, REPLY_TO)},
        body_text="Hallo\n",
        body_html="<p>Hallo</p>\n",
        attachments=[
            {"filename": value or "leer", "content_type": "text/plain", "content": "Inhalt"}
        ],
    )


def _head_lines(data: bytes) -> list[bytes]:
    head, _sep, _body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")


def assert_reads_back_as_typed(value: str) -> None:
    """Render the row in every form a backend may send, parse it back, compare."""
    if any(ch in value for ch in "\r\n\x00"):
        with pytest.raises(InvalidMessage):
            render_mail(_row(value))
        return
    mail = render_mail(_row(value))
    for form in FORMS:
        data = mail.as_bytes(**form)
        if not form.get("utf8"):
            assert data.isascii()
        # On the wire: every line of the head is a header we set, or a folded continuation.
        for line in _head_lines(data):
            if line[:1] in (b" ", b"\t"):
                continue
            name = line.split(b":", 1)[0].decode()
            assert name in EXPECTED_HEADERS, (value, form, line)
            # Nor does any line hold a character that some program reads as a line break.
            assert not LINE_BREAKS.search(line.decode("utf-8")), (value, form, line)

        if form.get("utf8"):  # read as an SMTPUTF8 server hands it on: UTF-8 text
            msg = message_from_string(data.decode("utf-8"), policy=default_policy)
        else:
            msg = message_from_bytes(data, policy=default_policy)
        assert list(msg.keys()) == EXPECTED_HEADERS, (value, form)
        assert str(msg["Subject"]) == value
        for header, addr_spec in (("To", TO), ("Reply-To", REPLY_TO)):
            (address,) = msg[header].addresses
            # A name reads back as typed, but for its white space (see format_address).
            assert address.display_name == " ".join(value[:NAME_MAX].split()), (header, form)
            assert address.addr_spec == addr_spec
        (attachment,) = msg.iter_attachments()
        assert list(attachment.keys()) == [
            "Content-Type",
            "Content-Transfer-Encoding",
            "Content-Disposition",
        ]
        # (The parameter itself: get_filename() also strips spaces and <> at the ends.)
        assert attachment["Content-Disposition"].params["filename"] == (value or "leer")
        assert attachment.get_content().rstrip("\r\n") == "Inhalt"


def test_hostile_values_read_back_as_typed(app):
    # One app for the whole corpus (an app per value would take most of the time).
    failures = []
    for index, value in enumerate(HOSTILE):
        try:
            assert_reads_back_as_typed(value)
        except AssertionError as error:
            failures.append((index, value, str(error)[:300]))
    assert failures == []


# Typed text: any character but surrogates, now and then with pieces of the corpus in it.
TYPED = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
HOSTILE_PIECES = st.sampled_from(HOSTILE)
VALUES = st.one_of(
    TYPED,
    st.builds(lambda a, b, c: a + b + c, TYPED, HOSTILE_PIECES, TYPED),
    st.lists(st.one_of(HOSTILE_PIECES, TYPED), max_size=4).map("".join),
)


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=VALUES)
@example(value="=?utf-8?q?a=0D=0ABcc:_x@evil.example?=")
def test_any_typed_value_reads_back_as_typed(app, value):
    assert_reads_back_as_typed(value)


def test_a_display_name_too_long_for_a_header_line_is_refused(app):
    row = _row("x")
    row.recipient = format_address("😀" * 400, TO)
    with pytest.raises(InvalidMessage):
        render_mail(row)


# -- the reported reproductions, end to end --------------------------------------------------

EVENT_TITLE = (
    "Inj =?utf-8?q?a=0D=0ABcc:_victim@evil.example=0D=0AReply-To:_attacker@evil.example?= end"
)
IDEA_TITLE = "Idee =?utf-8?q?a=0D=0ABcc:_x@evil.example?= x"


def _sent(row):
    from ideenwerkstatt.mail.message import build_message

    msg = build_message(row)
    assert msg["Bcc"] is None and msg["Reply-To"] is None
    assert all(not name.lower().startswith(("bcc", "reply-to")) for name in msg)
    return msg


def test_an_event_title_with_an_encoded_word_stays_text_in_the_confirmation(app, outbox):
    from ideenwerkstatt.registrations.services import register
    from tests.factories import make_event, make_user

    event = make_event(title=EVENT_TITLE, phase="collecting")
    register(make_user(), event)
    db.session.commit()
    (row,) = outbox()
    assert EVENT_TITLE in str(_sent(row)["Subject"])


def test_an_idea_title_with_an_encoded_word_stays_text_in_the_rejection(app, outbox):
    from ideenwerkstatt.ideas.services import reject_idea
    from tests.factories import make_idea, make_user

    idea = make_idea(title=IDEA_TITLE, status="pending")
    reject_idea(make_user(role="moderator"), idea, "Passt leider nicht zum Thema.")
    db.session.commit()
    (row,) = outbox()
    assert IDEA_TITLE in str(_sent(row)["Subject"])
