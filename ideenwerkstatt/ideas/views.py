"""Idea pages: the list with its filters, submitting, the detail page, editing, and the
minimal moderator actions (the full queue is the moderation slice's)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..database import commit
from ..events.models import Event, Phase
from ..extensions import db, limiter
from ..permissions import Role, can_edit_idea, can_moderate, require_role
from ..routing import parse_page
from ..sanitize import stored_html
from ..themes.models import Theme
from . import queries, services
from .forms import ActionForm, FilterForm, IdeaForm, NewIdeaForm, RejectForm
from .models import IdeaStatus
from .privacy_hooks import register_privacy_hooks

bp = Blueprint("ideas", __name__, url_prefix="/ideas")

PER_PAGE = 20


@bp.record_once
def _on_register(state):
    app = state.app
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["my_ideas"] = queries.ideas_of
    app.jinja_env.globals["endpoint_exists"] = lambda name: name in app.view_functions
    app.jinja_env.filters["stored_html"] = stored_html
    register_privacy_hooks()


def page_url(number: int) -> str:
    """The current page's URL with another page number: pagination in ideas/_list.html."""
    args = request.args.to_dict(flat=True)
    args["page"] = number
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def _me():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _theme_choices(only_active: bool):
    stmt = select(Theme).order_by(Theme.position, Theme.name_de)
    if only_active:
        stmt = stmt.where(Theme.active.is_(True))
    return list(db.session.scalars(stmt))


def _theme_label(theme: Theme) -> str:
    name = theme.name(str(get_locale()))
    return name if theme.active else _("%(name)s (abgeschlossen)", name=name)


def _page_number() -> int:
    page = parse_page(request.args.get("page"))
    return page if page is not None else abort(404)


@bp.get("")
def index():
    """All published ideas (moderators may ask for other states), filtered by theme, event
    and search words, sorted, paginated. Unknown filter values: 422 with the message next
    to the field; the list then ignores that filter."""
    form = FilterForm(formdata=request.args)
    themes = _theme_choices(only_active=False)
    events = list(
        db.session.scalars(
            select(Event).where(Event.phase != Phase.DRAFT).order_by(Event.starts_at.desc())
        )
    )
    form.theme.choices = [SelectChoice("", _("Alle Themen"))] + [
        SelectChoice(t.slug, _theme_label(t)) for t in themes
    ]
    form.event.choices = [SelectChoice("", _("Alle Veranstaltungen"))] + [
        SelectChoice(e.slug, e.title) for e in events
    ]
    statuses = [("", _("Veröffentlicht"))]
    moderator = can_moderate(current_user)
    if moderator:
        statuses += [
            ("pending", _("Wartet auf Freigabe")),
            ("rejected", _("Abgelehnt")),
            ("hidden", _("Ausgeblendet")),
            (queries.STATUS_ALL, _("Alle")),
        ]
    valid = form.validate()
    status = request.args.get("status") or None
    if status not in {value for value, _label in statuses if value}:
        status = None
    theme = next((t for t in themes if t.slug == form.theme.data), None)
    event = next((e for e in events if e.slug == form.event.data), None)
    q = (form.q.data or "").strip()[:200] or None
    # No sort asked for: by relevance when searching, else newest first (the form shows it).
    asked = request.args.get("sort") or None
    sort = queries.effective_sort(form.sort.data if asked else None, q)
    form.sort.data = sort
    page = queries.list_ideas(
        _me(),
        theme=theme,
        event=event,
        q=q,
        sort=sort,
        page=_page_number(),
        per_page=PER_PAGE,
        status=status,
    )
    filtered = bool(theme or event or form.q.data)
    return (
        render_template(
            "ideas/index.html",
            form=form,
            page=page,
            filtered=filtered,
            statuses=statuses if moderator else None,
            status=status or "",
        ),
        200 if valid else 422,
    )


