"""Stim memory experiments for any CSS code: one ancilla per check, edge-coloured CNOT layers.

Circuit of one syndrome round (the "coloration circuit" of Tremblay, Delfosse, Beverland,
arXiv 2109.14609 Sec. 4.1): reset the ancillas, apply the X-check CNOTs in ``Δ_X`` layers given by
a proper edge colouring of the X Tanner graph, then the Z-check CNOTs in ``Δ_Z`` layers of the Z
Tanner graph, then measure the ancillas.  Because every X-check CNOT (ancilla -> data) comes before
every Z-check CNOT (data -> ancilla), the round measures exactly the stabilisers of H_X and H_Z for
any CSS code, whatever the order inside each half; a bipartite graph of maximum degree Δ has a
Δ-edge-colouring (König), so the depth is Δ_X + Δ_Z layers.  For hypergraph products (detected
from the matrices, ``schedule="auto"``) the X and Z CNOTs are interleaved instead, from colourings of
the two seed Tanner graphs (:func:`hgp_schedule`, the cardinal-circuit idea of the same paper, Sec. 5):
2⌈Δ1/2⌉ + Δ2 layers, 4 for the surface code HGP(rep d) against 8, with the same circuit distance.

Noise models (``noise=``):

* ``"uniform_depolarizing"`` (alias ``"circuit"``): the SD6 model of Gidney et al., arXiv 2108.10457
  Table 1: every two-qubit gate is followed by DEPOLARIZE2(p), every one-qubit gate and every idle
  qubit in a gate layer by DEPOLARIZE1(p), resets flip with p, measurements report the wrong
  value with p; data qubits also get DEPOLARIZE1(p) at the start of each round.
* ``"si1000"``: the superconducting-inspired SI1000 model of the same table: two-qubit gates p,
  one-qubit gates and idling p/10, resets 2p, measurement flips 5p, and DEPOLARIZE1(2p) on the data
  qubits while the ancillas are measured and reset.
* ``"code_capacity"``: DEPOLARIZE1(p) on every data qubit at the start of each round, everything
  else perfect.
* ``"phenomenological"``: code-capacity data noise plus measurement flips with probability p on every
  ancilla measurement (the final data readout stays perfect).

Detectors: in a ``basis="Z"`` memory the data start in |0...0>, so every Z check is deterministic in
round 1; in later rounds every check is compared with its previous value; the final transversal Z
readout gives one more detector per Z check.  Observables are a basis of the Z logicals (``basis="X"``
is the mirror image).  A Z-basis memory therefore detects X-type logical errors (distance d_X), an
X-basis memory Z-type ones (d_Z).
"""

from __future__ import annotations

import numpy as np

from qdesign.codes.css import CSSCode
from qdesign.codes.hgp import hgp_seeds_of

NOISE_MODELS = ("uniform_depolarizing", "circuit", "si1000", "code_capacity", "phenomenological")
SCHEDULES = ("auto", "coloring", "hgp")


def bipartite_edge_coloring(h: np.ndarray) -> np.ndarray:
    """Colour the edges (nonzero entries) of a binary matrix with ``Δ`` colours, Δ = max degree.

    Returns an int matrix of the same shape: the colour (0..Δ-1) of every edge, -1 off the support.
    No two edges sharing a row or a column get the same colour.  König's alternating-path method:
    for an edge (u, v) take a colour a free at u and b free at v; if a is not free at v, swap a and b
    along the a/b alternating path that starts at v (it cannot reach u in a bipartite graph).
    """
    h = np.asarray(h)
    rows, cols = h.shape
    if h.size == 0 or not h.any():
        return np.full(h.shape, -1, dtype=np.int64)
    delta = int(max(h.sum(axis=1).max(), h.sum(axis=0).max()))
    at_row = np.full((rows, delta), -1, dtype=np.int64)  # at_row[u, c] = column joined to u by colour c
    at_col = np.full((cols, delta), -1, dtype=np.int64)  # at_col[v, c] = row joined to v by colour c
    for u, v in zip(*np.nonzero(h)):
        u, v = int(u), int(v)
        a = int(np.flatnonzero(at_row[u] < 0)[0])
        if at_col[v, a] >= 0:
            b = int(np.flatnonzero(at_col[v] < 0)[0])
            # walk the path v -a- u1 -b- v2 -a- u2 ... and swap a <-> b on it
            path = []  # (row, col, colour) edges on the path
            node, is_col, c = v, True, a
            while True:
                nxt = at_col[node, c] if is_col else at_row[node, c]
                if nxt < 0:
                    break
                edge = (int(nxt), node) if is_col else (node, int(nxt))
                path.append((*edge, c))
                node, is_col, c = int(nxt), not is_col, (b if c == a else a)
            for r, s, c in path:
                at_row[r, c] = -1
                at_col[s, c] = -1
            for r, s, c in path:
                c2 = b if c == a else a
                at_row[r, c2] = s
                at_col[s, c2] = r
        at_row[u, a] = v
        at_col[v, a] = u
    colour = np.full(h.shape, -1, dtype=np.int64)
    for u in range(rows):
        for c in range(delta):
            if at_row[u, c] >= 0:
                colour[u, at_row[u, c]] = c
    return colour


