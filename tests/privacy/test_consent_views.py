"""One-click withdraw and grant on /account, and the consents partial of the account page."""

import re

from flask import render_template

from ideenwerkstatt.mail.models import OutboxStatus
from ideenwerkstatt.privacy import services
from ideenwerkstatt.privacy.models import ConsentChannel, Purpose
from tests.factories import make_consent, make_outbox_message


def test_withdraw_invitations_with_one_click(client, auth, outbox):
    user = auth.login_as()
    make_consent(user, "invitations")
    make_outbox_message(user, "event_invitation")

    response = client.post("/account/consents/invitations/withdraw")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert not services.has_consent(user, Purpose.INVITATIONS)
    newest = services.consent_state(user)[Purpose.INVITATIONS]
    assert newest.channel is ConsentChannel.ACCOUNT_PAGE
    assert [m.status for m in outbox(user_id=user.id)] == [OutboxStatus.CANCELLED]
    with client.session_transaction() as session:
        assert session["_flashes"][-1][0] == "success"


def test_withdraw_twice_changes_nothing(client, auth):
    user = auth.login_as()
    make_consent(user, "invitations")
    client.post("/account/consents/invitations/withdraw")
    first = services.consent_state(user)[Purpose.INVITATIONS].id
    assert client.post("/account/consents/invitations/withdraw").status_code == 302
    assert services.consent_state(user)[Purpose.INVITATIONS].id == first


def test_grant_invitations_with_one_click_records_the_shown_text(client, auth):
    user = auth.login_as(locale="de")
    response = client.post(
        "/account/consents/invitations/grant", data={"version": "1", "locale": "en"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    record = services.consent_state(user)[Purpose.INVITATIONS]
    assert record.action == "granted" and record.channel is ConsentChannel.ACCOUNT_PAGE
    assert (record.consent_text.version, record.consent_text.locale) == (1, "en")
    # A second click records nothing new.
    client.post("/account/consents/invitations/grant", data={"version": "1", "locale": "en"})
    assert services.consent_state(user)[Purpose.INVITATIONS].id == record.id


def test_grant_of_a_text_that_changed_meanwhile_is_not_recorded(client, auth):
    user = auth.login_as()
    response = client.post("/account/consents/invitations/grant", data={"version": "0"})
    assert response.status_code == 302
    assert services.consent_state(user)[Purpose.INVITATIONS] is None


def test_grant_without_a_locale_uses_the_account_language(client, auth):
    user = auth.login_as(locale="en")
    client.post("/account/consents/invitations/grant")
    assert services.consent_state(user)[Purpose.INVITATIONS].consent_text.locale == "en"


def test_withdrawing_participation_leads_to_account_deletion(client, auth):
    user = auth.login_as()
    make_consent(user, "participation")
    response = client.post("/account/consents/participation/withdraw")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/delete"
    assert services.has_consent(user, Purpose.PARTICIPATION)
    page = client.get("/account/delete", follow_redirects=True).text
    assert "Konto löschen" in page and "Grundlage Ihres Kontos" in page


def test_participation_cannot_be_granted_from_the_account(client, auth):
    user = auth.login_as()
    assert client.post("/account/consents/participation/grant").status_code == 404
    assert services.consent_state(user)[Purpose.PARTICIPATION] is None


def test_unknown_purpose_is_404(client, auth):
    auth.login_as()
    assert client.post("/account/consents/newsletter/withdraw").status_code == 404
    assert client.post("/account/consents/newsletter/grant").status_code == 404


def test_consent_buttons_need_a_csrf_token(client, auth, app):
    user = auth.login_as()
    make_consent(user, "invitations")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/account/consents/invitations/withdraw")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert services.has_consent(user, Purpose.INVITATIONS)


def render_partial(app, user, **kwargs):
    with app.test_request_context("/account"):
        return render_template(
            "privacy/_consents.html", consents=services.consent_overview(user, **kwargs)
        )


def test_partial_shows_states_texts_and_buttons(app, auth):
    user = auth.login_as()
    participation = make_consent(user, "participation")
    make_consent(user, "invitations")
    make_consent(user, "invitations", "withdrawn", "account_page")
    html = render_partial(app, user)

    assert "Erteilt" in html and "Widerrufen" in html and "Textfassung 1" in html
    assert html.count("<details") >= 2
    assert participation.consent_text.text in html
    assert 'action="/account/consents/invitations/grant"' in html
    assert 'action="/account/consents/participation/withdraw"' in html
    assert 'action="/account/consents/invitations/withdraw"' not in html
    assert html.count('name="csrf_token"') == 2
    assert re.search(r'name="version" value="1"', html)
    assert 'href="/account/export.html"' in html and 'href="/account/delete"' in html
    assert "checked" not in html  # nothing is ever pre-ticked


def test_partial_for_someone_who_never_granted_invitations(app, auth):
    user = auth.login_as(locale="en")
    make_consent(user, "participation", locale="en")
    html = render_partial(app, user)
    assert "Nie erteilt" in html
    assert "<details open>" in html and "We send you" in html
    assert 'name="locale" value="en"' in html
    assert 'action="/account/consents/invitations/withdraw"' not in html
