"""Personal cards: the PDF (each QR code decodes to its own join URL), one join per card,
re-issuing after a lost phone, and who may print and re-issue."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import LoginSession, User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.live.models import LiveCard, LiveParticipant
from ideenwerkstatt.permissions import Role

from ..conftest import AuthActions
from ..factories import make_event, make_live_session


def zbar_decode(png_path) -> list[str]:
    """Every QR code zbarimg finds in the image (Debian package zbar-tools)."""
    out = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png_path)], capture_output=True, text=True, check=False
    )
    return [line for line in out.stdout.splitlines() if line]


needs_zbar = pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools missing")


def _join(client, code):
    return client.post(f"/j/{code}", data={"consent": "y"})


@needs_zbar
def test_cards_pdf_has_one_qr_code_per_card_decoding_to_its_own_join_url(client, auth, tmp_path):
    event = make_event()
    make_live_session(event, join_mode="cards")
    auth.login_as("organizer")
    response = client.get(f"/organize/events/{event.id}/cards.pdf?n=10")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2  # eight cards a sheet
    cards = db.session.scalars(select(LiveCard).order_by(LiveCard.number)).all()
    assert [c.number for c in cards] == list(range(1, 11))
    assert len({c.code for c in cards}) == 10
    decoded = []
    for page_number, page in enumerate(reader.pages):
        for index, image in enumerate(page.images):
            path = tmp_path / f"card-{page_number}-{index}.png"
            image.image.save(path)
            decoded.extend(zbar_decode(path))
    assert decoded == [f"http://localhost/j/{c.code}" for c in cards]
    text = reader.pages[0].extract_text()
    assert cards[0].code in text and "Teilnahmekarte Nr. 1" in text
    # Printing again gives the same cards.
    client.get(f"/organize/events/{event.id}/cards.pdf?n=10")
    assert db.session.scalar(select(func.count(LiveCard.id))) == 10


def test_cards_pdf_refuses_bad_numbers_and_non_organizers(app, client, auth):
    event = make_event()
    auth.login_as("organizer")
    assert client.get(f"/organize/events/{event.id}/cards.pdf?n=0").status_code == 400
    assert client.get(f"/organize/events/{event.id}/cards.pdf?n=abc").status_code == 400
    assert client.get(f"/organize/events/{event.id}/cards.pdf?n=1001").status_code == 400
    for role in ("citizen", "moderator"):
        other = app.test_client()
        AuthActions(app, other).login_as(role)
        assert other.get(f"/organize/events/{event.id}/cards.pdf?n=2").status_code == 403
        assert other.get(f"/organize/events/{event.id}/live").status_code == 403
    visitor = app.test_client()
    assert visitor.get(f"/organize/events/{event.id}/live").status_code == 302


def _cards(client, event, n=2):
    client.get(f"/organize/events/{event.id}/cards.pdf?n={n}")
    return db.session.scalars(select(LiveCard).order_by(LiveCard.number)).all()


def test_a_card_joins_once_the_second_use_is_refused_and_a_reissued_card_works(app, auth):
    event = make_event(phase="voting", voting_rule="dots", dot_budget=3)
    make_live_session(event, join_mode="cards")
    organizer_client = app.test_client()
    AuthActions(app, organizer_client).login_as("organizer")
    card, other_card = _cards(organizer_client, event)

    first_phone = app.test_client()
    assert _join(first_phone, card.code).status_code == 302
    guest = db.session.scalar(select(User).where(User.role == Role.PARTICIPANT))
    db.session.refresh(card)
    assert card.participant_id == guest.id and card.used_at is not None

    second_phone = app.test_client()
    refused = second_phone.get(f"/j/{card.code}")
    assert refused.status_code == 409
    assert "schon jemand dabei" in refused.get_data(as_text=True)
    assert _join(second_phone, card.code).status_code == 409
    assert db.session.scalar(select(func.count(User.id))) == 2  # organizer and the guest

    # The other card is a different person.
    assert _join(app.test_client(), other_card.code).status_code == 302

    # Lost phone: a moderator re-issues card 1; the old phone is signed out.
    moderator = app.test_client()
    AuthActions(app, moderator).login_as("moderator")
    response = moderator.post(f"/organize/events/{event.id}/live/reissue", data={"number": "1"})
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(func.count(LoginSession.id)).where(LoginSession.user_id == guest.id)
        )
        == 0
    )
    assert first_phone.get(f"/events/{event.slug}/live").status_code == 200  # as a visitor now
    new_phone = app.test_client()
    assert _join(new_phone, card.code).status_code == 302
    # The same participant again: no new guest, the same budget.
    assert db.session.scalar(select(func.count(LiveParticipant.id))) == 2
    page = new_phone.get(f"/events/{event.slug}/live").get_data(as_text=True)
    assert "Meine Ideen" in page
    assert _join(app.test_client(), card.code).status_code == 409


def test_card_reissue_needs_a_moderator(app, client, auth):
    event = make_event()
    make_live_session(event, join_mode="cards")
    auth.login_as("citizen")
    response = client.post(f"/organize/events/{event.id}/live/reissue", data={"number": "1"})
    assert response.status_code == 403
