"""The invitation run page in Chromium: when no worker has delivered for a while it says
so, and axe-core finds nothing on it, with and without that notice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from ideenwerkstatt.database import utcnow
from ideenwerkstatt.extensions import db
from ideenwerkstatt.invitations import services
from ideenwerkstatt.mail.models import OutboxMessage

from ..factories import make_consent, make_event, make_user
from .helpers import assert_no_axe_violations
from .test_events import sign_in

pytestmark = pytest.mark.browser

NOTICE = "Zustellung wartet: läuft ideenwerkstatt mail deliver --loop?"


def test_run_page_says_when_delivery_waits(page, live_server):
    with live_server.app.app_context():
        event = make_event(title="Werkstatt Grün")
        for _ in range(2):
            make_consent(make_user(), "invitations")
        run = services.send_invitations(make_user(role="organizer"), event, "consented")
        db.session.commit()
        run_id = run.id
    sign_in(page, live_server, "organizer", f"/organize/invitations/{run_id}")
    assert page.locator("#delivery-stalled").count() == 0
    assert_no_axe_violations(page)

    with live_server.app.app_context():
        late = live_server.app.config["MAIL_WORKER_LATE_SECONDS"]
        for message in db.session.scalars(select(OutboxMessage)):
            message.next_attempt_at = utcnow() - dt.timedelta(seconds=late + 60)
        db.session.commit()
    page.reload()
    notice = page.locator("#delivery-stalled")
    assert NOTICE in notice.inner_text()
    assert notice.locator("code").inner_text() == "ideenwerkstatt mail deliver --loop"
    assert_no_axe_violations(page)