def _fill_choices(form: IdeaForm, idea=None) -> tuple[dict, dict]:
    """Active themes (plus the idea's own, if retired since) and collecting events (plus the
    idea's own event)."""
    themes = {t.slug: t for t in _theme_choices(only_active=True)}
    if idea is not None and idea.theme.slug not in themes:
        themes[idea.theme.slug] = idea.theme
    events = {
        e.slug: e
        for e in db.session.scalars(
            select(Event).where(Event.phase == Phase.COLLECTING).order_by(Event.starts_at)
        )
    }
    if idea is not None and idea.event is not None:
        events.setdefault(idea.event.slug, idea.event)
    form.theme.choices = [SelectChoice("", _("Bitte wählen"))] + [
        SelectChoice(slug, _theme_label(t)) for slug, t in themes.items()
    ]
    form.event.choices = [SelectChoice("", _("Keine Veranstaltung"))] + [
        SelectChoice(slug, e.title) for slug, e in events.items()
    ]
    return themes, events


def _apply_service_error(form, error: services.IdeaError) -> None:
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = list(target.errors or []) + [error.message]
    else:
        flash(error.message, "error")


def _ideas_limit() -> str:
    return current_app.config["RATELIMIT_IDEAS"]


SIMILAR_LIMIT = "60 per minute"


def similar_check_requested() -> bool:
    """The form came back by its "Ähnliche Ideen prüfen" button: show the hints, keep what
    was typed, create nothing (and count nothing against the ideas' limit)."""
    return request.method == "POST" and request.form.get("check") == "1"


def took_an_idea(response) -> bool:
    """Only ideas actually taken in count against the limit: a form sent back with errors,
    or to check for similar ideas, costs nothing."""
    return response.status_code < 400 and not similar_check_requested()


