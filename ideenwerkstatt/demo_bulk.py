"""Bulk demo data for benchmarks: many users, ideas and votes, inserted in batches.

The ORM would build one object per row; at a million votes that alone takes minutes, so this
module writes with Core `insert()` in batches (executemany) and keeps `Idea.vote_count` and
`Idea.trending_score` equal to the rows it writes (votes spread over the last 30 days)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

from sqlalchemy import bindparam, func, insert, select, update

from .database import utcnow
from .extensions import db
from .ideas.trending import trend_weight

BULK_EMAIL_DOMAIN = "bulk.example.org"
BATCH = 5000
VOTE_SPREAD = dt.timedelta(days=30)  # bulk votes were cast over this long, up to now

_OPENINGS = [
    "Wir brauchen",
    "Ich wünsche mir",
    "Die Stadt sollte",
    "Wie wäre es mit",
    "Bitte prüfen Sie",
    "Unser Viertel braucht",
]
_SUBJECTS = [
    "mehr Sitzbänke im Stadtpark",
    "einen sicheren Radweg zur Grundschule",
    "freies WLAN in der Stadtbibliothek",
    "längere Öffnungszeiten im Bürgeramt",
    "einen Bus am Sonntagabend",
    "Trinkbrunnen in der Innenstadt",
    "eine digitale Mängelmeldung",
    "Car-Sharing am Bahnhof",
    "Hochbeete auf dem Schulhof",
    "offene Daten zum Haushalt",
    "Tempo 30 vor dem Kindergarten",
    "eine Reparatur-Werkstatt im Quartier",
    "Ladesäulen für E-Bikes",
    "barrierefreie Haltestellen",
    "einen Jugendtreff mit Internet",
    "Sprechstunden für digitale Fragen",
]
_REASONS = [
    "Viele Nachbar*innen haben das schon lange angeregt.",
    "Das hilft besonders älteren Menschen und Familien mit Kindern.",
    "So wird unsere Stadt klimafreundlicher und lebenswerter.",
    "In anderen Städten funktioniert das bereits sehr gut.",
    "Das kostet wenig und bringt viel für alle Generationen.",
    "Gerade abends fehlt hier eine gute Lösung.",
]


def _text(rng: random.Random) -> tuple[str, str]:
    subject = rng.choice(_SUBJECTS)
    title = f"{rng.choice(_OPENINGS)} {subject}"[:120]
    body = (
        f"{rng.choice(_OPENINGS)} {subject}. {rng.choice(_REASONS)} "
        f"{rng.choice(_REASONS)}\n\n- {rng.choice(_SUBJECTS).capitalize()}\n"
        f"- {rng.choice(_SUBJECTS).capitalize()}"
    )
    return title, body


def _batched(rows: Iterator[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_data_present() -> int:
    """How many bulk users exist already (the bulk seed runs once per database)."""
    from .accounts.models import User

    return db.session.scalar(
        select(func.count(User.id)).where(User.email.like(f"%@{BULK_EMAIL_DOMAIN}"))
    )


def seed_bulk_data(
    *,
    users: int,
    ideas: int,
    votes: int,
    comments: int = 0,
    seed: int = 2026,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, int]:
    """Insert `users` confirmed citizens, `ideas` published ideas over the demo themes and
    events, `votes` votes with a skewed distribution (a few ideas get most), each voter at
    most once per idea, and `comments` published comments, skewed the same way. Flushes only;
    the caller commits."""
    from .accounts.models import User
    from .accounts.services import hash_password
    from .events.models import Event
    from .ideas.models import Idea
    from .sanitize import clean_html
    from .themes.models import Theme
    from .votes.models import Vote

    rng = random.Random(seed)
    now = utcnow()
    connection = db.session.connection()
    theme_ids = list(db.session.scalars(select(Theme.id)))
    event_ids = list(db.session.scalars(select(Event.id))) or [None]
    if not theme_ids:
        raise RuntimeError("run `ideenwerkstatt demo-data` without sizes first: no themes yet")

    # One shared hash: 100,000 scrypt hashes would take hours and prove nothing here.
    password_hash = hash_password("Bulk-Demo-Passwort-2026")
    users_before = db.session.scalar(select(func.max(User.id))) or 0

    def user_rows():
        for n in range(users):
            yield {
                "email": f"person{n}@{BULK_EMAIL_DOMAIN}",
                "display_name": f"Teilnehmende {n}" if n % 3 else None,
                "password_hash": password_hash,
                "role": "citizen",
                "locale": "de" if n % 10 else "en",
                "created_at": now - dt.timedelta(minutes=n),
                "confirmed_at": now - dt.timedelta(minutes=n),
            }

    for batch in _batched(user_rows()):
        connection.execute(insert(User), batch)
    progress(f"{users} users")
    user_ids = list(
        db.session.scalars(select(User.id).where(User.id > users_before).order_by(User.id))
    )

    # Skewed popularity: weight ~ 1/rank^0.9 (Zipf-like), as on real platforms.
    weights = [1.0 / (rank**0.9) for rank in range(1, ideas + 1)]
    rng.shuffle(weights)
    total_weight = sum(weights)
    max_per_idea = len(user_ids)
    counts = [min(max_per_idea, int(votes * w / total_weight)) for w in weights]
    # Rounding down loses about 1.5 %: the most popular ideas get one more each until the
    # total asked for is reached.
    shortfall = votes - sum(counts)
    for n in sorted(range(ideas), key=weights.__getitem__, reverse=True):
        if shortfall <= 0:
            break
        if counts[n] < max_per_idea:
            counts[n] += 1
            shortfall -= 1
    ideas_before = db.session.scalar(select(func.max(Idea.id))) or 0
    html_cache: dict[str, str] = {}

    def idea_rows():
        for n in range(ideas):
            title, body = _text(rng)
            if body not in html_cache:
                html_cache[body] = str(clean_html(body))
            created = now - dt.timedelta(minutes=7 * (ideas - n))
            yield {
                "theme_id": theme_ids[n % len(theme_ids)],
                "event_id": event_ids[n % len(event_ids)] if n % 4 == 0 else None,
                "author_id": user_ids[rng.randrange(len(user_ids))] if user_ids else None,
                "title": title,
                "body": body,
                "body_html": html_cache[body],
                "status": "published",
                "from_paper_card": n % 25 == 0,
                "vote_count": counts[n],
                "created_at": created,
                "updated_at": created,
                "published_at": created,
            }

    for batch in _batched(idea_rows()):
        connection.execute(insert(Idea), batch)
    progress(f"{ideas} ideas")
    idea_ids = list(
        db.session.scalars(select(Idea.id).where(Idea.id > ideas_before).order_by(Idea.id))
    )

    # The vote times have their own generator, so the rest of the data stays as it was.
    clock = random.Random(seed + 1)
    spread = VOTE_SPREAD.total_seconds()
    trending: dict[int, float] = {}

    def vote_rows():
        for idea_id, count in zip(idea_ids, counts, strict=True):
            for user_id in rng.sample(user_ids, count):
                at = now - dt.timedelta(seconds=clock.random() * spread)
                weight = trend_weight(1, at)
                trending[idea_id] = trending.get(idea_id, 0.0) + weight
                yield {
                    "user_id": user_id,
                    "idea_id": idea_id,
                    "weight": 1,
                    "trend_weight": weight,
                    "created_at": at,
                    "updated_at": at,
                }

    written = 0
    for batch in _batched(vote_rows(), 20000):
        connection.execute(insert(Vote), batch)
        written += len(batch)
    progress(f"{written} votes")
    set_score = (
        update(Idea.__table__)
        .where(Idea.__table__.c.id == bindparam("idea"))
        .values(trending_score=bindparam("score"))
    )
    scores = [{"idea": idea_id, "score": score} for idea_id, score in trending.items()]
    for start in range(0, len(scores), BATCH):
        connection.execute(set_score, scores[start : start + BATCH])
    sizes = {"users": users, "ideas": ideas, "votes": written}
    if comments:
        sizes["comments"] = _seed_comments(connection, rng, comments, idea_ids, weights, user_ids)
        progress(f"{comments} comments")
    return sizes


def _seed_comments(connection, rng, comments, idea_ids, weights, user_ids) -> int:
    """Top-level published comments on the popular ideas mostly (the votes' weights)."""
    from .comments.models import Comment
    from .sanitize import clean_html

    now = utcnow()
    html_cache: dict[str, str] = {}
    targets = rng.choices(idea_ids, weights=weights, k=comments)

    def comment_rows():
        for n, idea_id in enumerate(targets):
            body = f"{rng.choice(_REASONS)} {rng.choice(_OPENINGS)} {rng.choice(_SUBJECTS)}."
            if body not in html_cache:
                html_cache[body] = str(clean_html(body))
            created = now - dt.timedelta(seconds=n)
            yield {
                "idea_id": idea_id,
                "author_id": user_ids[rng.randrange(len(user_ids))] if user_ids else None,
                "body": body,
                "body_html": html_cache[body],
                "status": "published",
                "created_at": created,
                "updated_at": created,
            }

    for batch in _batched(comment_rows()):
        connection.execute(insert(Comment), batch)
    return comments
