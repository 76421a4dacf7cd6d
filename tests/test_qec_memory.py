"""Stim memory circuits and logical error rates (issue 15), checked against independent references:
distances known from the literature / brute force, the DEM against H_Z column by column, and the
logical error rate of the Steane code against an exact enumeration of all error patterns."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import stim

import qdesign
from qdesign.codes.hgp import hgp_matrices
from qdesign.qec import bipartite_edge_coloring, logical_error_rate, memory_circuit, wilson_interval

HAMMING = np.array([[1, 0, 1, 0, 1, 0, 1], [0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1, 1]], dtype=np.uint8)
RM13 = np.array([[1] * 8, [0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1, 1, 1]],
                dtype=np.uint8)


def rep(d: int) -> np.ndarray:
    return np.array([[1 if j in (i, i + 1) else 0 for j in range(d)] for i in range(d - 1)], dtype=np.uint8)


def brute_classical_distance(h: np.ndarray) -> int:
    """Minimum weight of a nonzero codeword of ker h, by trying every vector (tiny n only)."""
    n = h.shape[1]
    best = n + 1
    for bits in itertools.product((0, 1), repeat=n):
        v = np.array(bits)
        if v.any() and not (h @ v % 2).any():
            best = min(best, int(v.sum()))
    return best


CODES = {
    "steane": (HAMMING, HAMMING, 3),
    "hgp_rep3": (*hgp_matrices(rep(3)), 3),
    "hgp_hamming_58_16_3": (*hgp_matrices(HAMMING), 3),
}
NOISES = ("uniform_depolarizing", "si1000", "code_capacity", "phenomenological")


def undetectable_weight(c: stim.Circuit) -> int:
    errs = c.search_for_undetectable_logical_errors(
        dont_explore_detection_event_sets_with_size_above=6, dont_explore_edges_with_degree_above=6,
        dont_explore_edges_increasing_symptom_degree=False)
    return len(errs)


def test_edge_colouring_is_proper_with_max_degree_colours():
    rng = np.random.default_rng(0)
    for _ in range(20):
        h = (rng.random((rng.integers(1, 15), rng.integers(1, 20))) < 0.35).astype(np.uint8)
        col = bipartite_edge_coloring(h)
        assert ((col >= 0) == (h == 1)).all()
        delta = int(max(h.sum(0).max(), h.sum(1).max()))
        assert col.max() < max(delta, 1)
        for c in range(delta):  # a colour class is a matching
            assert ((col == c).sum(axis=0) <= 1).all() and ((col == c).sum(axis=1) <= 1).all()


@pytest.mark.parametrize("name", sorted(CODES))
@pytest.mark.parametrize("noise", NOISES)
@pytest.mark.parametrize("basis", ["Z", "X"])
def test_noiseless_circuit_is_deterministic_and_dem_builds(name, noise, basis):
    hx, hz, _ = CODES[name]
    c = memory_circuit(hx, hz, rounds=3, p=0.001, noise=noise, basis=basis)
    assert isinstance(c, stim.Circuit)
    k = 1 if name != "hgp_hamming_58_16_3" else 16
    assert c.num_observables == k
    # every detector and observable is deterministic without noise (stim raises otherwise) ...
    c.without_noise().detector_error_model()
    shots = c.without_noise().compile_detector_sampler(seed=1).sample(64, append_observables=True)
    assert not shots.any()
    # ... and the noisy model builds
    assert c.detector_error_model().num_errors > 0


def test_code_capacity_dem_columns_are_the_check_columns():
    """One round of code-capacity noise: each qubit's X component flips exactly its Z checks."""
    hx, hz = hgp_matrices(HAMMING)
    c = memory_circuit(hx, hz, rounds=1, p=0.01, noise="code_capacity", basis="Z")
    dem = c.detector_error_model()
    symptoms = set()
    for inst in dem.flattened():
        if inst.type == "error":
            dets = tuple(sorted(t.val for t in inst.targets_copy() if t.is_relative_detector_id()))
            symptoms.add(tuple(d for d in dets if d < hz.shape[0]))  # round-1 detectors = Z checks
    expected = {tuple(np.flatnonzero(hz[:, j]).tolist()) for j in range(hz.shape[1])}
    assert symptoms == expected


