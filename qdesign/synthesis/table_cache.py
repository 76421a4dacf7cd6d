"""On-disk cache of breadth-first word tables (one-qubit MITM and two-qubit last-mile tables).

Tables are lists of per-level arrays (parent pointers, last gates, optionally element coordinates);
they are saved as one ``.npz`` per (gate set, depth, size cap) under ``$QDESIGN_CACHE`` (default
``~/.cache/qdesign``), written to a temporary file and renamed so concurrent processes never read a
half-written table. A read-only or full disk only costs a rebuild.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from qdesign.quantum.gatesets import GateSet


def table_path(kind: str, gs: GateSet, depth: int, max_elements: int, suffix: str = "") -> Path:
    """Cache file for a table of ``kind``, keyed by the gate set's matrices, depth and size cap."""
    root = os.environ.get("QDESIGN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "qdesign")
    h = hashlib.sha1(np.round(gs.matrices, 12).tobytes()).hexdigest()[:12]
    name = gs.name.replace(":", "_").replace(",", "-")[:40]
    return Path(root) / kind / f"{name}_{h}_d{depth}_m{max_elements}{suffix}.npz"


def load_levels(path: Path | None, fields: tuple[str, ...]) -> dict[str, list[np.ndarray]] | None:
    """``{field: [level arrays]}`` from a cached table, or ``None`` if there is none."""
    if path is None or not path.is_file():
        return None
    with np.load(path) as f:
        n = int(f["n"])
        return {name: [f[f"{name}{i}"] for i in range(n)] for name in fields}


def save_levels(path: Path | None, levels: dict[str, list[np.ndarray]]) -> None:
    """Save per-level arrays to ``path`` atomically (temp file, rename); a disk error only costs a rebuild."""
    if path is None:
        return
    arrays = {f"{name}{i}": a for name, seq in levels.items() for i, a in enumerate(seq)}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, n=len(next(iter(levels.values()))), **arrays)
        os.replace(tmp, path)
    except OSError:
        pass
