"""A permutation-equivariant action scorer for ``FixedNReduceEnv`` (numpy inference, no torch).

Every candidate move (X row addition i += j, Z row addition i += j, CNOT a -> b) gets a feature
vector computed from the Tanner graph by row / column aggregates only (weights, degrees, overlaps,
and the exact change each move makes to the check-weight and qubit-degree violations), and one
small MLP with shared weights turns each vector into a logit.  Relabelling the qubits or the checks
relabels the features, hence the logits, with them: the policy cannot memorise indices, so what it
learns on one matrix applies to every relabelled copy by construction.

``action_features(h_x, h_z, w, q, R, N)`` returns the (2 R^2 + N^2, F) features in the env's flat
action layout (padded actions get zeros; the env's mask removes them).  ``EquivariantActor`` holds
the MLP and exposes ``action_probabilities(obs, mask)`` (what ``qdesign.agents.rollout.masked_action``
calls), reading H_X and H_Z back from the observation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: names of the per-action features (columns of ``action_features``)
FEATURES = (
    "is_row_add_x", "is_row_add_z", "is_cnot",
    "d_excess",            # exact change of the env's excess (the reward's potential)
    "d_check_excess",      # ... its check-weight part
    "d_degree_excess",     # ... its qubit-degree part
    "d_check_slack",       # change of the number of checks at weight >= w (tight or over)
    "d_degree_slack",      # change of the number of (qubit, type) degrees >= q
    "d_sq_excess",         # change of the sum of squared violations (scaled by 1/4)
    "touches_excess",      # the move's target row / column is over its cap now
    "source_excess",       # the move's source row / column is over its cap now
    "overlap",             # overlap of the two rows / columns (scaled by 1/4)
    "may_reject",          # the CNOT makes a column of H_X or H_Z zero or equal to another one
                           # (necessary for a logical of weight < 3, which the env rejects)
    "total_excess",        # global: current excess / 32
)
N_FEATURES = len(FEATURES)


def _exc(x: np.ndarray, cap: int) -> np.ndarray:
    return np.maximum(x - cap, 0)


def _row_add_features(h: np.ndarray, other_cols: np.ndarray, w: int, q: int) -> np.ndarray:
    """(r, r, F-block) for h[i] += h[j] on one check matrix; ``other_cols`` = the other type's qubit
    degrees (unchanged by this move, kept for symmetry of the signature)."""
    h = h.astype(np.int64)
    rw = h.sum(1)
    cd = h.sum(0)
    ov = h @ h.T                                          # (r, r) row overlaps
    new_w = rw[:, None] + rw[None, :] - 2 * ov            # weight of row i after i += j
    d_row = _exc(new_w, w) - _exc(rw, w)[:, None]
    d_row_sq = _exc(new_w, w) ** 2 - (_exc(rw, w) ** 2)[:, None]
    d_row_slack = (new_w >= w).astype(np.int64) - (rw >= w).astype(np.int64)[:, None]
    up = _exc(cd + 1, q) - _exc(cd, q)                    # column c gains a 1
    down = _exc(cd - 1, q) - _exc(cd, q)                  # column c loses a 1
    d_col = (h @ up)[None, :] + (h * (down - up)) @ h.T   # [i, j]: sum over supp(j)
    up_sq = _exc(cd + 1, q) ** 2 - _exc(cd, q) ** 2
    down_sq = _exc(cd - 1, q) ** 2 - _exc(cd, q) ** 2
    d_col_sq = (h @ up_sq)[None, :] + (h * (down_sq - up_sq)) @ h.T
    up_sl = (cd + 1 >= q).astype(np.int64) - (cd >= q)
    down_sl = (cd - 1 >= q).astype(np.int64) - (cd >= q)
    d_col_slack = (h @ up_sl)[None, :] + (h * (down_sl - up_sl)) @ h.T
    r = h.shape[0]
    touches = np.broadcast_to((rw > w)[:, None], (r, r))
    source = np.broadcast_to((rw > w)[None, :], (r, r))
    return np.stack([d_row + d_col, d_row, d_col, d_row_slack, d_col_slack,
                     (d_row_sq + d_col_sq) / 4.0, touches, source, ov / 4.0], axis=-1).astype(np.float64)


def _cnot_features(hx: np.ndarray, hz: np.ndarray, w: int, q: int) -> np.ndarray:
    """(n, n, F-block) for CNOT(a, b): H_X[:, b] ^= H_X[:, a], H_Z[:, a] ^= H_Z[:, b]."""
    out = []
    parts = []
    # X side: column b of hx changes by column a (rows with hx[:, a] = 1 change weight)
    # Z side: column a of hz changes by column b: the same form with the roles of a and b swapped
    for h, transpose in ((hx.astype(np.int64), False), (hz.astype(np.int64), True)):
        rw = h.sum(1)
        cd = h.sum(0)
        ov = h.T @ h                                      # (n, n) column overlaps
        new_d = cd[:, None] + cd[None, :] - 2 * ov        # [s, t]: degree of column t after t ^= s
        d_col = _exc(new_d, q) - _exc(cd, q)[None, :]
        d_col_sq = _exc(new_d, q) ** 2 - (_exc(cd, q) ** 2)[None, :]
        d_col_slack = (new_d >= q).astype(np.int64) - (cd >= q).astype(np.int64)[None, :]
        up = _exc(rw + 1, w) - _exc(rw, w)
        down = _exc(rw - 1, w) - _exc(rw, w)
        d_row = (up @ h)[:, None] + h.T @ (h * (down - up)[:, None])   # [s, t]: rows in supp(s)
        up_sq = _exc(rw + 1, w) ** 2 - _exc(rw, w) ** 2
        down_sq = _exc(rw - 1, w) ** 2 - _exc(rw, w) ** 2
        d_row_sq = (up_sq @ h)[:, None] + h.T @ (h * (down_sq - up_sq)[:, None])
        up_sl = (rw + 1 >= w).astype(np.int64) - (rw >= w)
        down_sl = (rw - 1 >= w).astype(np.int64) - (rw >= w)
        d_row_slack = (up_sl @ h)[:, None] + h.T @ (h * (down_sl - up_sl)[:, None])
        n = h.shape[1]
        touches = np.broadcast_to((cd > q)[None, :], (n, n))   # target column t over its cap
        source = np.broadcast_to((cd > q)[:, None], (n, n))
        block = np.stack([d_row + d_col, d_row, d_col, d_row_slack, d_col_slack,
                          (d_row_sq + d_col_sq) / 4.0, touches, source, ov / 4.0], axis=-1).astype(np.float64)
        # block[s, t] is the move "column t ^= column s"; the X side is CNOT(a=s, b=t) -> [a, b];
        # the Z side is "column a ^= column b", i.e. s = b, t = a -> transpose to index [a, b]
        parts.append(block.transpose(1, 0, 2) if transpose else block)
    x, z = parts
    summed = x + z
    # touches/source/overlap: average the two sides (both are features of the pair)
    summed[..., 6:] = (x[..., 6:] + z[..., 6:]) / 2.0
    out.append(summed)
    return out[0]


def _column_codes(h: np.ndarray) -> np.ndarray:
    """Each column of ``h`` as an integer (its bits), so column XORs and equality are integer ops."""
    r = h.shape[0]
    if r > 62:
        raise ValueError("action_features: at most 62 checks per type")
    weights = (1 << np.arange(r, dtype=np.int64))
    return (h.astype(np.int64) * weights[:, None]).sum(0)


def _cnot_collisions(hx: np.ndarray, hz: np.ndarray) -> np.ndarray:
    """(n, n) 0/1: CNOT(a, b) leaves a zero column or two equal columns in H_X (column b := b ^ a)
    or in H_Z (column a := a ^ b)."""
    out = np.zeros((hx.shape[1], hx.shape[1]), dtype=bool)
    for h, side in ((hx, "x"), (hz, "z")):
        c = _column_codes(h)
        new = c[:, None] ^ c[None, :]                      # [a, b]: a ^ b
        vals, counts = np.unique(c, return_counts=True)
        pos = np.searchsorted(vals, new)
        pos = np.minimum(pos, vals.size - 1)
        hit = vals[pos] == new
        cnt = np.where(hit, counts[pos], 0)
        # the changed column (b on the X side, a on the Z side) is no longer its old value
        changed = c[None, :] if side == "x" else c[:, None]
        cnt = cnt - (changed == new)
        out |= (new == 0) | (cnt > 0)
    return out.astype(np.float64)


def action_features(h_x: np.ndarray, h_z: np.ndarray, w: int, q: int, R: int, N: int) -> np.ndarray:
    """(2 R^2 + N^2, ``N_FEATURES``) features in ``FixedNReduceEnv``'s flat action layout."""
    hx = np.asarray(h_x, dtype=np.int64)
    hz = np.asarray(h_z, dtype=np.int64)
    rx, n = hx.shape
    rz = hz.shape[0]
    cx, cz = hx.sum(0), hz.sum(0)
    total = float(_exc(hx.sum(1), w).sum() + _exc(hz.sum(1), w).sum() + _exc(cx, q).sum() + _exc(cz, q).sum())
    F = np.zeros((2 * R * R + N * N, N_FEATURES))
    for k, (h, other, rr) in enumerate(((hx, cz, rx), (hz, cx, rz))):
        blk = np.zeros((R, R, N_FEATURES))
        blk[:rr, :rr, k] = 1.0
        blk[:rr, :rr, 3:12] = _row_add_features(h, other, w, q)
        F[k * R * R:(k + 1) * R * R] = blk.reshape(R * R, N_FEATURES)
    blk = np.zeros((N, N, N_FEATURES))
    blk[:n, :n, 2] = 1.0
    blk[:n, :n, 3:12] = _cnot_features(hx, hz, w, q)
    blk[:n, :n, 12] = _cnot_collisions(hx, hz)
    F[2 * R * R:] = blk.reshape(N * N, N_FEATURES)
    F[:, 13] = total / 32.0
    return F


