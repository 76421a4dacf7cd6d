"""Codes core checked against an independent plain-numpy GF(2) implementation written here."""

from __future__ import annotations

import itertools
import json
from importlib import resources

import numpy as np
import pytest

import qdesign
from qdesign.codes import distance as dist
from qdesign.codes import io
from qdesign.codes.css import ClassicalCode, CSSCode
from qdesign.codes.hgp import hgp, hgp_matrices, hgp_parameters
from qdesign.codes.seeds import get_seed, hamming_code, load_seeds, repetition_code, systematic_parity_check


# ----------------------------------------------------------------- independent reference (plain numpy)
def ref_rank(m: np.ndarray) -> int:
    a = (np.array(m, dtype=np.int64) % 2).copy()
    r = 0
    for c in range(a.shape[1]):
        piv = next((i for i in range(r, a.shape[0]) if a[i, c]), None)
        if piv is None:
            continue
        a[[r, piv]] = a[[piv, r]]
        for i in range(a.shape[0]):
            if i != r and a[i, c]:
                a[i] ^= a[r]
        r += 1
    return r


def ref_min_x_logical(hx: np.ndarray, hz: np.ndarray) -> int:
    """Brute force over all X errors by weight: smallest v with H_Z v = 0 and v ∉ rowspace(H_X)."""
    n = hx.shape[1]
    rx = ref_rank(hx)
    for w in range(1, n + 1):
        for supp in itertools.combinations(range(n), w):
            v = np.zeros(n, dtype=np.int64)
            v[list(supp)] = 1
            if (hz @ v % 2).any():
                continue
            if ref_rank(np.vstack([hx, v])) > rx:
                return w
    return 10**9


def ref_classical_distance_from_G(G: np.ndarray) -> int:
    k = G.shape[0]
    best = 10**9
    for m in range(1, 1 << k):
        msg = np.array([(m >> i) & 1 for i in range(k)])
        best = min(best, int((msg @ G % 2).sum()))
    return best


STEANE_H = hamming_code(3)


def test_steane_code_parameters_match_bruteforce() -> None:
    p = qdesign.code_parameters(STEANE_H, STEANE_H)
    assert (p.n, p.k, p.d, p.w, p.q) == (7, 1, 3, 4, 3)
    assert p.d_x == ref_min_x_logical(STEANE_H, STEANE_H) == 3
    assert p.exact and p.witness_verified


@pytest.mark.parametrize("n", [3, 4])
def test_surface_code_hgp_of_repetition(n: int) -> None:
    h = repetition_code(n)
    hx, hz = hgp_matrices(h)
    code = CSSCode(hx, hz)
    assert (code.n, code.k, code.w, code.q) == (n * n + (n - 1) ** 2, 1, 4, 2)
    assert code.k == code.n - ref_rank(hx) - ref_rank(hz)
    dx, dz = dist.hgp_distance(h)
    assert dx.value == dz.value == n
    assert dist.verify_witness(code, dx, "X") and dist.verify_witness(code, dz, "Z")
    if n == 3:
        assert ref_min_x_logical(hx, hz) == 3 and ref_min_x_logical(hz, hx) == 3
    m = dist.maxsat_exact(code, "X")
    assert m.value == n and dist.verify_witness(code, m, "X")


def test_random_small_css_codes_vs_bruteforce() -> None:
    rng = np.random.default_rng(3)
    checked = 0
    while checked < 6:
        h1 = rng.integers(0, 2, size=(2, 4), dtype=np.uint8)
        h2 = rng.integers(0, 2, size=(2, 3), dtype=np.uint8)
        hx, hz = hgp_matrices(h1, h2)  # n = 12 + 4 = 16
        code = CSSCode(hx, hz)
        assert code.k == code.n - ref_rank(hx) - ref_rank(hz)
        assert (code.n, code.k) == hgp_parameters(h1, h2)
        if code.k == 0:
            continue
        truth_x, truth_z = ref_min_x_logical(hx, hz), ref_min_x_logical(hz, hx)
        dx, dz = dist.hgp_distance(h1, h2)
        assert (dx.value, dz.value) == (truth_x, truth_z)
        sx, sz = dist.maxsat_exact(code, "X"), dist.maxsat_exact(code, "Z")
        assert (sx.value, sz.value) == (truth_x, truth_z)
        for d, sector in ((dx, "X"), (dz, "Z"), (sx, "X"), (sz, "Z")):
            assert dist.verify_witness(code, d, sector)
        ub = dist.stim_upper_bound(code, "X")
        assert ub.value >= truth_x and dist.verify_witness(code, ub, "X")
        checked += 1


