"""On-disk cache of breadth-first word tables (one-qubit MITM and two-qubit last-mile tables).

Tables are lists of per-level arrays (parent pointers, last gates, optionally element coordinates);
they are saved as one ``.npz`` per (gate set, depth, size cap) under ``$QDESIGN_CACHE`` (default
``~/.cache/qdesign``), written to a temporary file and renamed so concurrent processes never read a
half-written table. A read-only or full disk only costs a rebuild.

The KD-trees searched over those tables (``cKDTree``, about 1.5 microseconds per point to build: 8 s for
the deep Clifford+T tables) are cached beside them as pickles (``save_tree`` / ``load_tree``), since a
call with a short ``time_limit`` cannot afford to build them and would fall back to longer words.
Pickles are only read from this cache folder, which qdesign itself writes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from qdesign.quantum.gatesets import GateSet

#: version of the cached tree format (bump when what a tree file holds changes)
TREE_FORMAT = 1


def cache_root() -> Path:
    """``$QDESIGN_CACHE``, else ``~/.cache/qdesign``."""
    return Path(os.environ.get("QDESIGN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "qdesign"))


def table_path(kind: str, gs: GateSet, depth: int, max_elements: int, suffix: str = "",
               ext: str = ".npz") -> Path:
    """Cache file for a table of ``kind``, keyed by the gate set's matrices, depth and size cap."""
    h = hashlib.sha1(np.round(gs.matrices, 12).tobytes()).hexdigest()[:12]
    name = gs.name.replace(":", "_").replace(",", "-")[:40]
    return cache_root() / kind / f"{name}_{h}_d{depth}_m{max_elements}{suffix}{ext}"


def tree_path(table: Path, name: str) -> Path:
    """Cache file of the KD-tree ``name`` built over the table stored at ``table``: keyed by the table's
    file name, the tree format and the scipy version (a pickled ``cKDTree`` is scipy's own format)."""
    import scipy

    return table.parent.parent / f"{table.parent.name}_trees" / \
        f"{table.stem}_v{TREE_FORMAT}_scipy{scipy.__version__}" / f"{name}.pkl"


def load_tree(path: Path | None, n_points: int, probe: np.ndarray | None = None) -> Any:
    """A cached KD-tree, or ``None`` if there is none or it does not match the table it should index
    (``n_points`` points whose first rows are ``probe``)."""
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as f:
            tree = pickle.load(f)
        if tree.n != n_points or (probe is not None and not np.array_equal(tree.data[: len(probe)], probe)):
            return None
        return tree
    except Exception:  # noqa: BLE001 - a corrupt or foreign file only costs a rebuild
        return None


def save_tree(path: Path | None, tree: Any) -> None:
    """Pickle a KD-tree atomically (temp file, rename); a disk error only costs a rebuild next time."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(tree, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


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
