"""Plots of a run folder's episode records (matplotlib, Agg backend: no display needed).

``plot_threshold`` draws the curriculum threshold and each episode's best energy error against the
episode number on a log axis. It shows at a glance whether the curriculum moved (CRLQAS's threshold
only falls after successes, arXiv:2402.13754 App. B) and whether the errors it asks for are ever
reached: a flat threshold line above a cloud of errors that never meets it is a run that stalled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

#: chemical accuracy in Hartree, drawn as a reference line
CHEMICAL_ACCURACY = 1.6e-3
EPISODES_FILE = "episodes.jsonl"
THRESHOLD_PNG = "threshold.png"


def read_episodes(path: str | Path) -> list[dict[str, Any]]:
    """Episode records from a run folder (its ``episodes.jsonl``) or from a ``.jsonl`` file itself.

    Reads only; a line cut short by a writer that is still running is skipped, not an error.
    """
    path = Path(path)
    file = path / EPISODES_FILE if path.is_dir() else path
    if not file.is_file():
        raise ValueError(f"run_dir={str(path)!r} is invalid; allowed: a run folder with an "
                         f"{EPISODES_FILE} or such a file (not found: {file})")
    records = []
    for line in file.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            records.append(rec)
    return records


def threshold_series(episodes: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The plotted data: episode numbers, the episode's threshold and its best error (NaN if absent).

    The threshold is the one the episode ran at (``threshold``, else the curriculum ``level``); the
    error is the lowest the episode reached (``episode_best_error``, else its final ``error``).
    """
    ep = np.array([float(e.get("episode", i + 1)) for i, e in enumerate(episodes)])

    def pick(rec: dict[str, Any], *keys: str) -> float:
        for k in keys:
            v = rec.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
            if isinstance(v, dict) and isinstance(v.get("threshold"), (int, float)):
                return float(v["threshold"])
        return float("nan")

    thr = np.array([pick(e, "threshold", "level") for e in episodes])
    err = np.array([pick(e, "episode_best_error", "error") for e in episodes])
    success = np.array([bool(e.get("is_success", False)) for e in episodes])
    return {"episode": ep, "threshold": thr, "best_error": err, "is_success": success}


def plot_threshold(run_dir: str | Path, out: str | Path | None = None,
                   episodes: list[dict[str, Any]] | None = None, title: str | None = None) -> Path:
    """Draw the curriculum threshold and each episode's best energy error against episodes (log y).

    ``run_dir`` is a run folder (or an ``episodes.jsonl`` file); ``out`` defaults to
    ``run_dir/threshold.png``; ``episodes`` skips reading the file (the trainer passes what it holds).
    Returns the path written. Raises ``ValueError`` when there is nothing to draw.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_path = Path(run_dir)
    if episodes is None:
        episodes = read_episodes(run_path)
    s = threshold_series(episodes)
    have_thr, have_err = np.isfinite(s["threshold"]), np.isfinite(s["best_error"]) & (s["best_error"] > 0)
    if not (have_thr.any() or have_err.any()):
        raise ValueError(f"run_dir={str(run_path)!r} is invalid: its {len(episodes)} episode records have "
                         "no threshold/level nor episode_best_error/error to plot")
    if out is None:
        folder = run_path if run_path.is_dir() else run_path.parent
        out = folder / THRESHOLD_PNG
    out = Path(out)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    x, err = s["episode"], np.where(have_err, s["best_error"], np.nan)
    # errors of exactly 0 (a perfect circuit) cannot sit on a log axis: drawn at the floor instead
    zero = np.isfinite(s["best_error"]) & (s["best_error"] <= 0)
    if zero.any():
        floor = np.nanmin(err) if have_err.any() else 1e-16
        err = np.where(zero, min(floor, 1e-16), err)
    fail, win = ~s["is_success"], s["is_success"]
    ax.scatter(x[fail], err[fail], s=4, color="tab:gray", alpha=0.6, label="episode best error")
    if win.any():
        ax.scatter(x[win], err[win], s=5, color="tab:green", alpha=0.8, label="episode best error (success)")
    if have_thr.any():
        ax.step(x[have_thr], s["threshold"][have_thr], where="post", color="tab:red", lw=1.4,
                label="curriculum threshold")
    ax.axhline(CHEMICAL_ACCURACY, color="tab:blue", ls="--", lw=0.8, label="chemical accuracy 1.6e-3")
    ax.set_yscale("log")
    ax.set_xlabel("episode")
    ax.set_ylabel("energy error (Ha)")
    ax.set_title(title or f"{run_path.name}: {len(episodes)} episodes", fontsize=9)
    ax.legend(fontsize=7, loc="best", framealpha=0.8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
