"""Flows 2 and 9 in Chromium as a person does them: withdraw and grant the invitations
consent with one click, see the ledger in the export, download my data as JSON and read the
same as a page, delete my account; the whole life of an account without JavaScript and in
English; axe-core finds nothing on the signed-in pages, in German and in English."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.models import Idea
from ideenwerkstatt.mail.services import render
from ideenwerkstatt.privacy.consent_texts import CONSENT_TEXTS, CURRENT_VERSIONS
from ideenwerkstatt.templating import html_datetime

from ..factories import DEFAULT_PASSWORD, make_idea
from .helpers import (
    assert_field_error,
    assert_no_axe_violations,
    consent_card,
    login_via_ui,
    logout_via_ui,
    make_account,
    register_via_ui,
    submit_and_status,
    switch_language,
)

pytestmark = pytest.mark.browser

PARTICIPATION = "Teilnahme an der Ideenwerkstatt"
INVITATIONS = "Einladungen und Erinnerungen per E-Mail"
WITHDRAW_INVITATIONS = "form[action$='/account/consents/invitations/withdraw'] button"
GRANT_INVITATIONS = "form[action$='/account/consents/invitations/grant'] button"
DELETE_SUBMIT = "form[action$='/account/delete'] button[type=submit]"


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.org"


def squash(text: str) -> str:
    return " ".join(text.split())


def state_of(page, label: str) -> str:
    return consent_card(page, label).locator(".consent-state .badge").inner_text()


def consent_text(purpose: str, locale: str) -> str:
    return CONSENT_TEXTS[(purpose, CURRENT_VERSIONS[purpose])][locale]


def export_json(page) -> dict:
    """GET /account/export with the page's cookies, as the browser would."""
    response = page.request.get("/account/export")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def in_english(live_server, german: str) -> str:
    """A UI string as the English catalogue has it."""
    with live_server.app.test_request_context(), force_locale("en"):
        return gettext(german)


def confirmation_subjects(live_server) -> tuple[str, str]:
    """The subject of the confirmation mail in German and in English."""
    with live_server.app.test_request_context():
        context = {"confirm_url": live_server("/account/confirm/x"), "valid_hours": 48}
        return tuple(render("confirm_account", lang, **context)[0] for lang in ("de", "en"))


def user_id_of(live_server, email: str) -> int | None:
    with live_server.app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def signed_out(page, live_server) -> bool:
    """The browser's cookie no longer opens /account, nor the JSON export."""
    page.goto("/account")
    export = page.request.get("/account/export", max_redirects=0)
    return page.url.startswith(live_server("/account/login")) and export.status == 302


# --- flow 2: withdraw and grant ----------------------------------------------------------------


def test_withdraw_and_grant_invitations_with_one_click(page, live_server):
    email = make_account(live_server, email=unique_email("widerruf"), invitations=True)
    login_via_ui(page, email, DEFAULT_PASSWORD)
    assert state_of(page, INVITATIONS) == "Erteilt"

    withdraw = consent_card(page, INVITATIONS).get_by_role(
        "button", name=re.compile(rf"^Widerrufen\s*: {INVITATIONS}$")
    )
    assert submit_and_status(page, withdraw.click) == 200
    assert page.url == live_server("/account")
    assert "Ihre Einwilligung ist widerrufen" in page.locator("#flash-messages").inner_text()
    assert state_of(page, INVITATIONS) == "Widerrufen"
    assert state_of(page, PARTICIPATION) == "Erteilt"  # a separate purpose, untouched

    grant = consent_card(page, INVITATIONS).get_by_role(
        "button", name=re.compile(rf"^Einwilligen\s*: {INVITATIONS}$")
    )
    assert submit_and_status(page, grant.click) == 200
    assert "Ihre Einwilligung ist gespeichert" in page.locator("#flash-messages").inner_text()
    assert state_of(page, INVITATIONS) == "Erteilt"

    # The ledger keeps every decision, each with the version of the text it refers to.
    ledger = [
        (r["purpose"], r["action"], r["channel"], r["text_version"])
        for r in export_json(page)["consents"]
    ]
    version = CURRENT_VERSIONS["invitations"]
    assert ledger[-3:] == [
        ("invitations", "granted", "registration", version),
        ("invitations", "withdrawn", "account_page", version),
        ("invitations", "granted", "account_page", version),
    ]
    page.get_by_role("link", name="Meine Daten ansehen").click()
    page.wait_for_url("**/account/export.html")
    section = page.locator("section").filter(
        has=page.get_by_role("heading", name="Ihre Einwilligungen", level=2)
    )
    records = section.locator(".export-records > li")
    assert records.count() == len(ledger)
    shown = [squash(records.nth(i).inner_text()) for i in range(records.count())]
    assert "widerrufen (withdrawn)" in shown[-2] and "auf der Kontoseite" in shown[-2]
    assert "erteilt (granted)" in shown[-1]
    for record in shown:
        assert re.search(r"Textfassung \d+", record), record


