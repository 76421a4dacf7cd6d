"""The harness layer: the one TASKS table, task-added subcommands, benchmarks run as scripts."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest

from qdesign.cli import build_parser, main
from qdesign.tasks import TASKS, Task, check_task, find_bench_dir, load_task


def test_every_task_loads_and_names_itself():
    for name in TASKS:
        task = load_task(name)
        assert isinstance(task, Task) and task.name == name
        assert task.default_config().task == name
    with pytest.raises(ValueError, match="unknown task 'arch'; valid tasks: arch-search"):
        check_task("arch")


def test_cli_help_and_subcommands_come_from_the_tasks():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert "train-costtogo" in sub.choices  # added by the gate-compile task, not by the CLI
    train_help = sub.choices["train"].format_help()
    assert all(t in train_help for t in TASKS)


class _EchoTask(Task):
    name = "echo"

    def bench_commands(self, out_dir: Path, quick: bool = False) -> list[list[str]]:
        return [["echo_bench.py", "--out", str(out_dir / "echo.json")] + (["--quick"] if quick else [])]


def test_bench_runs_the_checkout_script_in_a_subprocess(tmp_path, monkeypatch):
    bench = tmp_path / "experiments" / "bench"
    bench.mkdir(parents=True)
    (bench / "echo_bench.py").write_text(
        "import json, sys\nout = sys.argv[sys.argv.index('--out') + 1]\n"
        "json.dump({'quick': '--quick' in sys.argv, 'module': __name__}, open(out, 'w'))\n")
    result = _EchoTask().bench(tmp_path / "out", quick=True, experiments_dir=tmp_path / "experiments")
    assert result == {"echo.json": {"quick": True, "module": "__main__"}}
    assert "echo_bench" not in sys.modules  # run as a script, never imported
    monkeypatch.chdir(bench)  # found from the current folder or one of its parents
    assert find_bench_dir() == bench
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(ValueError, match="no experiments/bench folder"):
        find_bench_dir()
    (bench / "echo_bench.py").write_text("raise SystemExit(3)\n")
    with pytest.raises(RuntimeError, match="exited with 3"):
        _EchoTask().bench(tmp_path / "out2", experiments_dir=tmp_path / "experiments")


def test_a_task_without_benchmark_says_so(tmp_path):
    class Bare(Task):
        name = "bare"

    with pytest.raises(ValueError, match="no benchmark"):
        Bare().bench(tmp_path)


def test_cli_bench_outside_a_checkout_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "gate-compile", "--quick", "--out", str(tmp_path / "o")]) == 2
    assert "no experiments/bench folder" in capsys.readouterr().err


@pytest.mark.parametrize("old, new", [
    ("qdesign.agents.search.mitm", "qdesign.synthesis.mitm"),
    ("qdesign.agents.baselines.sabo", "qdesign.reduction.sabo"),
    ("qdesign.envs.gate_compile.gatesets", "qdesign.quantum.gatesets"),
    ("qdesign.envs.weight_reduce.task", "qdesign.tasks.weight_reduce"),
    ("qdesign.compile", "qdesign.api.compile"),
])
def test_old_module_paths_still_import_with_a_warning(old, new):
    import importlib

    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert any(issubclass(w.category, DeprecationWarning) and new in str(w.message) for w in caught)


def test_bench_results_are_json(tmp_path):
    # the real task's command lines point at scripts that exist in this checkout
    root = Path(__file__).resolve().parents[1] / "experiments"
    for name in TASKS:
        for script, *args in load_task(name).bench_commands(tmp_path, quick=True):
            assert (find_bench_dir(root) / script).is_file(), script
            assert "--out" in args
    json.dumps(TASKS)