@pytest.mark.parametrize("name", sorted(CODES))
@pytest.mark.parametrize("noise", ["code_capacity", "phenomenological"])
def test_distance_of_memory_circuit_equals_code_distance(name, noise):
    hx, hz, d = CODES[name]
    for basis in "ZX":
        c = memory_circuit(hx, hz, rounds=2, p=0.01, noise=noise, basis=basis)
        assert undetectable_weight(c) == d


def test_rm13_product_distance_matches_brute_force():
    d = brute_classical_distance(RM13)  # [8,4,4]; its transpose code has k = 0
    assert d == 4
    hx, hz = hgp_matrices(RM13)
    assert hx.shape[1] == 80
    c = memory_circuit(hx, hz, rounds=1, p=0.01, noise="code_capacity", basis="Z")
    assert undetectable_weight(c) == d


def test_circuit_level_distance_not_above_code_distance_and_surface_kept():
    """HGP(rep d) is the unrotated surface code: our schedule keeps its circuit distance d, the same as
    Stim's own generated unrotated surface-code memory (an independent circuit)."""
    for d in (3, 5):
        hx, hz = hgp_matrices(rep(d))
        ref = stim.Circuit.generated("surface_code:unrotated_memory_z", distance=d, rounds=d,
                                     after_clifford_depolarization=0.001)
        assert len(ref.shortest_graphlike_error()) == d
        for noise in ("uniform_depolarizing", "si1000"):
            for basis in "ZX":
                c = memory_circuit(hx, hz, rounds=d, p=0.001, noise=noise, basis=basis)
                assert len(c.shortest_graphlike_error()) == d
    c = memory_circuit(HAMMING, HAMMING, rounds=2, p=0.001, noise="uniform_depolarizing")
    assert 1 <= undetectable_weight(c) <= 3  # hook errors may lower it (Steane: 2)


def test_bad_arguments_are_named():
    hx, hz, _ = CODES["steane"]
    with pytest.raises(ValueError, match="noise"):
        memory_circuit(hx, hz, 1, 0.01, noise="depolarizing")
    with pytest.raises(ValueError, match="basis"):
        memory_circuit(hx, hz, 1, 0.01, basis="Y")
    with pytest.raises(ValueError, match="rounds"):
        memory_circuit(hx, hz, 0, 0.01)
    with pytest.raises(ValueError, match="p="):
        memory_circuit(hx, hz, 1, 0.7)
    with pytest.raises(ValueError, match="p="):
        memory_circuit(hx, hz, 1, 0.2, noise="si1000")
    with pytest.raises(ValueError, match="commute"):
        memory_circuit(hx, np.eye(7, dtype=np.uint8), 1, 0.01)
    with pytest.raises(ValueError, match="decoder='pymatching'"):  # (6,3)-type HGP: hyperedges
        logical_error_rate(*hgp_matrices(HAMMING), noise="code_capacity", p=0.05, shots=10,
                           decoder="pymatching", seed=1)
    with pytest.raises(ValueError, match="decoder"):
        logical_error_rate(hx, hz, noise="code_capacity", p=0.05, shots=10, decoder="mwpm")
    with pytest.raises(ValueError, match="seed"):
        logical_error_rate(hx, hz, noise="code_capacity", p=0.05, shots=10, seed=1, workers=2)


def steane_exact_failure(q: float, decoder: str) -> float:
    """Exact failure probability of a syndrome decoder on the Steane code's X errors, each qubit flipped
    independently with probability q: enumerate all 128 error patterns, decode each syndrome with the
    decoder built directly on the Hamming matrix (no circuit, no DEM), and add up the patterns whose
    residual is not an X stabilizer."""
    from ldpc import BpLsdDecoder, BpOsdDecoder

    kw = dict(error_channel=[q] * 7, max_iter=30, bp_method="minimum_sum", ms_scaling_factor=0.625)
    dec = (BpOsdDecoder(HAMMING, osd_method="osd_cs", osd_order=7, **kw) if decoder == "bposd"
           else BpLsdDecoder(HAMMING, lsd_method="lsd_cs", lsd_order=7, **kw))
    rowspace = {tuple(np.array(c) @ HAMMING % 2) for c in itertools.product((0, 1), repeat=3)}
    fail = 0.0
    for bits in itertools.product((0, 1), repeat=7):
        e = np.array(bits)
        residual = (e + dec.decode((HAMMING @ e % 2).astype(np.uint8))) % 2
        if tuple(residual) not in rowspace:
            w = int(e.sum())
            fail += q**w * (1 - q) ** (7 - w)
    return fail


