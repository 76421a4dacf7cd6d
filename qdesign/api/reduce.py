"""``reduce_weight(h_x, h_z, ...)``: bring a CSS code to check weight <= w and qubit degree <= q.

Methods
* ``"rl"``: for hypergraph-product inputs, search over SeedReduce's moves on the classical seed
  (beam search from H and from a sparse basis of the same code, finished by split moves or
  shared-pair factoring when the beam stalls; with ``model=`` and its SeedReduce ``env=`` a trained
  MaskablePPO policy is rolled out too; and, for full-rank seeds, the seed anneal, which searches
  the sparse seeds with the same k_c directly at decreasing sizes and keeps the smallest that
  reaches the base distance); exact distance from the seed.  Small codes that would
  still need extra qubits are also annealed at fixed n over WeightReduce's moves.
* ``"sabo"``: Sabo et al.'s classical weight reduction of the seed (rows then columns, compressed or
  not, best of ``runs`` random orders) followed by the hypergraph product.
* ``"policy"``: a trained SeedReduce policy alone, no search: a greedy masked rollout from the
  code's seed (plus ``samples`` rollouts sampled from the policy), best state visited; the policy
  shipped with qdesign unless ``policy=`` names another (``qdesign.api.seed_policy``).  When that
  code misses the target or adds qubits, the n-preserving policy (``fixed_n_policy=``,
  ``qdesign.api.fixed_n_policy``: row additions and distance-checked CNOTs on the quantum code, for
  codes that fit its padding) is rolled out the same way and the better code kept (a general CSS
  code, no seed matrix).  The details say ``engine``, ``search=False``, which policy
  (``policy_used``: ``"seed"`` or ``"fixed-n"``) and how many samples.
* ``"hastings"``: the quantum pipeline copying → gauging → thickening with heights → coning (see
  ``qdesign.reduction.hastings``; randomised by ``seed``); works on any CSS code, distance is
  a Stim upper bound beyond ``exact_max_n`` qubits.  Coning bounds (w, q) but not by (6, 3): the
  output is typically (7, 4)-(8, 5).  Plain coning can lower d_Z; ``keep_distance=True`` repairs it
  with extra edges (exact MaxSAT per round, small codes only).
The report carries n, k, d with witness (re-checked), w, q, qubit overhead and whether the target
was met.  Hypergraph-product results above ``HGP_DENSE_MAX_N`` qubits (Sabo's outputs for large
seeds reach 6·10^4) come back as scipy CSR matrices, checked from their seeds without dense ranks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from qdesign.codes import gf2
from qdesign.codes.css import CSSCode, check_target
from qdesign.codes.hgp import hgp_matrices, hgp_parameters, hgp_seeds_of  # noqa: F401 (re-export)
from qdesign.codes.params import (
    HGP_DENSE_MAX_N,
    CodeParameters,
    code_parameters,
    hgp_code_parameters,
    sparse_hgp_matrices,
)
from qdesign.reduction.options import HastingsOptions, PolicyOptions, RLOptions, SaboOptions, method_options

METHODS = ("rl", "sabo", "hastings", "policy")
SEED_ANNEAL_SECONDS = 300.0  # default budget of the seed anneal (Table II rows k = 4..225: 1-225 s, 2 cores)


@dataclass
class ReduceResult:
    """A reduced code (dense arrays, or scipy CSR above ``HGP_DENSE_MAX_N`` qubits) and its report."""

    h_x: np.ndarray | sp.spmatrix | sp.sparray
    h_z: np.ndarray | sp.spmatrix | sp.sparray
    method: str
    params: CodeParameters
    base: CodeParameters
    target: tuple[int, int]
    seed_matrix: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def met_target(self) -> bool:
        """Whether the code reached the target (w, q) while keeping the base code's k and d."""
        p = self.params
        return (p.w <= self.target[0] and p.q <= self.target[1] and p.k == self.base.k
                and p.d >= self.base.d)

    @property
    def report(self) -> dict[str, Any]:
        """JSON-ready summary: parameters, overhead over the base code, kd^2/n and the method's details."""
        p = self.params
        return {
            "method": self.method, "target": list(self.target), "met_target": self.met_target,
            "base": self.base.to_dict(), **p.to_dict(),
            "qubit_overhead": p.n - self.base.n, "overhead_factor": p.n / self.base.n,
            "kd2_over_n": None if p.d == math.inf else p.k * p.d * p.d / p.n, **self.details,
        }