def test_participation_is_withdrawn_by_deleting_the_account(page, live_server):
    email = make_account(live_server, email=unique_email("teilnahme"))
    login_via_ui(page, email, DEFAULT_PASSWORD)
    consent_card(page, PARTICIPATION).get_by_role(
        "button", name=re.compile("^Widerrufen und Konto löschen")
    ).click()
    page.wait_for_url("**/account/delete")
    assert "Konto löschen" in page.locator("#flash-messages").inner_text()
    assert page.locator("h1").inner_text() == "Konto löschen"
    assert user_id_of(live_server, email) is not None  # nothing happened yet


# --- flow 9: my data ---------------------------------------------------------------------------


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def test_export_as_json_and_as_a_page_show_the_same_data(page, live_server, mailbox):
    email = unique_email("auskunft")
    register_via_ui(
        page, live_server, mailbox, email, DEFAULT_PASSWORD, invitations=True, display_name="Eule"
    )

    # The download link gives a JSON file ...
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Meine Daten herunterladen (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == "ideenwerkstatt-meine-daten.json"
    with open(download.path(), encoding="utf-8") as file:
        downloaded = json.load(file)
    data = export_json(page)
    # The same data (only the moment of the export differs).
    assert {**downloaded, "export": None} == {**data, "export": None}

    assert data["account"]["email"] == email
    assert data["account"]["display_name"] == "Eule"
    assert [(c["purpose"], c["action"]) for c in data["consents"]] == [
        ("participation", "granted"),
        ("invitations", "granted"),
    ]
    for record in data["consents"]:
        assert record["text_version"] == CURRENT_VERSIONS[record["purpose"]]
        assert record["text"] == consent_text(record["purpose"], "de")
    assert [link["purpose"] for link in data["account_links"]] == ["confirm"]
    assert data["mails"] and data["mails"][0]["recipient"] == email

    # ... and the page shows every value of it, section by section.
    page.goto("/account/export.html")
    sections = page.locator("main section")
    assert sections.count() == len(data)
    missing = []
    for index, key in enumerate(data):
        section = sections.nth(index)
        text = squash(section.inner_text())
        times = set(section.locator("time").evaluate_all("els => els.map(e => e.dateTime)"))
        for path, value in _leaves(data[key], (key,)):
            field = next((p for p in reversed(path) if isinstance(p, str)), "")
            if value is None or isinstance(value, bool) or field == "password":
                continue  # said in words ("keine Angabe", "ja", the hash note)
            if path == ("export", "created_at"):
                continue  # the moment of each export
            if field.endswith("_at"):
                # The same moment, to the second (HTML allows at most three digits of
                # fractions: the page gives whole seconds, the JSON all of them).
                if html_datetime(value) not in times:
                    missing.append((path, value))
            elif squash(str(value)) not in text:
                missing.append((path, value))
    assert missing == []


def test_delete_account_needs_the_password(new_page, live_server):
    email = make_account(live_server, email=unique_email("loeschen"), invitations=True)
    page = new_page()
    login_via_ui(page, email, DEFAULT_PASSWORD)
    page.get_by_role("link", name="Konto löschen").click()
    assert page.locator("h1").inner_text() == "Konto löschen"
    keep = page.get_by_label("Stehen lassen, ohne meinen Namen", exact=False)
    assert keep.is_checked()  # the milder choice is preselected

    page.get_by_label("Mit meinem Konto löschen").check()
    page.get_by_label("Ihr Passwort").fill("Nicht-mein-Passwort-1")
    page.get_by_label("Ja, ich möchte mein Konto jetzt endgültig löschen").check()
    assert submit_and_status(page, lambda: page.click(DELETE_SUBMIT)) == 422
    assert "Das Passwort stimmt nicht" in assert_field_error(page, "password")
    page.wait_for_function("() => document.activeElement.id === 'error-summary'")
    # The choices stay as made; the password does not.
    assert page.get_by_label("Mit meinem Konto löschen").is_checked()
    assert page.get_by_label("Ja, ich möchte mein Konto jetzt endgültig löschen").is_checked()
    assert page.locator("#password").input_value() == ""
    assert user_id_of(live_server, email) is not None


@pytest.mark.parametrize("choice", ["keep", "delete"])
def test_delete_account_with_the_content_choice(new_page, live_server, choice):
    email = make_account(
        live_server, email=unique_email(f"weg-{choice}"), invitations=True, display_name="Kiezeule"
    )
    with live_server.app.app_context():
        author = db.session.scalar(select(User).where(User.email == email))
        idea_id = make_idea(author=author, title="Bänke am Marktplatz").id
    page = new_page()
    login_via_ui(page, email, DEFAULT_PASSWORD)
    copy = new_page()  # the session cookie, copied before the deletion
    copy.context.add_cookies(page.context.cookies())

    page.goto("/account/delete")
    if choice == "delete":
        page.get_by_label("Mit meinem Konto löschen").check()
    page.get_by_label("Ihr Passwort").fill(DEFAULT_PASSWORD)
    page.get_by_label("Ja, ich möchte mein Konto jetzt endgültig löschen").check()
    assert (
        submit_and_status(page, page.get_by_role("button", name="Konto endgültig löschen").click)
        == 200
    )
    assert page.url == live_server("/")
    assert "Ihr Konto wurde gelöscht." in page.locator("#flash-messages").inner_text()

    assert user_id_of(live_server, email) is None
    assert signed_out(page, live_server)
    assert signed_out(copy, live_server)
    page.goto("/account/login")
    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    assert submit_and_status(page, page.get_by_role("button", name="Anmelden").last.click) == 422

    response = page.goto(f"/ideas/{idea_id}")
    if choice == "keep":
        assert response.status == 200
        main = page.locator("main").inner_text()
        assert "Von: gelöschtes Konto" in main and "Kiezeule" not in main
    else:
        assert response.status == 404
        with live_server.app.app_context():
            assert db.session.get(Idea, idea_id) is None


# --- without JavaScript, and in English ----------------------------------------------------


def test_life_of_an_account_without_javascript(page_nojs, live_server, mailbox):
    page = page_nojs
    email = unique_email("ohne-js")
    link = register_via_ui(page, live_server, mailbox, email, DEFAULT_PASSWORD, invitations=True)
    assert state_of(page, INVITATIONS) == "Erteilt"
    assert page.goto(link).status == 410

    page.goto("/account")
    logout_via_ui(page)
    login_via_ui(page, email, DEFAULT_PASSWORD)
    assert page.url == live_server("/account")

    assert submit_and_status(page, lambda: page.click(WITHDRAW_INVITATIONS)) == 200
    assert state_of(page, INVITATIONS) == "Widerrufen"
    page.goto("/account/export.html")
    assert "widerrufen (withdrawn)" in page.locator("main").inner_text()

    page.goto("/account/delete")
    page.get_by_label("Ihr Passwort").fill(DEFAULT_PASSWORD)
    assert submit_and_status(page, lambda: page.click(DELETE_SUBMIT)) == 422  # not confirmed
    assert_field_error(page, "confirm")
    page.get_by_label("Ihr Passwort").fill(DEFAULT_PASSWORD)
    page.get_by_label("Ja, ich möchte mein Konto jetzt endgültig löschen").check()
    assert submit_and_status(page, lambda: page.click(DELETE_SUBMIT)) == 200
    assert "Ihr Konto wurde gelöscht." in page.locator("#flash-messages").inner_text()
    assert user_id_of(live_server, email) is None


def test_whole_flow_in_english(page, live_server, mailbox):
    email = unique_email("english")
    page.goto("/account/register")
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/account/register")
    assert page.get_attribute("html", "lang") == "en"
    # The consent texts are evidence, not catalogue entries: shown in English already.
    shown = squash(page.locator("#consent_participation-text").inner_text())
    assert shown == consent_text("participation", "en")

    link = register_via_ui(page, live_server, mailbox, email, DEFAULT_PASSWORD, invitations=True)
    # The mail was written in the account's language, chosen by the UI language.
    received = [m for m in mailbox.messages if email in str(m["To"])]
    assert len(received) == 1
    html_part = received[0].get_body(preferencelist=("html",)).get_content()
    assert re.search(r'<html lang="en"', html_part)
    assert link in mailbox.links_in(received[0])
    german, english = confirmation_subjects(live_server)
    assert received[0]["Subject"] == english != german

    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1").inner_text() == in_english(live_server, "Mein Konto") != "Mein Konto"
    participation = page.locator(".card.consent").first
    assert squash(participation.locator(".consent-text[lang='en']").text_content()) == (
        consent_text("participation", "en")
    )
    assert page.locator("main dl.data span[lang='en']").inner_text() == "English"

    logout_via_ui(page)
    assert page.get_attribute("html", "lang") == "en"  # the choice outlives the session
    login_via_ui(page, email, DEFAULT_PASSWORD)
    assert submit_and_status(page, lambda: page.click(WITHDRAW_INVITATIONS)) == 200
    data = export_json(page)
    assert data["account"]["locale"] == "en"
    assert {c["text_locale"] for c in data["consents"]} == {"en"}
    assert data["consents"][-1]["action"] == "withdrawn"
    page.goto("/account/export.html")
    assert page.get_attribute("html", "lang") == "en"

    page.goto("/account/delete")
    page.fill("#password", DEFAULT_PASSWORD)
    page.check("#confirm")
    page.click(DELETE_SUBMIT)
    page.wait_for_url(live_server("/"))
    assert page.get_attribute("html", "lang") == "en"
    assert user_id_of(live_server, email) is None


# --- axe-core on the signed-in pages, with their error states ------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_signed_in_pages_have_no_axe_violations(page, live_server, language):
    email = make_account(
        live_server, email=unique_email(f"axe-{language}"), invitations=True, locale=language
    )
    switch_language(page, language)
    login_via_ui(page, email, DEFAULT_PASSWORD)
    assert page.get_attribute("html", "lang") == language
    assert_no_axe_violations(page)  # /account, with the flash message

    # The profile form's error state: a name longer than allowed (as an old browser that
    # ignores maxlength would send it).
    page.locator("#display_name").evaluate("el => el.removeAttribute('maxlength')")
    page.fill("#display_name", "x" * 61)
    save = "form[action$='/account/profile'] button[type=submit]"
    assert submit_and_status(page, lambda: page.click(save)) == 422
    assert_field_error(page, "display_name")
    assert_no_axe_violations(page)

    page.goto("/account/password")
    assert_no_axe_violations(page)
    page.fill("#current_password", "falsch-falsch-falsch")
    page.fill("#password", "kurz")
    submit = "main form.stacked button[type=submit]"
    assert submit_and_status(page, lambda: page.click(submit)) == 422
    assert_no_axe_violations(page)

    page.goto("/account/export.html")
    assert_no_axe_violations(page)

    page.goto("/account/delete")
    assert_no_axe_violations(page)
    assert submit_and_status(page, lambda: page.click(DELETE_SUBMIT)) == 422
    assert_no_axe_violations(page)
