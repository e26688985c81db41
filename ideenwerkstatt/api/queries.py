"""What the open-data API reads: the same visibility rules and queries as the pages."""

from __future__ import annotations

from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from ..accounts.models import User
from ..events.models import Event
from ..events.services import visible_events
from ..extensions import db
from ..ideas.models import Idea
from ..ideas.queries import (
    MAX_PER_PAGE,
    Page,
    count_matching,
    effective_sort,
    ideas_query,
    list_ideas,
    order_for,
)
from ..themes.models import Theme
from ..themes.services import all_themes


def past_last_page(page: int) -> NotFound:
    return NotFound(description=f"Page {page} is past the last page.")


def _slice(items: list, page: int, per_page: int) -> Page:
    """A page of a list held in memory (themes and events are few). Raises NotFound past
    the last page; an empty list has one empty page."""
    result = Page(items=[], page=page, per_page=per_page, total=len(items))
    if page > result.pages:
        raise past_last_page(page)
    result.items = items[(page - 1) * per_page : page * per_page]
    return result


def empty_page(page: int, per_page: int) -> Page:
    """Page 1 of nothing (a filter nothing matches); NotFound for any later page."""
    return _slice([], page, per_page)


def themes_page(page: int, per_page: int) -> Page:
    """Every theme, retired ones included, in the organizers' order."""
    return _slice(all_themes(), page, per_page)


def events_page(page: int, per_page: int) -> Page:
    """The events a visitor may see (never drafts): upcoming and running ones soonest
    first, then past ones most recent first; themes loaded with them."""
    return _slice(visible_events(None), page, per_page)


def ideas_page(
    *,
    theme: Theme | None,
    event: Event | None,
    q: str | None,
    sort: str | None,
    page: int,
    per_page: int,
) -> Page:
    """Published ideas only (what a visitor sees in the list), filtered and sorted like
    `/ideas`. Pages of up to MAX_PER_PAGE come from ideas.queries.list_ideas itself; the larger
    pages of a CSV download use its filter and order with the same eager loading.
    Raises NotFound past the last page. Two queries whatever the page size."""
    if per_page <= MAX_PER_PAGE:
        try:
            return list_ideas(
                None, theme=theme, event=event, q=q, sort=sort, page=page, per_page=per_page
            )
        except NotFound:
            raise past_last_page(page) from None
    sort = effective_sort(sort, q)
    stmt = ideas_query(None, theme=theme, event=event, q=q)
    total = count_matching(stmt, None, theme=theme, event=event, q=q)
    result = Page(items=[], page=page, per_page=per_page, total=total)
    if page > result.pages:
        raise past_last_page(page)
    if total:
        rows = db.session.scalars(
            stmt.options(
                joinedload(Idea.theme),
                joinedload(Idea.event),
                # Only the pseudonym: no other column of the author is even read.
                joinedload(Idea.author).load_only(User.display_name),
            )
            .order_by(*order_for(sort, q))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        result.items = list(rows)
    return result
