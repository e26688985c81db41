"""Every organizer endpoint, GET and POST, against every role: visitors are sent to the
login, citizens and moderators get 403, organizers and admins get in."""

import pytest

from ..factories import make_event, make_theme

# (method, URL pattern) for every endpoint of the organize blueprint; {theme} and {event}
# are filled with real ids so that "allowed" means the page itself answered.
ORGANIZER_ENDPOINTS = [
    ("GET", "/organize"),
    ("GET", "/organize/themes"),
    ("GET", "/organize/themes/new"),
    ("POST", "/organize/themes/new"),
    ("GET", "/organize/themes/{theme}/edit"),
    ("POST", "/organize/themes/{theme}/edit"),
    ("POST", "/organize/themes/{theme}/move/up"),
    ("POST", "/organize/themes/{theme}/move/down"),
    ("POST", "/organize/themes/{theme}/retire"),
    ("POST", "/organize/themes/{theme}/reactivate"),
    ("GET", "/organize/events"),
    ("GET", "/organize/events/new"),
    ("POST", "/organize/events/new"),
    ("GET", "/organize/events/{event}/edit"),
    ("POST", "/organize/events/{event}/edit"),
    ("POST", "/organize/events/{event}/phase"),
]

ROLES = [None, "citizen", "moderator", "organizer", "admin"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "pattern"), ORGANIZER_ENDPOINTS)
def test_organizer_endpoints_by_role(client, auth, method, pattern, role):
    theme = make_theme(name_de="Unverändert")
    event = make_event(title="Unverändert", phase="draft")
    if role:
        auth.login_as(role)
    url = pattern.format(theme=theme.id, event=event.id)
    data = {"step": "next", "from_phase": "draft", "name_de": "Geändert"}
    response = client.open(url, method=method, data=data if method == "POST" else None)

    if role is None:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login")
    elif role in ("citizen", "moderator"):
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302, 422)
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/account/login")

    if role not in ("organizer", "admin"):
        # Refused requests change nothing.
        from ideenwerkstatt.extensions import db

        db.session.expire_all()
        assert theme.name_de == "Unverändert" and theme.active and event.phase == "draft"


def test_the_matrix_covers_every_organizer_endpoint(app):
    """A new endpoint under /organize must be added to ORGANIZER_ENDPOINTS above."""
    covered = {(method, pattern.split("{")[0]) for method, pattern in ORGANIZER_ENDPOINTS}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("organize."):
            prefix = rule.rule.split("<")[0]
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, prefix) in covered, f"{method} {rule.rule} is not in the matrix"