def _layers(h: np.ndarray) -> list[list[tuple[int, int]]]:
    """CNOT layers (lists of (check, qubit)) from an edge colouring of ``h``."""
    colour = bipartite_edge_coloring(h)
    n_colours = int(colour.max()) + 1 if colour.size else 0
    return [[(int(i), int(j)) for i, j in zip(*np.nonzero(colour == c))] for c in range(n_colours)]


Layer = list[tuple[str, int, int]]  # one CNOT layer: ("X" | "Z", check row, data qubit)


def coloring_schedule(hx: np.ndarray, hz: np.ndarray) -> list[Layer]:
    """The coloration circuit: every X-check layer, then every Z-check layer (Δ_X + Δ_Z layers)."""
    return ([[("X", i, j) for i, j in layer] for layer in _layers(hx)]
            + [[("Z", i, j) for i, j in layer] for layer in _layers(hz)])


def hgp_schedule(h1: np.ndarray, h2: np.ndarray) -> list[Layer]:
    """Interleaved X/Z CNOT layers for HGP(h1, h2) in qdesign's layout (:mod:`qdesign.codes.hgp`).

    Every CNOT of the product's Tanner graph comes from one edge of a seed's Tanner graph: a
    "horizontal" edge (c1, b1) of T(h1) joins X check (c1, b2) to left qubit (b1, b2) and Z check
    (b1, c2) to right qubit (c1, c2); a "vertical" edge (c2, b2) of T(h2) joins X check (c1, b2) to
    right qubit (c1, c2) and Z check (b1, c2) to left qubit (b1, b2).  Colour both seed graphs
    (König, Δ1 resp. Δ2 colours); a colour class of a seed lifts to a matching of the product, and
    the X and Z lifts of one horizontal class (or of one vertical class) touch disjoint qubits, so
    they share a layer.  An X check (c1, b2) and a Z check (b1, c2) that overlap share exactly the
    qubits (b1, b2) (X horizontal, Z vertical) and (c1, c2) (X vertical, Z horizontal); the round
    measures both stabilisers iff X acts first on both or on neither (the commutation condition of
    Tremblay, Delfosse, Beverland, arXiv 2109.14609 Sec. 4).  Putting all vertical layers in the
    middle and, for every horizontal colour, its X lift before and its Z lift after them (or the
    reverse) meets it; half the colours each way gives 2⌈Δ1/2⌉ + Δ2 layers, the cardinal-circuit
    idea of the same paper (Sec. 5), against (w_X + w_Z) for the X-then-Z coloration circuit.  The
    seed with the even (or larger) degree is the one split.  Hook errors of a product check lie along
    a line transverse to the logicals of its type, so no order lowers the distance (Manes & Claes,
    arXiv 2308.15520); the tests check it with Stim's search.
    """
    r1, n1 = h1.shape
    r2, n2 = h2.shape
    d1 = int(max(h1.sum(0).max(), h1.sum(1).max()))
    d2 = int(max(h2.sum(0).max(), h2.sum(1).max()))
    split_first = d1 % 2 == 0 or (d2 % 2 == 1 and d1 >= d2)
    col1, col2 = bipartite_edge_coloring(h1), bipartite_edge_coloring(h2)

    def left(b1: int, b2: int) -> int:
        return b1 * n2 + b2

    def right(c1: int, c2: int) -> int:
        return n1 * n2 + c1 * r2 + c2

    def horizontal(colour: int, x: bool, z: bool) -> Layer:
        out: Layer = []
        for c1, b1 in zip(*np.nonzero(col1 == colour)):
            c1, b1 = int(c1), int(b1)
            if x:
                out += [("X", c1 * n2 + b2, left(b1, b2)) for b2 in range(n2)]
            if z:
                out += [("Z", b1 * r2 + c2, right(c1, c2)) for c2 in range(r2)]
        return out

    def vertical(colour: int, x: bool, z: bool) -> Layer:
        out: Layer = []
        for c2, b2 in zip(*np.nonzero(col2 == colour)):
            c2, b2 = int(c2), int(b2)
            if x:
                out += [("X", c1 * n2 + b2, right(c1, c2)) for c1 in range(r1)]
            if z:
                out += [("Z", b1 * r2 + c2, left(b1, b2)) for b1 in range(n1)]
        return out

    outer, inner, d_out, d_in = ((horizontal, vertical, d1, d2) if split_first
                                 else (vertical, horizontal, d2, d1))
    half = (d_out + 1) // 2
    early = [outer(i, True, False) + (outer(half + i, False, True) if half + i < d_out else [])
             for i in range(half)]
    middle = [inner(c, True, True) for c in range(d_in)]
    late = [outer(i, False, True) + (outer(half + i, True, False) if half + i < d_out else [])
            for i in range(half)]
    return [layer for layer in early + middle + late if layer]


