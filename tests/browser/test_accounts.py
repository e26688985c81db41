"""Flow 1 in Chromium as a person does it: register with the keyboard alone, confirm by the
link in a real mail (aiosmtpd), log in and out, reset the password by mail; bad input
answered with 422 and errors next to the fields; axe-core finds nothing on any account page,
in German and in English."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from ideenwerkstatt.privacy.consent_texts import CONSENT_TEXTS, CURRENT_VERSIONS

from ..factories import DEFAULT_PASSWORD
from .helpers import (
    LOGIN_SUBMIT,
    REGISTER_SUBMIT,
    assert_field_error,
    assert_no_axe_violations,
    confirmation_link,
    consent_card,
    focus_is_visible,
    focused,
    login_via_ui,
    logout_via_ui,
    make_account,
    submit_and_status,
    switch_language,
    tab_to,
)

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Gruene-Welle-fuer-Radfahrende-7"
PARTICIPATION_LABEL = "Ja, ich willige in die Verarbeitung meiner Daten zur Teilnahme ein"
INVITATIONS_LABEL = "Ja, schicken Sie mir Einladungen zu künftigen Ideenwerkstätten per E-Mail"


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.org"


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def account(live_server) -> str:
    """One confirmed account for the tests that only sign in and out (password:
    DEFAULT_PASSWORD)."""
    return make_account(live_server, email=unique_email("stammgast"), invitations=True)


def test_register_with_the_keyboard_alone_and_confirm_by_mail(page, live_server, mailbox):
    email = unique_email("tastatur")
    page.goto("/account/register")

    # Two separate decisions, neither made for the person, each right below its full text.
    participation = page.get_by_label(PARTICIPATION_LABEL)
    invitations = page.get_by_label(INVITATIONS_LABEL)
    for box, purpose in ((participation, "participation"), (invitations, "invitations")):
        assert not box.is_checked()
        text_id = box.get_attribute("aria-describedby").split()[0]
        shown = page.locator(f"#{text_id}")
        assert shown.is_visible()
        assert (
            squash(shown.inner_text()) == CONSENT_TEXTS[(purpose, CURRENT_VERSIONS[purpose])]["de"]
        )

    # Tab, type, Space, Enter: no mouse.
    tab_to(page, "#email")
    page.keyboard.type(email)
    for field_id, value in (
        ("display_name", "Kiez-Ideen"),
        ("password", DEFAULT_PASSWORD),
        ("password_repeat", DEFAULT_PASSWORD),
    ):
        page.keyboard.press("Tab")
        assert focused(page)["id"] == field_id and focus_is_visible(page)
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "consent_participation" and focus_is_visible(page)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "consent_invitations" and focus_is_visible(page)
    page.keyboard.press("Space")
    assert participation.is_checked() and invitations.is_checked()
    tab_to(page, REGISTER_SUBMIT)
    assert focus_is_visible(page)
    assert submit_and_status(page, lambda: page.keyboard.press("Enter")) == 200
    assert page.url == live_server("/account/register/check-inbox")
    assert page.locator("h1").inner_text() == "Bitte sehen Sie in Ihr Postfach"

    message = mailbox.wait_for(to=email)
    assert message["Subject"] == "Bitte bestätigen Sie Ihre Registrierung bei der Ideenwerkstatt"
    links = [link for link in mailbox.links_in(message) if "/account/confirm/" in link]
    assert len(links) == 1 and links[0].startswith(live_server.url)
    link = links[0]

    # Opening the link uses nothing up (a mail scanner opens links too): one button does.
    page.goto(link)
    page.reload()
    assert page.locator("h1").inner_text() == "E-Mail-Adresse bestätigen"
    buttons = page.locator("main").get_by_role("button")
    assert buttons.count() == 1 and buttons.inner_text() == "Jetzt bestätigen"
    tab_to(page, "main form button[type=submit]")
    assert submit_and_status(page, lambda: page.keyboard.press("Enter")) == 200

    assert page.url == live_server("/account")
    assert page.locator("h1").inner_text() == "Mein Konto"
    assert "Ihre E-Mail-Adresse ist bestätigt" in page.locator("#flash-messages").inner_text()
    assert email in page.locator("main dl.data").first.inner_text()
    for label in ("Teilnahme an der Ideenwerkstatt", "Einladungen und Erinnerungen per E-Mail"):
        state = consent_card(page, label).locator(".consent-state").inner_text()
        assert "Erteilt" in state and f"Textfassung {CURRENT_VERSIONS['participation']}" in state

    # A second use of the link, by anyone, says it was used.
    response = page.goto(link)
    assert response.status == 410
    assert page.locator("h1").inner_text() == "Dieser Link wurde bereits verwendet"


def test_invitations_stay_off_unless_ticked(page, live_server, mailbox):
    email = unique_email("ohne-einladung")
    page.goto("/account/register")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Passwort wiederholen").fill(DEFAULT_PASSWORD)
    page.get_by_label(PARTICIPATION_LABEL).check()
    page.get_by_role("button", name="Konto anlegen").click()
    page.wait_for_url("**/check-inbox")
    page.goto(confirmation_link(mailbox, email))
    page.get_by_role("button", name="Jetzt bestätigen").click()
    page.wait_for_url("**/account")
    participation = consent_card(page, "Teilnahme an der Ideenwerkstatt")
    invitations = consent_card(page, "Einladungen und Erinnerungen per E-Mail")
    assert "Erteilt" in participation.locator(".consent-state").inner_text()
    assert "Nie erteilt" in invitations.locator(".consent-state").inner_text()
    assert invitations.get_by_role("button", name=re.compile("^Einwilligen")).is_visible()


def test_registering_a_known_address_gives_the_same_answer(page, mailbox, account):
    page.goto("/account/register")
    page.fill("#email", account)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_repeat", NEW_PASSWORD)
    page.check("#consent_participation")
    assert submit_and_status(page, lambda: page.click(REGISTER_SUBMIT)) == 200
    assert page.url.endswith("/account/register/check-inbox")
    # Only the mail, which only the owner reads, tells them they have an account.
    message = mailbox.wait_for(to=account)
    assert "bereits ein Konto" in message["Subject"]
    assert not [link for link in mailbox.links_in(message) if "/account/confirm/" in link]


def test_register_errors_are_shown_next_to_the_fields(page):
    page.goto("/account/register")
    page.get_by_label("E-Mail-Adresse").fill("kim@")
    page.get_by_label("Anzeigename (freiwillig)").fill("Kim aus dem Kiez")
    page.get_by_label("Passwort", exact=True).fill("kurz")
    page.get_by_label("Passwort wiederholen").fill("anders")
    page.get_by_label(INVITATIONS_LABEL).check()
    button = page.get_by_role("button", name="Konto anlegen")
    assert submit_and_status(page, button.click) == 422
    assert page.url.endswith("/account/register")  # answered again, no redirect

    # With JavaScript, the summary takes the focus, so a screen reader reads it first.
    page.wait_for_function("() => document.activeElement.id === 'error-summary'")
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert summary.locator("a").count() == 4
    for field_id in ("email", "password", "password_repeat", "consent_participation"):
        assert_field_error(page, field_id)
    assert page.locator("#display_name").get_attribute("aria-invalid") is None
    expect(page.get_by_label(PARTICIPATION_LABEL)).to_have_accessible_description(
        re.compile("Ohne diese Einwilligung können wir kein Konto für Sie anlegen")
    )

    # What was typed is still there, except the passwords.
    assert page.locator("#email").input_value() == "kim@"
    assert page.locator("#display_name").input_value() == "Kim aus dem Kiez"
    assert page.locator("#password").input_value() == ""
    assert page.locator("#password_repeat").input_value() == ""
    assert page.locator("#consent_invitations").is_checked()
    assert not page.locator("#consent_participation").is_checked()
    assert_no_axe_violations(page)

    # A summary link leads to its field.
    summary.get_by_role("link", name=re.compile("^E-Mail-Adresse")).click()
    assert page.url.endswith("#email")


def test_register_errors_without_javascript(page_nojs):
    page = page_nojs
    page.goto("/account/register")
    page.get_by_label("E-Mail-Adresse").fill("kim@example.org")
    assert submit_and_status(page, page.get_by_role("button", name="Konto anlegen").click) == 422
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#email").input_value() == "kim@example.org"
    assert_field_error(page, "password")
    assert_field_error(page, "consent_participation")


def test_login_errors_are_shown_next_to_the_fields(page, account):
    page.goto("/account/login")
    login = page.get_by_role("button", name="Anmelden", exact=True).last
    assert submit_and_status(page, login.click) == 422
    page.wait_for_function("() => document.activeElement.id === 'error-summary'")
    assert_field_error(page, "email")
    assert_field_error(page, "password")
    assert_no_axe_violations(page)

    # A wrong password and an unknown address get the same answer; the address stays.
    answers = []
    for address in (account, unique_email("unbekannt")):
        page.get_by_label("E-Mail-Adresse").fill(address)
        page.get_by_label("Passwort", exact=True).fill("Falsches-Passwort-123")
        assert submit_and_status(page, page.locator(LOGIN_SUBMIT).click) == 422
        page.wait_for_function("() => document.activeElement.id === 'error-summary'")
        assert page.locator("#email").input_value() == address
        assert page.locator("#password").input_value() == ""
        answers.append(page.locator("#error-summary").inner_text())
    assert answers[0] == answers[1]
    assert "Die Anmeldung hat nicht geklappt" in answers[0]
    assert_no_axe_violations(page)


def test_logout_ends_the_session_even_for_a_copied_cookie(new_page, live_server, account):
    page = new_page()
    page.goto("/account/login")
    before_login = page.context.cookies()  # the form's CSRF token lives in the session
    assert [c["name"] for c in before_login] == ["iw_session"]
    login_via_ui(page, account, DEFAULT_PASSWORD)
    assert page.url == live_server("/account")
    assert "Sie sind angemeldet." in page.locator("#flash-messages").inner_text()

    # One session cookie: HttpOnly, SameSite=Lax, not Secure on http://; and a new value
    # at login, so a cookie planted before (session fixation) stays signed out.
    (cookie,) = page.context.cookies()
    assert cookie["name"] == "iw_session"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert [c["value"] for c in before_login] != [cookie["value"]]
    planted = new_page()
    planted.context.add_cookies(before_login)
    planted.goto("/account")
    assert planted.url.startswith(live_server("/account/login"))

    # Someone copies the session cookie before the logout ...
    copy = new_page()
    copy.context.add_cookies(page.context.cookies())
    copy.goto("/account")
    assert copy.locator("h1").inner_text() == "Mein Konto"

    logout_via_ui(page)
    assert "Sie sind abgemeldet." in page.locator("#flash-messages").inner_text()
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    assert nav.get_by_role("link", name="Anmelden").is_visible()
    page.goto("/account")
    assert page.url.startswith(live_server("/account/login"))

    # ... and after it the copy is worth nothing: the login session ended on the server.
    copy.goto("/account")
    assert copy.url.startswith(live_server("/account/login"))
    response = copy.request.get("/account/export", max_redirects=0)
    assert response.status == 302 and "/account/login" in response.headers["location"]


def test_password_reset_by_mail(new_page, live_server, mailbox):
    email = make_account(live_server, email=unique_email("vergesslich"))
    elsewhere = new_page()  # a browser signed in before the reset, e.g. at the library
    login_via_ui(elsewhere, email, DEFAULT_PASSWORD)

    page = new_page()
    page.goto("/account/login")
    page.get_by_role("link", name="Passwort vergessen?").click()
    assert page.locator("h1").inner_text() == "Passwort vergessen"
    page.get_by_label("E-Mail-Adresse").fill(email)
    assert submit_and_status(page, page.get_by_role("button", name="Link anfordern").click) == 200
    assert page.url == live_server("/account/reset/sent")
    answer = page.locator("main").inner_text()

    message = mailbox.wait_for(to=email, subject_contains="Zurücksetzen des Passworts")
    link = next(link for link in mailbox.links_in(message) if "/account/reset/" in link)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Neues Passwort festlegen"
    page.get_by_label("Neues Passwort", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Neues Passwort wiederholen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Passwort speichern").click()
    page.wait_for_url("**/account/login")
    assert "Ihr neues Passwort gilt" in page.locator("#flash-messages").inner_text()

    login_via_ui(page, email, NEW_PASSWORD)
    assert page.url == live_server("/account")
    # The link works once; the old password and the sessions from before are gone.
    assert page.goto(link).status == 410
    assert page.locator("h1").inner_text() == "Dieser Link wurde bereits verwendet"
    elsewhere.goto("/account")
    assert elsewhere.url.startswith(live_server("/account/login"))
    elsewhere.fill("#email", email)
    elsewhere.fill("#password", DEFAULT_PASSWORD)
    assert submit_and_status(elsewhere, elsewhere.locator(LOGIN_SUBMIT).click) == 422

    # An address without an account gets the same page, and no mail.
    stranger = unique_email("niemand")
    page.goto("/account/reset")
    page.get_by_label("E-Mail-Adresse").fill(stranger)
    page.get_by_role("button", name="Link anfordern").click()
    page.wait_for_url("**/account/reset/sent")
    assert page.locator("main").inner_text() == answer
    with pytest.raises(pytest.fail.Exception, match="no mail"):
        mailbox.wait_for(to=stranger, timeout=0.3)


def test_password_change_signs_out_every_other_browser(new_page, live_server):
    email = make_account(live_server, email=unique_email("neues-passwort"))
    page, elsewhere = new_page(), new_page()
    login_via_ui(page, email, DEFAULT_PASSWORD)
    login_via_ui(elsewhere, email, DEFAULT_PASSWORD)

    page.get_by_role("link", name="Passwort ändern").click()
    page.get_by_label("Aktuelles Passwort").fill(DEFAULT_PASSWORD)
    page.get_by_label("Neues Passwort", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Neues Passwort wiederholen").fill(NEW_PASSWORD)
    button = page.get_by_role("button", name="Passwort ändern")
    assert submit_and_status(page, button.click) == 200
    assert page.url == live_server("/account")
    assert "Ihr Passwort wurde geändert" in page.locator("#flash-messages").inner_text()

    page.reload()  # this browser goes on, in a new session
    assert page.locator("h1").inner_text() == "Mein Konto"
    elsewhere.goto("/account")
    assert elsewhere.url.startswith(live_server("/account/login"))
    login_via_ui(elsewhere, email, NEW_PASSWORD)


# --- axe-core on every page of flow 1, with their error states, in German and English ------


@pytest.fixture(params=["de", "en"])
def language(request) -> str:
    return request.param


def test_registration_pages_have_no_axe_violations(page, live_server, mailbox, language):
    switch_language(page, language)
    email = unique_email(f"axe-{language}")
    page.goto("/account/register")
    assert page.get_attribute("html", "lang") == language
    assert_no_axe_violations(page)

    assert submit_and_status(page, lambda: page.click(REGISTER_SUBMIT)) == 422
    assert_no_axe_violations(page)

    page.fill("#email", email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.fill("#password_repeat", DEFAULT_PASSWORD)
    page.check("#consent_participation")
    page.click(REGISTER_SUBMIT)
    page.wait_for_url("**/check-inbox")
    assert_no_axe_violations(page)

    link = confirmation_link(mailbox, email)
    page.goto(link)
    assert_no_axe_violations(page)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account")

    assert page.goto(link).status == 410
    assert_no_axe_violations(page)
    assert page.goto("/account/confirm/not-a-real-token").status == 404
    assert_no_axe_violations(page)


def test_login_and_reset_pages_have_no_axe_violations(page, live_server, mailbox, language):
    email = make_account(live_server, email=unique_email(f"axe-{language}"), locale=language)
    switch_language(page, language)
    page.goto("/account/login")
    assert page.get_attribute("html", "lang") == language
    assert_no_axe_violations(page)
    assert submit_and_status(page, lambda: page.click(LOGIN_SUBMIT)) == 422
    assert_no_axe_violations(page)
    page.fill("#email", email)
    page.fill("#password", "Falsches-Passwort-123")
    assert submit_and_status(page, lambda: page.click(LOGIN_SUBMIT)) == 422
    assert_no_axe_violations(page)

    reset_submit = "form[action$='/account/reset'] button[type=submit]"
    page.goto("/account/reset")
    assert_no_axe_violations(page)
    page.fill("#email", "kim@")
    assert submit_and_status(page, lambda: page.click(reset_submit)) == 422
    assert_no_axe_violations(page)
    page.fill("#email", email)
    page.click(reset_submit)
    page.wait_for_url("**/account/reset/sent")
    assert_no_axe_violations(page)

    message = mailbox.wait_for(to=email)
    link = next(link for link in mailbox.links_in(message) if "/account/reset/" in link)
    page.goto(link)
    assert_no_axe_violations(page)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_repeat", "etwas-ganz-anderes")
    assert submit_and_status(page, lambda: page.click("main form button[type=submit]")) == 422
    assert_no_axe_violations(page)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_repeat", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account/login")
    assert_no_axe_violations(page)  # with the flash message
    assert page.goto(link).status == 410
    assert_no_axe_violations(page)
