"""Breadth-first word tables, level by level: the one build shared by the one- and two-qubit tables.

A table holds every distinct group element reachable by a gate set, split into levels (level L = the
elements whose shortest word has exactly L gates), each element with one shortest word stored as a
parent pointer into level L - 1 plus its last gate. Level L + 1 is made by applying every gate to every
element of level L, keying the products (the key is what makes two products "the same element":
a canonical sign or phase, rounded), keeping the first product of each new key and dropping keys
already seen at shorter lengths. Only the representation differs between tables (quaternions for
one qubit, 4x4 matrices for two), so it comes in as two functions: ``expand`` and ``keys``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def left_products(gates: np.ndarray, front: np.ndarray) -> np.ndarray:
    """Every gate applied after every element: ``gates (G, d, d)``, ``front (N, d, d)`` ->
    ``(N * G, d, d)`` with row ``n * G + g`` = ``gates[g] @ front[n]`` (the order ``build_levels``
    decodes parent and gate from)."""
    d = gates.shape[-1]
    return np.einsum("gij,njk->ngik", gates, front).reshape(-1, d, d)


def build_levels(root: np.ndarray, expand: Callable[[np.ndarray], np.ndarray],
                 keys: Callable[[np.ndarray], np.ndarray], n_gates: int, depth: int,
                 max_elements: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """``(elements, parent, gate)``, each a list with one array per level, level 0 = ``root``.

    ``expand(level)`` returns the products of every element with every gate, row ``n * n_gates + g``
    for gate g after element n (``left_products`` order); ``keys(elements)`` returns one int64 per
    element, equal exactly for the elements to be identified. Of several products with a new key the
    first (lowest row) is kept, so the stored words are deterministic. Stops after ``depth`` levels,
    at the first level with nothing new, or before a level that would take the table past
    ``max_elements``; ``len(elements) - 1`` is the depth reached. Parents are int32, gates int8.
    """
    elements = [root]
    parent = [np.full(len(root), -1, np.int32)]
    gate = [np.full(len(root), -1, np.int8)]
    seen = np.sort(keys(root))
    total = len(root)
    for _ in range(depth):
        prod = expand(elements[-1])
        k = keys(prod)
        uniq, first = np.unique(k, return_index=True)  # first occurrence of every key
        pos = np.minimum(np.searchsorted(seen, uniq), len(seen) - 1)
        fresh = seen[pos] != uniq
        idx = np.sort(first[fresh])
        if len(idx) == 0 or total + len(idx) > max_elements:
            break
        elements.append(prod[idx])
        parent.append((idx // n_gates).astype(np.int32))
        gate.append((idx % n_gates).astype(np.int8))
        # both runs are sorted and disjoint: a stable sort merges them in linear time
        seen = np.sort(np.concatenate([seen, uniq[fresh]]), kind="stable")
        total += len(idx)
    return elements, parent, gate


def trace_word(parent: Sequence[np.ndarray], gate: Sequence[np.ndarray], level: int, index: int) -> list[int]:
    """The stored shortest word (first gate first) of element ``index`` of ``level``."""
    out = []
    while level > 0:
        out.append(int(gate[level][index]))
        index = int(parent[level][index])
        level -= 1
    return out[::-1]
