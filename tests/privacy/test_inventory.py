"""The personal-data inventory covers every column of every table, and nothing else."""

import importlib
import pkgutil
from pathlib import Path

import ideenwerkstatt
from ideenwerkstatt import create_app  # noqa: F401  (the factory's imports come first)
from ideenwerkstatt.extensions import db
from ideenwerkstatt.privacy import inventory

DOC = Path(__file__).resolve().parents[2] / "docs" / "personal-data.md"
HINT = (
    "Classify it in ideenwerkstatt/privacy/inventory.py (PERSONAL_DATA or NOT_PERSONAL), "
    "then run `ideenwerkstatt privacy inventory > docs/personal-data.md`."
)


def import_every_model_module():
    """So that tables of every feature are in the metadata, even one not yet listed in
    ideenwerkstatt/models.py."""
    for module in pkgutil.walk_packages(ideenwerkstatt.__path__, "ideenwerkstatt."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)


def all_columns() -> set[str]:
    import_every_model_module()
    return {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
    }


def test_every_column_is_classified():
    unclassified = all_columns() - inventory.personal_columns() - set(inventory.NOT_PERSONAL)
    assert not unclassified, f"columns missing from the inventory: {sorted(unclassified)}. {HINT}"


def test_the_inventory_names_only_existing_columns():
    columns = all_columns()
    named = inventory.personal_columns() | set(inventory.NOT_PERSONAL)
    assert not named - columns, (
        f"the inventory names columns that do not exist: {sorted(named - columns)}"
    )


def test_no_column_is_both_personal_and_not():
    assert not inventory.personal_columns() & set(inventory.NOT_PERSONAL)
    listed = [column for item in inventory.PERSONAL_DATA for column in item.columns]
    assert len(listed) == len(set(listed)), "a column is listed twice"


def test_every_item_says_purpose_basis_and_retention(app):
    rows = inventory.inventory_rows()
    assert len(rows) == len(inventory.PERSONAL_DATA)
    for row in rows:
        assert row["data"] and row["purpose"] and row["retention"]
        assert row["legal_basis"].startswith("Art. 6 Abs. 1 lit.")
        assert "%(" not in row["retention"], row["retention"]
        assert row["columns"] and row["tables"]


def test_retention_periods_follow_the_configuration(app):
    app.config["UNCONFIRMED_ACCOUNT_DAYS"] = 3
    retention = {row["columns"][0]: row["retention"] for row in inventory.inventory_rows()}
    assert "3 Tagen" in retention["user.email"]


def test_the_doc_lists_every_personal_column_and_matches_the_inventory(app):
    assert DOC.exists(), f"docs/personal-data.md is missing. {HINT}"
    text = DOC.read_text(encoding="utf-8")
    missing = [c for c in sorted(inventory.personal_columns()) if f"`{c}`" not in text]
    assert not missing, f"docs/personal-data.md does not list {missing}. {HINT}"
    # Written in the default language with the default configuration, it is exactly what
    # the generator prints.
    assert text == inventory.inventory_markdown(), f"docs/personal-data.md is out of date. {HINT}"


def test_inventory_command_prints_the_markdown(runner):
    result = runner.invoke(args=["privacy", "inventory"])
    assert result.exit_code == 0
    assert result.output == inventory.inventory_markdown()
    assert "`user.email`" in result.output
