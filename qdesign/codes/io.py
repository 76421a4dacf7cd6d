"""Loading and saving code matrices: numpy ``.npz``, alist (MacKay) and a human-readable text form."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qdesign.codes import gf2


def save_npz(path: str | Path, h_x: np.ndarray, h_z: np.ndarray | None = None, **meta: object) -> None:
    """Save ``h_x`` (and ``h_z``) plus scalar metadata to a compressed ``.npz``."""
    arrays = {"h_x": gf2.as_binary(h_x, "h_x")}
    if h_z is not None:
        arrays["h_z"] = gf2.as_binary(h_z, "h_z")
    arrays.update({f"meta_{k}": np.asarray(v) for k, v in meta.items()})
    np.savez_compressed(path, **arrays)


def load_npz(path: str | Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Read (H_X, H_Z) from an ``.npz`` with keys ``h_x`` and optionally ``h_z`` (None when absent)."""
    with np.load(path) as data:
        hx = gf2.as_binary(data["h_x"], "h_x")
        hz = gf2.as_binary(data["h_z"], "h_z") if "h_z" in data else None
    return hx, hz


def to_alist(matrix: np.ndarray) -> str:
    """MacKay's alist format (1-based indices, zero-padded lists)."""
    m = gf2.as_binary(matrix)
    rows, cols = m.shape
    col_lists = [np.flatnonzero(m[:, j]) + 1 for j in range(cols)]
    row_lists = [np.flatnonzero(m[i]) + 1 for i in range(rows)]
    max_c = max((len(c) for c in col_lists), default=0)
    max_r = max((len(r) for r in row_lists), default=0)
    lines = [f"{cols} {rows}", f"{max_c} {max_r}", " ".join(str(len(c)) for c in col_lists),
             " ".join(str(len(r)) for r in row_lists)]
    lines += [" ".join(str(x) for x in list(c) + [0] * (max_c - len(c))) for c in col_lists]
    lines += [" ".join(str(x) for x in list(r) + [0] * (max_r - len(r))) for r in row_lists]
    return "\n".join(lines) + "\n"


def from_alist(text: str) -> np.ndarray:
    """Parse an alist string (column lists are authoritative; row lists are cross-checked)."""
    tokens = text.split()
    try:
        vals = [int(t) for t in tokens]
    except ValueError as err:
        raise ValueError(f"alist: non-integer token ({err})") from err
    if len(vals) < 4:
        raise ValueError("alist: too short for a header")
    cols, rows, max_c, max_r = vals[:4]
    pos = 4 + cols + rows
    col_w = vals[4:4 + cols]
    m = np.zeros((rows, cols), dtype=np.uint8)
    for j in range(cols):
        entries = vals[pos:pos + max_c]
        pos += max_c
        for e in entries[:col_w[j]]:
            if not 1 <= e <= rows:
                raise ValueError(f"alist: row index {e} out of range 1..{rows}")
            m[e - 1, j] = 1
    check = np.zeros_like(m)
    for i in range(rows):
        for e in vals[pos:pos + max_r]:
            if e:
                check[i, e - 1] = 1
        pos += max_r
    if pos <= len(vals) and not np.array_equal(check, m):
        raise ValueError("alist: row lists disagree with column lists")
    return m


def save_alist(path: str | Path, matrix: np.ndarray) -> None:
    """Write a binary matrix to ``path`` in the alist format used by LDPC tools."""
    Path(path).write_text(to_alist(matrix))


def load_alist(path: str | Path) -> np.ndarray:
    """Read a binary matrix from an alist file."""
    return from_alist(Path(path).read_text())


def to_text(matrix: np.ndarray) -> str:
    """One row per line of '0'/'1' characters."""
    m = gf2.as_binary(matrix)
    return "\n".join("".join("1" if x else "0" for x in row) for row in m) + "\n"


def from_text(text: str) -> np.ndarray:
    """Parse a matrix written as rows of '0'/'1' characters; ValueError on ragged or non-binary text."""
    rows = [r.strip() for r in text.strip().splitlines() if r.strip()]
    if not rows:
        raise ValueError("text matrix: empty")
    if len({len(r) for r in rows}) != 1:
        raise ValueError("text matrix: rows have different lengths")
    if any(set(r) - {"0", "1"} for r in rows):
        raise ValueError("text matrix: only '0' and '1' characters are allowed")
    return np.array([[c == "1" for c in r] for r in rows], dtype=np.uint8)
