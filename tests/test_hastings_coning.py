"""Coning (last step of Hastings' weight reduction) and the full pipeline: stage invariants, the
CodingTheory.jl worked sizes for the [[15,1,3]] quantum Reed-Muller code, cycle-basis checks."""

from __future__ import annotations

import numpy as np
import pytest
from gf2_reference import gf2_rank

import qdesign
from qdesign.codes import distance as dist
from qdesign.codes.css import CSSCode
from qdesign.codes.hgp import hgp_matrices
from qdesign.codes.seeds import get_seed, systematic_parity_check
from qdesign.reduction.hastings import (
    cellulate,
    choose_heights,
    coning,
    decongested_cycle_basis,
    hastings_pipeline,
)

HEIGHTS = [2, 1, 2, 1, 2, 3, 1, 3, 3, 1]  # the tutorial's heights for the QRM code, l = 3


def _qrm15() -> tuple[np.ndarray, np.ndarray]:
    hx = np.array([[(j >> i) & 1 for j in range(1, 16)] for i in range(4)], dtype=np.uint8)
    pairs = [hx[a] & hx[b] for a in range(4) for b in range(a + 1, 4)]
    return hx, np.vstack([hx] + pairs)


def _edge_vector(cycle: list[int], index: dict[tuple[int, int], int]) -> np.ndarray:
    v = np.zeros(len(index), dtype=np.uint8)
    for t in range(len(cycle)):
        a, b = cycle[t - 1], cycle[t]
        v[index[(min(a, b), max(a, b))]] ^= 1
    return v


@pytest.mark.parametrize("seed", range(4))
def test_cycle_basis_is_a_basis(seed: int) -> None:
    rng = np.random.default_rng(seed)
    V = 14
    pairs = sorted({(int(min(a, b)), int(max(a, b))) for a, b in rng.integers(0, V, (30, 2)) if a != b})
    index = {e: i for i, e in enumerate(pairs)}
    # cycle rank E - V + components, components by union-find (independent of the code under test)
    parent = list(range(V))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    used = {v for e in pairs for v in e}
    comps = len({find(v) for v in used})
    cycles = decongested_cycle_basis(pairs, np.random.default_rng(seed))
    assert len(cycles) == len(pairs) - len(used) + comps
    vecs = np.array([_edge_vector(c, index) for c in cycles])  # KeyError if a cycle uses a non-edge
    assert gf2_rank(vecs) == len(cycles)
    for c, f_len in ((list(range(9)), 4), (list(range(5)), 4), (list(range(4)), 4)):
        faces, chords = cellulate(c)
        assert all(3 <= len(f) <= f_len for f in faces)
        idx = {e: i for i, e in enumerate(sorted({(min(a, b), max(a, b)) for f in faces
                                                  for a, b in zip(f, f[1:] + f[:1])}))}
        total = np.bitwise_xor.reduce([_edge_vector(f, idx) for f in faces])
        assert np.array_equal(total, _edge_vector(c, idx))  # the faces tile the cycle


def test_qrm_pipeline_sizes_and_invariants() -> None:
    hx, hz = _qrm15()
    # CodingTheory.jl tutorial: [[722,1]]/[[721,1]] (Hastings copying), [[510,1]] (reduced),
    # [[315,1]] (targeted copying)
    for method, ref, tol in (("hastings", 722, 12), ("reduced", 510, 12), ("target", 315, 3)):
        res = hastings_pipeline(hx, hz, layers=3, heights=HEIGHTS, copying_method=method, seed=0)
        assert [s["k"] for s in res.stages] == [1] * 5  # CSSCode() re-checks H_X H_Z^T = 0 at each stage
        assert abs(res.stages[-1]["n"] - ref) <= tol
        thick, final = res.stages[-2], res.stages[-1]
        assert thick["w_z"] >= 20 and final["w_z"] <= 5 and final["w_x"] <= 8  # coning bounds (w, q)
        assert final["q_x"] <= 3 and final["q_z"] <= 5
        c = CSSCode(res.h_x, res.h_z)
        assert not ((c.h_x.astype(int) @ c.h_z.T.astype(int)) % 2).any()


