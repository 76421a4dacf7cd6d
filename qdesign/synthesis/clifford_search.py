"""CX-count-first Clifford synthesis by search over tableaux modulo single-qubit Cliffords.

Single-qubit gates are cheap, so the search state is the tableau up to single-qubit Cliffords applied
*next*: for each qubit q the 2-dimensional GF(2) subspace ``V_q`` spanned by its column pair
``(x_q, z_q)`` (qdesign.quantum.clifford_tableau; a local layer mixes ``x_q, z_q`` within ``V_q``).
The goal is ``V_q = span{e_q, e_{n+q}}`` for every q. One move is one CX between qubits i and j after
single-qubit Cliffords on both: choose the vector ``p`` in ``V_i`` the control keeps and ``r`` in
``V_j`` the target keeps; then ``V_i <- span{p, p' + r}`` and ``V_j <- span{r, r' + p}`` (p', r' the
other basis vectors). That is 9 moves per unordered pair (the two CX directions coincide up to
Hadamards), each costing exactly one CX, the same move set as the symmetric two-qubit steps of
Bravyi et al.'s greedy synthesis (arXiv:2105.02291, Sec. 3).

``beam_search`` expands the frontier one CX layer at a time, keeps the ``beam`` best states by a
heuristic, and finishes exactly inside a breadth-first ball around the goal; with a beam at least the
reachable state count (3 qubits: 6720 classes) it is an exhaustive breadth-first search and returns a
CX-optimal circuit. Heuristics: ``support_heuristic`` (how far each ``V_q`` reaches off its own qubit)
or any callable on a batch of tableaux, e.g. a trained value network (qdesign.api.clifford).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

#: a state: the column pair (x_q, z_q) of every qubit, each a 2n-bit int (bit i = tableau row i)
State = tuple[tuple[int, int], ...]
Gate = tuple[str, tuple[int, ...]]


def state_of(tab: np.ndarray) -> State:
    """The column pairs of a ``(2n, 2n)`` tableau as ints."""
    n = tab.shape[0] // 2
    weights = 1 << np.arange(2 * n, dtype=object)
    cols = [int(np.dot(tab[:, c].astype(object), weights)) for c in range(2 * n)]
    return tuple((cols[q], cols[n + q]) for q in range(n))


def tableau_of_state(state: State) -> np.ndarray:
    """The ``(2n, 2n)`` uint8 tableau of a state."""
    n = len(state)
    tab = np.zeros((2 * n, 2 * n), dtype=np.uint8)
    rows = np.arange(2 * n)
    for q, (x, z) in enumerate(state):
        tab[:, q] = (x >> rows) & 1
        tab[:, n + q] = (z >> rows) & 1
    return tab


def key_of(state: State) -> tuple[tuple[int, int, int], ...]:
    """The state modulo single-qubit Cliffords: each qubit's subspace as its 3 sorted nonzero vectors."""
    return tuple(tuple(sorted((x, z, x ^ z))) for x, z in state)  # type: ignore[misc]


def goal_key(n: int) -> tuple[tuple[int, int, int], ...]:
    """The key of every local Clifford on n qubits."""
    return tuple(tuple(sorted((1 << q, 1 << (n + q), (1 << q) | (1 << (n + q))))) for q in range(n))  # type: ignore[misc]


def _control_local(x: int, z: int, pick: int) -> tuple[tuple[str, ...], int, int]:
    """Single-qubit gates making the kept vector (x, z, x^z)[pick] the control's x column."""
    if pick == 0:
        return (), x, z
    if pick == 1:
        return ("h",), z, x
    return ("s", "h"), x ^ z, x


def _target_local(x: int, z: int, pick: int) -> tuple[tuple[str, ...], int, int]:
    """Single-qubit gates making the kept vector (z, x, x^z)[pick] the target's z column."""
    if pick == 0:
        return (), x, z
    if pick == 1:
        return ("h",), z, x
    return ("s",), x, x ^ z


