"""Table I [7,4,3] row: no hypergraph product of the Hamming code is (6,3), but a general CSS code at
the same n = 58 found by annealing over WeightReduce-v0's n-preserving moves is; checked here
independently of Stim (own GF(2) rank, brute-force enumeration of low-weight logicals)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from gf2_reference import gf2_rank

from qdesign.codes.hgp import hgp_matrices
from qdesign.codes.seeds import get_seed, systematic_parity_check
from qdesign.reduction.anneal import anneal_fixed_n, excess, has_logical_below

RESULT = Path(__file__).resolve().parents[1] / "experiments/bench/results/weight_reduce_table_i_74.json"


def _min_logical_weight_upto(checks: np.ndarray, stabs: np.ndarray, wmax: int) -> int | None:
    """Smallest weight <= wmax of v with checks v = 0 and v outside rowspace(stabs), by enumeration."""
    n, rs = checks.shape[1], gf2_rank(stabs)
    for w in range(1, wmax + 1):
        for supp in itertools.combinations(range(n), w):
            if (checks[:, supp].sum(axis=1) % 2).any():
                continue
            v = np.zeros((1, n), dtype=np.int64)
            v[0, list(supp)] = 1
            if gf2_rank(np.vstack([stabs, v])) > rs:
                return w
    return None


def test_no_hgp_of_hamming_is_6_3() -> None:
    """Any H of [7,4,3] has rows in the [7,3,4] simplex code (all weight 4).  With r = 3 rows its
    columns are the 7 distinct nonzero vectors of F_2^3, so one has weight 3 and HGP(H, H) has an X
    check of weight 4 + 3 = 7; r >= 4 rows carry 4r > 14 ones, so some column has weight >= 3."""
    G = get_seed(7, 4).G
    Hs = systematic_parity_check(G)
    words = [np.array(c, dtype=np.uint8) @ Hs % 2 for c in itertools.product([0, 1], repeat=3) if any(c)]
    assert sorted(int(w.sum()) for w in words) == [4] * 7
    bases = [np.array(t) for t in itertools.combinations(words, 3) if gf2_rank(np.array(t)) == 3]
    assert len(bases) == 28
    for H in bases:
        assert not (G.astype(int) @ H.T % 2).any()  # a parity check of the same code
        assert H.sum(axis=0).max() == 3
        hx, _ = hgp_matrices(H)
        assert hx.sum(axis=1).max() == 7
    for r in range(4, 8):
        assert 4 * r > 2 * 7  # pigeonhole: r rows of weight 4 cannot fit in 7 columns of weight <= 2


def test_low_weight_logical_test_matches_enumeration() -> None:
    rng = np.random.default_rng(0)
    hx, hz = hgp_matrices(systematic_parity_check(get_seed(7, 4).G))
    hx, hz = hx.astype(np.uint8), hz.astype(np.uint8)
    from qdesign.reduction import moves

    seen = set()
    for _ in range(40):  # random CNOT walks: some keep d >= 3, some do not
        a, b = rng.choice(hx.shape[1], 2, replace=False)
        hx, hz = moves.cnot(hx, hz, int(a), int(b))
        got = has_logical_below(hx, hz, 3)
        want = any(_min_logical_weight_upto(c, s, 2) is not None for c, s in ((hz, hx), (hx, hz)))
        assert got == want
        seen.add(got)
    assert seen == {True, False}
    with pytest.raises(ValueError, match="d_min"):
        has_logical_below(hx, hz, 4)


def test_saved_58_16_3_code_is_6_3() -> None:
    """The code the bench found (``--search-74``): n = 58, k = 16 by rank, d = 3, (w, q) = (6, 3)."""
    data = json.loads(RESULT.read_text())
    found = data["found"]
    assert found is not None
    hx, hz = np.array(found["h_x"], dtype=np.int64), np.array(found["h_z"], dtype=np.int64)
    assert not (hx @ hz.T % 2).any()
    n = hx.shape[1]
    assert n == 58 and n - gf2_rank(hx) - gf2_rank(hz) == 16
    assert hx.sum(1).max() <= 6 and hz.sum(1).max() <= 6 and hx.sum(0).max() <= 3 and hz.sum(0).max() <= 3
    assert _min_logical_weight_upto(hz, hx, 2) is None and _min_logical_weight_upto(hx, hz, 2) is None
    for wit, checks, stabs in ((found["witness_x"], hz, hx), (found["witness_z"], hx, hz)):
        v = np.array(wit, dtype=np.int64)
        assert v.sum() == 3 and not (checks @ v % 2).any()
        assert gf2_rank(np.vstack([stabs, v])) > gf2_rank(stabs)


@pytest.mark.slow
def test_anneal_seed_reproduces_the_saved_code() -> None:
    data = json.loads(RESULT.read_text())
    hx0, hz0 = hgp_matrices(systematic_parity_check(get_seed(7, 4).G))
    r = anneal_fixed_n(hx0, hz0, 6, 3, d_min=3, iterations=100_000, seed=data["found"]["seed"])
    assert r.excess == 0 and excess(r.h_x, r.h_z, 6, 3) == 0
    assert r.h_x.tolist() == data["found"]["h_x"] and r.h_z.tolist() == data["found"]["h_z"]


@pytest.mark.slow
def test_reduce_weight_rl_reaches_58_on_hamming() -> None:
    import qdesign

    r = qdesign.reduce_weight(*hgp_matrices(systematic_parity_check(get_seed(7, 4).G)), method="rl")
    assert r.met_target and r.params.exact and r.params.witness_verified
    assert (r.params.n, r.params.k, int(r.params.d)) == (58, 16, 3) and r.details["hgp_route_n"] == 80