@pytest.mark.parametrize("decoder", ["bposd", "bplsd"])
def test_steane_code_capacity_ler_matches_exact_enumeration(decoder):
    p = 0.09
    exact = steane_exact_failure(2 * p / 3, decoder)  # depolarising: X component with probability 2p/3
    r = logical_error_rate(HAMMING, HAMMING, noise="code_capacity", p=p, shots=20_000, decoder=decoder,
                           seed=7, basis="Z")
    sigma = np.sqrt(exact * (1 - exact) / r.shots)
    assert abs(r.per_shot - exact) < 4 * sigma, (r.per_shot, exact)
    lo, hi = r.ci
    assert lo <= r.per_shot <= hi and r.shots == 20_000 and r.per_round == pytest.approx(r.per_shot)


def test_ler_result_fields_reproducible_and_matching_agrees_with_bposd():
    hx, hz = hgp_matrices(rep(5))
    a = logical_error_rate(hx, hz, noise="code_capacity", p=0.05, shots=4000, decoder="bposd", seed=3)
    b = logical_error_rate(hx, hz, noise="code_capacity", p=0.05, shots=4000, decoder="bposd", seed=3)
    assert a.errors == b.errors and a.per_shot == b.per_shot
    assert set(a.sectors) == {"Z", "X"} and a.shots == 8000
    assert a.per_shot == pytest.approx(1 - (1 - a.sectors["Z"].per_shot) * (1 - a.sectors["X"].per_shot))
    m = logical_error_rate(hx, hz, noise="code_capacity", p=0.05, shots=4000, decoder="pymatching", seed=3)
    # surface-code-like product: matching and BP-OSD are both near-optimal; intervals overlap
    assert m.ci[0] <= a.ci[1] and a.ci[0] <= m.ci[1]
    r = logical_error_rate(hx, hz, noise="phenomenological", p=0.01, rounds=4, shots=500, seed=1, basis="Z")
    assert r.rounds == 4 and 0 <= r.per_round <= r.per_shot <= 1
    lo, hi = wilson_interval(0, 100)
    assert lo == 0 and 0 < hi < 0.05


def test_public_names_are_exposed():
    assert qdesign.memory_circuit is memory_circuit
    assert qdesign.logical_error_rate is logical_error_rate


# --- the interleaved HGP schedule (issue 15 item 1) ---------------------------------------------------

def random_seed(rng: np.random.Generator, r: int, n: int) -> np.ndarray:
    """A random binary matrix with no empty row or column (a valid HGP seed)."""
    while True:
        h = (rng.random((r, n)) < 0.4).astype(np.uint8)
        if h.any(axis=1).all() and h.any(axis=0).all():
            return h


