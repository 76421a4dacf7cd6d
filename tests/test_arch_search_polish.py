"""``qdesign polish``: a run's best circuits grown within a gate budget, pruned, re-checked in qiskit."""

from __future__ import annotations

import json

import pytest

from qdesign.cli import main


@pytest.fixture(scope="module")
def h2_run(tmp_path_factory):
    """A short H2-4q arch-search run (the default preset, 400 steps): episodes with recorded circuits."""
    out = tmp_path_factory.mktemp("runs")
    code = main(["train", "arch-search", "--timesteps", "400", "--set", "progress_bar=false",
                 "--out", str(out), "--name", "h2"])
    assert code == 0
    return out / "arch-search" / "h2"


def test_polish_grows_within_the_budget_and_agrees_with_qiskit(h2_run, capsys, tmp_path):
    episodes = [json.loads(line) for line in (h2_run / "episodes.jsonl").read_text().splitlines()]
    best = min(e["episode_best_error"] for e in episodes if "best_actions" in e)
    out = tmp_path / "p.json"
    code = main(["polish", str(h2_run), "--max-gates", "12", "--top", "2", "--swaps", "2", "--seconds", "30",
                 "--out", str(out)])
    assert code == 0
    r = json.loads(out.read_text())
    assert (tmp_path / "p_circuit.qasm").read_text().startswith("OPENQASM 3")
    assert r["swapped"] <= r["added"]  # each swap move is one removal and one insertion
    assert r["grown"] >= 1 and r["reached"] is None and r["budget"] == "gates" and r["limit"] == 12
    assert len(r["tried"]) == r["grown"] and min(t["error"] for t in r["tried"]) == r["error"]
    assert all(t["error"] <= t["error_before"] + 1e-12 and t["gates"] <= 12 for t in r["tried"])
    assert r["gates"] <= 12 and r["final_counts"]["n_gates"] <= 12 and len(r["actions"]) <= 12
    # never worse than the best recorded circuit that fits (the lowest-error one, when it fits)
    assert r["error"] <= r["error_before"] + 1e-12
    assert r["error_before"] >= best - 1e-15
    # the package's simulator and qiskit's Statevector agree on the result
    assert r["error_qiskit"] == pytest.approx(r["error"], abs=1e-9)
    assert "polished" in capsys.readouterr().out


def test_polish_prunes_under_the_bound_and_says_reached(h2_run, tmp_path):
    from qdesign.tasks.arch_search_polish import polish_run

    loose = polish_run(h2_run, max_gates=12, max_error=0.5, top=1, time_limit=30, out=tmp_path / "a.json")
    assert loose["reached"] is True and loose["error_qiskit"] < 0.5
    assert loose["pruned_gates_effective"] <= loose["gates_effective"]
    assert loose["error_qiskit"] == pytest.approx(loose["pruned_error"], abs=1e-9)


def test_cnot_budget_adds_rotations_only(h2_run, tmp_path):
    from qdesign.tasks.arch_search_polish import polish_run

    r = polish_run(h2_run, max_cnots=3, top=1, time_limit=30, out=tmp_path / "c.json")
    if "actions" in r:  # a recorded circuit with at most 3 CNOTs exists in nearly every run
        assert r["cnots"] <= 3 and r["budget"] == "cnots"


@pytest.mark.parametrize("kwargs,needle", [
    ({"max_gates": 10, "max_cnots": 3}, "give exactly one gate budget"),
    ({}, "give exactly one gate budget"),
    ({"max_gates": 0}, "max_gates=0 is invalid"),
    ({"max_gates": 10, "top": 0}, "top=0 is invalid"),
    ({"max_gates": 10, "max_error": -1.0}, "max_error=-1.0 is invalid"),
])
def test_bad_arguments_are_named(h2_run, kwargs, needle):
    from qdesign.tasks.arch_search_polish import polish_run

    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        polish_run(h2_run, **kwargs)


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    assert main(["polish", str(tmp_path / "nope"), "--max-gates", "5"]) == 2
    err = capsys.readouterr().err
    assert "is not a run folder" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as e:  # argparse: the two budgets exclude each other
        main(["polish", str(tmp_path), "--max-gates", "5", "--max-cnots", "2"])
    assert e.value.code == 2
