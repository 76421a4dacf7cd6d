"""Batch-weighted Q* search (BWQS) over gate words, with a learned or network-free heuristic.

Search state: the residual R (goal I up to phase); an edge (node, a) leads to ``R G_a^dag``. OPEN
holds edges with priority ``lam * g(node) + q(node, a)``, where one heuristic call scores all children
of a node at once (for a Q-network: one forward pass on the parent). Each iteration pops ``batch``
edges, builds the children, drops those whose phase-canonical hash was already reached with a
cost <= g (closed set), records solved children (upper bound ``ub``), optionally asks a last-mile
``finisher`` (the exact meet-in-the-middle solver) to complete each new child, and stops once the
smallest popped priority ``lb`` satisfies ``lb >= lam * ub`` or a time/node limit is hit.

Usable standalone (``bwqs``), as the finisher of a partial word (``finish_word``), and with the
network-free ``DistanceHeuristic`` (any object meeting ``qdesign.synthesis.heuristics.Heuristic``).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import unitary_key
from qdesign.synthesis.heuristics import DistanceHeuristic, Heuristic
from qdesign.synthesis.metrics import check_metric, metric_distance, strict_key


@dataclass
class SearchResult:
    """Outcome of a search: the word (first gate first, None if unsolved), its distance, nodes expanded,
    time."""
    word: list[int] | None
    distance: float
    nodes: int
    seconds: float
    stats: dict = field(default_factory=dict)


def bwqs(root: np.ndarray, gs: GateSet, epsilon: float, heuristic: Heuristic, lam: float = 0.8,
         batch: int = 64,
         max_nodes: int = 200_000, time_limit: float | None = 30.0,
         finisher: Callable[[np.ndarray, int], list[int] | None] | None = None,
         max_length: int | None = None, last_action: int = -1,
         finisher_exact: bool | Callable[[], bool] = False,
         finisher_cap: int | None = None,
         root_finisher: Callable[[np.ndarray, int], list[int] | None] | None = None,
         metric: str = "phase") -> SearchResult:
    """Search a word W (first gate first) with ``d(W, root) <= epsilon``; see the module docstring.

    ``metric="frobenius_sign_strict"`` (gate set in SU(d)): the goal test is ``||R - I||_F <= epsilon``
    and the closed set hashes raw residuals, so ``-I`` is not the goal and R, -R are distinct states.

    ``finisher(residual, max_len)`` returns a word of <= max_len gates finishing the residual, or None;
    with ``finisher_exact`` its answer at the root is taken as optimal (the MITM solver is exact; a
    callable is asked after the root call, e.g. whether the root word came from an exact route);
    ``finisher_cap`` bounds the finisher's length below the root (keeps those calls to milliseconds);
    ``root_finisher`` replaces the finisher for the root only (e.g. one that may search for seconds).
    ``max_length``: longest word considered (None: no cap). ``heuristic`` is first asked for values
    only when the root is not finished, so a lazily loaded network costs nothing when it is.
    """
    t0 = time.time()
    check_metric(metric, gs)
    key = strict_key if metric == "frobenius_sign_strict" else unitary_key
    if max_length is None:
        max_length = 1 << 30
    eye = np.eye(gs.dim)
    inv = gs.matrices.conj().transpose(0, 2, 1)
    res = [np.asarray(root, dtype=complex)]
    g = [0]
    parent = [-1]
    act = [last_action]
    closed = {key(res[0]): 0}
    best: tuple[int, int, list[int]] | None = None  # (cost, node, suffix word)
    stats = {"finisher_hits": 0, "goal_hits": 0, "expanded": 0}

    def path(node: int) -> list[int]:
        out = []
        while node > 0:
            out.append(act[node])
            node = parent[node]
        return out[::-1]

    def consider(nodes: list[int]) -> None:
        nonlocal best
        for n in nodes:
            d = metric_distance(res[n], eye, metric)
            if d <= epsilon and (best is None or g[n] < best[0]):
                best = (g[n], n, [])
                stats["goal_hits"] += 1
            elif finisher is not None:
                cap = (best[0] - g[n] - 1) if best is not None else max_length - g[n]
                if n > 0 and finisher_cap is not None:
                    cap = min(cap, finisher_cap)  # cheap last-mile calls below the root
                if cap >= 1:
                    w = (root_finisher or finisher)(res[n], cap) if n == 0 else finisher(res[n], cap)
                    if w is not None and (best is None or g[n] + len(w) < best[0]):
                        best = (g[n] + len(w), n, list(w))
                        stats["finisher_hits"] += 1

    consider([0])
    if best is not None and (finisher_exact() if callable(finisher_exact) else finisher_exact):
        stats["stopped"] = "exact_root"  # an exact finisher's answer at the root is optimal
        return SearchResult(best[2], metric_distance(gs.word_unitary(best[2]), root, metric), 1,
                            time.time() - t0, stats)
    heap: list[tuple[float, int, int, int]] = []
    counter = 0

    def push(nodes: list[int]) -> None:
        nonlocal counter
        if not nodes:
            return
        q = heuristic.q_values(np.stack([res[n] for n in nodes]))
        for n, qn in zip(nodes, q):
            for a in range(gs.n_actions):
                if act[n] >= 0 and gs.inverse[act[n]] == a:
                    continue  # immediate inverse
                counter += 1
                heapq.heappush(heap, (lam * g[n] + float(qn[a]), counter, n, a))

    if best is None or best[0] > 0:
        push([0])
    while heap:
        if time_limit is not None and time.time() - t0 > time_limit:
            stats["stopped"] = "time"
            break
        if len(res) >= max_nodes:
            stats["stopped"] = "nodes"
            break
        lb = heap[0][0]
        if best is not None and lb >= lam * best[0]:
            stats["stopped"] = "bound"
            break
        popped = [heapq.heappop(heap) for _ in range(min(batch, len(heap)))]
        new = []
        for _, _, n, a in popped:
            gn = g[n] + 1
            if gn > max_length or (best is not None and gn >= best[0]):
                continue
            r = res[n] @ inv[a]
            k = key(r)
            if closed.get(k, 1 << 30) <= gn:
                continue
            closed[k] = gn
            res.append(r)
            g.append(gn)
            parent.append(n)
            act.append(a)
            new.append(len(res) - 1)
        stats["expanded"] += len(new)
        consider(new)
        push(new)
    else:
        stats["stopped"] = "exhausted"
    secs = time.time() - t0
    if best is None:
        return SearchResult(None, float("inf"), len(res), secs, stats)
    word = path(best[1]) + best[2]
    dist = metric_distance(gs.word_unitary(word), root, metric)
    return SearchResult(word, float(dist), len(res), secs, stats)


def mitm_finisher(gs: GateSet, epsilon: float, depth: int | None = None,
                  sign_strict: bool = False, objective: str = "gates") -> Callable:
    """Last-mile finisher from the exact one-qubit meet-in-the-middle solver (tables chosen for epsilon;
    ``sign_strict``: tables and test of the Frobenius sign-strict metric; ``objective``: see
    ``MITMSolver.solve``)."""
    from qdesign.synthesis.mitm import get_solver

    solver = get_solver(gs, depth, epsilon, sign_strict=sign_strict)

    def finish(residual: np.ndarray, max_len: int) -> list[int] | None:
        sol = solver.solve(residual, epsilon, max_length=max_len, objective=objective)
        return None if sol is None else sol.word

    return finish


def deep_root_finisher(gs: GateSet, epsilon: float, time_limit: float, extend: int = 0,
                       sign_strict: bool = False, deadline: float | None = None,
                       objective: str = "gates") -> Callable:
    """Root call of the one-qubit search, best word of several routes (fewest gates, then fewest T; with
    ``objective="t_count"`` fewest T, then fewest gates):

    * Clifford+T-type sets (h and t): a Z-rotation target (diagonal up to phase) gets one gridsynth
      ``Rz`` (Ross-Selinger, arXiv 1403.2975); every target gets the direct lattice word (``lattice``,
      about 3 log2(1/epsilon) T, for epsilon >= 5e-7), which bounds the rest;
    * below that epsilon, the three-rotation Euler word of ``gridsynth_word``, which always exists (so
      the search never fails where gridsynth succeeds), and, where the exact tables may miss, the
      Rz-sandwich word (``sandwich``: one Z rotation between two short table words);
    * the exact MITM optimum (plus ``extend`` gates) shorter than those words, when its tables can
      reach epsilon (an optimum: returned as is);
    * failing those (and only without a lattice word), the solver's three-factor deep search for
      ``time_limit`` seconds.

    Everything stops at ``deadline`` (a ``time.time()`` value) when one is given; a route already
    running finishes its current step (at most one table level's queries)."""
    from qdesign.synthesis.mitm import get_solver, word_cost

    solver = get_solver(gs, None, epsilon, sign_strict=sign_strict)
    clifford_t = {"h", "t"} <= set(gs.gate_names) and not sign_strict
    t_gates = solver.t_gates

    def cost(word: list[int]) -> tuple[int, int]:
        return word_cost(word, t_gates, objective)

    def finish(residual: np.ndarray, max_len: int) -> list[int] | None:
        from qdesign.synthesis.sandwich import quick_words

        start = time.time()
        words: list[list[int]] = []
        direct = False  # the lattice word: ~3 log2(1/eps) T, which the deep search does not beat
        if clifford_t:  # the sandwich takes under a second: before the long routes
            words, direct = quick_words(solver, gs, residual, epsilon, lambda: (
                (solver.expected_hits(epsilon) < 1.0 or deadline is not None)
                and (deadline is None or time.time() < deadline)), deadline=deadline)
        reach = min(max_len, min(len(w) for w in words) - 1) if words else max_len
        # the exact tables: an optimum shorter than the quick words, where they can be expected to hit
        # (with a lattice word in hand, a long shot below one expected hit is not worth the time)
        if solver.expected_hits(epsilon) >= (1.0 if direct else 1e-3) and \
                (deadline is None or time.time() < deadline):
            sol = solver.solve(residual, epsilon, max_length=reach, extend=extend, deadline=deadline,
                               objective=objective)
            if sol is not None:
                return min(words + [sol.word], key=cost)
        end = deadline if deadline is not None else max(time.time(), start) + time_limit
        if time.time() < end and not direct:
            deep = solver.solve_deep(residual, epsilon, time_limit=end - time.time())
            if deep is not None:
                words.append(deep.word)
        words = [w for w in words if len(w) <= max_len]
        return min(words, key=cost) if words else None

    return finish


class LazyHeuristic:
    """Builds the heuristic on its first ``q_values`` call (a torch import costs seconds, and one-qubit
    roots are usually finished before the search asks for a value)."""

    def __init__(self, build: Callable[[], Heuristic]) -> None:
        self._build: Callable[[], Heuristic] = build
        self._h: Heuristic | None = None

    def q_values(self, residuals: np.ndarray) -> np.ndarray:
        """The wrapped heuristic's values (built now if this is the first call)."""
        if self._h is None:
            self._h = self._build()
        return self._h.q_values(residuals)


def _load_model_file(path: str | Path, gs: GateSet) -> Heuristic:
    """A cost-to-go saved by ``qdesign train-costtogo``, checked against the gate set it will score."""
    from qdesign.synthesis.costtogo import CostToGo

    if not Path(path).is_file():
        raise ValueError(f"heuristic: no model file at {str(path)!r}")
    model = CostToGo.load(path)
    if model.gs.n_actions != gs.n_actions or not np.allclose(model.gs.matrices, gs.matrices):
        raise ValueError(f"heuristic: the model in {str(path)!r} was trained for gate set "
                         f"{model.meta['gate_set']!r}, not {gs.name!r}")
    return model


def default_heuristic(gs: GateSet, epsilon: float, use_network: bool = True) -> Heuristic:
    """The shipped cost-to-go network for a built-in set if there is one, else ``DistanceHeuristic``."""
    if use_network:
        from qdesign.synthesis.costtogo import load_shipped

        model = load_shipped(gs.name)
        if model is not None:
            return model
    return DistanceHeuristic(gs, epsilon)


#: default seconds the root may spend in the deep search beyond the exact reach (time_limit overrides)
DEEP_SECONDS = 10.0
#: default time limit of a two-qubit call (time_limit overrides)
TWO_QUBIT_SECONDS = 60.0


def astar(target: np.ndarray, gs: GateSet, epsilon: float, time_limit: float | None = None,
          heuristic: Heuristic | str | Path | None = None, finisher: bool | int = True,
          prefix: list[int] | None = None,
          metric: str = "phase", objective: str = "gates", **kwargs) -> SearchResult:
    """Compile ``target`` (or finish ``prefix``): BWQS with the learned heuristic and, on one qubit, the
    exact MITM last-mile finisher (``finisher`` = True for full tables, an int for a table depth); on two
    qubits the breadth-first table finisher of ``table2q`` (exact MITM at the root, lookups below).

    ``heuristic``: ``"learned"`` (default: the shipped cost-to-go, else the prior), ``"distance"``
    (network-free counting-floor heuristic), a model file (``.pt`` from ``qdesign train-costtogo``) or any
    object with ``q_values(residuals)``.
    ``metric``: ``"phase"``, ``"operator"`` or ``"frobenius_sign_strict"`` (one qubit, gate set and
    target in SU(2); search, closed set, finishers and the returned distance all use it; see
    ``metrics``). ``time_limit`` (seconds) bounds the whole call, root routes included; without it a one-qubit
    root may search ``DEEP_SECONDS`` beyond the exact reach and the tree search 30 s, and a two-qubit
    call stops after ``TWO_QUBIT_SECONDS``.
    ``objective``: ``"gates"`` (fewest gates, then fewest T) or ``"t_count"`` (fewest T, then fewest
    gates); on one qubit the root routes and the exact tables choose by it (``MITMSolver.solve``); on two
    qubits the one-qubit words of the KAK baseline do."""
    from qdesign.synthesis.mitm import check_objective

    check_objective(objective)
    check_metric(metric, gs, np.asarray(target))
    strict = metric == "frobenius_sign_strict"
    if strict and gs.num_qubits != 1:
        raise ValueError(f"metric 'frobenius_sign_strict' is one-qubit only; gate_set {gs.name!r} has "
                         f"{gs.num_qubits} qubits")
    start = time.time()
    if time_limit is None and gs.num_qubits == 2:
        time_limit = TWO_QUBIT_SECONDS  # the KAK root alone can take minutes at 1e-3 without a bound
    deadline = None if time_limit is None else start + float(time_limit)
    prefix = list(prefix or [])
    root = np.asarray(target) @ gs.word_unitary(prefix).conj().T  # residual after the prefix
    if heuristic is None or heuristic == "learned":
        h = LazyHeuristic(lambda: default_heuristic(gs, epsilon))
    elif heuristic == "distance":
        h = DistanceHeuristic(gs, epsilon)
    elif isinstance(heuristic, (str, Path)) and str(heuristic).endswith(".pt"):
        h = _load_model_file(heuristic, gs)
    elif isinstance(heuristic, str):
        raise ValueError(f"heuristic must be 'learned', 'distance', a model file (.pt, from `qdesign "
                         f"train-costtogo`) or an object with q_values(), got {heuristic!r}")
    else:
        h = heuristic
    fin = None
    if finisher is not False and gs.num_qubits == 1:
        fin = mitm_finisher(gs, epsilon, None if finisher is True else int(finisher), sign_strict=strict,
                            objective=objective)
        if finisher is True:
            from qdesign.synthesis.mitm import get_solver

            kwargs.setdefault("finisher_cap", get_solver(gs, None, epsilon, sign_strict=strict).depth + 6)
            kwargs.setdefault("root_finisher", deep_root_finisher(
                gs, epsilon, DEEP_SECONDS, sign_strict=strict, deadline=deadline, objective=objective))
    elif finisher is not False and gs.num_qubits == 2:
        from qdesign.synthesis.table2q import table_finisher, table_root_finisher

        depth = None if finisher is True else int(finisher)  # the table is exact only for exact residuals
        fin = table_finisher(gs, epsilon, depth, metric=metric)
        root_fin = kwargs.setdefault("root_finisher", table_root_finisher(gs, epsilon, depth, metric=metric,
                                                                          deadline=deadline))
        # a root word from the KAK baseline means the target is far from every short word (Haar-like):
        # there the tree search never beat it (Haar SU(4): experiments/bench/compile_precision.py
        # --two-qubit-targets), so the search stops at the root
        kwargs.setdefault("finisher_exact", lambda: getattr(root_fin, "source", None) == "kak")
    kwargs.setdefault("finisher_exact", fin is not None)
    remaining = 30.0 if deadline is None else max(0.0, deadline - time.time())
    res = bwqs(root, gs, epsilon, h, finisher=fin, time_limit=remaining,
               last_action=prefix[-1] if prefix else -1, metric=metric, **kwargs)
    if res.word is not None:
        res.word = prefix + res.word
        res.distance = metric_distance(gs.word_unitary(res.word), target, metric)
    return res


def finish_word(prefix: list[int], target: np.ndarray, gs: GateSet, epsilon: float, **kwargs) -> SearchResult:
    """Complete an agent's partial word so the whole word is within epsilon of ``target``."""
    return astar(target, gs, epsilon, prefix=prefix, **kwargs)
