"""Vote and retract: plain form posts that redirect back, or JSON for static/js/votes.js."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from ..database import commit, reads_first, write_transaction
from ..events.models import VotingRule
from ..extensions import db, limiter, login_manager
from ..ideas.queries import idea_for_viewer
from ..urls import is_safe_next, redirect_next
from . import services
from .privacy_hooks import register_privacy_hooks

bp = Blueprint("votes", __name__, url_prefix="/ideas")


@bp.record_once
def _on_register(state):
    # The ideas pages list "my votes" (ideas/_mine.html); the votes slice provides it.
    state.app.jinja_env.globals["my_votes"] = services.votes_of
    state.app.jinja_env.globals["list_vote_states"] = _list_vote_states
    register_privacy_hooks()


def _list_vote_states(ideas) -> services.ListVotes:
    """For ideas/_list.html: the signed-in person's votes on the ideas of a list page."""
    me = current_user._get_current_object() if current_user.is_authenticated else None
    return services.list_vote_states(me, ideas)


class VoteForm(FlaskForm):
    dots = IntegerField(validators=[Optional(), NumberRange(min=1, max=1000)])


def _wants_json() -> bool:
    """The script asks with `Accept: application/json`; browsers' own posts prefer HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _votes_limit() -> str:
    return current_app.config["RATELIMIT_VOTES"]


def _account_or_address() -> str:
    """Per account when signed in (one person, many devices), else per address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr or '-'}"


def _answer(idea_id: int, state, message: str, category: str = "success", status: int = 200):
    """JSON for the script (with the re-rendered controls), else flash and redirect back.
    Takes the id, not the idea: after the commit the idea is expired, and reading it would
    load it again (on SQLite in a second write transaction)."""
    if _wants_json():
        payload = state.as_json() if state is not None else {}
        payload.update(ok=status == 200, message=message)
        if state is not None:
            # The controls as the page showed them: a card in a list keeps its short
            # buttons and its way back to the list.
            next_url = request.form.get("next")
            payload["html"] = render_template(
                "ideas/_vote_controls.html",
                vote=state,
                in_list=request.form.get("in_list") == "1",
                next_url=next_url if is_safe_next(next_url) else None,
            )
            payload["count_text"] = count_text(state.vote_count, state.rule)
        return jsonify(payload), status
    flash(message, category)
    return redirect_next("ideas.detail", idea_id=idea_id)


def count_text(count: int, rule) -> str:
    if rule == VotingRule.DOTS:
        return ngettext("%(num)d Punkt", "%(num)d Punkte", count)
    return ngettext("%(num)d Stimme", "%(num)d Stimmen", count)


def _unauthorized():
    if _wants_json():
        return jsonify(
            ok=False,
            message=_("Bitte melden Sie sich an, um abzustimmen."),
            login_url=url_for("accounts.login"),
        ), 401
    return login_manager.unauthorized()


def _vote_action(idea_id: int, retract: bool):
    if not current_user.is_authenticated:
        return _unauthorized()
    me = current_user._get_current_object()
    idea = idea_for_viewer(me, idea_id)
    form = VoteForm()
    if not form.validate_on_submit():
        return _answer(
            idea_id, None, _("Bitte geben Sie eine gültige Zahl von Punkten an."), "error", 422
        )
    refused = None
    # The sign-in, the idea and the form were read above; only the vote itself writes (on
    # SQLite: one writer at a time, so that part is kept short).
    with write_transaction():
        try:
            if retract:
                state = services.retract_vote(me, idea)
            else:
                state = services.cast_vote(me, idea, dots=form.dots.data or 1)
            commit()
        except services.VoteError as error:
            db.session.rollback()
            refused = error
    if refused is not None:
        return _answer(idea_id, services.vote_state(me, idea), refused.message, "error", 409)
    return _answer(idea_id, state, _message(state, retract))


def _message(state: services.VoteState, retract: bool) -> str:
    count = count_text(state.vote_count, state.rule)
    if retract:
        if not state.changed:
            return _("Sie hatten für diese Idee nicht abgestimmt.")
        return _("Ihre Stimme ist zurückgenommen. Jetzt: %(count)s.", count=count)
    if not state.changed:
        return _("Sie unterstützen diese Idee bereits.")
    if state.rule == VotingRule.DOTS:
        return _(
            "Ihre Punkte sind vergeben. Jetzt: %(count)s. Noch übrig: %(remaining)d.",
            count=count,
            remaining=state.remaining,
        )
    return _("Danke für Ihre Unterstützung! Jetzt: %(count)s.", count=count)


@bp.post("/<int:idea_id>/vote")
@reads_first
@limiter.shared_limit(_votes_limit, scope="votes", key_func=_account_or_address)
def cast(idea_id: int):
    """Support the idea (or add dots under the dots rule)."""
    return _vote_action(idea_id, retract=False)


@bp.post("/<int:idea_id>/vote/retract")
@reads_first
@limiter.shared_limit(_votes_limit, scope="votes", key_func=_account_or_address)
def retract(idea_id: int):
    """Take one's vote (all of one's dots) on the idea back."""
    return _vote_action(idea_id, retract=True)
