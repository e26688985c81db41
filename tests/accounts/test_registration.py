"""Registration: normalized addresses, consents, password rules, no leak of who is registered."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.accounts.models import AccountToken, TokenPurpose, User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.privacy.models import ConsentText, Purpose
from tests.factories import DEFAULT_PASSWORD, make_user

from .conftest import link_in


def users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def test_the_form_offers_two_separate_unticked_consents_with_their_texts(client):
    page = client.get("/account/register")
    assert page.status_code == 200
    html = page.text
    for name in ("consent_participation", "consent_invitations"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="checkbox"' in tag
        assert "checked" not in tag
        assert f'aria-describedby="{name}-text"' in tag
        assert f'<div class="consent-text" id="{name}-text">' in html
    assert 'name="participation_version"' in html and 'name="invitations_version"' in html
    assert "Ein Pseudonym genügt – Ihren echten Namen brauchen wir nicht" in html


def test_the_honeypot_is_out_of_sight_and_out_of_reach(client):
    html = client.get("/account/register").text
    wrapper = re.search(r'<div class="honeypot" aria-hidden="true">.*?</div>', html, re.S).group(0)
    field = re.search(r'<input[^>]*name="website"[^>]*>', wrapper).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert 'class="honeypot"' in field


def test_fields_carry_autocomplete_hints(client):
    html = client.get("/account/register").text
    assert re.search(r'<input[^>]*autocomplete="email"[^>]*name="email"', html)
    assert re.search(r'<input[^>]*autocomplete="nickname"[^>]*name="display_name"', html)
    assert re.search(r'<input[^>]*autocomplete="new-password"[^>]*name="password"', html)


def test_registering_creates_an_unconfirmed_account_and_queues_the_link(
    client, registration, outbox
):
    response = registration.post(email="  Max.Muster@EXAMPLE.org ", display_name=" Maxi  M ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/register/check-inbox"
    assert "Postfach" in client.get(response.headers["Location"]).text

    [user] = users()
    assert user.email == "Max.Muster@example.org"  # normalized, domain lower-cased
    assert user.display_name == "Maxi M"
    assert user.confirmed_at is None and not user.is_active
    assert user.locale == "de"
    assert user.password_hash.startswith("scrypt:")
    [mail] = outbox(template="confirm_account")
    assert mail.recipient == "Max.Muster@example.org" and mail.user_id == user.id
    path = link_in(mail)
    assert path.startswith("/account/confirm/")
    # A stranger's address must not receive words of the registrant's choosing.
    assert "Maxi" not in mail.body_text and "Maxi" not in mail.body_html

    [token] = db.session.scalars(select(AccountToken))
    assert token.purpose is TokenPurpose.CONFIRM and token.used_at is None
    [text] = [db.session.get(ConsentText, i) for i in token.data["consents"]]
    assert text.purpose is Purpose.PARTICIPATION and text.locale == "de"


def test_the_invitations_consent_is_optional_and_separate(registration):
    assert registration.post(consent_invitations="y").status_code == 302
    [token] = db.session.scalars(select(AccountToken))
    purposes = {db.session.get(ConsentText, i).purpose for i in token.data["consents"]}
    assert purposes == {Purpose.PARTICIPATION, Purpose.INVITATIONS}


def test_the_participation_consent_is_required(registration, outbox):
    response = registration.post(consent_participation=None, email="ohne@example.org")
    assert response.status_code == 422
    assert "Ohne diese Einwilligung" in response.text
    assert 'value="ohne@example.org"' in response.text
    assert users() == [] and outbox() == []


def test_a_changed_consent_text_version_is_refused_politely(registration):
    response = registration.post(participation_version="999")
    assert response.status_code == 422
    assert "wurde geändert" in response.text
    assert users() == []


def test_bad_input_keeps_what_was_typed_but_not_the_password(registration):
    response = registration.post(
        email="kaputt", display_name="Lena", password="kurz", password_repeat="kurz"
    )
    assert response.status_code == 422
    html = response.text
    assert 'value="kaputt"' in html and 'value="Lena"' in html
    assert 'value="kurz"' not in html
    assert 'id="email-error"' in html and 'id="password-error"' in html
    assert 'aria-invalid="true"' in html


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kurz123", "mindestens 10 Zeichen"),
        ("passwort123", "sehr verbreitet"),
        ("PassWort123", "sehr verbreitet"),
        ("qwertzuiop", "sehr verbreitet"),
        ("aaaaaaaaaaaa", "sehr verbreitet"),
        ("lena.lang@example.org", "nicht Ihre E-Mail-Adresse"),
    ],
)
def test_weak_passwords_are_refused(registration, password, message):
    response = registration.post(
        email="lena.lang@example.org", password=password, password_repeat=password
    )
    assert response.status_code == 422
    assert message in response.text
    assert users() == []


def test_the_password_must_be_repeated_exactly(registration):
    response = registration.post(password_repeat=DEFAULT_PASSWORD + "x")
    assert response.status_code == 422
    assert "stimmen nicht überein" in response.text


@pytest.mark.parametrize(
    "email",
    [
        "opfer@example.org\r\nBcc: alle@example.net",
        "opfer@example.org\nSubject: Gewinn",
        "opfer@example.org\x00",
    ],
)
def test_line_breaks_in_the_address_are_refused(registration, outbox, email):
    response = registration.post(email=email)
    # A NUL no keyboard types is refused for the whole request before any form sees it
    # (PostgreSQL cannot compare text holding one): 400, not a form message.
    assert response.status_code == (400 if "\x00" in email else 422)
    assert users() == [] and outbox() == []


def test_an_overlong_display_name_is_refused(registration):
    response = registration.post(display_name="x" * 61)
    assert response.status_code == 422
    assert "höchstens 60 Zeichen" in response.text


def _answer(response):
    return response.status_code, response.headers.get("Location")


def test_the_answer_never_tells_whether_an_address_is_registered(registration, outbox):
    confirmed = make_user(email="schon@example.org", display_name="Alt")
    first = registration.post(email="neu@example.org")
    unconfirmed_again = registration.post(email="neu@example.org")
    already = registration.post(email="schon@example.org")
    assert _answer(first) == _answer(unconfirmed_again) == _answer(already)
    assert _answer(first) == (302, "/account/register/check-inbox")

    assert [m.recipient for m in outbox(template="confirm_account")] == ["neu@example.org"] * 2
    [hint] = outbox(template="already_registered")
    assert hint.recipient == "schon@example.org" and hint.user_id == confirmed.id
    assert "/account/login" in hint.body_text and "/account/reset" in hint.body_text
    # Nothing about the confirmed account changed.
    db.session.refresh(confirmed)
    assert confirmed.display_name == "Alt"
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_registering_an_unconfirmed_address_again_replaces_password_name_and_link(
    client, registration, outbox
):
    registration.post(email="neu@example.org", display_name="Erst")
    old_link = link_in(outbox(template="confirm_account")[0])
    new_password = "Ein-ganz-anderes-Passwort-7"
    registration.post(
        email="NEU@example.org",
        display_name="Dann",
        password=new_password,
        password_repeat=new_password,
        consent_invitations="y",
    )
    [user] = users()
    assert user.display_name == "Dann"
    from werkzeug.security import check_password_hash

    assert check_password_hash(user.password_hash, new_password)
    # Only the newest link works; it carries the newest consent choice.
    [token] = db.session.scalars(select(AccountToken))
    assert len(token.data["consents"]) == 2
    assert client.get(old_link).status_code == 404
    new_link = link_in(outbox(template="confirm_account")[1])
    assert client.get(new_link).status_code == 200


def test_an_address_in_other_letter_case_is_the_same_account(registration, outbox):
    make_user(email="Max@example.org")
    registration.post(email="max@EXAMPLE.org")
    assert len(users()) == 1
    assert [m.recipient for m in outbox()] == ["Max@example.org"]


def test_the_account_gets_the_language_of_the_page(client, registration, outbox):
    client.get("/language/en")
    registration.post(email="anna@example.org")
    [user] = users()
    assert user.locale == "en"
    [token] = db.session.scalars(select(AccountToken))
    assert {db.session.get(ConsentText, i).locale for i in token.data["consents"]} == {"en"}
