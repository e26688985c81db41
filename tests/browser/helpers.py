"""Helpers for browser tests: axe-core checks, keyboard walking, and accounts (register,
log in and out, create an account, check a field's error) for every slice's tests."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import axe_playwright_python
import pytest

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Rules switched off, each with the reason. Keep this empty unless a rule is wrong for us.
AXE_DISABLED_RULES: dict[str, str] = {}


@cache
def axe_source() -> str:
    """axe-core as bundled with axe-playwright-python (no download, no CDN)."""
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, context: str | None = None) -> list[dict]:
    """Run axe-core on the page (or the element matching the `context` selector) for WCAG 2.1
    A/AA and best practices; returns axe's violation objects."""
    # page.evaluate runs through the DevTools protocol, so our CSP (no inline scripts) does
    # not stop it, where an injected <script> element would be refused.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": False} for rule in AXE_DISABLED_RULES},
        "resultTypes": ["violations"],
    }
    result = page.evaluate(
        "([context, options]) => axe.run(context ? document.querySelector(context) : document,"
        " options)",
        [context, options],
    )
    return result["violations"]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page, context: str | None = None) -> None:
    """Fail with a readable list (rule, impact, help, selectors) when axe-core finds any WCAG
    2.1 AA or best-practice violation on the page as it is now."""
    # A click on a link only waits for the next page to start loading: axe must not run on a
    # document that is being replaced (under load it finds no documentElement).
    page.wait_for_load_state("load")
    violations = axe_violations(page, context)
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} violation(s) on {page.url}:\n"
            + format_violations(violations),
            pytrace=False,
        )


def focused(page) -> dict:
    """Describe the element that has the keyboard focus."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {
                tag: el.tagName.toLowerCase(),
                id: el.id,
                text: (el.innerText || el.value || '').trim(),
                href: el.getAttribute('href'),
                in_footer: !!el.closest('footer'),
                classes: el.className || '',
            };
        }"""
    )


def tab_through(page, limit: int = 200) -> list[dict]:
    """Press Tab until focus leaves the page or comes round again; the focused elements,
    in order."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = focused(page)
        if stop["tag"] == "body" or (stops and stop == stops[0]):
            break
        stops.append(stop)
    return stops


# --- accounts: helpers for every slice's browser tests ---------------------------------------
#
# They find fields by id, not by label, so they work in German and in English alike.

REGISTER_SUBMIT = "form[action$='/account/register'] button[type=submit]"
LOGIN_SUBMIT = "form[action*='/account/login'] button[type=submit]"
LOGOUT_BUTTON = "form[action$='/account/logout'] button[type=submit]"


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus; fail after `limit`
    presses (the keyboard cannot reach it)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{limit} presses of Tab did not reach {selector!r} on {page.url}")


def submit_and_status(page, action) -> int:
    """Run `action` (a click, a key press) that submits a form; the HTTP status of the page
    the browser lands on (after any redirect)."""
    with page.expect_navigation() as navigation:
        action()
    return navigation.value.status


def confirmation_link(mailbox, email: str) -> str:
    """The confirmation link of the next mail to `email` (in whatever language)."""
    message = mailbox.wait_for(to=email)
    links = [link for link in mailbox.links_in(message) if "/account/confirm/" in link]
    assert links, f"no confirmation link in {message['Subject']!r}"
    return links[0]


def register_via_ui(
    page,
    live_server,
    mailbox,
    email: str,
    password: str,
    invitations: bool = False,
    display_name: str | None = None,
) -> str:
    """Register through the form, follow the link in the confirmation mail and press the
    confirm button: afterwards the page is on /account, signed in. Returns the (now used)
    confirmation link."""
    page.goto("/account/register")
    page.fill("#email", email)
    if display_name:
        page.fill("#display_name", display_name)
    page.fill("#password", password)
    page.fill("#password_repeat", password)
    page.check("#consent_participation")
    if invitations:
        page.check("#consent_invitations")
    page.click(REGISTER_SUBMIT)
    page.wait_for_url("**/account/register/check-inbox")
    link = confirmation_link(mailbox, email)
    assert link.startswith(live_server.url), link
    page.goto(link)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/account")
    return link


def login_via_ui(page, email: str, password: str, next_path: str | None = None) -> None:
    """Sign in through the login form; fails the test when the login is refused."""
    page.goto(f"/account/login?next={next_path}" if next_path else "/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click(LOGIN_SUBMIT)
    if "/account/login" in page.url:
        pytest.fail(f"login as {email} was refused: {page.locator('main').inner_text()}")


def logout_via_ui(page) -> None:
    """Press the sign-out button in the header (the page must show it)."""
    page.click(LOGOUT_BUTTON)
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the start page


def make_account(
    live_server,
    email: str | None = None,
    password: str | None = None,
    invitations: bool = False,
    locale: str = "de",
    **fields,
) -> str:
    """A confirmed citizen's account on the live server, straight into the database (fast),
    with the participation consent (and the invitations consent) in the ledger, as after
    a confirmed registration. Returns the e-mail address; the password is the factories'
    DEFAULT_PASSWORD unless given."""
    from ..factories import DEFAULT_PASSWORD, make_consent, make_user

    with live_server.app.app_context():
        user = make_user(
            email=email, password=password or DEFAULT_PASSWORD, locale=locale, **fields
        )
        make_consent(user, "participation", locale=locale)
        if invitations:
            make_consent(user, "invitations", locale=locale)
        return user.email


def switch_language(page, language: str) -> None:
    """Choose the UI language with the switch's URL (kept in the session, and through
    login and logout)."""
    page.goto(f"/language/{language}")
    assert page.get_attribute("html", "lang") == language


def assert_field_error(page, field_id: str) -> str:
    """The field is marked invalid, and its error message sits next to it (in the same
    `.field` box) and is part of its accessible description. Returns the message."""
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true", f"#{field_id} is not aria-invalid"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert f"{field_id}-error" in described, f"#{field_id} aria-describedby: {described}"
    message = page.locator(f"#{field_id}-error")
    assert message.is_visible(), f"#{field_id}-error is not shown"
    box = field.locator("xpath=ancestor::*[contains(concat(' ', @class, ' '), ' field ')][1]")
    assert box.locator(f"#{field_id}-error").count() == 1, f"#{field_id}-error is elsewhere"
    text = " ".join(message.inner_text().split())
    assert text, f"#{field_id}-error is empty"
    return text


def consent_card(page, label: str):
    """The card of one consent on /account, found by its heading."""
    return page.locator(".card.consent").filter(has=page.locator("h3", has_text=label))


def focus_is_visible(page) -> bool:
    """The focused element shows a focus indicator (an outline or a box shadow)."""
    return page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            const outline = s.outlineStyle !== 'none' && s.outlineWidth !== '0px'
                && s.outlineColor !== 'rgba(0, 0, 0, 0)';
            return outline || s.boxShadow !== 'none';
        }"""
    )
