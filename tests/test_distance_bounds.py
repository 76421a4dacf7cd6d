"""Distance bounds under a time limit and HGP detection (issue 15), checked against independent
references: brute force over all vectors, Stim MaxSAT, and the gross code's published d = 12
(Bravyi et al., arXiv 2308.07915, its [[144,12,12]] code)."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest

from qdesign import code_parameters
from qdesign.codes import distance as dist
from qdesign.codes.bounds import css_distance_bounds, distance_bounds
from qdesign.codes.css import CSSCode
from qdesign.codes.hgp import hgp_matrices, hgp_seeds_of

HAMMING = np.array([[1, 0, 1, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1]], dtype=np.uint8)
RM13 = np.array([[1] * 8, [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]],
                dtype=np.uint8)


def gross_code() -> tuple[np.ndarray, np.ndarray]:
    """[[144,12,12]] bivariate bicycle code: l = 12, m = 6, A = x^3 + y + y^2, B = y^3 + x + x^2."""
    def shift(k: int) -> np.ndarray:
        return np.roll(np.eye(k, dtype=np.int64), 1, axis=1)

    x = np.kron(shift(12), np.eye(6, dtype=np.int64))
    y = np.kron(np.eye(12, dtype=np.int64), shift(6))
    mp = np.linalg.matrix_power
    a = (mp(x, 3) + y + mp(y, 2)) % 2
    b = (mp(y, 3) + x + mp(x, 2)) % 2
    return np.hstack([a, b]).astype(np.uint8), np.hstack([b.T, a.T]).astype(np.uint8)


def brute_dx(code: CSSCode) -> int:
    """Minimum weight of an X logical by trying every vector (n <= 16)."""
    best = code.n + 1
    for bits in itertools.product((0, 1), repeat=code.n):
        v = np.array(bits, dtype=np.uint8)
        if 0 < v.sum() < best and code.is_x_logical(v):
            best = int(v.sum())
    return best


def permuted(hx: np.ndarray, hz: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The same code with its qubits shuffled (no longer in the HGP layout)."""
    perm = np.random.default_rng(seed).permutation(hx.shape[1])
    return hx[:, perm], hz[:, perm]


def test_steane_bounds_meet_at_brute_force_distance():
    code = CSSCode(HAMMING, HAMMING)
    assert brute_dx(code) == 3
    for sector in "XZ":
        b = distance_bounds(code, sector, time_limit=2.0)
        assert b.lower == b.upper == 3 and b.exact
        assert (code.is_x_logical if sector == "X" else code.is_z_logical)(b.witness)
    p = code_parameters(HAMMING, HAMMING, time_limit=2.0)
    assert p.d == 3 and p.exact and p.d_lower == p.d_upper == 3 and p.witness_verified


@pytest.mark.parametrize("seed", [0, 1])
def test_bounds_bracket_maxsat_on_shuffled_products(seed):
    for h in (HAMMING, RM13):
        hx, hz = permuted(*hgp_matrices(h), seed)
        code = CSSCode(hx, hz)
        assert hgp_seeds_of(hx, hz) is None  # shuffled: the general path runs
        for sector in "XZ":
            exact = dist.maxsat_exact(code, sector).value
            b = distance_bounds(code, sector, time_limit=3.0, seed=seed)
            assert b.lower <= exact <= b.upper
            assert int(b.witness.sum()) == b.upper
            assert (code.is_x_logical if sector == "X" else code.is_z_logical)(b.witness)


def test_gross_code_bounds_are_sound_and_bounded_in_time():
    hx, hz = gross_code()
    code = CSSCode(hx, hz)
    assert (code.n, code.k) == (144, 12)
    t0 = time.perf_counter()
    bx, bz = css_distance_bounds(code, time_limit=8.0)
    assert time.perf_counter() - t0 < 60  # the limit is honoured up to fixed costs (no hang)
    for b, is_logical in ((bx, code.is_x_logical), (bz, code.is_z_logical)):
        assert 2 <= b.lower <= 12 <= b.upper  # d = 12 is published; a bound below it would be unsound
        assert is_logical(b.witness) and int(b.witness.sum()) == b.upper
    p = code_parameters(hx, hz, time_limit=8.0)
    assert not p.exact and p.d_lower <= 12 <= p.d_upper == p.d and p.witness_verified
    assert f"{int(p.d_lower)}..{int(p.d)}" in str(p)


@pytest.mark.slow
def test_gross_code_upper_bound_12_within_60_s():
    p = code_parameters(*gross_code(), time_limit=60.0)
    assert p.d_upper == 12 and p.d_lower >= 5 and p.witness_verified


def test_hgp_structure_is_detected_without_seeds():
    hx, hz = hgp_matrices(RM13)
    h1, h2 = hgp_seeds_of(hx, hz)
    assert np.array_equal(h1, RM13) and np.array_equal(h2, RM13)
    p = code_parameters(hx, hz)
    assert p.method == "hgp-classical" and p.d == 4 and p.exact and p.witness_verified
    assert (p.n, p.k) == (80, 16)


def test_time_limit_is_validated():
    with pytest.raises(ValueError, match="time_limit"):
        code_parameters(HAMMING, HAMMING, time_limit=0)
    with pytest.raises(ValueError, match="time_limit"):
        code_parameters(HAMMING, HAMMING, time_limit="10")
