"""Beam search over the seed moves of ``qdesign.reduction.seed_state``: the ``method="rl"`` engine.

The search uses the same moves and masks as ``SeedReduceEnv`` (``SeedMoves``), so whatever a
trained MaskablePPO policy can reach, the beam can reach too; the split and pair-factoring finishers
complete a seed the beam leaves heavy.  A trained policy can also guide it: ``prior`` (any callable
from a seed H to probabilities over ``SeedMoves``' actions; this layer never imports the agent)
orders each state's moves and keeps the ``max_expand`` most probable, as AlphaZero-style search
uses a policy network to narrow its expansions (Silver et al., arXiv:1712.01815, Sec. "Methods").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qdesign.reduction import moves
from qdesign.reduction.seed_state import SeedGoal, SeedMoves, hgp_score


def beam_search(start: np.ndarray, seed_moves: SeedMoves, goal: SeedGoal, beam_width: int = 6,
                max_depth: int = 40, max_expand: int = 400,
                rng: np.random.Generator | None = None,
                prior: Callable[[np.ndarray], np.ndarray] | None = None,
                stats: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
    """Best (H, score) reachable from ``start``: meets ``goal`` if possible, with the fewest qubits and
    the largest distance (``goal.key``); at most ``max_expand`` moves are tried per beam state
    (a random subset, or with ``prior`` the most probable under it).  ``stats``, if given, receives
    ``expanded`` (child states scored), ``expanded_to_best`` (scored when the returned state was
    found: the work needed for the result, whatever the stopping rule) and ``depth`` (levels searched)."""
    if max_expand < 1:
        raise ValueError(f"max_expand must be >= 1, got {max_expand}")
    rng = rng or np.random.default_rng(0)
    expanded = depth = expanded_to_best = 0
    start = np.asarray(start, dtype=np.uint8).copy()
    best_H, best_s = start, hgp_score(start)
    beam = [(start, best_s)]
    seen = {start.tobytes() + bytes(start.shape)}
    for _ in range(max_depth):
        depth += 1
        candidates = []
        for H, _s in beam:
            acts = np.flatnonzero(seed_moves.masks(H, goal.max_qubit_degree))
            if prior is not None:
                p = np.asarray(prior(H), dtype=np.float64)
                if p.shape != (seed_moves.n_actions,):
                    raise ValueError(f"prior must return {seed_moves.n_actions} probabilities, got shape "
                                     f"{p.shape}")
                acts = acts[np.argsort(-p[acts], kind="stable")][:max_expand]
            elif acts.size > max_expand:
                acts = rng.choice(acts, size=max_expand, replace=False)
            for a in acts:
                H2 = seed_moves.apply(H, int(a))
                key = H2.tobytes() + bytes(H2.shape)
                if key in seen:
                    continue
                seen.add(key)
                expanded += 1
                candidates.append((H2, hgp_score(H2), expanded))
        if not candidates:
            break
        candidates.sort(key=lambda c: goal.key(c[1], c[0]))
        if goal.key(candidates[0][1], candidates[0][0]) < goal.key(best_s, best_H):
            best_H, best_s, expanded_to_best = candidates[0]
        beam = [(c[0], c[1]) for c in candidates[:beam_width]]
        if goal.violation(best_s) == 0 and all(goal.violation(s) == 0 for _, s in beam):
            break
    if stats is not None:
        stats.update({"expanded": expanded, "expanded_to_best": expanded_to_best, "depth": depth})
    return best_H, best_s


def complete_by_splits(H: np.ndarray, max_check_weight: int = 6, max_qubit_degree: int = 3) -> np.ndarray:
    """Finish a seed with SeedReduce's own split moves: split the heaviest row while some row is above
    the cap, then the heaviest column likewise (caps: min(q, w // 2), at least 3).  Splits keep k
    and never lower the distance, and each one strictly lowers the split weight (rows of weight
    >= 4, columns of degree >= 4), so this always terminates; it is the beam's fallback when its
    depth or padding runs out with heavy rows or columns left."""
    cap = max(3, min(int(max_qubit_degree), int(max_check_weight) // 2))
    H = np.asarray(H, dtype=np.uint8).copy()
    while True:
        rw = H.sum(axis=1)
        i = int(rw.argmax()) if rw.size else 0
        if rw.size and rw[i] > cap and rw[i] >= 4:
            H = moves.split_row(H, i)
            continue
        cw = H.sum(axis=0)
        j = int(cw.argmax()) if cw.size else 0
        if cw.size and cw[j] > cap and cw[j] >= 4:
            H = moves.split_column(H, j)
            continue
        return H


def factor_shared_pairs(H: np.ndarray, max_check_weight: int = 6, max_qubit_degree: int = 3) -> np.ndarray:
    """Lower heavy rows two at a time: when two rows above the cap share bits a, b, add one bit x
    and one check {a, b, x} (x = a + b) and put x in place of a, b in both rows.  One new bit and
    check serve two rows (a split serves one); x has degree 3 and a, b lose one degree each.  The
    old code is the new code restricted to the old bits (x is forced), so k is kept and d never
    drops.  Rows are paired by a maximum matching of the "shares two bits" graph, round after
    round; rows left heavy, and heavy columns, are finished by ``complete_by_splits``."""
    import networkx as nx

    cap = max(3, min(int(max_qubit_degree), int(max_check_weight) // 2))
    H = np.asarray(H, dtype=np.uint8).copy()
    while True:
        heavy = [int(i) for i in np.flatnonzero(H.sum(axis=1) > cap)]
        G = nx.Graph()
        for ii, i in enumerate(heavy):
            for j in heavy[ii + 1:]:
                if int((H[i] & H[j]).sum()) >= 2:
                    G.add_edge(i, j)
        matching = sorted(tuple(sorted(e)) for e in nx.max_weight_matching(G, maxcardinality=True))
        if not matching:
            break
        cw = H.sum(axis=0).astype(np.int64)
        for i, j in matching:
            common = np.flatnonzero(H[i] & H[j])
            order = common[np.argsort(-cw[common], kind="stable")]
            a, b = int(order[0]), int(order[1])
            r, n = H.shape
            out = np.zeros((r + 1, n + 1), dtype=np.uint8)
            out[:r, :n] = H
            for row in (i, j):
                out[row, [a, b]] = 0
                out[row, n] = 1
            out[r, [a, b, n]] = 1
            H = out
            cw[[a, b]] -= 1
    return complete_by_splits(H, max_check_weight, max_qubit_degree)
