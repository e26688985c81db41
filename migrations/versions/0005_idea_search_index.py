"""ideas: the German full-text index (PostgreSQL tsvector + GIN, SQLite FTS5 + triggers)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:10:00.000000

The objects of ideenwerkstatt/ideas/search_index.py, spelled out here as they were at this
revision (a migration is history; tests/test_migrations.py checks that a migrated database
has the same search objects as one built by create_all). Not in the models' metadata: see
that module's docstring.

On SQLite the triggers call iw_stems(), which every connection of the app registers; and a
later migration that rebuilds the `idea` table in batch mode drops the triggers with the old
table: it must create them again (the FTS rows keep their rowids = idea ids).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

POSTGRES_UP = (
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
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_idea_title_vector",
    "ALTER TABLE idea DROP COLUMN IF EXISTS title_vector",
    "DROP INDEX IF EXISTS ix_idea_search_vector",
    "ALTER TABLE idea DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS iw_german",
)
SQLITE_UP = (
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
    # The ideas already there (the generated column fills itself on PostgreSQL).
    "INSERT INTO idea_search (rowid, title, body) "
    "SELECT id, iw_stems(title), iw_stems(body) FROM idea",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS idea_search_insert",
    "DROP TRIGGER IF EXISTS idea_search_update",
    "DROP TRIGGER IF EXISTS idea_search_delete",
    "DROP TABLE IF EXISTS idea_search",
)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    _run(POSTGRES_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP)


def downgrade():
    _run(POSTGRES_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN)
