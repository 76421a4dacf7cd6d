"""CRLQAS feedback threshold: the coded algorithm step by step, and checkpointing."""

from __future__ import annotations

import json

import pytest

from qdesign.curricula.factory import make_curriculum
from qdesign.curricula.threshold import CRLQASThreshold


def ep(err, success):
    return {"episode_best_error": err, "error": err, "is_success": success}


def test_paper_settings_by_size():
    small, large = CRLQASThreshold(num_qubits=4), CRLQASThreshold(num_qubits=6)
    assert (small.G, small.delta, small.success_thresh, small.succ_radius_shift) == (500, 0.5e-3, 25, 10)
    assert (large.G, large.delta, large.success_thresh, large.succ_radius_shift) == (2000, 1e-3, 50, 10)


def test_shrink_on_successes_and_greedy_reset():
    cur = CRLQASThreshold(initial=0.01, G=20, delta=1e-3, success_thresh=2, succ_radius_shift=10)
    cur.update([ep(0.004, True)], 0)
    assert cur.level == 0.01  # one success: not yet
    cur.update([ep(0.004, True)], 0)
    assert cur.level == pytest.approx(0.01 - 1e-4)  # delta / succ_radius_shift
    assert cur.best_error == 0.004
    for _ in range(17):
        cur.update([ep(0.5, False)], 0)
    assert cur.calls == 19
    cur.update([ep(0.5, False)], 0)  # 20th episode: greedy reset to best + delta
    assert cur.level == pytest.approx(0.004 + 1e-3)
    assert cur.succ_cnt == 0 and cur.shift_cnt == 0


def test_shrinks_capped_and_gated_by_switch():
    cur = CRLQASThreshold(initial=0.01, G=10_000, delta=1e-3, success_thresh=1, succ_radius_shift=3)
    for _ in range(10):
        cur.update([ep(0.001, True)], 0)
    assert cur.level == pytest.approx(0.01 - 3 * (1e-3 / 3))  # at most succ_radius_shift shrinks of delta/3
    gated = CRLQASThreshold(initial=0.01, G=10_000, success_thresh=1, success_switch=1e-6)
    gated.update([ep(0.001, True)], 0)
    assert gated.level == 0.01  # best error above the switch: no shrink


def test_state_roundtrip_and_registry():
    cur = make_curriculum("crlqas_threshold", initial=0.02, G=15)
    for i in range(30):
        cur.update([ep(0.01 - i * 1e-4, i % 3 == 0)], i)
    state = json.loads(json.dumps(cur.state_dict()))
    other = CRLQASThreshold(initial=0.02, G=15)
    other.load_state_dict(state)
    assert other.state_dict() == cur.state_dict()
    assert other.update([ep(0.5, False)], 31) == cur.update([ep(0.5, False)], 31)


def test_bad_arguments():
    with pytest.raises(ValueError, match="initial"):
        CRLQASThreshold(initial=-1)
    with pytest.raises(ValueError, match="G"):
        CRLQASThreshold(G=0)
