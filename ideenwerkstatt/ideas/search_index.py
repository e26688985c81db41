"""The ideas' full-text index: German stemming and folding, on PostgreSQL and on SQLite.

PostgreSQL: a stored generated `tsvector` column `idea.search_vector` (title weight A, body B)
over the text search configuration `iw_german` (the built-in `german` with the `unaccent`
dictionary before the stemmer), with a GIN index; `idea.title_vector` the same for the title
alone (similar ideas). SQLite: an FTS5 table `idea_search`
(tokenizer `unicode61 remove_diacritics 2`: case and diacritics folded) holding the Snowball
German stems of title and body, written by triggers on `idea` that call `iw_stems()`, a
function every SQLite connection gets (register_sqlite_function). Either way the index
changes in the statement, and so the transaction, that changes the idea, whoever writes it
(the ORM, Core bulk inserts, the privacy deletion).

Neither object is in the models' metadata (a generated tsvector column and a virtual table
with triggers exist on one database each); `attach` adds them after `create_all` builds the
table, migration 0005 adds them to a migrated database, and `is_search_object` keeps them
out of the models-versus-migrations comparison (tests/test_migrations.py checks them itself).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import snowballstemmer
from sqlalchemy import DDL, Table, event
from sqlalchemy.engine import Engine

TS_CONFIG = "iw_german"
PG_COLUMN = "search_vector"
PG_INDEX = "ix_idea_search_vector"
# The title alone, for similar ideas: ranking title matches only, from an index of titles.
PG_TITLE_COLUMN = "title_vector"
PG_TITLE_INDEX = "ix_idea_title_vector"
FTS_TABLE = "idea_search"
SQLITE_FUNCTION = "iw_stems"
SQLITE_TRIGGERS = ("idea_search_insert", "idea_search_update", "idea_search_delete")

# Words are runs of letters and digits; everything else (hyphens, apostrophes, underscores,
# punctuation) separates them, on both databases.
_WORD = re.compile(r"[^\W_]+")
_STOPWORDS_FILE = Path(__file__).with_name("german_stopwords.txt")


@functools.cache
def stopwords() -> frozenset[str]:
    lines = _STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


_stemmer = snowballstemmer.stemmer("german")


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball German stem of one lower-case word: "fahrräder" -> "fahrrad",
    "straße" and "strasse" -> "strass", "bürgerinnen" -> "burg"."""
    return _stemmer.stemWord(word)


def words(text: str | None) -> list[str]:
    """The words of a text, lower-cased (str.lower: "Ü" -> "ü")."""
    return _WORD.findall((text or "").lower())


def stems(text: str | None) -> str:
    """What SQLite indexes for a text: its words' stems, separated by spaces."""
    return " ".join(stem(word) for word in words(text))


def query_words(text: str | None, limit: int) -> list[str]:
    """The words of a search that count: stop words ("der", "und", "für" ...) left out, as
    PostgreSQL's `german` configuration does, at most `limit`."""
    stop = stopwords()
    return [word for word in words(text) if word not in stop][:limit]


# --- the schema objects ---------------------------------------------------------------------

# Constant SQL (no values in it): the names above, spelled out.
POSTGRES_CREATE = (
    # A trusted extension since PostgreSQL 13: the database owner may create it.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'iw_german') THEN
        CREATE TEXT SEARCH CONFIGURATION iw_german (COPY = german);
        ALTER TEXT SEARCH CONFIGURATION iw_german
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, german_stem;
    END IF;
END $$""",
    """ALTER TABLE idea ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('iw_german'::regconfig, title), 'A')
    || setweight(to_tsvector('iw_german'::regconfig, body), 'B')
) STORED""",
    "CREATE INDEX ix_idea_search_vector ON idea USING gin (search_vector)",
    """ALTER TABLE idea ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('iw_german'::regconfig, title)
) STORED""",
    "CREATE INDEX ix_idea_title_vector ON idea USING gin (title_vector)",
)
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE idea_search USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')",
    """CREATE TRIGGER idea_search_insert AFTER INSERT ON idea BEGIN
    INSERT INTO idea_search (rowid, title, body)
    VALUES (new.id, iw_stems(new.title), iw_stems(new.body));
END""",
    """CREATE TRIGGER idea_search_update AFTER UPDATE OF id, title, body ON idea BEGIN
    DELETE FROM idea_search WHERE rowid = old.id;
    INSERT INTO idea_search (rowid, title, body)
    VALUES (new.id, iw_stems(new.title), iw_stems(new.body));
END""",
    """CREATE TRIGGER idea_search_delete AFTER DELETE ON idea BEGIN
    DELETE FROM idea_search WHERE rowid = old.id;
END""",
)
SQLITE_FILL = (
    "INSERT INTO idea_search (rowid, title, body) "
    "SELECT id, iw_stems(title), iw_stems(body) FROM idea"
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS idea_search_insert",
    "DROP TRIGGER IF EXISTS idea_search_update",
    "DROP TRIGGER IF EXISTS idea_search_delete",
    "DROP TABLE IF EXISTS idea_search",
)


def create_statements(dialect: str) -> tuple[str, ...]:
    if dialect == "postgresql":
        return POSTGRES_CREATE
    if dialect == "sqlite":
        return SQLITE_CREATE
    raise NotImplementedError(f"no search index for {dialect}")


def attach(table: Table) -> None:
    """Build the index whenever `create_all` creates the idea table (tests, benchmarks);
    drop the FTS table with it on SQLite (PostgreSQL drops column and index with the table)."""
    for dialect in ("postgresql", "sqlite"):
        for statement in create_statements(dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))
    for statement in SQLITE_DROP:
        event.listen(table, "after_drop", DDL(statement).execute_if(dialect="sqlite"))


def is_search_object(type_: str, name: str | None) -> bool:
    """The index's objects, which the models do not describe (see the module's docstring):
    PostgreSQL's generated column and GIN index, SQLite's FTS5 table and its shadow tables
    (idea_search_data, _idx, _content, _docsize, _config)."""
    if name is None:
        return False
    if type_ == "column":
        return name in (PG_COLUMN, PG_TITLE_COLUMN)
    if type_ == "index":
        return name in (PG_INDEX, PG_TITLE_INDEX)
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    return False


def _stems_or_empty(text):
    return stems(text) if isinstance(text, str) else ""


@event.listens_for(Engine, "connect")
def register_sqlite_function(dbapi_connection, _record) -> None:
    """Every SQLite connection gets `iw_stems(text)`, which the triggers call. (A connection
    without it, such as the sqlite3 shell, cannot insert or change ideas: see README.)"""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(SQLITE_FUNCTION, 1, _stems_or_empty, deterministic=True)
