"""compile_unitary(metric="frobenius_sign_strict"): Chen et al.'s protocol, checked with qiskit's Operator
and against an independent brute force over all short HRC6 words."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator

from qdesign import compile_unitary
from qdesign.quantum.gatesets import build_gate_set
from qdesign.quantum.unitary import haar_unitary, phase_invariant_distance
from qdesign.synthesis.bwqs import DistanceHeuristic, bwqs

STRICT = "frobenius_sign_strict"


def _frob(qc, u):
    return float(np.linalg.norm(Operator(qc).data - u))


def test_sign_strict_result_is_verified_with_operator_at_global_phase_zero():
    u = haar_unitary(2, np.random.default_rng(19), special=True)
    for method in ("optimal", "astar"):
        qc = compile_unitary(u, gate_set="hrc6", epsilon=1e-2, method=method, metric=STRICT)
        assert qc.global_phase == 0.0
        assert _frob(qc, u) <= 1e-2
        assert qc.metadata["distance"] == pytest.approx(_frob(qc, u), abs=1e-12)
        assert qc.metadata["metric"] == STRICT


def test_sign_strict_rejects_the_minus_u_word():
    gs = build_gate_set("hrc6")
    w = [0, 1, 2, 1]
    minus = -gs.word_unitary(w)  # the word w is the same gate as -W up to phase, but not sign-strict
    loose = compile_unitary(minus, gate_set="hrc6", epsilon=1e-2, method="optimal")
    assert len(loose.data) <= len(w)
    qc = compile_unitary(minus, gate_set="hrc6", epsilon=1e-2, method="optimal", metric=STRICT)
    assert len(qc.data) > len(w)  # no word of <= 4 gates is within 1e-2 of -W sign-strictly
    assert _frob(qc, minus) <= 1e-2
    # the search itself: -I is not the goal under the strict metric, I is
    h = DistanceHeuristic(gs, 1e-2)
    res = bwqs(-np.eye(2), gs, 1e-2, h, metric=STRICT, time_limit=10, max_nodes=20_000)
    assert res.word is None or (len(res.word) > 0 and res.distance <= 1e-2)
    assert bwqs(-np.eye(2), gs, 1e-2, h, time_limit=5).word == []


def test_sign_strict_optimum_matches_brute_force_over_all_short_words():
    gs = build_gate_set("hrc6")
    rng = np.random.default_rng(3)
    words = {0: [np.eye(2, dtype=complex)]}
    for n in range(1, 6):  # every word of length n (no pruning, inverse pairs included)
        words[n] = [gs.matrices[a] @ m for m in words[n - 1] for a in range(6)]
    for _ in range(3):
        u = haar_unitary(2, rng, special=True)
        brute = next((n for n in range(6) if min(np.linalg.norm(m - u) for m in words[n]) <= 0.5), None)
        qc = compile_unitary(u, gate_set="hrc6", epsilon=0.5, method="optimal", metric=STRICT)
        assert brute is not None and len(qc.data) == brute
        assert _frob(qc, u) <= 0.5


def test_strict_astar_search_through_the_closed_set_keeps_the_sign():
    gs = build_gate_set("hrc6")
    u = -gs.word_unitary([0, 1, 2, 0, 4, 3])
    qc = compile_unitary(u, gate_set="hrc6", epsilon=2e-2, method="astar", metric=STRICT, finisher=2,
                         heuristic="distance", time_limit=15)
    assert _frob(qc, u) <= 2e-2
    assert phase_invariant_distance(Operator(qc).data, u) <= 2e-2


@pytest.mark.parametrize("kwargs, name", [
    ({"metric": "frobenius"}, "metric"),
    ({"metric": None}, "metric"),
    ({"metric": STRICT, "gate_set": "clifford_t"}, "gate_set"),
    ({"metric": STRICT, "gate_set": "ht"}, "gate_set"),
    ({"metric": STRICT, "unitary": 1j * np.eye(2)}, "unitary"),
    ({"metric": STRICT, "method": "gridsynth"}, "method"),
])
def test_bad_metric_arguments_raise_value_error(kwargs, name):
    args = {"unitary": np.eye(2), "gate_set": "hrc6", "epsilon": 1e-2, "method": "optimal", **kwargs}
    with pytest.raises(ValueError, match=name):
        compile_unitary(**args)

