"""Batches and the result cache of ``compile_unitary`` (issue 14, item 8).

A list of targets is compiled in order or in worker processes (``n_jobs``); every call goes through a
result cache keyed by the exact target and every argument that can change the answer, kept in memory
(least recently used first out) and, on request, on disk as JSON (the word, its global phase and the
metadata; the circuit is rebuilt from the gate set on a hit and ``compile_unitary`` re-checks its
distance).
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

#: results kept in memory per process
RESULT_CACHE_SIZE = 1024
_MEMORY: OrderedDict[str, dict[str, Any]] = OrderedDict()
_CACHE_CHOICES = (True, False, "disk")


def check_batch_args(objective: Any, n_jobs: Any, cache: Any) -> None:
    """ValueErrors naming ``objective``, ``n_jobs`` or ``cache`` when they are not valid."""
    from qdesign.synthesis.mitm import check_objective

    check_objective(objective)
    if n_jobs is not None and (isinstance(n_jobs, (bool, np.bool_))
                               or not isinstance(n_jobs, numbers.Integral) or int(n_jobs) < 1):
        raise ValueError(f"n_jobs must be None or a positive integer (worker processes), got {n_jobs!r}")
    if not any(cache is c or (isinstance(c, str) and cache == c) for c in _CACHE_CHOICES):
        raise ValueError(f"cache must be True, False or 'disk', got {cache!r}")


def is_batch(unitary: Any) -> bool:
    """A list/tuple of targets (matrices, circuits, operators) or an ``(n, d, d)`` array, as opposed
    to one target (whose nested-list form is a list of rows)."""
    if isinstance(unitary, np.ndarray):
        return unitary.ndim == 3
    if not isinstance(unitary, (list, tuple)) or not unitary:
        return False
    first = unitary[0]
    if isinstance(first, np.ndarray):
        return first.ndim == 2
    if isinstance(first, (list, tuple)):  # a nested matrix, or a row of numbers
        return len(first) > 0 and isinstance(first[0], (list, tuple, np.ndarray))
    return not isinstance(first, numbers.Number)  # circuits, operators, gates


def _one(job: tuple[Callable[..., Any], Any, dict[str, Any]]) -> Any:
    fn, target, params = job
    return fn(target, **params)


def compile_batch(fn: Callable[..., Any], targets: list[Any], params: dict[str, Any],
                  n_jobs: int | None) -> list[Any]:
    """``fn(target, **params)`` (``compile_unitary``, passed in so this module imports nothing of the
    API) per target, in order; ``n_jobs`` > 1: in that many ``spawn``-ed worker processes (safe with
    torch and threads loaded; each worker imports qdesign and loads its tables once)."""
    jobs = [(fn, t, params) for t in targets]
    if not n_jobs or n_jobs == 1 or len(jobs) < 2:
        return [_one(j) for j in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(int(n_jobs), len(jobs)),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_one, jobs))


def cache_key(target: np.ndarray, gs: Any, epsilon: float, method: str, time_limit: float | None, metric: str,
              objective: str, kwargs: dict[str, Any]) -> str:
    """Hash of the exact target bytes, the gate set's matrices and every argument of the call."""
    h = hashlib.sha256(np.ascontiguousarray(target, dtype=complex).tobytes())
    h.update(np.ascontiguousarray(gs.matrices, dtype=complex).tobytes())
    h.update(repr((gs.name, list(gs.gate_names), float(epsilon), method, time_limit, metric, objective,
                   sorted((k, repr(v)) for k, v in kwargs.items()))).encode())
    return h.hexdigest()


def _disk_path(key: str) -> Path:
    from qdesign.synthesis.table_cache import cache_root

    return cache_root() / "results" / key[:2] / f"{key}.json"


def cache_get(key: str | None, gs: Any, cache: bool | str) -> Any:
    """The cached circuit for ``key`` (a new ``QuantumCircuit``), or ``None``."""
    if key is None:
        return None
    entry = _MEMORY.get(key)
    if entry is not None:
        _MEMORY.move_to_end(key)
    elif cache == "disk":
        path = _disk_path(key)
        try:
            entry = json.loads(path.read_text()) if path.is_file() else None
        except (OSError, ValueError):
            entry = None
        if entry is not None:
            _remember(key, entry)
    if entry is None:
        return None
    qc = gs.to_circuit(list(entry["word"]))
    qc.global_phase = float(entry["global_phase"])
    qc.metadata = {**entry["metadata"], "cached": True}
    return qc


def _remember(key: str, entry: dict[str, Any]) -> None:
    _MEMORY[key] = entry
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > RESULT_CACHE_SIZE:
        _MEMORY.popitem(last=False)


def cache_put(key: str | None, word: list[int], qc: Any, cache: bool | str) -> None:
    """Remember a verified result (and write it to disk with ``cache="disk"``, atomically)."""
    if key is None:
        return
    entry = {"word": [int(a) for a in word], "global_phase": float(qc.global_phase),
             "metadata": {k: v for k, v in qc.metadata.items() if isinstance(v, (int, float, str, bool))
                          or v is None}}
    _remember(key, entry)
    if cache == "disk":
        path = _disk_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entry))
            os.replace(tmp, path)
        except OSError:
            pass


def clear_result_cache() -> None:
    """Forget the in-memory results (the disk cache is a folder under ``$QDESIGN_CACHE/results``)."""
    _MEMORY.clear()
