"""Reading ideas: the paginated, filtered list and one idea as a viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, asc, column, desc, false, func, literal_column, select, table
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression
from werkzeug.exceptions import NotFound

from ..events.models import Event
from ..extensions import db
from ..pagination import PageLinks, page_count
from ..permissions import can_moderate, can_view_idea
from ..themes.models import Theme
from . import search_index
from .counts import cached_count
from .models import Idea, IdeaStatus

SORTS = ("newest", "votes", "trending", "relevance")
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


def search_terms(q: str | None) -> list[str]:
    """The words of a search that count (lower-cased, stop words left out, at most
    MAX_SEARCH_WORDS)."""
    return search_index.query_words(q, MAX_SEARCH_WORDS) if q else []


_FTS = table(search_index.FTS_TABLE, column("rowid"))


def _pg_vector(titles_only: bool = False):
    column = search_index.PG_TITLE_COLUMN if titles_only else search_index.PG_COLUMN
    return literal_column(f"idea.{column}")


def _tsquery(terms: list[str], operator: str):
    """PostgreSQL: every term as a prefix (`radweg:*`), joined by `&` or `|`; the terms are
    letters and digits only, so nothing in them is tsquery syntax."""
    text = f" {operator} ".join(f"{term}:*" for term in terms)
    return func.to_tsquery(literal_column(f"'{search_index.TS_CONFIG}'::regconfig"), text)


def _fts_query(terms: list[str], operator: str, column: str = "") -> str:
    """SQLite: every term's stem as a quoted prefix (`"radweg"*`; with `column`, in that
    column only: `title : "radweg"*`), joined by AND or OR."""
    prefix = f"{column} : " if column else ""
    return f" {operator} ".join(f'{prefix}"{search_index.stem(term)}"*' for term in terms)


# `+rowid`: SQLite may not look an FTS row up by the idea's id. Without statistics its planner
# would otherwise read every idea and run the full-text query once per idea (seconds at
# 30,000 ideas); this way the full-text query runs once and drives the join.
_FTS_ROWID = UnaryExpression(_FTS.c.rowid, operator=operators.custom_op("+"), type_=Idea.id.type)


def with_search(
    stmt: Select, terms: list[str], *, any_word: bool = False, titles_only: bool = False
) -> Select:
    """`stmt` narrowed to ideas whose title or body has every term (`any_word`: one of
    them; `titles_only`: in the title), stemmed and folded (see search_index): "Fahrrad"
    finds "Fahrräder", "Strasse" finds "Straße", "Bürger" finds "Bürgerinnen" (a term is
    also a prefix: "Rad" finds "Radweg"). No terms: nothing matches."""
    if not terms:
        return stmt.where(false())
    if _on_sqlite():
        query = _fts_query(terms, "OR" if any_word else "AND", "title" if titles_only else "")
        return stmt.join(_FTS, Idea.id == _FTS_ROWID).where(
            literal_column(search_index.FTS_TABLE).op("MATCH")(query)
        )
    tsquery = _tsquery(terms, "|" if any_word else "&")
    return stmt.where(_pg_vector(titles_only).op("@@")(tsquery))


def relevance_rank(terms: list[str], *, any_word: bool = False, titles_only: bool = False):
    """The rank of a match and how it sorts, best first: SQLite's bm25 (lower is better; the
    title's column weighs four times the body's), PostgreSQL's ts_rank (higher is better;
    weights D, C, B (body), A (title)). Only for a statement from `with_search` with the
    same terms."""
    if _on_sqlite():
        return func.bm25(literal_column(search_index.FTS_TABLE), 4.0, 1.0), asc
    tsquery = _tsquery(terms, "|" if any_word else "&")
    return func.ts_rank(_pg_vector(titles_only), tsquery), desc


def relevance_order(terms: list[str], **options) -> tuple:
    """Best match first, then the higher id (see relevance_rank)."""
    rank, direction = relevance_rank(terms, **options)
    return (direction(rank), Idea.id.desc())


def _relevance_page(stmt: Select, terms: list[str], limit: int, offset: int) -> Select:
    """A page by relevance in one statement: first the page's ids and ranks (the full-text
    index and the idea table alone), then just those rows with what is loaded with them;
    sorting every match with its theme, event and author joined on would cost far more."""
    rank, direction = relevance_rank(terms)
    hits = (
        stmt.with_only_columns(Idea.id.label("hit_id"), rank.label("hit_rank"))
        .order_by(direction(rank), Idea.id.desc())
        .limit(limit)
        .offset(offset)
        .subquery("hits")
    )
    return (
        select(Idea)
        .join(hits, Idea.id == hits.c.hit_id)
        .order_by(direction(hits.c.hit_rank), Idea.id.desc())
    )


def visible_statuses(viewer, status) -> tuple[IdeaStatus, ...]:
    """The public list shows published ideas; moderators may ask for any state (or "all").
    Authors find their own pending ideas under "my ideas", not here."""
    if status is None or not can_moderate(viewer):
        return (IdeaStatus.PUBLISHED,)
    if status == STATUS_ALL:
        return tuple(IdeaStatus)
    return (IdeaStatus(status),)


def ideas_query(viewer, *, theme=None, event=None, q=None, status=None) -> Select:
    """The filtered statement behind the list (no order, no paging): reused by the API.
    With `q`, only ideas that match every search term (see with_search)."""
    statuses = visible_statuses(viewer, status)
    stmt = select(Idea).where(
        Idea.status == statuses[0] if len(statuses) == 1 else Idea.status.in_(statuses)
    )
    theme_id = _id(theme, Theme)
    if theme_id is not None:
        stmt = stmt.where(Idea.theme_id == theme_id)
    event_id = _id(event, Event)
    if event_id is not None:
        stmt = stmt.where(Idea.event_id == event_id)
    if q:
        stmt = with_search(stmt, search_terms(q))
    return stmt


def count_matching(stmt: Select, viewer, *, theme=None, event=None, q=None, status=None) -> int:
    """How many ideas `stmt` (from ideas_query with these filters) finds; remembered for a
    few seconds per filter (ideas.counts), as it is the part of a page that grows with the
    data."""
    terms = tuple(search_terms(q)) if q else None
    key = (visible_statuses(viewer, status), _id(theme, Theme), _id(event, Event), terms)
    return cached_count(key, lambda: db.session.scalar(stmt.with_only_columns(func.count(Idea.id))))


def effective_sort(sort: str | None, q: str | None) -> str:
    """The order a list is in: the one asked for, else by relevance when there is a search
    and newest first otherwise. "relevance" without search words: newest first."""
    if sort not in SORTS:
        sort = None
    if sort == "relevance" or sort is None:
        return "relevance" if search_terms(q) else "newest"
    return sort


def order_for(sort: str, q: str | None = None):
    """Stable orders: the id breaks every tie, so no idea shows up on two pages."""
    if sort == "votes":
        return (Idea.vote_count.desc(), Idea.id.desc())
    if sort == "trending":
        # The stored score orders like the decayed one (ideas.trending); an index per filter.
        return (Idea.trending_score.desc(), Idea.id.desc())
    if sort == "relevance" and search_terms(q):
        return relevance_order(search_terms(q))
    return (Idea.created_at.desc(), Idea.id.desc())


def list_ideas(
    viewer,
    *,
    theme=None,
    event=None,
    q: str | None = None,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 20,
    status=None,
) -> Page:
    """A page of ideas the viewer may see in the list, with theme, event and author loaded.

    Two queries whatever the page size: one count, one page of rows (the theme, event and
    author come along by joins). `theme` and `event` are objects or ids; `sort` is "newest",
    "votes", "trending" or "relevance" (None: relevance with a search, else newest; see
    effective_sort); `status` is for moderators (an IdeaStatus value or "all").
    Raises NotFound for a page below 1 or past the last one (an empty list has page 1)."""
    sort = effective_sort(sort, q)
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
        order = order_for(sort, q)
        page_stmt = stmt.order_by(*order).limit(per_page).offset(offset)
        if sort == "relevance":
            page_stmt = _relevance_page(stmt, search_terms(q), per_page, offset)
        elif offset >= DEEP_OFFSET:
            # A deep page skips thousands of rows: skip them in the index (ids only, the
            # order's index covers them), then read just this page's rows. Still one query.
            ids = page_stmt.with_only_columns(Idea.id)
            page_stmt = select(Idea).where(Idea.id.in_(ids)).order_by(*order)
        rows = db.session.scalars(
            page_stmt.options(
                joinedload(Idea.theme), joinedload(Idea.event), joinedload(Idea.author)
            )
        )
        result.items = list(rows)
    return result


SIMILAR_LIMIT = 5


def similar_ideas(title: str | None, *, event=None, limit: int = SIMILAR_LIMIT) -> list[Idea]:
    """Up to `limit` published ideas whose titles share words with a title being typed, the
    most similar first: any of its words counts (stemmed, as a prefix). `event`: only that
    event's ideas (the evening's phone form). Only published ideas, whoever asks: the hint
    shows what everyone may see."""
    terms = search_terms(title)
    if not terms:
        return []
    stmt = select(Idea).where(Idea.status == IdeaStatus.PUBLISHED)
    event_id = _id(event, Event)
    if event_id is not None:
        stmt = stmt.where(Idea.event_id == event_id)
    # Titles only: a duplicate says the same thing in its title (and there are far fewer
    # title matches to rank than title-or-body matches).
    stmt = with_search(stmt, terms, any_word=True, titles_only=True)
    order = relevance_order(terms, any_word=True, titles_only=True)
    return list(db.session.scalars(stmt.order_by(*order).limit(max(1, int(limit)))))


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
