"""`ideenwerkstatt demo-data`: a fictional town's workshop to look at; idempotent."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .database import commit, utcnow, writing
from .extensions import db
from .ideas.trending import trend_weight

DEMO_PASSWORD = "Musterstadt-Demo-2026"  # noqa: S105  (published in the README)

DEMO_ACCOUNTS = [
    ("buergerin@example.org", "citizen", "Lena aus der Altstadt"),
    ("buerger@example.org", "citizen", "Ömer"),
    ("teilnehmende@example.org", "citizen", None),
    ("moderation@example.org", "moderator", "Moderation"),
    ("orga@example.org", "organizer", "Orga-Team"),
    ("admin@example.org", "admin", "Admin"),
]

DEMO_THEMES = [
    (
        "digitalisierung",
        "Digitalisierung",
        "Digitalisation",
        "Digitale Dienste, offenes WLAN, Daten und Verwaltung, die man online erreicht.",
        "Digital services, public Wi-Fi, open data and a town hall you can reach online.",
    ),
    (
        "mobilitaet",
        "Mobilität",
        "Mobility",
        "Zu Fuß, mit dem Rad, dem Bus oder dem Auto: wie wir sicher und bequem ankommen.",
        "On foot, by bike, bus or car: getting around safely and comfortably.",
    ),
    (
        "bildung",
        "Bildung",
        "Education",
        "Schulen, Bibliotheken, Volkshochschule und Lernen in jedem Alter.",
        "Schools, libraries, adult education and learning at every age.",
    ),
]

# The three workshops, keyed by their slug's end: (title, description, place, phase, rule,
# dot budget, theme slugs). Their dates are set relative to the day of seeding (_event_times).
DEMO_EVENTS = {
    "digitalisierung": (
        "Musterstadt von Morgen: Digitalisierung",
        "Die Ideenwerkstatt läuft gerade: Wie soll unsere Stadt digitaler, offener und "
        "einfacher werden? Stimmen Sie jetzt für die Ideen ab, die Ihnen wichtig sind.",
        "Stadtbibliothek Musterstadt, Lesesaal, Marktplatz 3",
        "voting",
        "support",
        None,
        ["digitalisierung"],
    ),
    "mobilitaet": (
        "Musterstadt von Morgen: Mobilität",
        "Die nächste Ideenwerkstatt: Radwege, Busse, Fußwege. Reichen Sie Ihre Ideen ein "
        "und verteilen Sie beim Treffen fünf Punkte auf die besten Vorschläge.",
        "Bürgerhaus Musterstadt, Saal 1, Lindenallee 12",
        "collecting",
        "dots",
        5,
        ["mobilitaet"],
    ),
    "bildung": (
        "Musterstadt von Morgen: Bildung",
        "Die erste Ideenwerkstatt der Reihe: Lernen in jedem Alter. Das Ergebnis ist "
        "veröffentlicht und geht an den Schulausschuss.",
        "Volkshochschule Musterstadt, Raum 2, Schulstraße 5",
        "closed",
        "support",
        None,
        ["bildung"],
    ),
}

# (theme slug, event key or None, title, body, votes, published, days before): an event's
# idea was submitted that many days before the event began, one without an event that many
# days ago; it was published a day after it came in. Votes come only where they count: in
# the voting or closed event, or on an idea without an event (never in a collecting event).
DEMO_IDEAS = [
    (
        "digitalisierung",
        "digitalisierung",
        "Freies WLAN auf dem Marktplatz",
        "Ein offenes, **werbefreies** WLAN rund um den Marktplatz und die Bücherei.\n\n"
        "- ohne Anmeldung mit Handynummer\n- betrieben von den Stadtwerken",
        5,
        True,
        14,
    ),
    (
        "digitalisierung",
        "digitalisierung",
        "Bürgeramt-Termine online buchen",
        "Termine beim Bürgeramt sollten online buchbar sein, auch barrierefrei und ohne App.",
        4,
        True,
        12,
    ),
    (
        "digitalisierung",
        "digitalisierung",
        "Offene Daten zum Haushalt",
        "Der städtische Haushalt als offene Daten, damit alle nachvollziehen können, wofür "
        "das Geld ausgegeben wird.",
        2,
        True,
        9,
    ),
    (
        "mobilitaet",
        "mobilitaet",
        "Sichere Radwege zur Gesamtschule",
        "Viele Kinder fahren mit dem Rad zur Schule. Ein durchgehender, baulich getrennter "
        "Radweg an der Bahnhofstraße würde helfen.",
        0,
        True,
        24,
    ),
    (
        "mobilitaet",
        None,
        "Bus am Sonntag im Stundentakt",
        "Sonntags fährt der Bus nur alle zwei Stunden. Ein Stundentakt würde Ausflüge ohne "
        "Auto möglich machen.",
        3,
        True,
        6,
    ),
    (
        "bildung",
        "bildung",
        "Digitale Sprechstunde in der Stadtbibliothek",
        "Einmal pro Woche helfen Ehrenamtliche bei Fragen zu Smartphone, Online-Banking und "
        "Behördengängen im Netz.",
        4,
        True,
        20,
    ),
    (
        "bildung",
        "bildung",
        "Schulhöfe nachmittags öffnen",
        "Schulhöfe könnten nachmittags und am Wochenende als Spielflächen offen sein.",
        1,
        True,
        16,
    ),
    (
        "mobilitaet",
        "mobilitaet",
        "Mehr Fahrradbügel am Bahnhof",
        "Am Bahnhof fehlen überdachte Abstellplätze für Fahrräder.",
        0,
        False,
        22,
    ),
]

# Demo citizens who said yes to invitations (an organizer trying invitations reaches them).
DEMO_INVITATION_CONSENTS = ("buergerin@example.org", "teilnehmende@example.org")

DEMO_SUMMARY_INTRO = (
    "Rund 40 Bürger*innen haben in der Volkshochschule über Bildung in Musterstadt "
    "beraten. Diese Ideen haben die meisten Stimmen bekommen."
)
DEMO_SUMMARY_CONCLUSION = (
    "Der Schulausschuss berät die Ideen in seiner nächsten Sitzung. **Danke** an alle, "
    "die mitgemacht haben!"
)


def seed_demo_data() -> dict[str, int]:
    """Create the demo themes, events, accounts, ideas, invitation consents and the closed
    event's summary that are missing; return what was created. Dates are relative to the
    day of seeding: one event is happening now (voting), one is three weeks ahead
    (collecting ideas), one ended five weeks ago (closed, summary published). Running it
    again creates nothing new."""
    created = {
        "themes": 0,
        "events": 0,
        "accounts": 0,
        "ideas": 0,
        "consents": 0,
        "summaries": 0,
    }
    themes = _seed_themes(created)
    accounts = _seed_accounts(created)
    events = _seed_events(themes, created)
    _seed_ideas(themes, accounts, events, created)
    _seed_invitation_consents(accounts, created)
    _seed_summary(events["bildung"], accounts["moderation@example.org"], created)
    return created


def _seed_themes(created) -> dict:
    from .themes.models import Theme

    themes = {}
    for position, (slug, name_de, name_en, desc_de, desc_en) in enumerate(DEMO_THEMES):
        theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
        if theme is None:
            theme = Theme(
                slug=slug,
                name_de=name_de,
                name_en=name_en,
                description_de=desc_de,
                description_en=desc_en,
                position=position,
            )
            db.session.add(theme)
            created["themes"] += 1
        themes[slug] = theme
    db.session.flush()
    return themes


def _seed_accounts(created) -> dict:
    from .accounts.models import User
    from .accounts.services import hash_password
    from .permissions import Role
    from .privacy.models import ConsentAction, ConsentChannel, Purpose
    from .privacy.services import consent_text_row, record_consent

    accounts = {}
    for email, role, display_name in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                # Each account its own salt: one shared hash would show they share a password.
                password_hash=hash_password(DEMO_PASSWORD),
                role=Role(role),
                display_name=display_name,
                locale="de",
                confirmed_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
            record_consent(
                user,
                Purpose.PARTICIPATION,
                ConsentAction.GRANTED,
                ConsentChannel.ADMIN_CLI,
                consent_text_row(Purpose.PARTICIPATION, "de"),
            )
            created["accounts"] += 1
        accounts[email] = user
    return accounts


def _event_times(phase: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a demo event: the voting one began an hour ago and lasts three more;
    the collecting one is in three weeks, the closed one was five weeks ago (17:00 UTC)."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    if phase == "voting":
        return hour - dt.timedelta(hours=1), hour + dt.timedelta(hours=3)
    day = now.replace(hour=17, minute=0, second=0, microsecond=0)
    starts = day + dt.timedelta(days=21 if phase == "collecting" else -35)
    return starts, starts + dt.timedelta(hours=3)


def _seed_events(themes, created) -> dict:
    from .events.models import Event, Phase, VotingRule

    now = utcnow()
    events = {}
    for key, spec in DEMO_EVENTS.items():
        title, description, place, phase, rule, budget, theme_slugs = spec
        slug = f"musterstadt-von-morgen-{key}"
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            starts_at, ends_at = _event_times(phase, now)
            event = Event(
                slug=slug,
                title=title,
                description=description,
                place=place,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=60,
                phase=Phase(phase),
                voting_rule=VotingRule(rule),
                dot_budget=budget,
                retention_days=90,
                themes=[themes[s] for s in theme_slugs],
            )
            db.session.add(event)
            created["events"] += 1
        events[key] = event
    db.session.flush()
    return events


def _seed_ideas(themes, accounts, events, created) -> None:
    from .ideas.models import Idea, IdeaStatus
    from .sanitize import clean_html
    from .votes.models import Vote

    citizens = [u for u in accounts.values() if u.role == "citizen"]
    voters = list(accounts.values())
    now = utcnow()
    for index, (slug, event_key, title, body, votes, published, days) in enumerate(DEMO_IDEAS):
        if db.session.scalar(select(func.count(Idea.id)).where(Idea.title == title)):
            continue
        event = events[event_key] if event_key else None
        before = event.starts_at if event is not None else now
        created_at = before - dt.timedelta(days=days)
        idea = Idea(
            theme=themes[slug],
            event=event,
            author=citizens[index % len(citizens)],
            title=title,
            body=body,
            body_html=str(clean_html(body)),
            status=IdeaStatus.PUBLISHED if published else IdeaStatus.PENDING,
            published_at=created_at + dt.timedelta(days=1) if published else None,
            created_at=created_at,
            updated_at=created_at,
        )
        db.session.add(idea)
        db.session.flush()
        # Votes in the closed event were cast at its workshop; the others just now.
        voted_at = event.starts_at + dt.timedelta(hours=1) if event_key == "bildung" else now
        for voter in voters[:votes]:
            db.session.add(
                Vote(
                    user_id=voter.id,
                    idea_id=idea.id,
                    weight=1,
                    trend_weight=trend_weight(1, voted_at),
                    created_at=voted_at,
                )
            )
        idea.vote_count = min(votes, len(voters))
        idea.trending_score = trend_weight(1, voted_at) * idea.vote_count
        created["ideas"] += 1
    db.session.flush()


def _seed_invitation_consents(accounts, created) -> None:
    """Some demo citizens consented to invitations, recorded in the ledger as a decision
    (channel admin_cli: the demo command made it). Someone with any decision on record,
    a later withdrawal included, is left alone."""
    from .privacy.models import ConsentAction, ConsentChannel, Purpose
    from .privacy.services import consent_state, consent_text_row, record_consent

    for email in DEMO_INVITATION_CONSENTS:
        user = accounts[email]
        if consent_state(user)[Purpose.INVITATIONS] is not None:
            continue
        record_consent(
            user,
            Purpose.INVITATIONS,
            ConsentAction.GRANTED,
            ConsentChannel.ADMIN_CLI,
            consent_text_row(Purpose.INVITATIONS, "de"),
        )
        created["consents"] += 1


def _seed_summary(event, moderator, created) -> None:
    """The closed event's result, published by the moderation a week after the workshop
    (through the summaries' own services), unless it has a summary already."""
    from .events.models import Phase
    from .summaries import services as summaries

    if event.phase != Phase.CLOSED or summaries.summary_for_event(event) is not None:
        return
    summary = summaries.start_summary(event, moderator)
    if not summary.items:
        return
    notes = {summary.items[0].id: "Die Stadtbibliothek hat schon zugesagt."}
    summaries.save_texts(summary, moderator, DEMO_SUMMARY_INTRO, DEMO_SUMMARY_CONCLUSION, notes)
    version = summaries.publish_summary(summary, moderator)
    published_at = event.ends_at + dt.timedelta(days=7)
    summary.published_at = summary.updated_at = version.created_at = published_at
    db.session.flush()
    created["summaries"] += 1


@click.command("demo-data")
@click.option("--users", type=click.IntRange(min=1), help="Bulk: this many extra citizens.")
@click.option("--ideas", type=click.IntRange(min=1), help="Bulk: this many published ideas.")
@click.option("--votes", type=click.IntRange(min=0), help="Bulk: about this many votes.")
@click.option("--comments", type=click.IntRange(min=0), help="Bulk: this many comments.")
@with_appcontext
def demo_data_command(users, ideas, votes, comments):
    """Seed themes, events, accounts and ideas to look at (idempotent). With sizes, add a
    bulk data set for benchmarks (once per database)."""
    with writing():
        created = seed_demo_data()
        commit()
    summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
    click.echo(f"Demo data ready (new: {summary}).")
    if created["accounts"]:
        click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r} (see README).")
    if users is None and ideas is None and votes is None and comments is None:
        return
    from .demo_bulk import bulk_data_present, seed_bulk_data

    if existing := bulk_data_present():
        click.echo(f"Bulk data already present ({existing} bulk users); nothing added.")
        return
    with writing():
        sizes = seed_bulk_data(
            users=users or 1000,
            ideas=ideas or 100,
            votes=votes if votes is not None else 1000,
            comments=comments or 0,
            progress=lambda msg: click.echo(f"  … {msg}"),
        )
        commit()
    click.echo("Bulk data added: " + ", ".join(f"{n} {kind}" for kind, n in sizes.items()))