@bp.post("/similar")
@login_required
@limiter.limit(SIMILAR_LIMIT)
def similar():
    """Up to five published ideas similar to the title being typed (static/js/similar_ideas.js
    posts it: the draft stays out of addresses and logs). An HTML fragment."""
    title = (request.form.get("title") or "")[: services.TITLE_MAX]
    response = current_app.make_response(
        render_template("ideas/similar.html", similar=queries.similar_ideas(title), counts="votes")
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit(_ideas_limit, methods=["POST"], deduct_when=took_an_idea)
def new():
    form = NewIdeaForm()
    themes, events = _fill_choices(form)
    if request.method == "GET" and request.args.get("event") in events:
        form.event.data = request.args["event"]
    if request.method == "GET" and request.args.get("theme") in themes:
        form.theme.data = request.args["theme"]
    if form.is_submitted():
        if form.honeypot_filled():
            # A bot: pretend it worked, keep nothing.
            flash(_("Danke! Ihre Idee wird geprüft und dann veröffentlicht."), "success")
            return redirect(url_for("ideas.index"))
        if similar_check_requested():
            form.prime_fill_time()
            return render_template(
                "ideas/form.html",
                form=form,
                idea=None,
                similar=queries.similar_ideas(form.title.data),
                checked=True,
            )
        valid = form.validate() & form.check_fill_time()
        if valid:
            try:
                idea = services.submit_idea(
                    _me(),
                    themes.get(form.theme.data),
                    form.title.data,
                    form.body.data,
                    event=events.get(form.event.data) if form.event.data else None,
                )
            except services.IdeaError as error:
                _apply_service_error(form, error)
            else:
                commit()
                flash(
                    _(
                        "Danke! Ihre Idee ist eingegangen. Die Moderation prüft sie und "
                        "veröffentlicht sie dann; bis dahin können Sie sie noch bearbeiten."
                    ),
                    "success",
                )
                return redirect(url_for("ideas.detail", idea_id=idea.id))
        form.prime_fill_time()
        return render_template("ideas/form.html", form=form, idea=None), 422
    form.prime_fill_time()
    return render_template("ideas/form.html", form=form, idea=None)


def _vote_state(idea):
    """The viewer's vote controls for the idea page."""
    # Imported here: the votes slice builds on ideas (a vote is on an idea), so the idea
    # page reaches it only when it is shown (cycle ideas <-> votes).
    from ..votes.services import vote_state

    return vote_state(_me(), idea)


@bp.get("/<int:idea_id>")
def detail(idea_id: int):
    idea = queries.idea_for_viewer(_me(), idea_id, merged_too=True)
    if idea.status == IdeaStatus.MERGED and idea.merged_into is not None:
        # A merged duplicate lives on in the idea it went into: its address leads there.
        flash(
            _(
                "„%(source)s“ wurde mit dieser Idee zusammengeführt: Die Stimmen und Kommentare "
                "zählen jetzt hier.",
                source=idea.title,
            ),
            "info",
        )
        return redirect(url_for("ideas.detail", idea_id=idea.merged_into_id), 302)
    # The moderators' forms only for moderators: building one makes a CSRF token, and with
    # it a session cookie, for every visitor.
    moderator = can_moderate(current_user)
    return render_template(
        "ideas/detail.html",
        idea=idea,
        vote=_vote_state(idea),
        action_form=ActionForm() if moderator else None,
        reject_form=RejectForm() if moderator else None,
    )


@bp.route("/<int:idea_id>/edit", methods=["GET", "POST"])
@login_required
def edit(idea_id: int):
    idea = queries.idea_for_viewer(_me(), idea_id)
    if not can_edit_idea(current_user, idea):
        abort(403)
    form = IdeaForm(
        obj=None,
        data={
            "theme": idea.theme.slug,
            "title": idea.title,
            "body": idea.body,
            "event": idea.event.slug if idea.event else "",
        },
    )
    themes, events = _fill_choices(form, idea)
    if form.is_submitted():
        if form.validate():
            try:
                services.edit_idea(
                    _me(),
                    idea,
                    title=form.title.data,
                    body=form.body.data,
                    theme=themes.get(form.theme.data),
                    event=events.get(form.event.data) if form.event.data else None,
                )
            except services.IdeaNotAllowed:
                abort(403)
            except services.IdeaError as error:
                _apply_service_error(form, error)
            else:
                commit()
                flash(_("Ihre Änderungen sind gespeichert."), "success")
                return redirect(url_for("ideas.detail", idea_id=idea.id))
        return render_template("ideas/form.html", form=form, idea=idea), 422
    return render_template("ideas/form.html", form=form, idea=idea)


def _moderation_action(idea_id: int, action, success: str):
    idea = queries.idea_for_viewer(_me(), idea_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(_me(), idea)
    except services.IdeaError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        commit()
        flash(success, "success")
    return redirect(url_for("ideas.detail", idea_id=idea_id))


@bp.post("/<int:idea_id>/approve")
@require_role(Role.MODERATOR)
def approve(idea_id: int):
    return _moderation_action(idea_id, services.approve_idea, _("Die Idee ist freigegeben."))


@bp.post("/<int:idea_id>/hide")
@require_role(Role.MODERATOR)
def hide(idea_id: int):
    return _moderation_action(idea_id, services.hide_idea, _("Die Idee ist ausgeblendet."))


@bp.post("/<int:idea_id>/restore")
@require_role(Role.MODERATOR)
def restore(idea_id: int):
    return _moderation_action(idea_id, services.restore_idea, _("Die Idee ist wieder sichtbar."))


@bp.post("/<int:idea_id>/reject")
@require_role(Role.MODERATOR)
def reject(idea_id: int):
    idea = queries.idea_for_viewer(_me(), idea_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject_idea(_me(), idea, form.reason.data)
        except services.InvalidTransition as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("ideas.detail", idea_id=idea_id))
        except services.IdeaError as error:
            _apply_service_error(form, error)
        else:
            commit()
            flash(
                _("Die Idee ist abgelehnt. Wer sie eingereicht hat, bekommt den Grund per E-Mail."),
                "success",
            )
            return redirect(url_for("ideas.detail", idea_id=idea_id))
    db.session.rollback()
    return (
        render_template(
            "ideas/detail.html",
            idea=idea,
            vote=_vote_state(idea),
            action_form=ActionForm(),
            reject_form=form,
        ),
        422,
    )
