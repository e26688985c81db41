"""`ideenwerkstatt demo-data`: a fictional town's workshop to look at; idempotent."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from .database import commit, utcnow, writing
from .extensions import db

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

# (theme slug, title, body, votes, published)
DEMO_IDEAS = [
    (
        "digitalisierung",
        "Freies WLAN auf dem Marktplatz",
        "Ein offenes, **werbefreies** WLAN rund um den Marktplatz und die Bücherei.\n\n"
        "- ohne Anmeldung mit Handynummer\n- betrieben von den Stadtwerken",
        5,
        True,
    ),
    (
        "digitalisierung",
        "Bürgeramt-Termine online buchen",
        "Termine beim Bürgeramt sollten online buchbar sein, auch barrierefrei und ohne App.",
        4,
        True,
    ),
    (
        "digitalisierung",
        "Offene Daten zum Haushalt",
        "Der städtische Haushalt als offene Daten, damit alle nachvollziehen können, wofür "
        "das Geld ausgegeben wird.",
        2,
        True,
    ),
    (
        "mobilitaet",
        "Sichere Radwege zur Gesamtschule",
        "Viele Kinder fahren mit dem Rad zur Schule. Ein durchgehender, baulich getrennter "
        "Radweg an der Bahnhofstraße würde helfen.",
        6,
        True,
    ),
    (
        "mobilitaet",
        "Bus am Sonntag im Stundentakt",
        "Sonntags fährt der Bus nur alle zwei Stunden. Ein Stundentakt würde Ausflüge ohne "
        "Auto möglich machen.",
        3,
        True,
    ),
    (
        "bildung",
        "Digitale Sprechstunde in der Stadtbibliothek",
        "Einmal pro Woche helfen Ehrenamtliche bei Fragen zu Smartphone, Online-Banking und "
        "Behördengängen im Netz.",
        4,
        True,
    ),
    (
        "bildung",
        "Schulhöfe nachmittags öffnen",
        "Schulhöfe könnten nachmittags und am Wochenende als Spielflächen offen sein.",
        1,
        True,
    ),
    (
        "mobilitaet",
        "Mehr Fahrradbügel am Bahnhof",
        "Am Bahnhof fehlen überdachte Abstellplätze für Fahrräder.",
        0,
        False,
    ),
]


def seed_demo_data() -> dict[str, int]:
    """Create the demo themes, events, accounts and ideas that are missing; return what was
    created. Running it again creates nothing new."""
    created = {"themes": 0, "events": 0, "accounts": 0, "ideas": 0}
    themes = _seed_themes(created)
    accounts = _seed_accounts(created)
    event = _seed_events(themes, created)
    _seed_ideas(themes, accounts, event, created)
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


def _seed_events(themes, created):
    from .events.models import Event, Phase, VotingRule

    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    specs = [
        (
            "musterstadt-von-morgen-digitalisierung",
            "Musterstadt von Morgen: Digitalisierung",
            "Die erste Ideenwerkstatt der Reihe: Wie soll unsere Stadt digitaler, offener und "
            "einfacher werden? Stimmen Sie jetzt für die Ideen ab, die Ihnen wichtig sind.",
            "Stadtbibliothek Musterstadt, Lesesaal, Marktplatz 3",
            today - dt.timedelta(days=10, hours=-16),
            Phase.VOTING,
            VotingRule.SUPPORT,
            None,
            ["digitalisierung", "bildung"],
        ),
        (
            "musterstadt-von-morgen-mobilitaet",
            "Musterstadt von Morgen: Mobilität",
            "Die zweite Ideenwerkstatt: Radwege, Busse, Fußwege. Reichen Sie Ihre Ideen ein "
            "und verteilen Sie beim Treffen fünf Punkte auf die besten Vorschläge.",
            "Bürgerhaus Musterstadt, Saal 1, Lindenallee 12",
            today + dt.timedelta(days=21, hours=17),
            Phase.COLLECTING,
            VotingRule.DOTS,
            5,
            ["mobilitaet"],
        ),
    ]
    first = None
    for slug, title, description, place, starts_at, phase, rule, budget, theme_slugs in specs:
        event = db.session.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            event = Event(
                slug=slug,
                title=title,
                description=description,
                place=place,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=3),
                capacity=60,
                phase=phase,
                voting_rule=rule,
                dot_budget=budget,
                retention_days=90,
                themes=[themes[s] for s in theme_slugs],
            )
            db.session.add(event)
            created["events"] += 1
        first = first or event
    db.session.flush()
    return first


def _seed_ideas(themes, accounts, event, created) -> None:
    from .ideas.models import Idea, IdeaStatus
    from .sanitize import clean_html
    from .votes.models import Vote

    citizens = [u for u in accounts.values() if u.role == "citizen"]
    voters = list(accounts.values())
    for index, (slug, title, body, votes, published) in enumerate(DEMO_IDEAS):
        if db.session.scalar(select(func.count(Idea.id)).where(Idea.title == title)):
            continue
        theme = themes[slug]
        in_event = event if theme in event.themes else None
        now = utcnow()
        idea = Idea(
            theme=theme,
            event=in_event,
            author=citizens[index % len(citizens)],
            title=title,
            body=body,
            body_html=str(clean_html(body)),
            status=IdeaStatus.PUBLISHED if published else IdeaStatus.PENDING,
            published_at=now if published else None,
            created_at=now - dt.timedelta(days=len(DEMO_IDEAS) - index),
        )
        db.session.add(idea)
        db.session.flush()
        for voter in voters[:votes]:
            db.session.add(Vote(user_id=voter.id, idea_id=idea.id, weight=1))
        idea.vote_count = min(votes, len(voters))
        created["ideas"] += 1
    db.session.flush()


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
