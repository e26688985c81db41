"""Queueing one mail to many people quickly: render once per language, fill in what differs
per person, insert the rows in bulk; a row whose idempotency key exists is skipped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from itsdangerous import URLSafeSerializer
from itsdangerous.encoding import base64_encode
from markupsafe import escape
from sqlalchemy.dialects import postgresql, sqlite

from ..accounts.services import absolute_url
from ..extensions import db
from ..mail.models import OutboxMessage, OutboxStatus
from ..mail.services import check_header_value, render

# Stands in for a person's own link while the mail is rendered once for everyone; made of
# characters that neither HTML escaping nor the text templates change.
LINK_PLACEHOLDER = "IDEENWERKSTATT-PERSONAL-LINK-7F3C9A"
CHUNK = 1000


class TokenSigner:
    """`serializer.dumps(obj)`, byte for byte, for thousands of tokens: itsdangerous
    derives the signing key from the secret and salt again for every token, which is
    most of the cost; here it is derived once. `serializer.loads` reads the result."""

    def __init__(self, serializer: URLSafeSerializer):
        self._serializer = serializer
        self._signer = serializer.make_signer(serializer.salt)
        self._key = self._signer.derive_key()
        self._sep = (
            self._signer.sep.encode() if isinstance(self._signer.sep, str) else (self._signer.sep)
        )

    def dumps(self, obj) -> str:
        payload = self._serializer.dump_payload(obj)
        signature = self._signer.algorithm.get_signature(self._key, payload)
        return (payload + self._sep + base64_encode(signature)).decode("ascii")


class LinkMaker:
    """absolute_url(endpoint, token=...) for thousands of tokens: the URL is built once with
    a placeholder, which each token then replaces (tokens are URL-safe)."""

    def __init__(self, endpoint: str):
        self._prefix, self._suffix = absolute_url(endpoint, token=LINK_PLACEHOLDER).split(
            LINK_PLACEHOLDER
        )

    def __call__(self, token: str) -> str:
        return f"{self._prefix}{token}{self._suffix}"


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    locale: str
    key: str  # the idempotency key of this person's mail
    link: str  # their personal link (unsubscribe or cancel), put where the placeholder is


def _insert_ignoring_duplicates():
    """INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, in the session's
    dialect: the unique key, not a check before inserting, makes "once" hold when two
    organizers (or two workers) queue the same mails at the same moment."""
    dialect = db.session.get_bind().dialect.name
    module = {"postgresql": postgresql, "sqlite": sqlite}.get(dialect)
    if module is None:
        raise RuntimeError(f"bulk queueing is not implemented for {dialect}")
    return (
        module.insert(OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.__table__.c.id)
    )


def queue_bulk(
    template: str,
    recipients: Iterable[Recipient],
    *,
    now: dt.datetime,
    context: dict,
    headers: Callable[[Recipient], dict[str, str]] | None = None,
    attachments: Sequence[dict] = (),
) -> list[int]:
    """Queue `template` to every recipient (flush only) and return the ids of the rows
    actually added (people who already had a mail with their key are skipped). The template
    is rendered once per language with LINK_PLACEHOLDER as `personal_link`; each person's
    link replaces it. `created_at` is `now` for every row.

    Raises UnsafeHeaderValue for CR/LF/NUL in an address or header."""
    rendered: dict[str, tuple[str, str, str]] = {}
    statement = _insert_ignoring_duplicates()
    attachments = list(attachments)
    ids: list[int] = []
    batch: list[dict] = []

    def flush_batch():
        if batch:
            ids.extend(db.session.scalars(statement, batch))
            batch.clear()

    for person in recipients:
        if person.locale not in rendered:
            rendered[person.locale] = render(
                template, person.locale, user=None, personal_link=LINK_PLACEHOLDER, **context
            )
        subject, body_text, body_html = rendered[person.locale]
        extra = headers(person) if headers else {}
        check_header_value(person.email)
        for name, value in extra.items():
            check_header_value(name)
            check_header_value(value)
        batch.append(
            {
                "user_id": person.user_id,
                "recipient": person.email,
                "template": template,
                "subject": subject,
                "body_text": body_text.replace(LINK_PLACEHOLDER, person.link),
                "body_html": body_html.replace(LINK_PLACEHOLDER, str(escape(person.link))),
                "headers": extra,
                "attachments": attachments,
                "idempotency_key": person.key,
                "status": OutboxStatus.QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
        if len(batch) >= CHUNK:
            flush_batch()
    flush_batch()
    return ids
