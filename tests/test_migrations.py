"""`db upgrade` on an empty database gives exactly the models' schema; `downgrade` undoes it."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from ideenwerkstatt import create_app
from ideenwerkstatt.config import normalize_database_url
from ideenwerkstatt.extensions import db
from ideenwerkstatt.ideas.search_index import is_search_object

from .conftest import TEST_DATABASE_URL, build_test_config


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    url = make_url(normalize_database_url(TEST_DATABASE_URL))
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_gives_exactly_the_models_schema(tmp_path, empty_database_url):
    app = create_app(build_test_config(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _not_the_search_index}
            )
            differences = compare_metadata(context, db.metadata)
            migrated_search = search_objects(conn)
        assert differences == [], f"models and migrations differ: {differences}"

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()

        # The full-text index, which the comparison leaves out: the migration builds the
        # same objects as create_all (ideas.search_index.attach) does.
        db.create_all()
        with db.engine.connect() as conn:
            assert search_objects(conn) == migrated_search
        db.drop_all()
        db.engine.dispose()


def _not_the_search_index(obj, name, type_, reflected, compare_to) -> bool:
    """The full-text index is not in the models' metadata (PostgreSQL's generated tsvector
    column and GIN index, SQLite's FTS5 table with its shadow tables and triggers: objects of
    one database each, which SQLAlchemy's types cannot describe for both; see
    ideas/search_index.py). Left out here, compared on its own below."""
    return not (reflected and compare_to is None and is_search_object(type_, name))


def search_objects(conn) -> list[tuple]:
    """The full-text index's objects as the database describes them."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(
            text(
                "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'idea_search%' "
                "ORDER BY type, name"
            )
        ).all()
        names = {(row.type, row.name) for row in rows}
        assert {("table", "idea_search"), ("trigger", "idea_search_insert")} <= names
        assert ("trigger", "idea_search_update") in names
        assert ("trigger", "idea_search_delete") in names
        return [tuple(row) for row in rows]
    rows = conn.execute(
        text(
            "SELECT 'column', column_name, generation_expression FROM information_schema.columns "
            "WHERE table_name = 'idea' AND column_name IN ('search_vector', 'title_vector') "
            "UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename = "
            "'idea' AND indexname IN ('ix_idea_search_vector', 'ix_idea_title_vector') "
            "UNION ALL SELECT 'config', cfgname::text, '' FROM pg_ts_config "
            "WHERE cfgname = 'iw_german' ORDER BY 1, 2"
        )
    ).all()
    assert len(rows) == 5, rows
    return [tuple(row) for row in rows]
