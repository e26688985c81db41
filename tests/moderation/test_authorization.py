"""THE authorization matrix: every moderation and organizer endpoint (everything under
/moderation and /organize, plus the idea pages' moderator actions) as visitor, citizen,
moderator, organizer and admin, with the expected answer."""

import pytest

from ..comments.factories import make_comment
from ..factories import make_event, make_idea, make_theme

VISITOR, CITIZEN, MODERATOR, ORGANIZER, ADMIN = None, "citizen", "moderator", "organizer", "admin"
ROLES = [VISITOR, CITIZEN, MODERATOR, ORGANIZER, ADMIN]
RANK = {CITIZEN: 0, MODERATOR: 1, ORGANIZER: 2, ADMIN: 3}

# (method, URL pattern, lowest role allowed)
ENDPOINTS = [
    ("GET", "/moderation", MODERATOR),
    ("POST", "/moderation/bulk-approve", MODERATOR),
    ("GET", "/moderation/ideas/{idea}", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/approve", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/reject", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/hide", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/restore", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/edit", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/paper-card", MODERATOR),
    ("POST", "/moderation/ideas/{idea}/outcome", MODERATOR),
    ("GET", "/moderation/reasons", MODERATOR),
    ("POST", "/moderation/reasons", MODERATOR),
    ("GET", "/moderation/reasons/{reason}/edit", MODERATOR),
    ("POST", "/moderation/reasons/{reason}/edit", MODERATOR),
    ("POST", "/moderation/reasons/{reason}/delete", MODERATOR),
    ("GET", "/moderation/log", MODERATOR),
    ("POST", "/moderation/comments/{comment}/approve", MODERATOR),
    ("POST", "/moderation/flags/idea/{idea}/uphold", MODERATOR),
    ("POST", "/moderation/flags/comment/{comment}/dismiss", MODERATOR),
    ("GET", "/moderation/comments/{comment}/hide", MODERATOR),
    ("POST", "/moderation/comments/{comment}/hide", MODERATOR),
    ("POST", "/moderation/comments/{comment}/restore", MODERATOR),
    ("POST", "/ideas/{idea}/approve", MODERATOR),
    ("POST", "/ideas/{idea}/reject", MODERATOR),
    ("POST", "/ideas/{idea}/hide", MODERATOR),
    ("POST", "/ideas/{idea}/restore", MODERATOR),
    ("GET", "/moderation/events/{slug}/live", MODERATOR),
    ("POST", "/moderation/events/{slug}/live/mode", MODERATOR),
    ("POST", "/moderation/events/{slug}/live/numbers", MODERATOR),
    ("POST", "/moderation/events/{slug}/live/timer/start", MODERATOR),
    ("GET", "/organize", ORGANIZER),
    ("GET", "/organize/themes", ORGANIZER),
    ("GET", "/organize/themes/new", ORGANIZER),
    ("POST", "/organize/themes/new", ORGANIZER),
    ("GET", "/organize/themes/{theme}/edit", ORGANIZER),
    ("POST", "/organize/themes/{theme}/edit", ORGANIZER),
    ("POST", "/organize/themes/{theme}/move/up", ORGANIZER),
    ("POST", "/organize/themes/{theme}/move/down", ORGANIZER),
    ("POST", "/organize/themes/{theme}/retire", ORGANIZER),
    ("POST", "/organize/themes/{theme}/reactivate", ORGANIZER),
    ("GET", "/organize/events", ORGANIZER),
    ("GET", "/organize/events/new", ORGANIZER),
    ("POST", "/organize/events/new", ORGANIZER),
    ("GET", "/organize/events/{event}/edit", ORGANIZER),
    ("POST", "/organize/events/{event}/edit", ORGANIZER),
    ("POST", "/organize/events/{event}/phase", ORGANIZER),
    ("GET", "/organize/registrations", ORGANIZER),
    ("GET", "/organize/events/{event}/registrants", ORGANIZER),
    ("GET", "/organize/events/{event}/registrants/print", ORGANIZER),
    ("GET", "/organize/events/{event}/registrants.csv", ORGANIZER),
    ("GET", "/organize/invitations", ORGANIZER),
    ("GET", "/organize/invitations/preview", ORGANIZER),
    ("POST", "/organize/invitations", ORGANIZER),
    ("GET", "/organize/invitations/{run}", ORGANIZER),
    ("GET", "/organize/people", ADMIN),
    ("POST", "/organize/people/{person}/role", ADMIN),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "visitor")
@pytest.mark.parametrize(("method", "pattern", "lowest"), ENDPOINTS)
def test_authorization_matrix(client, auth, method, pattern, lowest, role):
    from ideenwerkstatt.extensions import db
    from ideenwerkstatt.moderation import services

    theme = make_theme(name_de="Unverändert")
    event = make_event(title="Unverändert", phase="draft")
    idea = make_idea(status="pending", title="Unverändert")
    comment = make_comment(status="pending")
    services.seed_rejection_templates()
    db.session.commit()
    reason = services.rejection_templates()[0]
    from ..factories import make_user

    person = make_user()
    if role:
        auth.login_as(role)
    url = pattern.format(
        idea=idea.id,
        comment=comment.id,
        theme=theme.id,
        event=event.id,
        slug=event.slug,
        reason=reason.id,
        run=1,
        person=person.id,
    )
    data = {
        "step": "next",
        "from_phase": "draft",
        "name_de": "Geändert",
        "idea_ids": [str(idea.id)],
        "free_text": "Ein Grund",
        "title": "Geändert",
        "text": "Geänderter Text",
        "body": "Geänderte Beschreibung",
        "note": "Test",
        "role": "moderator",
        "reason": "Ein Grund",
    }
    response = client.open(url, method=method, data=data if method == "POST" else None)

    if role is VISITOR:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login")
    elif RANK[role] < RANK[lowest]:
        assert response.status_code == 403
    else:
        allowed = {200, 302, 400, 422}  # 400: the page itself refused the test data
        if "{run}" in pattern or "{slug}" in pattern:
            allowed.add(404)  # no such run / a draft has no live wall: the page answered
        assert response.status_code in allowed, response.status_code
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/account/login")

    if role is VISITOR or RANK[role] < RANK[lowest]:
        # Refused requests change nothing.
        db.session.expire_all()
        assert theme.name_de == "Unverändert" and theme.active and event.phase == "draft"
        assert idea.status == "pending" and idea.title == "Unverändert"
        assert person.role == "citizen" and comment.status == "pending"
        assert len(services.rejection_templates()) == 3


def test_the_matrix_covers_every_moderation_and_organizer_endpoint(app):
    """A new endpoint under /moderation or /organize must be added to ENDPOINTS above."""
    covered = {(method, pattern.split("{")[0]) for method, pattern, _ in ENDPOINTS}
    covered.add(("POST", "/moderation/flags/"))  # <kind>/<id>/<decision>: both kinds above
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/moderation", "/organize")):
            prefix = rule.rule.split("<")[0]
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, prefix) in covered, f"{method} {rule.rule} is not in the matrix"