def _check_p(p: float, noise: str) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise ValueError(f"p={p!r} must be a number in [0, 0.5]")
    p = float(p)
    if not 0.0 <= p <= 0.5:
        raise ValueError(f"p={p!r} must be in [0, 0.5]")
    if noise == "si1000" and 5 * p > 0.5:
        raise ValueError(f"p={p!r} too large for noise='si1000': measurements flip with 5p, so p <= 0.1")
    return p


def memory_circuit(h_x: np.ndarray, h_z: np.ndarray, rounds: int, p: float,
                   noise: str = "uniform_depolarizing", basis: str = "Z", schedule: str = "auto"):
    """A ``stim.Circuit`` for a ``rounds``-round memory experiment of the CSS code (H_X, H_Z).

    One ancilla per (nonzero) check, detectors on every deterministic check comparison, one
    observable per logical of the memory ``basis``.  ``schedule`` orders the CNOTs: "coloring" = an
    edge colouring of each Tanner graph, X checks first, then Z checks (valid for any CSS code);
    "hgp" = the interleaved schedule of :func:`hgp_schedule` (hypergraph products in qdesign's
    layout only, 2⌈Δ1/2⌉ + Δ2 layers instead of w_X + w_Z); "auto" (default) = "hgp" when the
    matrices are recognised as a hypergraph product (:func:`qdesign.codes.hgp.hgp_seeds_of`), else
    "coloring".  See the module docstring for the noise models.  Raises ``ValueError`` for a bad
    argument (non-commuting matrices, k = 0, unknown noise, basis or schedule, rounds < 1, p out
    of range, schedule="hgp" on a code that is not a recognised product).
    """
    import stim

    if schedule not in SCHEDULES:
        raise ValueError(f"schedule={schedule!r} is not one of {', '.join(SCHEDULES)}")
    if noise not in NOISE_MODELS:
        raise ValueError(f"noise={noise!r} is not one of {', '.join(NOISE_MODELS)}")
    if basis not in ("Z", "X"):
        raise ValueError(f"basis={basis!r} must be 'Z' or 'X'")
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 1:
        raise ValueError(f"rounds={rounds!r} must be an integer >= 1")
    p = _check_p(p, noise)
    code = CSSCode(h_x, h_z, allow_k0=True)
    if code.n == 0:
        raise ValueError("h_x / h_z: the code has no qubits")
    if code.k == 0:
        raise ValueError("the code encodes no logical qubit (k = 0): a memory has nothing to protect")
    seeds = None
    if schedule != "coloring" and code.h_x.any(axis=1).all() and code.h_z.any(axis=1).all():
        seeds = hgp_seeds_of(code.h_x, code.h_z)
    if schedule == "hgp" and seeds is None:
        raise ValueError("schedule='hgp' needs a hypergraph product in qdesign's layout "
                         "(qdesign.codes.hgp.hgp_matrices); these matrices are not one: use 'coloring' "
                         "or 'auto'")
    hx = code.h_x[code.h_x.any(axis=1)]
    hz = code.h_z[code.h_z.any(axis=1)]
    n, mx, mz = code.n, hx.shape[0], hz.shape[0]
    data = list(range(n))
    anc_x = list(range(n, n + mx))
    anc_z = list(range(n + mx, n + mx + mz))
    ancillas = anc_x + anc_z
    logicals = code.logical_z() if basis == "Z" else code.logical_x()

    if noise == "circuit":
        noise = "uniform_depolarizing"
    circuit_level = noise in ("uniform_depolarizing", "si1000")
    si = noise == "si1000"
    p2 = p if circuit_level else 0.0  # two-qubit gate
    p1 = (p / 10 if si else p) if circuit_level else 0.0  # one-qubit gate
    p_idle = (p / 10 if si else p) if circuit_level else 0.0
    p_reset = (2 * p if si else p) if circuit_level else 0.0
    p_meas = (5 * p if si else p) if noise != "code_capacity" else 0.0
    p_data = p if not si else 0.0  # depolarisation of the data at the start of every round
    p_resonator = 2 * p if si else 0.0  # data idling while the ancillas are measured / reset

    c = stim.Circuit()
    for j in data:
        c.append("QUBIT_COORDS", [j], [j, 0])
    for i, a in enumerate(anc_x):
        c.append("QUBIT_COORDS", [a], [i, 1])
    for i, a in enumerate(anc_z):
        c.append("QUBIT_COORDS", [a], [i, 2])

    def noisy(op: str, targets: list[int], prob: float) -> None:
        if prob > 0 and targets:
            c.append(op, targets, prob)

    # data preparation in the memory basis
    c.append("R" if basis == "Z" else "RX", data)
    noisy("X_ERROR" if basis == "Z" else "Z_ERROR", data, p_reset)
    c.append("TICK", [])

    layers = hgp_schedule(*seeds) if seeds is not None else coloring_schedule(hx, hz)
    n_meas = 0
    last: dict[int, int] = {}  # ancilla -> absolute index of its previous measurement

    def rec(idx: int):
        return stim.target_rec(idx - n_meas)

    for r in range(rounds):
        noisy("DEPOLARIZE1", data, p_data)
        c.append("R", ancillas)
        noisy("X_ERROR", ancillas, p_reset)
        c.append("TICK", [])
        if anc_x:  # X ancillas go to |+>
            c.append("H", anc_x)
            noisy("DEPOLARIZE1", anc_x, p1)
            noisy("DEPOLARIZE1", data + anc_z, p_idle)
            c.append("TICK", [])
        for layer in layers:
            pairs: list[int] = []
            busy: set[int] = set()
            for kind, i, j in layer:
                a = (anc_x if kind == "X" else anc_z)[i]
                pairs += [a, j] if kind == "X" else [j, a]
                busy.update((a, j))
            c.append("CX", pairs)
            noisy("DEPOLARIZE2", pairs, p2)
            noisy("DEPOLARIZE1", [q for q in data + ancillas if q not in busy], p_idle)
            c.append("TICK", [])
        if anc_x:
            c.append("H", anc_x)
            noisy("DEPOLARIZE1", anc_x, p1)
            noisy("DEPOLARIZE1", data + anc_z, p_idle)
            c.append("TICK", [])
        noisy("X_ERROR", ancillas, p_meas)
        c.append("M", ancillas)
        noisy("DEPOLARIZE1", data, p_resonator)
        first = n_meas
        n_meas += len(ancillas)
        for t, a in enumerate(ancillas):
            is_x = t < mx
            idx = first + t
            coords = [t if is_x else t - mx, r, 0 if is_x else 1]
            if a in last:
                c.append("DETECTOR", [rec(idx), rec(last[a])], coords)
            elif is_x == (basis == "X"):  # first round: only the checks of the memory basis are determined
                c.append("DETECTOR", [rec(idx)], coords)
            last[a] = idx
        c.append("TICK", [])

    # transversal readout of the data, perfect (code-capacity / phenomenological convention) or noisy
    noisy("X_ERROR" if basis == "Z" else "Z_ERROR", data, p_meas if circuit_level else 0.0)
    c.append("M" if basis == "Z" else "MX", data)
    first = n_meas
    n_meas += n
    checks, anc = (hz, anc_z) if basis == "Z" else (hx, anc_x)
    for i, row in enumerate(checks):
        targets = [rec(first + int(j)) for j in np.flatnonzero(row)] + [rec(last[anc[i]])]
        c.append("DETECTOR", targets, [i, rounds, 1 if basis == "Z" else 0])
    for k, row in enumerate(logicals):
        c.append("OBSERVABLE_INCLUDE", [rec(first + int(j)) for j in np.flatnonzero(row)], k)
    return c
