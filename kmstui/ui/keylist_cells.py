"""What the Keys screen's table and status line say of its rows: each row's cells
("…" where DescribeKey has not answered yet), the room the description may take, and
how far a load is."""

from __future__ import annotations

from kmstui.ui.format import date, state_text
from kmstui.ui.models import KeyRow
from kmstui.ui.widgets.bulk_table import Plain

COLUMNS = [
    ("alias", "Alias"),
    ("id", "Key ID"),
    ("state", "State"),
    ("spec", "Spec / usage"),
    ("rotation", "Rotation"),
    ("description", "Description"),
    ("created", "Created"),
]
PENDING = "…"  # a cell DescribeKey has not answered for yet


def cells_of(row: KeyRow, columns: tuple[str, ...], full_id: bool, room: int) -> tuple[str, ...]:
    """The row's cells in ``columns``, the description cut to ``room``."""
    described = row.described
    cells = {
        "alias": row.alias or "—",
        "id": row.key_id if full_id else row.key_id[:8] + "…",
        "state": row.state if described else PENDING,
        "spec": row.spec_usage if described else PENDING,
        "rotation": row.rotation if described else PENDING,
        "description": (
            row.description if len(row.description) <= room else row.description[: room - 1] + "…"
        )
        if described
        else PENDING,
        "created": date(row.created) if described else PENDING,
    }
    return tuple(cells[c] for c in columns)


def renderables(cells: tuple[str, ...], columns: tuple[str, ...]) -> list:
    """The table's cells: the state in its colour, the others as their text."""
    return [
        state_text(cell) if column == "state" and cell != PENDING else Plain(cell)
        for column, cell in zip(columns, cells, strict=True)
    ]


def description_room(
    rows: list[KeyRow], columns: tuple[str, ...], full_id: bool, width: int
) -> int:
    """How many cells the description may take so the table needs no sideways
    scrolling."""
    used = 2  # the vertical scrollbar
    for column in columns:
        if column == "description":
            continue
        cells = {
            "alias": [r.alias or "—" for r in rows],
            "id": [r.key_id if full_id else r.key_id[:9] for r in rows],
            "state": [r.state for r in rows],
            "spec": [r.spec_usage for r in rows],
            "rotation": [r.rotation for r in rows],
            "created": ["2000-01-01 00:00"],
        }[column]
        title = dict(COLUMNS)[column]
        used += max([len(title), *map(len, cells)]) + 2
    return max(12, width - used - 2)


def progress_text(progress: dict, loaded: bool) -> str:
    """How far a load is, for the status line ("" once it is done, unless requests
    were throttled or ListAliases refused)."""
    parts = []
    if loaded:
        if progress.get("throttled"):
            parts.append(f"{progress['throttled']:,} requests throttled (ThrottlingException)")
    else:
        keys = progress.get("keys", 0)
        if not progress.get("keys_done"):
            parts.append(f"{keys:,} keys read …")
        if not progress.get("aliases_done"):
            parts.append(f"{progress.get('aliases', 0):,} aliases read …")
        if progress.get("keys_done"):
            parts.append(f"described {progress.get('described', 0):,} of {keys:,} …")
        if progress.get("throttled"):
            parts.append(f"throttled {progress['throttled']:,}× (ThrottlingException), carrying on")
    if progress.get("alias_problem"):
        parts.append(f"ListAliases: {progress['alias_problem']}, aliases not shown")
    return " · ".join(parts)
