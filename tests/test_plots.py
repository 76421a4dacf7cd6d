"""The curriculum-threshold plot: its data, the file an arch-search run writes, ``qdesign plot``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qdesign.cli import main
from qdesign.plots import plot_threshold, read_episodes, threshold_series

RECORDS = [
    {"episode": 1, "timestep": 30, "threshold": 5e-3, "episode_best_error": 2e-2, "is_success": False},
    {"episode": 2, "timestep": 41, "threshold": 5e-3, "episode_best_error": 1e-3, "is_success": True,
     "level": 4e-3},
    {"episode": 3, "timestep": 50, "level": {"threshold": 4e-3}, "error": 3e-3, "is_success": True},
    {"episode": 4, "timestep": 51, "threshold": 2e-3, "episode_best_error": 0.0, "is_success": True},
]


def _write(path: Path, records: list[dict], tail: str = "") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records) + tail)
    return path


def _png_size(path: Path) -> tuple[int, int]:
    import matplotlib.image

    img = matplotlib.image.imread(path)
    return img.shape[1], img.shape[0]


def test_series_uses_the_episode_threshold_then_level_and_best_error_then_error():
    s = threshold_series(RECORDS)
    assert s["episode"].tolist() == [1, 2, 3, 4]
    assert s["threshold"].tolist() == [5e-3, 5e-3, 4e-3, 2e-3]  # "threshold" wins over "level"
    assert s["best_error"].tolist() == [2e-2, 1e-3, 3e-3, 0.0]
    assert s["is_success"].tolist() == [False, True, True, True]
    assert np.isnan(threshold_series([{"episode": 1, "reward": 1.0}])["threshold"][0])


def test_plot_reads_a_run_folder_skips_a_half_written_line_and_writes_threshold_png(tmp_path):
    run = _write(tmp_path / "run", RECORDS, tail='{"episode": 5, "thresh')  # a writer mid-line
    assert len(read_episodes(run)) == 4
    path = plot_threshold(run)
    assert path == run / "threshold.png" and _png_size(path) == (770, 396)
    # an episodes.jsonl given directly, the image elsewhere: the run folder is only read
    other = plot_threshold(run / "episodes.jsonl", out=tmp_path / "elsewhere" / "t.png")
    assert other.is_file() and sorted(p.name for p in run.iterdir()) == ["episodes.jsonl", "threshold.png"]


def test_nothing_to_plot_is_a_named_value_error(tmp_path):
    with pytest.raises(ValueError, match="run_dir=.*episodes.jsonl"):
        plot_threshold(tmp_path / "missing")
    run = _write(tmp_path / "norecords", [{"episode": 1, "reward": 0.5}])
    with pytest.raises(ValueError, match="no threshold/level nor episode_best_error"):
        plot_threshold(run)


def test_cli_plot_on_an_existing_run_and_its_errors(tmp_path, capsys):
    run = _write(tmp_path / "run", RECORDS)
    assert main(["plot", str(run), "--out", str(tmp_path / "p.png")]) == 0
    assert f"saved {tmp_path / 'p.png'}" in capsys.readouterr().out
    assert (tmp_path / "p.png").is_file() and not (run / "threshold.png").exists()
    assert main(["plot", str(tmp_path / "nope")]) == 2
    assert "run_dir=" in capsys.readouterr().err


def test_a_tiny_arch_search_training_writes_its_threshold_plot(tmp_path, capsys):
    code = main(["train", "arch-search", "--timesteps", "40", "--out", str(tmp_path), "--name", "tiny",
                 "--set", "eval_episodes=0", "--set", "agent_kwargs.learning_starts=1000"])
    assert code == 0, capsys.readouterr().err
    run = tmp_path / "arch-search" / "tiny"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["threshold_plot"] == "threshold.png"
    assert _png_size(run / "threshold.png") == (770, 396)
    s = threshold_series(read_episodes(run))
    assert len(s["episode"]) == summary["episodes"] and np.isfinite(s["threshold"]).all()
