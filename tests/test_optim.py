"""Inner optimizers on analytic objectives (batched-objective protocol)."""

from __future__ import annotations

import numpy as np
import pytest

from qdesign.optim import OptimizeResult, make_optimizer
from qdesign.optim.adam_spsa import AdamSPSA


def trig(thetas: np.ndarray) -> np.ndarray:
    """A sum of cosines: minimum -3 at theta = (pi, pi, pi); parameter-shift exact."""
    thetas = np.atleast_2d(thetas)
    return np.cos(thetas).sum(axis=1)


class Counting:
    def __init__(self):
        self.batches: list[int] = []
        self.scales: list[float] = []

    def set_shot_scale(self, frac: float) -> None:
        self.scales.append(frac)

    def __call__(self, thetas):
        self.batches.append(len(thetas))
        return trig(thetas)


@pytest.mark.parametrize("name, kwargs, tol", [
    ("cobyla", {"maxiter": 500}, 1e-6),
    ("lbfgs", {}, 1e-10),
    ("adjoint_bfgs", {}, 1e-10),  # a plain callable: the parameter-shift fallback
    ("spsa", {"maxiter": 400, "a": 0.5, "c": 0.1}, 1e-3),
    ("adam_spsa", {"maxfev": 800, "a": 0.3, "c": 0.1, "beta1": 0.9, "beta2": 0.999}, 1e-3),
])
def test_optimizers_reach_minimum(name, kwargs, tol):
    opt = make_optimizer(name, **kwargs)
    rng = np.random.default_rng(0)
    res = opt.minimize(trig, np.array([2.5, 3.5, 2.0]), rng)
    assert isinstance(res, OptimizeResult)
    assert res.fun + 3.0 < tol
    assert abs(trig(res.x)[0] - res.fun) < 1e-12  # reported value belongs to the returned point
    assert res.nfev > 0


def test_adam_spsa_three_stage_budget_and_batching():
    opt = AdamSPSA(maxfev=[20, 10, 4], a=0.2, c=0.1)
    assert opt.iterations == [10, 5, 2]
    f = Counting()
    res = opt.minimize(f, np.array([0.3, -0.2]), np.random.default_rng(1))
    # +/- perturbations and the extra evaluation go out as one batch of 3 per iteration
    assert f.batches[:-1] == [3] * 17 and f.batches[-1] == 1
    assert res.nfev == 3 * 17 + 1
    assert f.scales == [0.01, 0.1, 1.0]  # N/100, N/10, N shots (CRLQAS's three-stage budget)


def test_adam_spsa_update_matches_hand_computation():
    """One Adam step by hand: k=0, b1_0 = beta1, bias-corrected m/v give a sign step of size a."""
    opt = AdamSPSA(maxfev=2, a=0.1, c=0.05, alpha=0.6, gamma=0.1, lamda=0.4, beta1=0.9, beta2=0.99)
    x0 = np.array([0.4, 1.1])
    rng = np.random.default_rng(5)
    delta = np.random.default_rng(5).choice((-1.0, 1.0), size=2)
    res = opt.minimize(trig, x0, rng)
    g = (trig(x0 + 0.05 * delta) - trig(x0 - 0.05 * delta))[0] / (2 * 0.05 * delta)
    m_hat = g  # (1-b1) g / (1-b1)
    v_hat = g * g
    x1 = x0 - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)
    best = x0 if trig(x0)[0] <= trig(x1)[0] else x1
    assert np.allclose(res.x, best)


def test_user_optimizer_object_and_bad_names():
    class Mine:
        def minimize(self, fun, x0, rng):
            return OptimizeResult(np.asarray(x0), float(fun(np.atleast_2d(x0))[0]), 1)

    mine = Mine()
    assert make_optimizer(mine) is mine
    with pytest.raises(ValueError, match="optimizer='nelder'"):
        make_optimizer("nelder")
    with pytest.raises(ValueError, match="optimizer="):
        make_optimizer(42)
    with pytest.raises(ValueError, match="maxiter"):
        make_optimizer("cobyla", maxiter=0)
    with pytest.raises(ValueError, match="optimizer_kwargs"):
        make_optimizer("spsa", bogus=1)


def test_empty_parameter_vector():
    for name in ("cobyla", "spsa", "adam_spsa", "lbfgs", "adjoint_bfgs"):
        res = make_optimizer(name).minimize(lambda t: np.full(len(t), 2.0), np.zeros(0),
                                            np.random.default_rng(0))
        assert res.fun == 2.0 and res.x.shape == (0,)


class _GridOptimizer:
    """A user's optimizer, plugged in by path: keeps the best of a few random points."""

    def __init__(self, points: int = 4) -> None:
        self.points = points

    def minimize(self, fun, x0, rng):
        from qdesign.optim.protocol import OptimizeResult

        xs = np.vstack([x0, x0 + rng.normal(scale=0.1, size=(self.points, len(x0)))])
        f = fun(xs)
        i = int(np.argmin(f))
        return OptimizeResult(x=xs[i], fun=float(f[i]), nfev=len(xs))


def test_make_optimizer_accepts_a_module_path():
    from qdesign.optim import make_optimizer

    opt = make_optimizer(f"{__name__}:_GridOptimizer", points=3)
    assert isinstance(opt, _GridOptimizer) and opt.points == 3
    res = opt.minimize(lambda xs: (xs**2).sum(axis=1), np.ones(2), np.random.default_rng(0))
    assert res.nfev == 4 and res.fun <= 2.0
    with pytest.raises(ValueError, match="cannot import module"):
        make_optimizer("no_such_pkg.mod:Opt")
    with pytest.raises(ValueError, match="has no attribute"):
        make_optimizer(f"{__name__}:NoSuchOptimizer")
