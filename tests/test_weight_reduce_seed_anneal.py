"""The seed anneal (sparse classical seeds at a fixed size), checked against brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from gf2_reference import gf2_rank

from qdesign.reduction.seed_anneal import (
    SeedSearchLog,
    anneal_sparse_seed,
    griesmer_length,
    seed_quality,
    smallest_sparse_seed,
)


def brute_force_distance(H: np.ndarray) -> int:
    """Minimum weight of a nonzero x with H x = 0, over all 2^m vectors (0 if the kernel is trivial)."""
    m = H.shape[1]
    xs = np.array(list(itertools.product((0, 1), repeat=m)), dtype=np.int64)[1:]
    ok = ((xs @ H.T.astype(np.int64)) % 2 == 0).all(axis=1)
    return int(xs[ok].sum(axis=1).min()) if ok.any() else 0


@pytest.mark.parametrize("seed", range(6))
def test_seed_quality_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    H = (rng.random((int(rng.integers(4, 9)), 11)) < 0.3).astype(np.uint8)
    rk, d, count = seed_quality(H)
    assert rk == gf2_rank(H)
    assert d == brute_force_distance(H)
    if d:
        assert count >= 1


def test_anneal_keeps_caps_full_rank_and_exact_distance() -> None:
    res = anneal_sparse_seed(12, 3, iterations=3000, seed=1)
    H = res.H
    assert H.shape == (9, 12)
    assert H.sum(axis=1).max() <= 3 and H.sum(axis=0).max() <= 3
    assert res.full_rank and gf2_rank(H) == 9
    assert res.d == brute_force_distance(H)
    assert res.d >= 4  # a random (3,3) start is often at d 2-3; the anneal must improve on it


def test_griesmer_bound_values() -> None:
    assert griesmer_length(4, 3) == 7  # Hamming [7,4,3] meets it
    assert griesmer_length(3, 16) == 28
    assert griesmer_length(2, 20) == 30


def test_smallest_sparse_seed_reaches_goal_at_a_minimal_tried_size() -> None:
    log = SeedSearchLog()
    res = smallest_sparse_seed(2, 6, m_start=12, iterations=3000, restarts=2, log=log)
    assert res is not None
    m = res.H.shape[1]
    assert m >= griesmer_length(2, 6)
    assert brute_force_distance(res.H) >= 6 and gf2_rank(res.H) == m - 2
    assert res.H.sum(axis=1).max() <= 3 and res.H.sum(axis=0).max() <= 3
    # the size below the answer was either tried and failed or ruled out by the Griesmer bound
    assert m - 1 < griesmer_length(2, 6) or any(t["m"] == m - 1 and not t["ok"] for t in log.tried)


def test_bad_arguments_raise_named_errors() -> None:
    with pytest.raises(ValueError, match="k_c"):
        anneal_sparse_seed(10, 0)
    with pytest.raises(ValueError, match="m must exceed"):
        anneal_sparse_seed(3, 3)
    with pytest.raises(ValueError, match="d_goal"):
        smallest_sparse_seed(2, 0, m_start=8)


def test_reduce_weight_rejects_bad_seed_anneal_option() -> None:
    import qdesign
    from qdesign.codes.hgp import hgp_matrices
    from qdesign.codes.seeds import get_seed

    hx, hz = hgp_matrices(get_seed(6, 3).H)
    with pytest.raises(ValueError, match="seed_anneal"):
        qdesign.reduce_weight(hx, hz, seed_anneal="yes")


def test_reduce_weight_rl_takes_the_smaller_seed_anneal_code() -> None:
    """A dense [15, 2] seed: the seed anneal finds a (6,3) product with fewer qubits than the beam,
    k kept and the distance re-checked by brute force and an independent rank."""
    import qdesign
    from qdesign.codes.hgp import hgp_matrices
    from qdesign.codes.seeds import systematic_parity_check

    G = np.zeros((2, 15), dtype=np.uint8)
    G[0, :10] = 1
    G[1, 5:] = 1
    H = systematic_parity_check(G)
    hx, hz = hgp_matrices(H)
    base_d = brute_force_distance(H)
    without = qdesign.reduce_weight(hx, hz, seed_matrix=H, seed_anneal=False)
    res = qdesign.reduce_weight(hx, hz, seed_matrix=H)
    assert res.details["engine"].startswith("seed anneal")
    assert res.met_target and res.params.n < without.params.n
    Hn = res.seed_matrix
    assert brute_force_distance(Hn) >= base_d == res.base.d
    assert res.params.d == brute_force_distance(Hn)
    assert not ((res.h_x.astype(int) @ res.h_z.T.astype(int)) % 2).any()
    n = res.h_x.shape[1]
    assert n - gf2_rank(res.h_x) - gf2_rank(res.h_z) == res.base.k == 4
    assert res.params.w <= 6 and res.params.q <= 3


@pytest.mark.parametrize("seed", range(3))
def test_numpy_enumerator_matches_the_python_walk_and_an_independent_count(seed: int, monkeypatch) -> None:
    from gf2_reference import gf2_kernel, min_weight_by_enumeration

    from qdesign.reduction import seed_anneal as sa

    H = anneal_sparse_seed(26 + seed, 12, iterations=200, seed=seed).H  # k_c = 12 >= the numpy threshold
    rows = [sum(1 << int(c) for c in np.flatnonzero(r)) for r in H]
    _, basis = sa._kernel_basis(rows, H.shape[1])
    fast = sa._min_weight_numpy(basis)
    monkeypatch.setattr(sa, "_NUMPY_FROM_KC", 99)
    slow = sa._min_weight(basis)
    assert fast == slow
    assert fast[0] == min_weight_by_enumeration(gf2_kernel(H))


def test_best_kd2n_seed_keeps_the_best_merit_among_qualifying_sizes() -> None:
    from qdesign.reduction.seed_anneal import best_kd2n_seed

    log = SeedSearchLog()
    res = best_kd2n_seed(2, 3, [6, 8, 10], iterations=1500, log=log)
    assert res is not None and res.d >= 3 and res.full_rank
    ok = [t for t in log.tried if t["full_rank"] and t["d"] >= 3]
    m = res.H.shape[1]
    assert max(t["kd2n"] for t in ok) == pytest.approx(4 * res.d**2 / (m * m + (m - 2) ** 2))
    with pytest.raises(ValueError, match="m_values"):
        best_kd2n_seed(4, 2, [4])


def test_looser_target_is_never_worse_than_six_three() -> None:
    """A (6,3) code also meets (8,4): the (8,4) reduction tries weight-3 seeds first, so it is never
    larger."""
    import qdesign
    from qdesign.codes.hgp import hgp_matrices
    from qdesign.codes.seeds import systematic_parity_check

    G = np.zeros((2, 15), dtype=np.uint8)
    G[0, :10] = 1
    G[1, 5:] = 1
    H = systematic_parity_check(G)
    hx, hz = hgp_matrices(H)
    six = qdesign.reduce_weight(hx, hz, 6, 3, seed_matrix=H)
    eight = qdesign.reduce_weight(hx, hz, 8, 4, seed_matrix=H)
    assert eight.met_target and eight.params.w <= 8 and eight.params.q <= 4
    assert eight.params.n <= six.params.n


_RANK = {"probe": 0, "full": 1, "deep": 2}


def _fake_anneal(threshold_full: int, threshold_probe: int, calls: list[tuple[int, int]],
                 threshold_deep: int | None = None):
    """A stand-in for the anneal whose success depends only on the size and the effort (told apart
    by the iteration count: probes < 20 000 = full < deep): it reaches the goal from
    ``threshold_probe`` / ``threshold_full`` / ``threshold_deep`` (default: the full one) up."""
    from qdesign.reduction.seed_anneal import SeedAnnealResult

    deep = threshold_full if threshold_deep is None else threshold_deep

    def fake(m, k_c, row_cap=3, col_cap=3, iterations=20_000, d_goal=None, seed=0, **kw):
        calls.append((m, iterations))
        t = threshold_probe if iterations < 20_000 else threshold_full if iterations == 20_000 else deep
        ok = m >= t
        H = np.zeros((m - k_c, m), dtype=np.uint8)
        return SeedAnnealResult(H, d_goal if ok else d_goal - 1, 1, True, iterations, seed, 0.0)

    return fake


def _assert_never_retried(log: SeedSearchLog) -> None:
    """Each size at most once per effort, never at a lower or equal effort after an attempt, and never
    again after failing at the deep (highest) effort."""
    highest: dict[int, int] = {}
    for t in log.tried:
        rank = _RANK[t["effort"]]
        assert highest.get(t["m"], -1) < rank, f"size {t['m']} retried at {t['effort']}: {log.tried}"
        highest[t["m"]] = rank


@pytest.mark.parametrize(("m_start", "threshold"), [(30, 47), (30, 113), (30, 31), (40, 33), (30, 30)])
def test_bisect_search_finds_the_threshold_with_logarithmically_many_failures(m_start, threshold,
                                                                            monkeypatch) -> None:
    from qdesign.reduction import seed_anneal as sa

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(sa, "anneal_sparse_seed", _fake_anneal(threshold, threshold, calls))
    log = SeedSearchLog()
    res = smallest_sparse_seed(15, 8, m_start=m_start, log=log)
    assert res is not None and res.H.shape[1] == threshold
    _assert_never_retried(log)
    fails = [t for t in log.tried if not t["ok"]]
    gap = abs(threshold - m_start) + 1
    probe_fails = [t for t in fails if t["effort"] == "probe"]
    assert len(probe_fails) <= 2 * math.ceil(math.log2(gap)) + 1, log.tried
    assert sum(1 for t in fails if t["effort"] == "full") <= 1  # one full failure ends the full walk
    assert sum(1 for t in fails if t["effort"] == "deep") <= 1  # and one deep failure the deep walk
    if threshold - m_start > 8:  # the old linear walk pays one full failure per size in between
        lin_log = SeedSearchLog()
        smallest_sparse_seed(15, 8, m_start=m_start, log=lin_log, search="linear")
        assert len([t for t in lin_log.tried if not t["ok"]]) == threshold - m_start
        assert len(fails) < threshold - m_start


def test_full_effort_walks_below_the_probes_and_stops_at_its_first_failure(monkeypatch) -> None:
    from qdesign.reduction import seed_anneal as sa

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(sa, "anneal_sparse_seed", _fake_anneal(41, 44, calls))
    log = SeedSearchLog()
    res = smallest_sparse_seed(15, 8, m_start=30, log=log)
    assert res is not None and res.H.shape[1] == 41  # probes bracket 44, the full effort gets to 41
    _assert_never_retried(log)
    assert [(t["m"], t["ok"]) for t in log.tried if t["effort"] == "full"] == \
        [(43, True), (42, True), (41, True), (40, False)]
    assert [(t["m"], t["ok"]) for t in log.tried if t["effort"] == "deep"] == [(40, False)]


def test_deep_effort_continues_the_walk_where_the_full_effort_fails(monkeypatch) -> None:
    from qdesign.reduction import seed_anneal as sa

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(sa, "anneal_sparse_seed", _fake_anneal(41, 44, calls, threshold_deep=39))
    log = SeedSearchLog()
    res = smallest_sparse_seed(15, 8, m_start=30, log=log)
    assert res is not None and res.H.shape[1] == 39
    _assert_never_retried(log)
    assert [(t["m"], t["ok"]) for t in log.tried if t["effort"] == "deep"] == \
        [(40, True), (39, True), (38, False)]
    assert {it for m, it in calls if m <= 40} >= {80_000}  # the deep effort is 4x the iterations
    # deep_iterations=0 turns the deep stage off: the full walk's answer stands
    log_off = SeedSearchLog()
    res = smallest_sparse_seed(15, 8, m_start=30, log=log_off, deep_iterations=0)
    assert res is not None and res.H.shape[1] == 41
    assert all(t["effort"] != "deep" for t in log_off.tried)


def test_search_gives_up_at_m_max_after_a_full_attempt_and_respects_the_griesmer_floor(monkeypatch) -> None:
    from qdesign.reduction import seed_anneal as sa

    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(sa, "anneal_sparse_seed", _fake_anneal(99, 99, calls))
    log = SeedSearchLog()
    assert smallest_sparse_seed(15, 8, m_start=30, m_max=50, log=log) is None
    assert log.tried[-1] == {**log.tried[-1], "m": 50, "effort": "full", "ok": False}
    _assert_never_retried(log)
    # nothing below the Griesmer bound is ever tried: [m, 3, 16] needs m >= 28
    calls.clear()
    monkeypatch.setattr(sa, "anneal_sparse_seed", _fake_anneal(1, 1, calls))
    res = smallest_sparse_seed(3, 16, m_start=40)
    assert res is not None and res.H.shape[1] == griesmer_length(3, 16) == 28
    assert min(m for m, _ in calls) == 28


def test_bisect_search_on_real_anneals_is_minimal_among_full_failures() -> None:
    """The real anneal on brute-force-checkable sizes: the answer is checked by brute force, and the
    size below it was ruled out by Griesmer or failed at full effort."""
    log = SeedSearchLog()
    res = smallest_sparse_seed(3, 6, m_start=8, iterations=2000, restarts=2, log=log)
    assert res is not None
    m = res.H.shape[1]
    assert brute_force_distance(res.H) >= 6 and gf2_rank(res.H) == m - 3
    assert res.H.sum(axis=1).max() <= 3 and res.H.sum(axis=0).max() <= 3
    assert m - 1 < griesmer_length(3, 6) or any(
        t["m"] == m - 1 and t["effort"] == "deep" and not t["ok"] for t in log.tried)
    _assert_never_retried(log)


def test_table_enumerator_matches_the_python_walk() -> None:
    from gf2_reference import gf2_kernel, min_weight_by_enumeration

    from qdesign.reduction import seed_anneal as sa

    for seed, (m, k) in enumerate([(30, 12), (40, 15), (44, 14)]):
        H = anneal_sparse_seed(m, k, iterations=100, seed=seed).H
        rows = [sum(1 << int(c) for c in np.flatnonzero(r)) for r in H]
        _, basis = sa._kernel_basis(rows, m)
        assert sa._min_weight_table(basis) == sa._min_weight_numpy(basis)
        if k <= 12:
            assert sa._min_weight_table(basis)[0] == min_weight_by_enumeration(gf2_kernel(H))


def test_even_column_degrees_are_avoided_so_full_rank_stays_reachable() -> None:
    """At m = 3 k_c with weight-3 rows every column would have degree 2: the rows would sum to zero
    and no degree-preserving swap could reach full rank."""
    from qdesign.reduction import seed_anneal as sa

    rows = sa._random_sparse(45, 30, 3, 3, np.random.default_rng(0))
    H = np.array([[(v >> j) & 1 for j in range(45)] for v in rows], dtype=np.uint8)
    assert (H.sum(axis=1) == 3).all() and H.sum(axis=0).max() <= 3
    assert (H.sum(axis=0) % 2).any()
    res = anneal_sparse_seed(12, 4, iterations=2000, seed=0)  # m = 3 k_c
    assert res.full_rank and gf2_rank(res.H) == 8
