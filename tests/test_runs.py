"""Run folders: atomic writes survive a failing writer; episodes survive a torn last line."""

import json

import pytest

from qdesign.runs import RunDir, atomic_write_bytes, atomic_write_json


def test_atomic_write_keeps_old_file_when_writer_dies(tmp_path, monkeypatch):
    target = tmp_path / "state.json"
    atomic_write_json(target, {"v": 1})

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # a kill between write and rename

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b'{"v": 2}')
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp file left behind


def test_episodes_skip_torn_line_and_truncate(tmp_path):
    run = RunDir(tmp_path)
    run.append_episodes([{"episode": 1, "timestep": 10}, {"episode": 2, "timestep": 20}])
    with open(tmp_path / "episodes.jsonl", "a") as fh:
        fh.write('{"episode": 3, "time')  # a kill mid-line
    assert [e["episode"] for e in run.episodes()] == [1, 2]
    run.truncate_episodes(15)
    assert [e["episode"] for e in run.episodes()] == [1]


def test_open_rejects_non_run_folders(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        RunDir.open(tmp_path / "missing")
    with pytest.raises(ValueError, match="not a qdesign run folder"):
        RunDir.open(tmp_path)
    with pytest.raises(ValueError, match="no model"):
        RunDir(tmp_path).model_path()
