"""Summary pages: the public result with downloads, and the moderators' curation page."""

from __future__ import annotations

import json

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
from flask_login import current_user

from ..csvsafe import SPREADSHEET_DELIMITER, write_csv
from ..database import commit
from ..events.models import Phase
from ..events.services import event_by_slug
from ..permissions import Role, can_moderate, require_role
from ..routing import parse_id
from . import document as summary_document
from . import services
from .chart import chart
from .forms import ActionForm, SummaryForm
from .pdf import render_pdf

bp = Blueprint("summaries", __name__)


@bp.record_once
def _template_globals(state):
    state.app.jinja_env.globals["summaries_for_idea"] = services.summaries_for_idea
    state.app.jinja_env.globals["idea_result"] = services.idea_result


def _messages() -> dict[str, str]:
    return {
        "event-not-closed": _(
            "Ein Ergebnis gibt es erst, wenn die Veranstaltung abgeschlossen ist."
        ),
        "text-too-long": _("Der Text ist zu lang."),
        "note-too-long": _(
            "Eine Notiz ist zu lang: höchstens %(max)d Zeichen, bitte.",
            max=services.MAX_NOTE_LENGTH,
        ),
        "bad-direction": _("Diese Aktion gibt es nicht."),
        "not-selected": _("Diese Idee ist nicht im Ergebnis."),
        "not-available": _("Diese Idee kann nicht ins Ergebnis aufgenommen werden."),
        "already-selected": _("Diese Idee ist schon im Ergebnis."),
        "pdf-failed": _(
            "Das PDF des Ergebnisses lässt sich nicht erzeugen, deshalb ist nichts "
            "veröffentlicht. Bitte prüfen Sie Einleitung und Fazit."
        ),
    }


def _event(slug: str):
    return event_by_slug(slug, current_user) or abort(404)


def _document(event):
    """The published document; moderators see the draft (as preview) when there is none."""
    document = summary_document.published_document(event)
    if document is None and can_moderate(current_user):
        document = summary_document.draft_document(event)
    return document or abort(404)


# --- public ----------------------------------------------------------------------------------


@bp.get("/events/<slug>/summary")
def show(slug: str):
    """The published result. Before publication: a 404 for everyone but moderators, who see
    the draft as a preview, or (no draft yet) are sent to the curation page."""
    event = _event(slug)
    document = summary_document.published_document(event)
    if document is None:
        if not can_moderate(current_user):
            abort(404)
        document = summary_document.draft_document(event)
        if document is None:
            return redirect(url_for("summaries.edit", slug=slug))
    locale = str(get_locale())
    return render_template(
        "summaries/show.html",
        event=event,
        document=document,
        groups=summary_document.theme_groups(document, locale),
        chart=chart(document["figures"], locale),
    )


def _download(event, body, mimetype: str, extension: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="ergebnis-{event.slug}.{extension}"'
    )
    return response


@bp.get("/events/<slug>/summary.pdf")
def pdf(slug: str):
    event = _event(slug)
    document = _document(event)
    return _download(event, render_pdf(document, str(get_locale())), "application/pdf", "pdf")


@bp.get("/events/<slug>/summary.csv")
def csv(slug: str):
    event = _event(slug)
    document = _document(event)
    rows = (summary_document.csv_row(item) for item in document["items"])
    body = write_csv(rows, summary_document.CSV_COLUMNS, delimiter=SPREADSHEET_DELIMITER)
    return _download(event, body, "text/csv", "csv")


@bp.get("/events/<slug>/summary.json")
def json_download(slug: str):
    event = _event(slug)
    document = _document(event)
    body = json.dumps(summary_document.json_record(document), ensure_ascii=False, indent=2)
    return _download(event, body, "application/json", "json")


# --- curation (moderators) -------------------------------------------------------------------


def _render_edit(event, summary, form, note_values=None, note_errors=None, status=200):
    return (
        render_template(
            "summaries/edit.html",
            event=event,
            summary=summary,
            form=form,
            action_form=ActionForm(),
            groups=_item_groups(summary) if summary else [],
            unselected=services.unselected_ideas(summary) if summary else [],
            note_values=note_values or {},
            note_errors=note_errors or {},
            closed=event.phase == Phase.CLOSED,
        ),
        status,
    )