#: the single-qubit Clifford words (time order) taking a column pair (x, z) to each ordered pair of
#: vectors of span{x, z}: h swaps the columns, s adds x to z
_FRAME_WORDS: tuple[tuple[tuple[str, ...], Callable[[int, int], tuple[int, int]]], ...] = (
    ((), lambda x, z: (x, z)),
    (("h",), lambda x, z: (z, x)),
    (("s",), lambda x, z: (x, x ^ z)),
    (("h", "s"), lambda x, z: (z, x ^ z)),
    (("s", "h"), lambda x, z: (x ^ z, x)),
    (("h", "s", "h"), lambda x, z: (x ^ z, z)),
)


def canonical_state(state: State) -> tuple[State, list[Gate]]:
    """The same class with every qubit in its canonical frame: ``(x_q, z_q)`` becomes the two smallest
    of ``x_q, z_q, x_q ^ z_q`` in increasing order, by single-qubit gates (returned, time order).

    A policy that sees canonical frames meets every local frame of a state as one observation, and
    its moves' picks then refer to fixed vectors (``CliffordSynthMoves``, the policy prior)."""
    out: list[tuple[int, int]] = []
    gates: list[Gate] = []
    for q, (x, z) in enumerate(state):
        want = tuple(sorted((x, z, x ^ z))[:2])
        for word, fn in _FRAME_WORDS:
            if fn(x, z) == want:
                gates += [(g, (q,)) for g in word]
                out.append(want)  # type: ignore[arg-type]
                break
    return tuple(out), gates


def moves(n: int) -> list[tuple[int, int, int, int]]:
    """Every move ``(i, j, pick_i, pick_j)``: 9 per unordered pair i < j."""
    return [(i, j, a, b) for i in range(n) for j in range(i + 1, n) for a in range(3) for b in range(3)]


def apply_move(state: State, move: tuple[int, int, int, int]) -> tuple[State, list[Gate]]:
    """The state after one move and the gates it applies (locals on i and j, then cx(i, j))."""
    i, j, a, b = move
    gi, xi, zi = _control_local(*state[i], a)
    gj, xj, zj = _target_local(*state[j], b)
    new = list(state)
    new[i] = (xi, zi ^ zj)
    new[j] = (xj ^ xi, zj)
    gates: list[Gate] = [(g, (i,)) for g in gi] + [(g, (j,)) for g in gj] + [("cx", (i, j))]
    return tuple(new), gates


def support_heuristic(states: Sequence[State]) -> np.ndarray:
    """Per state: the summed number of other qubits each ``V_q`` reaches (0 exactly at the goal)."""
    out = np.empty(len(states))
    for k, state in enumerate(states):
        n = len(state)
        full = (1 << n) - 1
        total = 0
        for q, (x, z) in enumerate(state):
            v = x | z
            supp = (v | (v >> n)) & full
            total += bin(supp & ~(1 << q)).count("1") + (0 if supp >> q & 1 else 1)
        out[k] = total
    return out


@lru_cache(maxsize=8)
def goal_ball(n: int, radius: int) -> dict[tuple, int]:
    """Breadth-first distances (CX counts) of every state class within ``radius`` moves of the goal.

    Moves are invertible (a CX is its own inverse and local layers are absorbed), so distances from the
    goal equal distances to it."""
    start: State = tuple((1 << q, 1 << (n + q)) for q in range(n))
    dist = {key_of(start): 0}
    frontier = [start]
    mv = moves(n)
    for d in range(1, radius + 1):
        nxt = []
        for s in frontier:
            for m in mv:
                child, _ = apply_move(s, m)
                k = key_of(child)
                if k not in dist:
                    dist[k] = d
                    nxt.append(child)
        frontier = nxt
    return dist


#: default goal-ball radius per qubit count (sizes: 3q all 6720 classes at radius 6; 4q ~60k at 3)
DEFAULT_RADIUS = {2: 3, 3: 6, 4: 3, 5: 2, 6: 2}


@dataclass
class SearchResult:
    """Gates that reduce the start to a local Clifford (time order, applied after it)."""

    gates: list[Gate] | None
    cx_count: int | None
    expanded: int = 0
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)


