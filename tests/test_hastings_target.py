"""``reduce_weight(method="hastings")`` respects its target (issue 15): codes already at the target come
back unchanged, steps run only when needed, an unmet target is reported (one-line warning and
``details["note"]``), and ``time_limit`` bounds the call.  Also the named errors for bad targets."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from test_distance_bounds import HAMMING, gross_code

import qdesign
from qdesign.codes import gf2
from qdesign.codes.css import CSSCode
from qdesign.codes.hgp import hgp_matrices
from qdesign.reduction.hastings import hastings_pipeline


def qrm15() -> tuple[np.ndarray, np.ndarray]:
    """[[15,1,3]] quantum Reed-Muller code: X checks = RM(1,4) rows, Z checks add their products."""
    hx = np.array([[(j >> i) & 1 for j in range(1, 16)] for i in range(4)], dtype=np.uint8)
    pairs = [hx[a] & hx[b] for a in range(4) for b in range(a + 1, 4)]
    return hx, np.vstack([hx] + pairs)


def golay_dual() -> np.ndarray:
    """Parity checks of the [23,12,7] Golay code (generator polynomial x^11+x^10+x^6+x^5+x^4+x^2+1)."""
    g = [1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1]
    G = np.zeros((12, 23), dtype=np.uint8)
    for i in range(12):
        G[i, i:i + 12] = g
    return gf2.kernel(G)


def test_code_already_at_target_comes_back_unchanged():
    hx, hz = hgp_matrices(np.array([[1, 1, 0], [0, 1, 1]], dtype=np.uint8))  # surface-like, (4, 2)
    r = qdesign.reduce_weight(hx, hz, 6, 3, method="hastings")
    assert np.array_equal(r.h_x, hx) and np.array_equal(r.h_z, hz)
    assert r.met_target and r.details["note"] == "input already meets the target"
    bx, bz = gross_code()  # (6, 3) bivariate bicycle code: used to blow up to [[4093,12]](9,6)
    t0 = time.perf_counter()
    r = qdesign.reduce_weight(bx, bz, 6, 3, method="hastings", time_limit=5)
    assert time.perf_counter() - t0 < 60
    assert np.array_equal(r.h_x, bx) and np.array_equal(r.h_z, bz) and r.params.n == 144


def test_steps_are_skipped_when_their_quantity_is_at_target():
    hx, hz = qrm15()
    code = CSSCode(hx, hz)
    res = hastings_pipeline(hx, hz, target=(code.w, code.q), seed=0)  # everything already within
    skipped = {s["stage"] for s in res.stages if "skipped" in s}
    assert any(s.startswith("copying") for s in skipped) and "gauging" in skipped
    assert any(s.startswith("thickening") for s in skipped) and "coning" in skipped
    assert np.array_equal(res.h_x, hx) and np.array_equal(res.h_z, hz)
    res = hastings_pipeline(hx, hz, target=(8, 3), seed=0)  # q too high: copying and thickening run
    ran = [s["stage"] for s in res.stages if "skipped" not in s]
    assert any(s.startswith("copying") for s in ran) and any(s.startswith("thickening") for s in ran)


@pytest.mark.parametrize("target", [(6, 3), (4, 3)])
def test_unmet_target_is_reported_not_ignored(target):
    hx, hz = qrm15()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = qdesign.reduce_weight(hx, hz, *target, method="hastings", seed=0, time_limit=20)
    assert not r.met_target
    note = r.details["note"]
    assert f"did not meet the target (w, q) = {target}" in note and "\n" not in note
    assert any(str(w.message) == note and issubclass(w.category, UserWarning) for w in caught)
    assert r.target == target and r.params.k == 1


def test_time_limit_bounds_the_call_on_the_golay_code():
    h = golay_dual()
    assert not (h.astype(int) @ h.T % 2).any()  # [23,11,8] dual is inside the Golay code: CSS(h, h)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = qdesign.reduce_weight(h, h, 6, 3, method="hastings", time_limit=5)
    assert time.perf_counter() - t0 < 60  # used not to return in 400 s
    assert r.params.k == 1 and r.params.witness_verified and r.params.d_lower <= r.params.d_upper


def test_bad_targets_get_named_errors():
    for w, q, name in ((6.0, 3, "max_check_weight"), ("6", 3, "max_check_weight"), (6, 2, "max_qubit_degree"),
                       (6, 3.0, "max_qubit_degree"), (2, 3, "max_check_weight")):
        with pytest.raises(ValueError, match=name) as e:
            qdesign.reduce_weight(HAMMING, HAMMING, w, q, method="hastings")
        assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="must be an integer"):
        qdesign.reduce_weight(HAMMING, HAMMING, 6.0, 3)
    with pytest.raises(ValueError, match="time_limit"):
        qdesign.reduce_weight(HAMMING, HAMMING, 6, 3, method="hastings", time_limit=-1)
