"""Public theme pages: a theme and its published ideas."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from . import services

bp = Blueprint("themes", __name__, url_prefix="/themes")

IDEAS_PER_PAGE = 20


@bp.get("/<slug>")
def detail(slug: str):
    """A theme's page; a retired theme keeps it (with a note), unknown slugs are a 404."""
    # Imported here: the ideas slice builds on themes (Idea.theme), so the theme page
    # reaches the idea list only when it is shown (cycle themes <-> ideas).
    from ..ideas.queries import list_ideas

    theme = services.theme_by_slug(slug) or abort(404)
    ideas = list_ideas(
        current_user,
        theme=theme,
        sort=request.args.get("sort", "newest"),
        page=_page_number(),
        per_page=IDEAS_PER_PAGE,
    )
    return render_template("themes/detail.html", theme=theme, ideas=ideas)


def _page_number() -> int:
    """?page= of the idea list: a positive number, or a 404 like any page that is not there."""
    raw = request.args.get("page") or "1"
    if not raw.isdigit():
        abort(404)
    return int(raw)