class EquivariantActor:
    """Shared MLP over per-action features -> masked softmax (numpy).  ``layers`` = [(W, b), ...] with
    W of shape (out, in) as torch's Linear; the last layer has one output (the logit); ``linear`` =
    (L (1, F), l (1,)) adds a linear path on the features to the logit."""

    def __init__(self, layers: list[tuple[np.ndarray, np.ndarray]], R: int, N: int,
                 w: int = 6, q: int = 3, temperature: float = 1.0,
                 linear: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.layers = [(np.asarray(W, dtype=np.float32), np.asarray(b, dtype=np.float32)) for W, b in layers]
        if self.layers[0][0].shape[1] != N_FEATURES or self.layers[-1][0].shape[0] != 1:
            raise ValueError(f"EquivariantActor: first layer must take {N_FEATURES} features and the "
                             f"last give one logit")
        self._wt = [(np.ascontiguousarray(W.T), b) for W, b in self.layers]  # (in, out), contiguous
        # optional linear path beside the MLP: logit += F @ L.T + l
        self.linear = None if linear is None else (np.asarray(linear[0], dtype=np.float32).reshape(1, -1),
                                                   np.asarray(linear[1], dtype=np.float32).reshape(1))
        self.R, self.N, self.w, self.q = int(R), int(N), int(w), int(q)
        self.temperature = float(temperature)

    def configure(self, w: int, q: int) -> None:
        """The target (w, q) the features measure violations against."""
        self.w, self.q = int(w), int(q)

    def logits_from_features(self, F: np.ndarray) -> np.ndarray:
        """One logit per row of the (actions, ``N_FEATURES``) feature matrix ``F``."""
        x = np.asarray(F, dtype=np.float32)
        for Wt, b in self._wt[:-1]:
            x = np.tanh(x @ Wt + b)
        Wt, b = self._wt[-1]
        z = (x @ Wt + b)[:, 0]
        if self.linear is not None:
            z = z + np.asarray(F, dtype=np.float32) @ self.linear[0][0] + self.linear[1][0]
        return z

    def matrices_from_obs(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Padded H_X, H_Z (R x N) from a ``FixedNReduceEnv`` observation."""
        R, N = self.R, self.N
        o = np.asarray(obs).ravel()
        hx = (o[: R * N].reshape(R, N) > 0.5).astype(np.int64)
        hz = (o[R * N: 2 * R * N].reshape(R, N) > 0.5).astype(np.int64)
        return hx, hz

    def probabilities_for(self, h_x: np.ndarray, h_z: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Masked action distribution for the (possibly padded) matrices."""
        F = action_features(h_x, h_z, self.w, self.q, self.R, self.N)
        z = self.logits_from_features(F).astype(np.float64) / self.temperature
        m = np.asarray(mask, dtype=bool)
        z = np.where(m, z, -np.inf)
        z = z - z[m].max()
        p = np.exp(z)
        return p / p.sum()

    def action_probabilities(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The masked action distribution at a ``FixedNReduceEnv`` observation (float64, sums to 1)."""
        hx, hz = self.matrices_from_obs(obs)
        return self.probabilities_for(hx, hz, mask)

    def arrays(self) -> dict[str, Any]:
        """The weights as named float32 arrays."""
        out: dict[str, Any] = {}
        for i, (W, b) in enumerate(self.layers):
            out[f"W{i}"], out[f"b{i}"] = W.astype(np.float32), b.astype(np.float32)
        if self.linear is not None:
            out["L0"], out["l0"] = self.linear
        return out
