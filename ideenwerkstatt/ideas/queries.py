"""Reading ideas: the paginated, filtered list and one idea as a viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression
from werkzeug.exceptions import NotFound

from ..events.models import Event
from ..extensions import db
from ..pagination import PageLinks, page_count
from ..permissions import can_moderate, can_view_idea
from ..themes.models import Theme
from .counts import cached_count
from .models import Idea, IdeaStatus

SORTS = ("newest", "votes", "trending")
MAX_PER_PAGE = 100
MAX_SEARCH_WORDS = 8
STATUS_ALL = "all"
DEEP_OFFSET = 200  # from this many skipped rows on, a page is read by its ids first


@dataclass
class Page(PageLinks):
    """One page of a list; `pages` is at least 1, so an empty list has one (empty) page."""

    items: list
    page: int
    per_page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = page_count(self.total, self.per_page)


def _id(value, model) -> int | None:
    if value is None:
        return None
    return value.id if isinstance(value, model) else int(value)


def escape_like(term: str) -> str:
    """`%`, `_` and the escape character itself match only themselves."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _on_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def search_condition(q: str):
    """Every word must appear in the title or the body, case-insensitively: ILIKE on
    PostgreSQL; plain LIKE on SQLite, which ignores the case of ASCII letters by itself
    (as its lower() folds ASCII letters only, `lower(x) LIKE lower(y)` finds the same rows
    and only doubles the work of a search over every row)."""
    sqlite = _on_sqlite()
    conditions = []
    for word in q.split()[:MAX_SEARCH_WORDS]:
        pattern = f"%{escape_like(word)}%"
        if sqlite:
            title = Idea.title.like(pattern, escape="\\")
            body = Idea.body.like(pattern, escape="\\")
        else:
            title = Idea.title.ilike(pattern, escape="\\")
            body = Idea.body.ilike(pattern, escape="\\")
        conditions.append(or_(title, body))
    return and_(*conditions) if conditions else None


def visible_statuses(viewer, status) -> tuple[IdeaStatus, ...]:
    """The public list shows published ideas; moderators may ask for any state (or "all").
    Authors find their own pending ideas under "my ideas", not here."""
    if status is None or not can_moderate(viewer):
        return (IdeaStatus.PUBLISHED,)
    if status == STATUS_ALL:
        return tuple(IdeaStatus)
    return (IdeaStatus(status),)


def ideas_query(
    viewer, *, theme=None, event=None, q=None, status=None, scan: bool = False
) -> Select:
    """The filtered statement behind the list (no order, no paging): reused by the API.
    `scan`: for a count that reads every row anyway (a search), keep SQLite's planner off
    the status indexes (see count_matching)."""
    statuses = visible_statuses(viewer, status)
    stmt = select(Idea)
    status_column = Idea.status
    if scan and _on_sqlite():
        # `+status` can use no index: SQLite's way to say "not by this column".
        status_column = UnaryExpression(
            Idea.status, operator=operators.custom_op("+"), type_=Idea.status.type
        )
    stmt = stmt.where(
        status_column == statuses[0] if len(statuses) == 1 else status_column.in_(statuses)
    )
    theme_id = _id(theme, Theme)
    if theme_id is not None:
        stmt = stmt.where(Idea.theme_id == theme_id)
    event_id = _id(event, Event)
    if event_id is not None:
        stmt = stmt.where(Idea.event_id == event_id)
    condition = search_condition(q) if q else None
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


def count_matching(stmt: Select, viewer, *, theme=None, event=None, q=None, status=None) -> int:
    """How many ideas `stmt` (from ideas_query with these filters) finds; remembered for a
    few seconds per filter (ideas.counts), as it is the part of a page that grows with the
    data."""
    words = tuple(q.split()[:MAX_SEARCH_WORDS]) if q else ()
    key = (visible_statuses(viewer, status), _id(theme, Theme), _id(event, Event), words)

    def count() -> int:
        counted = stmt
        if words and _on_sqlite():
            # A search reads every matching row's title and body. By the status index, SQLite
            # would visit 30,000 rows in vote order, one lookup each; reading the table in
            # its own order is about twice as fast, and with plain LIKE four times (30,000
            # ideas: 90 ms -> 23 ms for the count alone).
            counted = ideas_query(viewer, theme=theme, event=event, q=q, status=status, scan=True)
        return db.session.scalar(counted.with_only_columns(func.count(Idea.id)))

    return cached_count(key, count)


def order_for(sort: str):
    """Stable orders: the id breaks every tie, so no idea shows up on two pages."""
    if sort == "votes":
        return (Idea.vote_count.desc(), Idea.id.desc())
    if sort == "trending":
        # The stored score orders like the decayed one (ideas.trending); an index per filter.
        return (Idea.trending_score.desc(), Idea.id.desc())
    return (Idea.created_at.desc(), Idea.id.desc())


def list_ideas(
    viewer,
    *,
    theme=None,
    event=None,
    q: str | None = None,
    sort: str = "newest",
    page: int = 1,
    per_page: int = 20,
    status=None,
) -> Page:
    """A page of ideas the viewer may see in the list, with theme, event and author loaded.

    Two queries whatever the page size: one count, one page of rows (the theme, event and
    author come along by joins). `theme` and `event` are objects or ids; `sort` is "newest",
    "votes" or "trending"; `status` is for moderators (an IdeaStatus value or "all").
    Raises NotFound for a page below 1 or past the last one (an empty list has page 1)."""
    sort = sort if sort in SORTS else "newest"
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    if page < 1:
        raise NotFound()
    stmt = ideas_query(viewer, theme=theme, event=event, q=q, status=status)
    total = count_matching(stmt, viewer, theme=theme, event=event, q=q, status=status)
    result = Page(items=[], page=page, per_page=per_page, total=total)
    if page > result.pages:
        raise NotFound()
    if total:
        offset = (page - 1) * per_page
        page_stmt = stmt.order_by(*order_for(sort)).limit(per_page).offset(offset)
        if offset >= DEEP_OFFSET:
            # A deep page skips thousands of rows: skip them in the index (ids only, the
            # order's index covers them), then read just this page's rows. Still one query.
            ids = page_stmt.with_only_columns(Idea.id)
            page_stmt = select(Idea).where(Idea.id.in_(ids)).order_by(*order_for(sort))
        rows = db.session.scalars(
            page_stmt.options(
                joinedload(Idea.theme), joinedload(Idea.event), joinedload(Idea.author)
            )
        )
        result.items = list(rows)
    return result


def idea_for_viewer(viewer, idea_id: int, *, merged_too: bool = False) -> Idea:
    """The idea, when the viewer may see it (published: everyone; otherwise its author and
    moderators). Raises NotFound otherwise, so that a pending idea's existence stays private.
    `merged_too`: a merged idea for everyone as well (its page only redirects to the idea it
    went into, which is published)."""
    idea = db.session.scalar(
        select(Idea)
        .where(Idea.id == idea_id)
        .options(joinedload(Idea.theme), joinedload(Idea.event), joinedload(Idea.author))
    )
    if idea is None:
        raise NotFound()
    if merged_too and idea.status == IdeaStatus.MERGED and idea.merged_into is not None:
        return idea
    if not can_view_idea(viewer, idea):
        raise NotFound()
    return idea


def ideas_of(user, limit: int = 50) -> list[Idea]:
    """The user's own ideas in every state, newest first ("my ideas" on the account page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            select(Idea)
            .where(Idea.author_id == user.id)
            .options(joinedload(Idea.theme), joinedload(Idea.event))
            .order_by(Idea.created_at.desc(), Idea.id.desc())
            .limit(limit)
        )
    )
