"""The exact solver's KD-trees are cached on disk (issue 14): built once, then loaded, same answers."""

import numpy as np
import pytest

from qdesign.cli import main
from qdesign.quantum.unitary import haar_unitary
from qdesign.synthesis import mitm
from qdesign.synthesis.mitm import MITMSolver


def test_trees_are_saved_then_loaded_without_a_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    first = MITMSolver("clifford_t", depth=6)
    assert not first.tree_ready(6)
    rng = np.random.default_rng(5)
    targets = [haar_unitary(2, rng) for _ in range(4)]
    ref = [first.solve(u, 0.2, extend=2) for u in targets]
    assert first.tree_ready(6) and first._tree_file(6).is_file()
    first._tree("all")

    def no_build(*args, **kwargs):
        raise AssertionError("a cached tree was rebuilt")

    monkeypatch.setattr(mitm, "cKDTree", no_build)
    second = MITMSolver("clifford_t", depth=6)
    assert second.tree_ready(6) and 6 not in second._trees  # on disk, not yet in memory
    for u, r in zip(targets, ref):
        sol = second.solve(u, 0.2, extend=2)
        assert (sol is None) == (r is None)
        if sol is not None:
            assert sol.word == r.word
    assert second.solve_deep(targets[0], 0.2, time_limit=5) is not None


def test_a_tree_that_does_not_match_its_table_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    solver = MITMSolver("clifford_t", depth=5)
    solver._tree(5)
    other = MITMSolver("clifford_t", depth=5)
    path = other._tree_file(5)
    wrong = MITMSolver("clifford_t", depth=4, cache=False)
    path.write_bytes(b"not a pickle")
    tree = other._tree(5)  # corrupt file: rebuilt
    assert tree.n == 2 * len(other.quats[5])
    import pickle

    path.write_bytes(pickle.dumps(wrong._tree(4)))  # a tree of another table: rebuilt, not trusted
    third = MITMSolver("clifford_t", depth=5)
    assert third._tree(5).n == 2 * len(third.quats[5])


def test_prebuild_tables_command_fills_the_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    mitm._SOLVERS.clear()
    assert main(["prebuild-tables", "hrc6", "--depth", "4"]) == 0
    out = capsys.readouterr().out
    assert "hrc6: depth 4" in out
    folder = next((tmp_path / "mitm_trees").iterdir())
    names = {f.name for f in folder.iterdir()}
    assert {f"L{i}.pkl" for i in range(5)} | {"Lall.pkl"} <= names
    mitm._SOLVERS.clear()


def test_prebuild_refuses_a_two_qubit_gate_set(tmp_path, monkeypatch):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    with pytest.raises(ValueError, match="one-qubit"):
        mitm.prebuild("clifford_t_2q")
