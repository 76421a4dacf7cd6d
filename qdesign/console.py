"""Terminal output shared by the CLI and sweeps: rich tables on one console."""

from __future__ import annotations

from typing import Any


def console() -> Any:
    """A ``rich`` console (imported lazily: the CLI's start-up stays fast)."""
    from rich.console import Console

    return Console()


def print_table(title: str, columns: list[str], rows: list[list[Any]], keep_first: bool = False) -> None:
    """Print ``rows`` under ``columns`` as a titled table; ``keep_first`` never wraps or cuts the first
    column (ids users copy), the others wrap to fit the terminal."""
    from rich.table import Table

    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, no_wrap=keep_first and i == 0, overflow="fold")
    for row in rows:
        table.add_row(*[str(v) for v in row])
    console().print(table)