def _item_groups(summary) -> list[dict]:
    locale = str(get_locale())
    groups: dict[int, dict] = {}
    items = sorted(
        summary.items, key=lambda i: (i.idea.theme.position, i.idea.theme_id, i.position)
    )
    for item in items:
        theme = item.idea.theme
        group = groups.setdefault(theme.id, {"name": theme.name(locale), "items": []})
        group["items"].append(item)
    return list(groups.values())


@bp.get("/events/<slug>/summary/edit")
@require_role(Role.MODERATOR)
def edit(slug: str):
    event = _event(slug)
    summary = services.summary_for_event(event)
    form = SummaryForm(obj=summary) if summary else SummaryForm()
    return _render_edit(event, summary, form)


@bp.post("/events/<slug>/summary/start")
@require_role(Role.MODERATOR)
def start(slug: str):
    event = _event(slug)
    try:
        services.start_summary(event, current_user)
    except services.SummaryError as error:
        flash(_messages()[str(error)], "error")
        return redirect(url_for("summaries.edit", slug=slug))
    commit()
    flash(
        _("Der Entwurf ist angelegt: die veröffentlichten Ideen, nach Stimmen geordnet."), "success"
    )
    return redirect(url_for("summaries.edit", slug=slug))


@bp.post("/events/<slug>/summary/edit")
@require_role(Role.MODERATOR)
def update(slug: str):
    """Save the texts and notes, then do what the pressed button says (save, publish, move,
    take out, add): every button submits the whole form, so nothing typed is lost."""
    event = _event(slug)
    summary = services.summary_for_event(event) or abort(404)
    form = SummaryForm()
    notes = {
        item.id: request.form.get(f"note-{item.id}", item.note or "") for item in summary.items
    }
    note_errors = {
        item_id: _messages()["note-too-long"]
        for item_id, note in notes.items()
        if len(note) > services.MAX_NOTE_LENGTH
    }
    if not form.validate() or note_errors:
        return _render_edit(event, summary, form, notes, note_errors, status=422)
    action, _sep, target = (request.form.get("action") or "save").partition(":")
    anchor = None
    try:
        services.save_texts(
            summary, current_user, form.intro.data or "", form.conclusion.data or "", notes
        )
        if action in ("up", "down", "remove", "add"):
            idea_id = parse_id(target)
            if idea_id is None:
                abort(400)
            if action == "remove":
                services.remove_item(summary, idea_id)
            elif action == "add":
                services.add_item(summary, idea_id)
                anchor = f"idea-{idea_id}"
            else:
                services.move_item(summary, idea_id, action)
                anchor = f"idea-{idea_id}"
        elif action == "publish":
            services.publish_summary(summary, current_user)
        elif action != "save":
            abort(400)
    except services.SummaryError as error:
        # The texts are kept: the refusal concerns only the button.
        commit()
        flash(_messages()[str(error)], "error")
        return redirect(url_for("summaries.edit", slug=slug))
    commit()
    if action == "publish":
        flash(
            _("Das Ergebnis ist veröffentlicht (Version %(version)s).", version=summary.version),
            "success",
        )
        return redirect(url_for("summaries.show", slug=slug))
    flash(_("Gespeichert."), "success")
    return redirect(url_for("summaries.edit", slug=slug, _anchor=anchor))


@bp.post("/events/<slug>/summary/order")
@require_role(Role.MODERATOR)
def order(slug: str):
    """The order from the drag-and-drop script: idea ids, comma separated."""
    event = _event(slug)
    summary = services.summary_for_event(event) or abort(404)
    raw = request.form.get("order", "")
    ids = [parse_id(part) for part in raw.split(",") if part]
    if None in ids:
        abort(400)
    try:
        services.set_order(summary, ids)
    except services.SummaryError:
        abort(400)
    commit()
    return ("", 204)
