"""``render_mode="rgb_array"`` frames shared by the three families: matplotlib drawn off-screen.

Every frame is a ``uint8`` array of shape ``(FRAME_HEIGHT, FRAME_WIDTH, 3)``, the same size at every
step, so ``gymnasium.wrappers.RecordVideo`` can stitch them into a video. Matplotlib is imported only
when a frame is drawn (``import qdesign`` stays cheap) and no figure object is kept on the env, so
envs stay pickleable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: ``render_mode`` values every qdesign environment accepts
RENDER_MODES: list[str] = ["ansi", "rgb_array"]
FRAME_WIDTH, FRAME_HEIGHT, DPI = 640, 360, 80


def check_render_mode(render_mode: str | None) -> str | None:
    """Return ``render_mode`` or raise a ``ValueError`` naming the allowed ones."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode must be None or one of {RENDER_MODES}, got {render_mode!r}")
    return render_mode


def draw_frame(paint: Callable[[Any], None]) -> np.ndarray:
    """Run ``paint(figure)`` on a fresh off-screen figure and return its pixels as ``(H, W, 3) uint8``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(FRAME_WIDTH / DPI, FRAME_HEIGHT / DPI), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    paint(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[:FRAME_HEIGHT, :FRAME_WIDTH, :3], dtype=np.uint8)


def plot_trace(ax: Any, values: Sequence[float], *, goal: float | None, ylabel: str, goal_label: str) -> None:
    """A per-step trace on a log axis with the success level as a dashed line (e.g. energy error)."""
    steps = np.arange(len(values))
    ys = np.maximum(np.asarray(values, dtype=float), 1e-12)
    if len(ys):
        ax.plot(steps, ys, marker="o", ms=3, lw=1.2, color="tab:blue")
    if goal is not None:
        ax.axhline(max(goal, 1e-12), color="tab:red", ls="--", lw=1, label=goal_label)
        ax.legend(fontsize=7, loc="upper right")
    ax.set_yscale("log")
    ax.set_xlabel("step", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xlim(-0.5, max(len(values), 2) - 0.5)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(labelsize=7)


def plot_circuit(ax: Any, num_qubits: int, gates: Sequence[tuple[str, tuple[int, ...]]]) -> None:
    """A gate list drawn as wires with boxes (rotations) and dot-plus-target (CNOTs), packed in layers."""
    front = [0] * num_qubits
    placed: list[tuple[int, str, tuple[int, ...]]] = []
    for name, qubits in gates:
        span = range(min(qubits), max(qubits) + 1)
        col = max(front[q] for q in span)
        for q in span:
            front[q] = col + 1
        placed.append((col, name, tuple(qubits)))
    width = max(max(front, default=0), 1)
    for q in range(num_qubits):
        ax.plot([-0.6, width - 0.4], [q, q], color="black", lw=0.8, zorder=0)
        ax.text(-0.8, q, f"q{q}", ha="right", va="center", fontsize=7)
    for col, name, qubits in placed:
        if name == "cx" and len(qubits) == 2:
            c, t = qubits
            ax.plot([col, col], [c, t], color="tab:blue", lw=1, zorder=1)
            ax.plot(col, c, "o", color="tab:blue", ms=4, zorder=2)
            ax.plot(col, t, "o", mfc="white", mec="tab:blue", ms=9, zorder=2)
            ax.plot([col - 0.12, col + 0.12], [t, t], color="tab:blue", lw=1, zorder=3)
            ax.plot([col, col], [t - 0.12, t + 0.12], color="tab:blue", lw=1, zorder=3)
        else:
            for q in qubits:
                ax.text(col, q, name.upper(), ha="center", va="center", fontsize=6, zorder=2,
                        bbox={"boxstyle": "square,pad=0.2", "fc": "lightyellow", "ec": "tab:orange"})
    ax.set_xlim(-1.4, max(width, 4) - 0.4)
    ax.set_ylim(num_qubits - 0.4, -0.6)
    ax.axis("off")


def plot_checks(ax: Any, matrix: np.ndarray, *, max_row_weight: int, max_col_weight: int, title: str) -> None:
    """A parity-check matrix as a grid of ones; rows (checks) and columns (bits or qubits) above their
    weight limit are shaded red, so the violations still to remove are visible at a glance."""
    m = np.asarray(matrix, dtype=np.uint8)
    rows, cols = m.shape
    img = np.ones((rows, cols, 3))
    bad_rows = m.sum(axis=1) > max_row_weight
    bad_cols = m.sum(axis=0) > max_col_weight
    img[bad_rows, :] = (1.0, 0.85, 0.85)
    img[:, bad_cols] = np.minimum(img[:, bad_cols], (1.0, 0.85, 0.85))
    img[m.astype(bool)] = (0.1, 0.1, 0.3)
    img[m.astype(bool) & bad_rows[:, None]] = (0.75, 0.1, 0.1)
    img[m.astype(bool) & bad_cols[None, :]] = (0.75, 0.1, 0.1)
    ax.imshow(img, aspect="auto", interpolation="nearest")
    ax.set_title(f"{title}  {rows}x{cols}, {int(bad_rows.sum())} checks and {int(bad_cols.sum())} "
                 f"columns over the limit", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