def test_coning_is_seeded_and_reproducible() -> None:
    hx, hz = hgp_matrices(systematic_parity_check(get_seed(6, 3).G))
    a = hastings_pipeline(hx, hz, layers=3, seed=5)
    b = hastings_pipeline(hx, hz, layers=3, seed=5)
    assert np.array_equal(a.h_x, b.h_x) and np.array_equal(a.h_z, b.h_z)
    assert all(s["k"] == 9 for s in a.stages)
    assert choose_heights(hx, hz, 3, seed=1) == choose_heights(hx, hz, 3, seed=1)
    qx, qz = _qrm15()
    with pytest.raises(ValueError, match="meets Z check"):
        coning(qx, qz, rows=[0])  # QRM checks overlap in 4 qubits: gauge and thicken first
    cx, cz = coning(hx, hz)  # HGP checks overlap in 0 or 2 qubits, so coning applies directly
    assert CSSCode(cx, cz).k == 9
    r = qdesign.reduce_weight(qx, qz, method="hastings", copying="target", seed=5, heights=HEIGHTS)
    assert r.params.k == 1 and r.details["coning"] == "done" and r.params.w <= 8 and r.params.q <= 5
    assert r.params.exact and r.params.witness_verified and r.params.d_x >= 7 and r.params.n == 315


def test_coning_distance_on_qrm_target_and_repair() -> None:
    """Exact distances (Stim MaxSAT, witnesses re-checked) of the targeted-copying output.  Plain
    coning: d_X grows (7 -> 14) but d_Z drops 3 -> 2 through a bridge of a coned check's graph;
    ``keep_distance`` adds free edges across the cuts of minimum-weight Z logicals until d_Z = 3."""
    hx, hz = _qrm15()
    plain = hastings_pipeline(hx, hz, layers=3, heights=HEIGHTS, copying_method="target", seed=0)
    code = CSSCode(plain.h_x, plain.h_z)
    dx, dz = dist.maxsat_exact(code, "X"), dist.maxsat_exact(code, "Z")
    assert dist.verify_witness(code, dx, "X") and dist.verify_witness(code, dz, "Z")
    assert dx.value >= 7 and dz.value == 2
    w = np.flatnonzero(dz.witness)
    assert any(j >= plain.stages[-2]["n"] for j in w)  # the short logical uses a new edge qubit
    fixed = hastings_pipeline(hx, hz, layers=3, heights=HEIGHTS, copying_method="target", seed=0,
                              keep_distance=True)
    last = fixed.stages[-1]
    assert last["met"] and last["k"] == 1 and last["d_z_per_round"][0] == 2 and last["extra_edges"] >= 1
    assert plain.stages[-1]["n"] < last["n"] <= plain.stages[-1]["n"] + 3 * last["extra_edges"]
    code = CSSCode(fixed.h_x, fixed.h_z)
    dx, dz = dist.maxsat_exact(code, "X"), dist.maxsat_exact(code, "Z")
    assert dist.verify_witness(code, dx, "X") and dist.verify_witness(code, dz, "Z")
    assert dx.value >= 7 and dz.value >= 3
    assert last["w_x"] <= 8 and last["w_z"] <= 6 and last["q_x"] <= 3 and last["q_z"] <= 5


def test_second_thickening_keeps_k() -> None:
    """Coning's optional X-side thickening (reference behaviour: old X checks on every layer, new
    face checks at one random height) runs when q_X exceeds the target and keeps k."""
    hx, hz = hgp_matrices(systematic_parity_check(get_seed(6, 3).G))
    one = hastings_pipeline(hx, hz, layers=2, copying_method="target", seed=1)
    two = hastings_pipeline(hx, hz, layers=2, copying_method="target", seed=1, coning_layers=2, target_q_x=2)
    assert one.stages[-1]["q_x"] > 2 and two.stages[-1]["n"] > one.stages[-1]["n"]
    assert two.stages[-1]["k"] == 9 and two.stages[-1]["stage"] == "coning[l2=2]"
