"""Terminal output shared by the CLI and sweeps: rich tables on one console."""

from __future__ import annotations

from typing import Any


def console() -> Any:
    """A ``rich`` console (imported lazily: the CLI's start-up stays fast)."""
    from rich.console import Console

    return Console()


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """Print ``rows`` under ``columns`` as a titled table."""
    from rich.table import Table

    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*[str(v) for v in row])
    console().print(table)
