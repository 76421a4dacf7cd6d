"""The shared breadth-first level build against independent pure-Python breadth-first searches."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qdesign.quantum.gatesets import build_gate_set
from qdesign.synthesis.bfs_levels import build_levels, left_products, trace_word
from qdesign.synthesis.mitm import MITMSolver
from qdesign.synthesis.table2q import TwoQubitTable


def _perm_matrix(p: tuple[int, ...]) -> np.ndarray:
    m = np.zeros((len(p), len(p)))
    m[list(p), range(len(p))] = 1.0  # column j -> row p[j]
    return m


def _perm_keys(mats: np.ndarray) -> np.ndarray:
    """Exact integer key of a permutation matrix: the image of each point, in base n."""
    n = mats.shape[-1]
    images = np.argmax(mats, axis=1)  # (N, n): image of column j
    return (images * n ** np.arange(n)).sum(axis=1).astype(np.int64)


def _reference_bfs(gens: list[tuple[int, ...]], depth: int) -> list[list[tuple[tuple[int, ...], int, int]]]:
    """Levels of (permutation, parent index, gate), discovered parent by parent and gate by gate."""
    ident = tuple(range(len(gens[0])))
    levels = [[(ident, -1, -1)]]
    seen = {ident}
    for _ in range(depth):
        new = []
        for i, (p, _, _) in enumerate(levels[-1]):
            for g, s in enumerate(gens):
                q = tuple(s[p[j]] for j in range(len(p)))  # s after p
                if q not in seen:
                    seen.add(q)
                    new.append((q, i, g))
        if not new:
            break
        levels.append(new)
    return levels


GENS_S5 = [(1, 0, 2, 3, 4), (1, 2, 3, 4, 0), (0, 1, 2, 4, 3)]  # a transposition, a 5-cycle, another swap


@pytest.mark.parametrize("depth", [3, 20])
def test_levels_match_an_independent_bfs_element_by_element(depth: int) -> None:
    gates = np.stack([_perm_matrix(s) for s in GENS_S5])
    elems, parent, gate = build_levels(np.eye(5)[None], lambda f: left_products(gates, f), _perm_keys,
                                       len(gates), depth, 10**6)
    ref = _reference_bfs(GENS_S5, depth)
    assert len(elems) == len(ref)
    if depth == 20:
        assert sum(len(lv) for lv in ref) == 120  # the whole of S5, so the build stopped at the diameter
    for lvl, rows in enumerate(ref):
        assert [int(x) for x in parent[lvl]] == [r[1] for r in rows]
        assert [int(x) for x in gate[lvl]] == [r[2] for r in rows]
        np.testing.assert_array_equal(elems[lvl], np.stack([_perm_matrix(r[0]) for r in rows]))
        assert parent[lvl].dtype == np.int32 and gate[lvl].dtype == np.int8
    # every stored word multiplies out to its element and has exactly `level` gates
    for lvl in range(len(elems)):
        for i in range(len(elems[lvl])):
            w = trace_word(parent, gate, lvl, i)
            assert len(w) == lvl
            u = np.eye(5)
            for g in w:
                u = gates[g] @ u
            np.testing.assert_array_equal(u, elems[lvl][i])


def test_levels_stop_before_a_level_that_exceeds_the_cap() -> None:
    gates = np.stack([_perm_matrix(s) for s in GENS_S5])
    full = [len(lv) for lv in _reference_bfs(GENS_S5, 20)]
    cap = sum(full[:4]) + 1  # level 4 does not fit
    elems, _, _ = build_levels(np.eye(5)[None], lambda f: left_products(gates, f), _perm_keys,
                               len(gates), 20, cap)
    assert [len(e) for e in elems] == full[:4]


def test_left_products_order() -> None:
    rng = np.random.default_rng(0)
    gates, front = rng.normal(size=(3, 2, 2)), rng.normal(size=(4, 2, 2))
    prod = left_products(gates, front)
    for n, g in itertools.product(range(4), range(3)):
        np.testing.assert_allclose(prod[n * 3 + g], gates[g] @ front[n])


def _phase_classes_bfs(mats: np.ndarray, depth: int) -> list[int]:
    """Level sizes of the phase classes of words, by pairwise |Tr(U^dag V)| = d tests (no hashing)."""
    d = mats.shape[-1]
    seen = np.eye(d, dtype=complex)[None]
    front, sizes = seen, [1]
    for _ in range(depth):
        new = []
        for u in front:
            for g in mats:
                v = g @ u
                overlaps = np.abs(np.einsum("nij,ij->n", seen.conj(), v))  # |Tr(W^dag V)| for every W
                if np.all(np.abs(overlaps - d) > 1e-6):
                    new.append(v)
                    seen = np.concatenate([seen, v[None]])
        front = new
        sizes.append(len(new))
    return sizes


def test_mitm_and_two_qubit_tables_have_the_reference_level_sizes() -> None:
    gs1 = build_gate_set("clifford_t")
    assert MITMSolver(gs1, depth=5, cache=False).level_sizes() == _phase_classes_bfs(gs1.matrices, 5)
    gs2 = build_gate_set("clifford_t_2q")
    assert TwoQubitTable(gs2, depth=2, cache=False).level_sizes() == _phase_classes_bfs(gs2.matrices, 2)


def test_cached_tables_reload_identically(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    fresh = TwoQubitTable("clifford_t_2q", depth=3)
    again = TwoQubitTable("clifford_t_2q", depth=3)  # from the cache: matrices replayed from the words
    assert fresh.level_sizes() == again.level_sizes()
    for a, b in zip(fresh.mats, again.mats):
        np.testing.assert_allclose(a, b, atol=1e-12)
    for a, b in zip(fresh.gate, again.gate):
        np.testing.assert_array_equal(a, b)