def test_hgp_schedule_layers_are_matchings_covering_every_check_edge_once():
    from qdesign.qec.memory import hgp_schedule

    rng = np.random.default_rng(5)
    for _ in range(12):
        h1 = random_seed(rng, int(rng.integers(1, 5)), int(rng.integers(2, 7)))
        h2 = random_seed(rng, int(rng.integers(1, 5)), int(rng.integers(2, 7)))
        hx, hz = hgp_matrices(h1, h2)
        layers = hgp_schedule(h1, h2)
        seen = {"X": np.zeros_like(hx), "Z": np.zeros_like(hz)}
        for layer in layers:
            data = [j for _, _, j in layer]
            checks = [(kind, i) for kind, i, _ in layer]
            assert len(set(data)) == len(data) and len(set(checks)) == len(checks)  # one CNOT per qubit
            for kind, i, j in layer:
                seen[kind][i, j] += 1
        assert np.array_equal(seen["X"], hx) and np.array_equal(seen["Z"], hz)
        d1 = int(max(h1.sum(0).max(), h1.sum(1).max()))
        d2 = int(max(h2.sum(0).max(), h2.sum(1).max()))
        assert len(layers) <= min(2 * ((d1 + 1) // 2) + d2, d1 + 2 * ((d2 + 1) // 2))
        assert len(layers) >= max(hx.sum(1).max(), hz.sum(1).max())  # a check needs one layer per CNOT


@pytest.mark.parametrize("basis", ["Z", "X"])
def test_hgp_schedule_measures_the_stabilisers_of_random_products(basis):
    """Noiseless, every detector is deterministic only if each round measures exactly H_X and H_Z
    (an interleaving that breaks the commutation condition makes Stim's DEM construction fail)."""
    rng = np.random.default_rng(11)
    done = 0
    while done < 6:
        h1 = random_seed(rng, int(rng.integers(2, 5)), int(rng.integers(3, 7)))
        h2 = random_seed(rng, int(rng.integers(2, 5)), int(rng.integers(3, 7)))
        hx, hz = hgp_matrices(h1, h2)
        from qdesign.codes.css import CSSCode

        if CSSCode(hx, hz, allow_k0=True).k == 0:
            continue
        c = memory_circuit(hx, hz, rounds=3, p=0.001, noise="uniform_depolarizing", basis=basis,
                           schedule="hgp")
        c.without_noise().detector_error_model()
        shots = c.without_noise().compile_detector_sampler(seed=2).sample(32, append_observables=True)
        assert not shots.any()
        done += 1


def _cx_layers(c: stim.Circuit) -> int:
    return sum(1 for inst in c if inst.name == "CX")


def test_auto_schedule_picks_hgp_for_products_and_is_shallower():
    for h in (rep(3), rep(5), HAMMING, RM13):
        hx, hz = hgp_matrices(h)
        auto = memory_circuit(hx, hz, 1, 0.001)
        hgp = memory_circuit(hx, hz, 1, 0.001, schedule="hgp")
        col = memory_circuit(hx, hz, 1, 0.001, schedule="coloring")
        assert str(auto) == str(hgp) != str(col)
        assert _cx_layers(hgp) < _cx_layers(col)
    # HGP(rep d) = unrotated surface code: 4 layers, as its standard schedule
    assert _cx_layers(memory_circuit(*hgp_matrices(rep(5)), 1, 0.001, schedule="hgp")) == 4
    # not a product: auto falls back to the colouring, "hgp" is a named error
    assert str(memory_circuit(HAMMING, HAMMING, 1, 0.001)) == str(
        memory_circuit(HAMMING, HAMMING, 1, 0.001, schedule="coloring"))
    with pytest.raises(ValueError, match="schedule='hgp'"):
        memory_circuit(HAMMING, HAMMING, 1, 0.001, schedule="hgp")
    with pytest.raises(ValueError, match="schedule"):
        memory_circuit(HAMMING, HAMMING, 1, 0.001, schedule="cardinal")


@pytest.mark.parametrize("schedule", ["hgp", "coloring"])
def test_hgp_schedule_keeps_circuit_distance(schedule):
    """Circuit-level distance with rounds = d: the exact graphlike distance of HGP(rep 3) and HGP(rep 5)
    (Stim's shortest_graphlike_error, as for Stim's own surface code above), and Stim's undetectable
    logical error search on [[58,16,3]]; a hook error that lowered the distance would show up here."""
    for d in (3, 5):
        hx, hz = hgp_matrices(rep(d))
        for basis in "ZX":
            for noise in ("uniform_depolarizing", "si1000"):
                c = memory_circuit(hx, hz, rounds=d, p=0.001, noise=noise, basis=basis, schedule=schedule)
                assert len(c.shortest_graphlike_error()) == d
    hx, hz = hgp_matrices(HAMMING)
    for basis in "ZX":
        c = memory_circuit(hx, hz, rounds=3, p=0.001, noise="uniform_depolarizing", basis=basis,
                           schedule=schedule)
        assert undetectable_weight(c) == 3


@pytest.mark.slow
def test_hgp_schedule_keeps_circuit_distance_rm13():
    hx, hz = hgp_matrices(RM13)
    for basis in "ZX":
        c = memory_circuit(hx, hz, rounds=4, p=0.001, noise="uniform_depolarizing", basis=basis,
                           schedule="hgp")
        errs = c.search_for_undetectable_logical_errors(
            dont_explore_detection_event_sets_with_size_above=4, dont_explore_edges_with_degree_above=4,
            dont_explore_edges_increasing_symptom_degree=False)
        assert len(errs) == 4
