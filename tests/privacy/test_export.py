"""My data: everything held about me as JSON (Art. 15/20) and as a readable page."""

import json

import pytest

from ideenwerkstatt.accounts.services import start_login_session
from ideenwerkstatt.extensions import db
from ideenwerkstatt.privacy import services
from tests.factories import make_consent, make_outbox_message, make_user


@pytest.fixture
def person(auth):
    user = auth.login_as(display_name="Ideenfan", locale="de")
    make_consent(user, "participation")
    make_consent(user, "invitations", locale="en")
    make_consent(user, "invitations", "withdrawn", "unsubscribe_link", locale="en")
    make_outbox_message(user, "account_confirm", status="sent", subject="Bitte bestätigen Sie")
    return user


def test_export_is_json_without_a_download_header_by_default(client, person):
    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Content-Disposition" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["account"]["email"] == person.email


def test_export_as_download_only_with_download_1(client, person):
    response = client.get("/account/export?download=1")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="ideenwerkstatt-meine-daten.json"'
    )
    assert "Content-Disposition" not in client.get("/account/export?download=0").headers


def test_export_holds_the_account_but_no_password_hash(client, person):
    body = client.get("/account/export").text
    data = json.loads(body)
    account = data["account"]
    assert account["id"] == person.id
    assert account["display_name"] == "Ideenfan"
    assert account["role"] == "citizen" and account["locale"] == "de"
    assert account["created_at"] and account["confirmed_at"]
    assert "hash" in account["password"]
    assert person.password_hash not in body
    assert "password_hash" not in body and "scrypt:" not in body
    assert "token_hash" not in body
    assert len(data["login_sessions"]) == 1
    assert set(data["login_sessions"][0]) == {"created_at", "last_seen_at"}


def test_export_holds_the_whole_ledger_with_the_exact_texts(client, person):
    consents = client.get("/account/export").json["consents"]
    assert [(c["purpose"], c["action"], c["channel"]) for c in consents] == [
        ("participation", "granted", "registration"),
        ("invitations", "granted", "registration"),
        ("invitations", "withdrawn", "unsubscribe_link"),
    ]
    state = services.consent_state(person)
    assert consents[0]["text"] == state["participation"].consent_text.text
    assert consents[2]["text_locale"] == "en" and consents[2]["text"].startswith("We send you")
    assert all(c["text_version"] == 1 and c["created_at"] for c in consents)


def test_export_holds_mails_to_me(client, person):
    mails = client.get("/account/export").json["mails"]
    assert mails == [
        {
            "template": "account_confirm",
            "recipient": person.email,
            "subject": "Bitte bestätigen Sie",
            "status": "sent",
            "created_at": mails[0]["created_at"],
            "sent_at": None,
        }
    ]


def test_export_holds_nothing_of_other_people(client, person):
    other = make_user(display_name="Jemand Anderes")
    make_consent(other, "invitations")
    make_outbox_message(other, "event_invitation", subject="Nicht für Sie")
    start_login_session(other)
    db.session.commit()
    body = client.get("/account/export").text
    assert other.email not in body and "Jemand Anderes" not in body
    assert "Nicht für Sie" not in body
    assert len(json.loads(body)["login_sessions"]) == 1


def test_registered_sections_join_the_export(client, person, monkeypatch):
    monkeypatch.setattr(services, "_export_sections", {})
    services.register_export_section("ideas", lambda user: [{"title": f"Idee von {user.id}"}])
    services.register_export_section("ideas", lambda user: [{"title": "Ersetzt"}])
    data = client.get("/account/export").json
    assert data["ideas"] == [{"title": "Ersetzt"}]
    with pytest.raises(ValueError):
        services.register_export_section("account", lambda user: {})


def test_export_page_shows_the_same_data(client, person, monkeypatch):
    monkeypatch.setattr(services, "_export_sections", {})
    services.register_export_section("votes", lambda user: [{"idea_id": 7, "weight": 2}])
    services.register_export_section("gadgets", lambda user: {"colour": "grün", "tags": ["a"]})
    data = client.get("/account/export").json
    response = client.get("/account/export.html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.text
    assert '<html lang="de">' in page and "<h1>Meine Daten</h1>" in page
    assert 'href="/account/export?download=1"' in page
    for key in ("email", "display_name", "role", "locale"):
        assert str(data["account"][key]) in page
    for consent in data["consents"]:
        assert consent["text"] in page
    assert "Bitte bestätigen Sie" in page
    assert "<h2" in page and "<dl" in page and "<table" in page
    assert "<td>7</td>" in page and "<h2" in page and "Ihre Stimmen" in page
    assert "Nur als nicht umkehrbarer Hash gespeichert" in page  # said in the page's language
    assert "gadgets" in page and "grün" in page  # unknown sections are shown as they are
    assert person.password_hash not in page
