"""`ideenwerkstatt demo-data` (skeleton)."""

import click


@click.command("demo-data")
def demo_data_command():
    """Seed demo data."""
