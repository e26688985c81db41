"""Registrations and invitations in Chromium: register for an event and cancel (account page
and the link in the mail), an organizer sends an invitation and a person unsubscribes from
the link in it; axe-core finds nothing on any of these pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from ideenwerkstatt.accounts.models import User
from ideenwerkstatt.events.models import Event
from ideenwerkstatt.extensions import db
from ideenwerkstatt.mail.delivery import deliver_due
from ideenwerkstatt.privacy.models import Purpose
from ideenwerkstatt.privacy.services import has_consent
from ideenwerkstatt.registrations.models import Registration, RegistrationStatus
from ideenwerkstatt.registrations.services import register

from ..factories import DEFAULT_PASSWORD, make_event, make_user
from .helpers import assert_no_axe_violations, login_via_ui, make_account

pytestmark = pytest.mark.browser


def new_event(live_server, **fields):
    with live_server.app.app_context():
        event = make_event(
            title=fields.pop("title", "Hamm von Morgen: Bildung"),
            description="Wie lernen wir 2030?",
            **fields,
        )
        return event.id, event.slug


def registration_status(live_server, email, event_id):
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        registration = db.session.scalar(
            select(Registration).where(
                Registration.user_id == user.id, Registration.event_id == event_id
            )
        )
        return registration.status if registration else None


def test_register_then_cancel_on_the_account_page(page, live_server, mailbox):
    event_id, slug = new_event(live_server, capacity=20)
    email = make_account(live_server)
    login_via_ui(page, email, DEFAULT_PASSWORD, next_path=f"/events/{slug}")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Zur Veranstaltung anmelden").click()
    page.wait_for_url(f"**/events/{slug}#registration")
    assert page.get_by_text("Sie sind angemeldet.", exact=True).is_visible()
    assert_no_axe_violations(page)
    mail = mailbox.wait_for(to=email, subject_contains="Sie sind angemeldet")
    assert any(p.get_content_type() == "text/calendar" for p in mail.walk())
    assert registration_status(live_server, email, event_id) is RegistrationStatus.CONFIRMED

    page.goto("/account")
    assert page.get_by_role("heading", name="Meine Anmeldungen").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name=re.compile(r"^Stornieren\W+Hamm von Morgen")).click()
    page.wait_for_url("**/account")
    assert page.get_by_text("ist storniert").first.is_visible()
    assert registration_status(live_server, email, event_id) is RegistrationStatus.CANCELLED
    mailbox.wait_for(to=email, subject_contains="storniert")


def test_waiting_list_without_javascript_and_cancel_from_the_mail_link(
    new_page, live_server, mailbox
):
    event_id, slug = new_event(live_server, capacity=1, title="Werkstatt Mobilität")
    with live_server.app.app_context():
        holder = make_user()
        register(holder, db.session.get(Event, event_id))
        db.session.commit()
        holder_email = holder.email
    confirmation = mailbox.wait_for(to=holder_email, subject_contains="Sie sind angemeldet")

    email = make_account(live_server)
    page = new_page(java_script_enabled=False)
    login_via_ui(page, email, DEFAULT_PASSWORD, next_path=f"/events/{slug}")
    page.get_by_role("button", name="Auf die Warteliste setzen").click()
    page.wait_for_url(f"**/events/{slug}#registration")
    assert page.get_by_text("Sie stehen auf der Warteliste.").is_visible()
    # axe-core needs JavaScript: the same page, seen by the same person with it.
    with_js = new_page(storage_state=page.context.storage_state())
    with_js.goto(f"/events/{slug}")
    assert with_js.get_by_text("Sie stehen auf der Warteliste.").is_visible()
    assert_no_axe_violations(with_js)

    # The holder cancels from the link in their confirmation mail, without logging in.
    [link] = [u for u in mailbox.links_in(confirmation) if "/registrations/cancel/" in u]
    stranger = new_page()
    stranger.goto(link)
    assert_no_axe_violations(stranger)
    assert registration_status(live_server, holder_email, event_id) is (
        RegistrationStatus.CONFIRMED
    )  # opening the link changed nothing
    stranger.get_by_role("button", name="Ja, Anmeldung stornieren").click()
    assert stranger.get_by_role("heading", name="Anmeldung storniert").is_visible()
    assert_no_axe_violations(stranger)

    # The person waiting moved up, with a mail.
    assert registration_status(live_server, email, event_id) is RegistrationStatus.CONFIRMED
    mailbox.wait_for(to=email, subject_contains="Ein Platz ist frei geworden")


def test_organizer_invites_and_a_person_unsubscribes_from_the_mail(new_page, live_server, mailbox):
    event_id, _slug = new_event(live_server, title="Ideenwerkstatt Soziale Stadt")
    invited = make_account(live_server, invitations=True)
    organizer = make_account(live_server, role="organizer")

    page = new_page()
    login_via_ui(page, organizer, DEFAULT_PASSWORD, next_path="/organize")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Einladungen").click()
    assert_no_axe_violations(page)
    page.get_by_label("Veranstaltung", exact=True).select_option(str(event_id))
    page.get_by_label("Alle, die Einladungen zugestimmt haben").check()
    page.get_by_role("button", name="Weiter: Anzahl prüfen").click()
    assert page.get_by_text("Die Einladung geht jetzt an").is_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Einladung an").click()
    assert page.get_by_role("heading", name="Einladung: Ideenwerkstatt Soziale Stadt").is_visible()
    assert_no_axe_violations(page)

    with live_server.app.app_context():  # the worker's job (bulk mail is not sent in requests)
        deliver_due(limit=100)
    invitation = mailbox.wait_for(to=invited, subject_contains="Einladung")
    header_link = invitation["List-Unsubscribe"].strip("<>")
    assert invitation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header_link in mailbox.links_in(invitation)

    person = new_page()
    person.goto(header_link)
    assert_no_axe_violations(person)
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == invited))
        assert has_consent(user, Purpose.INVITATIONS)  # a scanner opening it changes nothing
    person.get_by_role("button", name="Keine Einladungen mehr senden").click()
    assert person.get_by_role("heading", name="Sie bekommen keine Einladungen mehr").is_visible()
    assert_no_axe_violations(person)
    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == invited))
        assert not has_consent(user, Purpose.INVITATIONS)


def test_organizer_registrant_pages_have_no_axe_violations(page, live_server):
    event_id, _slug = new_event(live_server, capacity=1)
    with live_server.app.app_context():
        event = db.session.get(Event, event_id)
        register(make_user(display_name="Kiki"), event)
        register(make_user(), event)
        db.session.commit()
    organizer = make_account(live_server, role="organizer")
    login_via_ui(page, organizer, DEFAULT_PASSWORD, next_path="/organize")
    for path in (
        "/organize/registrations",
        f"/organize/events/{event_id}/registrants",
        f"/organize/events/{event_id}/registrants/print",
        "/organize/invitations/preview?event=&audience=",
    ):
        page.goto(path)
        assert_no_axe_violations(page)
    page.goto(f"/organize/events/{event_id}/registrants")
    assert page.get_by_role("rowheader", name="Kiki").is_visible()
    assert page.get_by_role("rowheader", name="Teilnehmende #2").is_visible()


def test_broken_links_pages_have_no_axe_violations(page):
    for path in ("/registrations/cancel/broken", "/unsubscribe/broken"):
        assert page.goto(path).status == 404
        assert_no_axe_violations(page)