def _seed_anneal_candidate(H: np.ndarray, w: int, q: int, d_goal: int,
                           options: dict[str, Any]) -> np.ndarray | None:
    """The smallest full-rank sparse seed with the same k_c and distance >= ``d_goal`` that the seed
    anneal finds (``qdesign.reduction.seed_anneal``), or None when it does not apply: only
    full-rank seeds (HGP k = k_c², which a full-rank sparse seed keeps) with k_c <= MAX_KC."""
    from qdesign.reduction.seed_anneal import MAX_KC, smallest_sparse_seed

    r, m = H.shape
    rk = gf2.rank(H)
    k_c = m - rk
    if rk != r or not 1 <= k_c <= MAX_KC:
        return None
    col_cap = min(q, w // 2)
    row_cap = min(q, w - col_cap)
    if row_cap < 2:
        return None
    # weight-3 seeds first (they also fit looser targets and search better), then the target's own caps
    caps = ([(3, 3)] if (row_cap, col_cap) != (3, 3) and w >= 6 and q >= 3 else []) + [(row_cap, col_cap)]
    found, m_start = None, int(options.get("m_start", m))
    for rc, cc in caps:
        start, m_max = m_start, None
        if found is not None:  # only a smaller seed is worth it: start just below the one found
            start = m_max = found.H.shape[1] - 1
            if m_max <= k_c:
                break
        res = smallest_sparse_seed(k_c, d_goal, m_start=start, row_cap=rc, col_cap=cc,
                                   iterations=int(options.get("iterations", 20_000)),
                                   restarts=int(options.get("restarts", 4)), seed=int(options.get("seed", 0)),
                                   m_max=m_max, time_limit=options.get("time_limit", SEED_ANNEAL_SECONDS))
        if res is not None and (found is None or res.H.shape[1] < found.H.shape[1]):
            found = res
    return None if found is None else found.H


def _rl(H: np.ndarray, w: int, q: int, d_goal: int, model: Any, beam_width: int, max_steps: int,
        env: Any = None, seed_anneal: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
    """Best of: a trained policy's rollout (if ``model`` and its ``env`` are given), beam searches
    over SeedReduce's moves started from H and from a sparse basis of the same code, and (with
    ``seed_anneal`` options) the seed anneal over sparse seeds of the same k_c at fixed sizes."""
    from qdesign.agents.rollout import policy_rollout
    from qdesign.codes.sparsify import sparse_basis
    from qdesign.reduction.beam import beam_search, complete_by_splits, factor_shared_pairs
    from qdesign.reduction.seed_state import SeedGoal, SeedMoves, hgp_score

    def cand(name: str, Hc: np.ndarray, score: dict | None = None) -> tuple:
        return (goal.key(score or hgp_score(Hc), Hc), name, Hc)

    starts = [("sparse-basis", sparse_basis(H, col_cap=q))]
    if H.shape[1] <= 12:  # the dense start is cheap only for small seeds
        starts.insert(0, ("given", H.copy()))
    cands = []
    for label, H0 in starts:
        # each start keeps its own k (a sparse basis may have other redundant rows); later candidates
        # are ranked against the last start's goal
        goal = SeedGoal(w, q, hgp_score(H0)["k"], d_goal)
        seed_moves = SeedMoves(H0.shape[0] + 24, H0.shape[1] + 24)
        Hn, sn = beam_search(H0, seed_moves, goal, beam_width=beam_width, max_depth=max_steps,
                             max_expand=400 if H0.shape[1] <= 12 else 150)
        cands.append(cand(f"beam from {label}", Hn, sn))
        if goal.violation(sn) > 0:  # beam ran out of depth/padding: finish deterministically
            for fin_name, fin in (("splits", complete_by_splits), ("pair factoring", factor_shared_pairs)):
                for src_name, src in ((f"beam from {label}", Hn), (label, H0)):
                    cands.append(cand(f"{src_name} + {fin_name}", fin(src, w, q)))
    if all(goal.violation(hgp_score(c[2])) > 0 for c in cands if "+" not in c[1]):
        # no beam reached the target: other sparse bases of the same code, finished by factoring
        for sd, cap in [(sd, cap) for sd in range(6) for cap in (3, 4) if (sd, cap) != (0, q)]:
            Hc = factor_shared_pairs(sparse_basis(H, seed=sd, col_cap=cap), w, q)
            cands.append(cand(f"sparse-basis[seed {sd}, cap {cap}] + pair factoring", Hc))
    if seed_anneal:
        Ha = _seed_anneal_candidate(H, w, q, d_goal, seed_anneal)
        if Ha is not None:
            cands.append(cand("seed anneal (sparse seeds at fixed size)", Ha))
    if model is not None and env is not None:
        Hp, sp = policy_rollout(env, model, options={"start": H.copy(), "d_target": d_goal})
        cands.append((env.goal.key(sp, Hp), "policy", Hp))
    key, engine, best = min(cands, key=lambda c: c[0])
    return best, {"engine": engine}


def _anneal_if_better(result: ReduceResult, code: CSSCode, runs: int, iterations: int,
                      seed: int) -> ReduceResult:
    """Small codes whose HGP route needs extra qubits: anneal the quantum code itself over the
    n-preserving Tanner-graph moves (``anneal_fixed_n``); keep a hit if it meets the target with k
    kept and exact d >= the base distance (a general CSS code, no seed matrix)."""
    from qdesign.reduction.anneal import anneal_fixed_n

    w, q = result.target
    d_min = int(min(3, result.base.d))
    for r in range(max(0, runs)):
        a = anneal_fixed_n(code.h_x, code.h_z, w, q, d_min=d_min, iterations=iterations, seed=seed + r)
        if a.excess:
            continue
        p = code_parameters(a.h_x, a.h_z, exact=True)
        cand = ReduceResult(a.h_x, a.h_z, result.method, p, result.base, result.target, None,
                            {**result.details, "engine": "anneal (n-preserving Tanner-graph moves)",
                             "anneal_seed": seed + r, "hgp_route_n": result.params.n})
        if cand.met_target and (not result.met_target or p.n < result.params.n):
            return cand
    return result


def _fixed_n_policy_if_better(result: ReduceResult, code: CSSCode, opts: PolicyOptions, seed: int,
                              exact_max_n: int) -> ReduceResult:
    """``method="policy"``: when the seed-level policy's code misses the target or adds qubits, roll
    out the n-preserving policy (``qdesign.api.fixed_n_policy``) on the quantum code itself and keep
    its code if it meets the target with exact k and d and fewer qubits.  ``details["policy_used"]``
    says which policy produced the returned code."""
    result.details["policy_used"] = "seed"
    if opts.fixed_n_policy is False or (result.met_target and result.params.n <= result.base.n):
        return result
    from qdesign.api.fixed_n_policy import (
        SHIPPED_FIXED_N,
        SHIPPED_FIXED_N_EQUIVARIANT,
        fixed_n_codes,
        load_fixed_n_policy,
    )

    if opts.fixed_n_policy is None:
        # shipped: with samples, the equivariant policy trained from reward first (it needs sampling),
        # then the greedy actor fitted to the Table I [7,4] trajectory
        paths: list[Any] = [f for f in ((SHIPPED_FIXED_N_EQUIVARIANT,) if opts.samples >= 1 else ())
                            + (SHIPPED_FIXED_N,) if f.is_file()]
        if not paths:
            return result
    else:
        paths = [opts.fixed_n_policy]
    w, q = result.target
    d_min = int(min(3, result.base.d))
    summary: dict[str, Any] = {}
    hx, hz, ex, info = code.h_x, code.h_z, -1, {}
    for path in paths:
        fp = load_fixed_n_policy(path)
        if not fp.fits(code.h_x, code.h_z):
            why = f"code does not fit its {fp.r_max} x {fp.n_max} padding"
            result.details["fixed_n_policy"] = {"skipped": why}
            continue
        hx, hz, ex, info = fixed_n_codes(fp, code.h_x, code.h_z, w, q, d_min, samples=opts.samples, seed=seed)
        summary = {"excess": ex, **{k: info[k] for k in ("policy", "rollouts", "best_rollout", "greedy",
                                                         "rollouts_meeting_target")}}
        if ex == 0:
            break
    if not summary:
        return result
    seed_side = {"n": result.params.n, "met_target": result.met_target}
    if ex:
        result.details["fixed_n_policy"] = summary
        return result
    p = code_parameters(hx, hz, exact_max_n=exact_max_n)
    cand = ReduceResult(hx, hz, result.method, p, result.base, result.target, None,
                        {**result.details, **info, "policy_used": "fixed-n",
                         "seed_policy_result": seed_side, "fixed_n_policy": summary})
    if cand.met_target and (not result.met_target or p.n < result.params.n):
        return cand
    result.details["fixed_n_policy"] = {**summary, "code": {"n": p.n, "k": p.k, "d": p.d}}
    return result


def reduce_weight(h_x: np.ndarray, h_z: np.ndarray, max_check_weight: int = 6,
                  max_qubit_degree: int = 3, method: str = "rl", *,
                  options: RLOptions | SaboOptions | HastingsOptions | None = None,
                  seed_matrix: np.ndarray | None = None, exact_max_n: int = 400, seed: int = 0,
                  **keywords: Any) -> ReduceResult:
    """Weight-reduce the CSS code (h_x, h_z); returns the new matrices and a report (see module doc).

    ``options``: the method's dataclass (``RLOptions``, ``SaboOptions``, ``HastingsOptions``,
    ``PolicyOptions`` from
    ``qdesign.reduction.options``); their fields may also be given as flat keywords (``runs=3``),
    which override ``options``. A keyword of another method is an ``UnknownKeywordError``
    (a ``ValueError`` and a ``TypeError``).
    ``seed_matrix``: the classical H whose HGP is (h_x, h_z) (found automatically when possible).
    ``method="rl"`` on codes of at most ``anneal_max_n`` qubits whose HGP route adds qubits also tries
    ``anneal_runs`` anneals of the quantum code at fixed n (result: a general CSS code).
    ``seed``: the randomness of every method (Sabo's orders, Hastings' heights, the anneals).
    Raises ``ValueError`` for invalid codes (non-commuting, non-binary, mismatched, k = 0), an
    unknown method, an unknown keyword, or an unreachable target (w < 3).
    """
    import time

    t_start = time.perf_counter()
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    check_target(max_check_weight, max_qubit_degree)
    opts = method_options(method, options, keywords)
    seed_anneal: dict[str, Any] | None = None
    if isinstance(opts, RLOptions) and opts.seed_anneal:
        seed_anneal = {"seed": seed} if opts.seed_anneal is True else dict(opts.seed_anneal)
    code = CSSCode(h_x, h_z, allow_k0=False)
    seeds = None
    if seed_matrix is not None:
        H = gf2.as_binary(seed_matrix, "seed_matrix")
        hx0, hz0 = hgp_matrices(H)
        if not (np.array_equal(hx0, code.h_x) and np.array_equal(hz0, code.h_z)):
            raise ValueError("seed_matrix: (h_x, h_z) is not the hypergraph product "
                             "HGP(seed_matrix, seed_matrix)")
        seeds = (H, H)
    else:
        seeds = hgp_seeds_of(code.h_x, code.h_z)
    if isinstance(opts, HastingsOptions) and opts.time_limit is not None:  # bounded: distance bounds
        base = code_parameters(code.h_x, code.h_z, hgp_seeds=seeds, exact_max_n=exact_max_n,
                               time_limit=0.2 * opts.time_limit, seed=seed)
    else:
        base = code_parameters(code.h_x, code.h_z, hgp_seeds=seeds, exact_max_n=exact_max_n)
    target = (int(max_check_weight), int(max_qubit_degree))
    details: dict[str, Any] = {}
    if method in ("sabo", "rl", "policy"):
        if seeds is None or not np.array_equal(seeds[0], seeds[1]):
            raise ValueError(f"method={method!r} works on hypergraph products HGP(H, H); pass "
                             "seed_matrix=H or use method='hastings' for general CSS codes")
        H = seeds[0]
        if method == "sabo":
            from qdesign.codes.distance import classical_distance
            from qdesign.reduction.sabo import classical_weight_reduction

            if max_check_weight < 6 or max_qubit_degree < 3:
                raise ValueError(f"Sabo's product-code route reaches (6, 3); target {target} is below it")
            best = None
            assert isinstance(opts, SaboOptions)
            modes = [False, True] if opts.compressed is None else [bool(opts.compressed)]
            # run 0 keeps the given order; run r > 0 permutes with seed + r (recorded, so a reported
            # code can be rebuilt: classical_weight_reduction(H, compressed=..., seed=order_seed))
            order_seeds = [None] + [seed + r for r in range(1, max(1, opts.runs))]
            for comp in modes:
                for order_seed in order_seeds:
                    Hr = classical_weight_reduction(H, compressed=comp, seed=order_seed)
                    d = min(classical_distance(Hr).value, classical_distance(Hr.T).value)
                    n_q = Hr.shape[1] ** 2 + Hr.shape[0] ** 2
                    key = (n_q, -d)  # fewest qubits, then largest distance
                    if best is None or key < best[0]:
                        best = (key, Hr, comp, order_seed)
            assert best is not None
            Hn = best[1]
            details.update({"compressed": best[2], "runs": opts.runs, "seed": seed, "order_seed": best[3],
                            "order_seeds_tried": order_seeds, "compressed_modes": modes})
        elif method == "policy":
            from qdesign.api.seed_policy import load_seed_policy, policy_codes

            assert isinstance(opts, PolicyOptions)
            sp = load_seed_policy(opts.policy)
            Hn, _score, info = policy_codes(sp, H, max_check_weight, max_qubit_degree, int(base.d),
                                            samples=opts.samples, seed=seed)
            details.update(info)
        else:
            assert isinstance(opts, RLOptions)
            Hn, info = _rl(H, max_check_weight, max_qubit_degree, int(base.d), opts.model, opts.beam_width,
                           opts.max_steps, opts.env, seed_anneal)
            details.update(info)
        if hgp_parameters(Hn)[0] > HGP_DENSE_MAX_N:  # large product: sparse matrices, seed-level checks
            hx, hz = sparse_hgp_matrices(Hn)
            params = hgp_code_parameters(Hn)
            details["sparse_matrices"] = True
        else:
            hx, hz = hgp_matrices(Hn)
            params = code_parameters(hx, hz, hgp_seeds=(Hn, Hn), exact_max_n=exact_max_n)
        result = ReduceResult(hx, hz, method, params, base, target, Hn, details)
        if isinstance(opts, PolicyOptions):
            result = _fixed_n_policy_if_better(result, code, opts, seed, exact_max_n)
        if (isinstance(opts, RLOptions) and (not result.met_target or params.n > base.n)
                and base.n <= opts.anneal_max_n):
            result = _anneal_if_better(result, code, opts.anneal_runs, opts.anneal_iterations, seed)
        return result
    assert isinstance(opts, HastingsOptions)
    return _hastings(code, base, target, opts, seed, exact_max_n, t_start)


def _hastings(code: CSSCode, base: CodeParameters, target: tuple[int, int], opts: HastingsOptions, seed: int,
              exact_max_n: int, t_start: float) -> ReduceResult:
    """Hastings' steps driven by the target, within ``opts.time_limit``; says so when it falls short."""
    import time
    import warnings

    from qdesign.reduction.hastings import hastings_pipeline

    details: dict[str, Any] = {"layers": opts.layers, "copying": opts.copying, "seed": seed,
                               "time_limit": opts.time_limit}
    if base.w <= target[0] and base.q <= target[1]:  # nothing to reduce: the input is the answer
        details.update({"stages": [], "coning": "skipped", "note": "input already meets the target"})
        return ReduceResult(code.h_x, code.h_z, "hastings", base, base, target, None, details)
    limit = opts.time_limit
    deadline = None if limit is None else t_start + 0.8 * limit  # keep a fifth for the distance
    res = hastings_pipeline(code.h_x, code.h_z, layers=opts.layers, heights=opts.heights,
                            copying_method=opts.copying, coning_layers=opts.coning_layers, seed=seed,
                            keep_distance=opts.keep_distance, target=target, deadline=deadline)
    details.update({"stages": res.stages, "coning": res.coning})
    if limit is None:
        params = code_parameters(res.h_x, res.h_z, exact_max_n=exact_max_n)
    else:
        left = max(limit - (time.perf_counter() - t_start), 0.1 * limit)
        params = code_parameters(res.h_x, res.h_z, exact_max_n=exact_max_n, time_limit=left, seed=seed)
    result = ReduceResult(res.h_x, res.h_z, "hastings", params, base, target, None, details)
    if not result.met_target:
        why = [f"(w, q) = ({params.w}, {params.q})"] if params.w > target[0] or params.q > target[1] else []
        if params.k != base.k:
            why.append(f"k = {params.k} != {base.k}")
        if params.d < base.d:
            why.append(f"d = {params.d:g} < {base.d:g}")
        elif not params.exact:
            why.append(f"d only bounded, {params.d_lower:g} <= d <= {params.d:g}")
        skipped = [s["stage"] for s in res.stages if s.get("skipped") == "time limit reached"]
        note = (f"hastings did not meet the target (w, q) = {target}: {', '.join(why)}"
                + (f"; steps cut by time_limit={limit}: {', '.join(skipped)}" if skipped else "")
                + f"; returning the best code found, [[{params.n},{params.k}]]")
        details["note"] = note
        warnings.warn(note, UserWarning, stacklevel=3)
    return result