def test_every_shipped_seed_distance_reverified() -> None:
    raw = json.loads(resources.files("qdesign.codes").joinpath("data/classical_seeds.json").read_text())
    assert len(raw) == 21 == len(load_seeds())
    for entry, seed in zip(raw, load_seeds()):
        H, G = seed.H, seed.G
        assert ref_rank(H) == seed.n - seed.k and ref_rank(G) == seed.k
        assert not (H.astype(np.int64) @ G.T.astype(np.int64) % 2).any()
        d = dist.classical_distance(H)
        assert d.value == seed.d == entry["d"]
        w = d.witness.astype(np.int64)
        assert w.sum() == seed.d and not (H.astype(np.int64) @ w % 2).any()
        if seed.k <= 10:  # independent enumeration (all 2^k codewords, plain numpy)
            assert ref_classical_distance_from_G(G) == seed.d
        Hs = systematic_parity_check(G)
        assert ref_rank(Hs) == seed.n - seed.k and not (Hs.astype(np.int64) @ G.T.astype(np.int64) % 2).any()


def test_seed_hgp_table_i_parameters() -> None:
    expected = {(6, 3): (45, 9, 3), (7, 2): (74, 4, 4), (7, 3): (65, 9, 4), (7, 4): (58, 16, 3)}
    for (n, k), (N, K, D) in expected.items():
        s = get_seed(n, k)
        p = qdesign.code_parameters(*hgp_matrices(s.H), hgp_seeds=(s.H, s.H))
        assert (p.n, p.k, p.d) == (N, K, D) and p.exact and p.witness_verified


def test_redundant_checks_count_right() -> None:
    h = np.vstack([STEANE_H, STEANE_H[0] ^ STEANE_H[1]])
    assert CSSCode(h, STEANE_H).k == 1
    assert ClassicalCode(h).k == 4


def test_bad_inputs_raise_named_errors() -> None:
    with pytest.raises(ValueError, match="do not commute"):
        CSSCode(np.array([[1, 0]]), np.array([[1, 1]]))
    with pytest.raises(ValueError, match="non-binary"):
        CSSCode(np.array([[2, 0]]), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="mismatched shapes"):
        CSSCode(np.array([[1, 1, 0]]), np.array([[1, 1]]))
    with pytest.raises(ValueError, match="2-D"):
        CSSCode(np.array([1, 1]), np.array([[1, 1]]))
    with pytest.raises(ValueError, match="k = 0"):
        qdesign.code_parameters(np.array([[1, 1]]), np.array([[1, 1]]))


def test_io_roundtrips(tmp_path) -> None:
    h = get_seed(7, 3).H
    assert np.array_equal(io.from_alist(io.to_alist(h)), h)
    assert np.array_equal(io.from_text(io.to_text(h)), h)
    hx, hz = hgp_matrices(h)
    io.save_npz(tmp_path / "c.npz", hx, hz, d=4)
    hx2, hz2 = io.load_npz(tmp_path / "c.npz")
    assert np.array_equal(hx, hx2) and np.array_equal(hz, hz2)
    io.save_alist(tmp_path / "h.alist", hx)
    assert np.array_equal(io.load_alist(tmp_path / "h.alist"), hx)
    with pytest.raises(ValueError):
        io.from_text("012\n")


def test_stim_circuit_detectors_match_checks() -> None:
    code = hgp(repetition_code(3))
    c = dist.code_capacity_circuit(code, "X")
    assert c.num_detectors == code.h_z.shape[0] and c.num_observables == code.k
    assert c.detector_error_model().num_errors == code.n
