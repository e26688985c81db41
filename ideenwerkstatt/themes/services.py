"""Theme rules: organizers create, edit, reorder, retire and reactivate themes."""

from __future__ import annotations

import enum
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..auditlog import log_action
from ..extensions import db
from ..permissions import PermissionDenied, can_edit_theme
from .models import Theme

NAME_MAX = 80
SLUG_MAX = 60

_GERMAN_LETTERS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)


class ThemeError(Exception):
    """A theme change was refused. `message` says why in the user's words; `field` names
    the form field it concerns (None: the whole form)."""

    def __init__(self, message, field: str | None = None):
        # The message stays lazy: it is translated when shown, in the reader's language.
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class Direction(enum.StrEnum):
    UP = "up"
    DOWN = "down"


def slugify(text: str, max_length: int) -> str:
    """A URL slug: German letters spelled out (Mobilität -> mobilitaet), other accents
    dropped, everything else a single hyphen. May be empty when nothing is left."""
    text = unicodedata.normalize("NFC", text).translate(_GERMAN_LETTERS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def _require_theme_editor(actor) -> None:
    if not can_edit_theme(actor):
        raise PermissionDenied("organizer role required")


# Reading -------------------------------------------------------------------------------


def active_themes() -> list[Theme]:
    """Themes offered for new ideas and shown on the start page, in the organizers' order."""
    query = select(Theme).where(Theme.active.is_(True)).order_by(Theme.position, Theme.id)
    return list(db.session.scalars(query))


def all_themes() -> list[Theme]:
    """Every theme, retired ones included, in the organizers' order."""
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)))


def theme_by_slug(slug: str) -> Theme | None:
    """The theme with this slug, retired or not (a retired theme keeps its page)."""
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


def get_theme(theme_id: int) -> Theme | None:
    return db.session.get(Theme, theme_id)


# Changing ------------------------------------------------------------------------------


def _clean_names(name_de: str, name_en: str) -> tuple[str, str]:
    name_de, name_en = (name_de or "").strip(), (name_en or "").strip()
    if not name_de:
        raise ThemeError(_l("Bitte geben Sie einen deutschen Namen ein."), "name_de")
    if len(name_de) > NAME_MAX:
        raise ThemeError(_l("Höchstens %(max)d Zeichen.", max=NAME_MAX), "name_de")
    if len(name_en) > NAME_MAX:
        raise ThemeError(_l("Höchstens %(max)d Zeichen.", max=NAME_MAX), "name_en")
    return name_de, name_en


def create_theme(
    actor, *, name_de: str, name_en: str = "", description_de: str = "", description_en: str = ""
) -> Theme:
    """Create an active theme at the end of the order. Its slug comes from the German name
    and never changes afterwards (links to the theme page keep working).

    Raises PermissionDenied for non-organizers, ThemeError for an empty or too long name
    and when a theme with the same slug exists (the unique constraint decides, so two
    organizers creating the same theme at once cannot both succeed)."""
    _require_theme_editor(actor)
    name_de, name_en = _clean_names(name_de, name_en)
    slug = slugify(name_de, SLUG_MAX)
    if not slug:
        raise ThemeError(
            _l("Der Name braucht mindestens einen Buchstaben oder eine Ziffer."), "name_de"
        )
    last = db.session.scalar(select(func.max(Theme.position)))
    theme = Theme(
        slug=slug,
        name_de=name_de,
        name_en=name_en,
        description_de=(description_de or "").strip(),
        description_en=(description_en or "").strip(),
        active=True,
        position=(last + 1) if last is not None else 0,
    )
    try:
        # A savepoint: the duplicate rolls back only this insert, not the caller's work.
        with db.session.begin_nested():
            db.session.add(theme)
    except IntegrityError as exc:
        if "slug" not in str(exc.orig):
            raise
        raise ThemeError(
            _l("Ein Thema mit diesem Namen gibt es schon (Kurzname „%(slug)s“).", slug=slug),
            "name_de",
        ) from exc
    log_action(actor, "theme.create", theme)
    return theme


def update_theme(
    actor,
    theme: Theme,
    *,
    name_de: str,
    name_en: str = "",
    description_de: str = "",
    description_en: str = "",
) -> Theme:
    """Change names and descriptions. The slug stays as it was, so links keep working.

    Raises PermissionDenied for non-organizers, ThemeError for an empty or too long name."""
    _require_theme_editor(actor)
    theme.name_de, theme.name_en = _clean_names(name_de, name_en)
    theme.description_de = (description_de or "").strip()
    theme.description_en = (description_en or "").strip()
    db.session.flush()
    log_action(actor, "theme.update", theme)
    return theme


def move_theme(actor, theme: Theme, direction: Direction | str) -> bool:
    """Swap the theme with its neighbour above or below in the order; positions are
    renumbered 0..n-1 on the way, so ties left by concurrent creation disappear.
    Returns False (and changes nothing) when the theme is already first or last.

    Raises PermissionDenied for non-organizers, ValueError for an unknown direction."""
    _require_theme_editor(actor)
    direction = Direction(direction)
    themes = all_themes()
    index = themes.index(theme)
    other = index - 1 if direction is Direction.UP else index + 1
    if not 0 <= other < len(themes):
        return False
    themes[index], themes[other] = themes[other], themes[index]
    for position, each in enumerate(themes):
        each.position = position
    db.session.flush()
    return True


def retire_theme(actor, theme: Theme) -> Theme:
    """Retire a theme: it keeps its ideas and its page, but is no longer offered for new
    ideas or events, nor listed on the start page. Raises PermissionDenied."""
    _require_theme_editor(actor)
    theme.active = False
    db.session.flush()
    log_action(actor, "theme.retire", theme)
    return theme


def reactivate_theme(actor, theme: Theme) -> Theme:
    """Offer a retired theme again. Raises PermissionDenied."""
    _require_theme_editor(actor)
    theme.active = True
    db.session.flush()
    log_action(actor, "theme.reactivate", theme)
    return theme
