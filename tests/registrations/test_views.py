"""Registration pages: signing up on the event page, cancelling (account page and mail link),
the organizers' registrant list, its CSV and print view, and who may see them."""

from __future__ import annotations

import pytest

from ideenwerkstatt.extensions import db
from ideenwerkstatt.registrations import services
from ideenwerkstatt.registrations.models import RegistrationStatus

from ..factories import make_event, make_user
from ..spreadsheets import open_like_a_german_spreadsheet


def register(user, event):
    registration = services.register(user, event)
    db.session.commit()
    return registration


def test_visitors_see_places_and_a_login_link(client):
    event = make_event(capacity=10)
    page = client.get(f"/events/{event.slug}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Noch 10 von 10 Plätzen sind frei." in text
    assert "Einloggen und anmelden" in text
    # POSTing without an account leads to the login page, and registers nobody.
    response = client.post(f"/events/{event.slug}")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert services.counts(event)["confirmed"] == 0


def test_citizen_registers_and_sees_it(client, auth, outbox):
    user = auth.login_as("citizen")
    event = make_event(capacity=1)
    response = client.post(f"/events/{event.slug}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.slug}#registration")
    assert services.registration_of(user, event).status is RegistrationStatus.CONFIRMED
    assert [m.template for m in outbox(user_id=user.id)] == ["registration_confirmed"]
    text = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Sie sind angemeldet." in text
    assert "Anmeldung stornieren" in text
    assert "Der einzige Platz ist vergeben." in text


def test_full_event_offers_the_waiting_list(client, auth):
    event = make_event(capacity=1)
    register(make_user(), event)
    user = auth.login_as("citizen")
    assert "Auf die Warteliste setzen" in client.get(f"/events/{event.slug}").get_data(True)
    client.post(f"/events/{event.slug}")
    text = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Sie stehen auf der Warteliste." in text
    assert "Sie sind auf Platz 1." in text
    assert services.registration_of(user, event).status is RegistrationStatus.WAITING


@pytest.mark.parametrize("phase", ["draft", "closed"])
def test_no_registration_for_drafts_or_closed_events(client, auth, phase):
    event = make_event(phase=phase)
    auth.login_as("organizer")  # organizers can see drafts, but not register for them
    client.post(f"/events/{event.slug}")
    assert services.counts(event)["confirmed"] == 0
    text = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "nicht (mehr) möglich" in text


def test_cancel_from_the_account_page(client, auth, outbox):
    event = make_event(capacity=1)
    user = auth.login_as("citizen")
    registration = register(user, event)
    waiting = make_user()
    register(waiting, event)
    page = client.get("/account").get_data(as_text=True)
    assert "Meine Anmeldungen" in page and event.title in page
    response = client.post(f"/registrations/{registration.id}/cancel", data={"next": "/account"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.expire_all()
    assert registration.status is RegistrationStatus.CANCELLED
    assert services.registration_of(waiting, event).status is RegistrationStatus.CONFIRMED
    assert outbox(user_id=waiting.id)[-1].template == "registration_moved_up"


def test_nobody_cancels_someone_elses_registration(client, auth):
    event = make_event()
    registration = register(make_user(), event)
    auth.login_as("organizer")
    assert client.post(f"/registrations/{registration.id}/cancel").status_code == 404
    db.session.expire_all()
    assert registration.status is RegistrationStatus.CONFIRMED


def test_cancel_link_shows_a_button_and_cancels_only_on_post(client, outbox):
    event = make_event()
    user = make_user()
    registration = register(user, event)
    mail = outbox(user_id=user.id)[0]
    url = services.cancel_url(registration)
    assert url in mail.body_text
    path = url.removeprefix("http://localhost")

    page = client.get(path)
    assert page.status_code == 200
    assert "Ja, Anmeldung stornieren" in page.get_data(as_text=True)
    db.session.expire_all()
    assert registration.status is RegistrationStatus.CONFIRMED  # opening the link did nothing

    done = client.post(path)
    assert done.status_code == 200
    assert "Anmeldung storniert" in done.get_data(as_text=True)
    db.session.expire_all()
    assert registration.status is RegistrationStatus.CANCELLED
    assert "bereits storniert" in client.get(path).get_data(as_text=True)


def test_forged_cancel_link_is_not_found(client):
    assert client.get("/registrations/cancel/not-a-token").status_code == 404
    assert client.post("/registrations/cancel/not-a-token").status_code == 404


# --- organizers -------------------------------------------------------------------------------

ORGANIZER_PATHS = [
    "/organize/registrations",
    "/organize/events/{id}/registrants",
    "/organize/events/{id}/registrants.csv",
    "/organize/events/{id}/registrants/print",
]


@pytest.mark.parametrize("path", ORGANIZER_PATHS)
@pytest.mark.parametrize("role", [None, "citizen", "moderator"])
def test_organizer_pages_are_refused_to_everyone_else(client, auth, path, role):
    event = make_event()
    if role:
        auth.login_as(role)
    response = client.get(path.format(id=event.id))
    if role is None:
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", ORGANIZER_PATHS)
@pytest.mark.parametrize("role", ["organizer", "admin"])
def test_organizers_and_admins_see_them(client, auth, path, role):
    event = make_event()
    auth.login_as(role)
    assert client.get(path.format(id=event.id)).status_code == 200
    assert client.get(path.format(id=event.id + 1000)).status_code in (200, 404)


def test_registrant_list_shows_names_or_numbers_but_no_addresses(client, auth):
    event = make_event(capacity=1, title="Bildung 2030")
    named = make_user(display_name="Kiki")
    anonymous = make_user()
    register(named, event)
    register(anonymous, event)
    auth.login_as("organizer")
    text = client.get(f"/organize/events/{event.id}/registrants").get_data(as_text=True)
    assert "Kiki" in text
    assert "Teilnehmende #2" in text
    assert named.email not in text and anonymous.email not in text
    overview = client.get("/organize/registrations").get_data(as_text=True)
    assert "Bildung 2030" in overview


def test_csv_is_safe_against_formula_injection(client, auth):
    event = make_event(slug="werkstatt")
    for name in ('=HYPERLINK("http://evil.example","klick")', "+49 123", "@SUM(A1)", "Ada"):
        register(make_user(display_name=name), event)
    auth.login_as("organizer")
    response = client.get(f"/organize/events/{event.id}/registrants.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="teilnahmeliste-werkstatt.csv"' in response.headers["Content-Disposition"]
    rows = open_like_a_german_spreadsheet(response.data, delimiter=";")
    assert rows[0] == ["Nr.", "Name", "Status", "Seit", "Anwesend"]
    names = [row[1] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil.example","klick")', "'+49 123", "'@SUM(A1)", "Ada"]
    assert all(row[2] == "angemeldet" for row in rows[1:])


def test_print_view_lists_attendance(client, auth):
    event = make_event(title="Mobilität")
    register(make_user(display_name="Bo"), event)
    auth.login_as("organizer")
    text = client.get(f"/organize/events/{event.id}/registrants/print").get_data(as_text=True)
    assert "Teilnahmeliste: Mobilität" in text and "Bo" in text
    assert 'class="print-sheet"' in text


def test_organize_start_page_links_the_registrants(client, auth):
    auth.login_as("organizer")
    assert "/organize/registrations" in client.get("/organize").get_data(as_text=True)