def _descend(state: State, ball: dict[tuple, int], mv: list) -> list[Gate]:
    """Gates from a state inside the goal ball down to the goal, one CX per step."""
    gates: list[Gate] = []
    d = ball[key_of(state)]
    while d > 0:
        for m in mv:
            child, g = apply_move(state, m)
            if ball.get(key_of(child), 1 << 30) == d - 1:
                state, d = child, d - 1
                gates += g
                break
        else:  # pragma: no cover - a ball distance always has a predecessor
            raise RuntimeError("goal ball is inconsistent")
    return gates


def beam_search(tab: np.ndarray, beam: int = 64,
                heuristic: Callable[[Sequence[State]], np.ndarray] | None = None,
                radius: int | None = None, time_limit: float | None = None,
                max_depth: int = 200, prior: Callable[[Sequence[State]], np.ndarray] | None = None,
                prior_top: int | None = None) -> SearchResult:
    """Reduce tableau ``tab`` to a local Clifford with few CX (see the module docstring).

    ``heuristic`` maps a batch of states to estimated CX to go (lower is better; default
    ``support_heuristic``). ``prior`` (with ``prior_top``) maps a batch of states to one score per move
    (``moves(n)`` order, higher is better, e.g. a trained policy's logits); each state then expands
    only its ``prior_top`` best moves. Returns the best found; ``gates`` is None only if nothing
    reached the goal within ``max_depth`` CX or ``time_limit`` seconds. ``stats["generated"]`` counts
    the children made.
    """
    if (prior is None) != (prior_top is None):
        raise ValueError("prior and prior_top go together: pass both or neither")
    if prior_top is not None and not (isinstance(prior_top, int) and prior_top >= 1):
        raise ValueError(f"prior_top must be an int >= 1, got {prior_top!r}")
    t0 = time.monotonic()
    n = tab.shape[0] // 2
    h = heuristic or support_heuristic
    radius = DEFAULT_RADIUS.get(n, 2) if radius is None else radius
    ball = goal_ball(n, radius)
    mv = moves(n)
    start = state_of(tab)
    best: list[Gate] | None = None
    best_cx: int | None = None
    k0 = key_of(start)
    if k0 in ball:
        best = _descend(start, ball, mv)
        return SearchResult(best, ball[k0], 0, time.monotonic() - t0, {"depth": 0})
    # frontier entries: (state, gates so far)
    frontier: list[tuple[State, list[Gate]]] = [(start, [])]
    seen = {k0}
    expanded = generated = 0
    for depth in range(max_depth):
        if best_cx is not None and depth + 1 + radius + 1 > best_cx:
            break  # every state outside the ball needs > radius more CX
        if time_limit is not None and time.monotonic() - t0 > time_limit and best is not None:
            break
        children: list[tuple[State, list[Gate]]] = []
        if prior is not None:  # the policy's moves are meant in canonical frames (canonical_state)
            frontier = [(cs, gates + g) for (state, gates) in frontier for cs, g in [canonical_state(state)]]
            scores = np.asarray(prior([f[0] for f in frontier]), dtype=float)
            picks = np.argsort(-scores, axis=1, kind="stable")[:, :prior_top]
        for f, (state, gates) in enumerate(frontier):
            expanded += 1
            for m in (mv if prior is None else [mv[int(a)] for a in picks[f]]):
                generated += 1
                child, g = apply_move(state, m)
                k = key_of(child)
                if k in seen:
                    continue
                seen.add(k)
                d = ball.get(k)
                if d is not None:
                    total = depth + 1 + d
                    if best_cx is None or total < best_cx:
                        best_cx, best = total, gates + g + _descend(child, ball, mv)
                    continue
                children.append((child, gates + g))
        if not children:
            break
        if len(children) > beam:
            scores = np.asarray(h([c[0] for c in children]), dtype=float)
            order = np.argsort(scores, kind="stable")[:beam]
            children = [children[int(o)] for o in order]
        frontier = children
    return SearchResult(best, best_cx, expanded, time.monotonic() - t0,
                        {"radius": radius, "ball_size": len(ball), "beam": beam, "generated": generated})
