"""compile_unitary's objective, batches (in order and in worker processes) and result cache (issue 14)."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator

from qdesign import compile_unitary
from qdesign.api import compile_batch
from qdesign.plugins import UnknownKeywordError
from qdesign.quantum.unitary import haar_unitary, operator_norm_distance


def _t(qc):
    ops = qc.count_ops()
    return ops.get("t", 0) + ops.get("tdg", 0)


@pytest.mark.parametrize("method", ["optimal", "astar"])
def test_objective_changes_the_choice_in_the_stated_direction(method):
    # in the h, t set an S is two T gates, so fewer T (more H) and fewer gates really compete
    rng = np.random.default_rng(1)
    targets = [haar_unitary(2, rng) for _ in range(10)]
    strict = 0
    for u in targets:
        g = compile_unitary(u, gate_set="ht", epsilon=0.03, method=method, objective="gates", cache=False)
        t = compile_unitary(u, gate_set="ht", epsilon=0.03, method=method, objective="t_count", cache=False)
        assert _t(t) <= _t(g) and len(g.data) <= len(t.data)
        assert t.metadata["t_count"] == _t(t) and t.metadata["objective"] == "t_count"
        assert t.metadata["clifford_count"] == len(t.data) - _t(t)
        for qc in (g, t):
            assert operator_norm_distance(Operator(qc).data, u) <= 0.03 + 1e-12
        strict += _t(t) < _t(g)
    assert strict >= 1  # the objective is used, not just accepted


def test_bad_objective_n_jobs_and_cache_are_named_errors():
    u = np.eye(2)
    with pytest.raises(ValueError, match="objective"):
        compile_unitary(u, objective="t")
    with pytest.raises(ValueError, match="n_jobs"):
        compile_unitary([u, u], n_jobs=0)
    with pytest.raises(ValueError, match="cache"):
        compile_unitary(u, cache="yes")
    with pytest.raises(UnknownKeywordError, match="objectve"):
        compile_unitary(u, objectve="t_count")
    with pytest.raises(ValueError, match="one-qubit only"):
        compile_unitary(np.eye(4), gate_set="clifford_t_2q", objective="t_count")


def test_batch_in_order_and_in_processes_equals_single_calls():
    rng = np.random.default_rng(11)
    targets = [haar_unitary(2, rng) for _ in range(3)]
    single = [compile_unitary(u, gate_set="hrc6", epsilon=0.1, method="optimal", cache=False)
              for u in targets]
    batch = compile_unitary(targets, gate_set="hrc6", epsilon=0.1, method="optimal", cache=False)
    par = compile_unitary(np.stack(targets), gate_set="hrc6", epsilon=0.1, method="optimal", cache=False,
                          n_jobs=2)
    assert isinstance(batch, list) and len(batch) == len(par) == 3
    for s, b, p in zip(single, batch, par):
        assert [i.operation.name for i in s.data] == [i.operation.name for i in b.data] \
            == [i.operation.name for i in p.data]


def test_a_nested_list_matrix_is_one_target_not_a_batch():
    qc = compile_unitary([[0, 1], [1, 0]], epsilon=1e-3, cache=False)
    assert not isinstance(qc, list) and qc.metadata["distance"] <= 1e-3


def test_result_cache_in_memory_and_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    compile_batch.clear_result_cache()
    u = haar_unitary(2, np.random.default_rng(4))
    first = compile_unitary(u, gate_set="hrc6", epsilon=0.1, method="optimal", cache="disk")
    assert "cached" not in first.metadata
    again = compile_unitary(u, gate_set="hrc6", epsilon=0.1, method="optimal", cache="disk")
    assert again.metadata["cached"] and again is not first
    assert np.allclose(Operator(again).data, Operator(first).data)
    other_eps = compile_unitary(u, gate_set="hrc6", epsilon=0.2, method="optimal")
    assert "cached" not in other_eps.metadata  # epsilon is part of the key
    assert "cached" not in compile_unitary(u, gate_set="hrc6", epsilon=0.1, method="optimal",
                                           cache=False).metadata
    compile_batch.clear_result_cache()  # a new process: only the disk copy is left
    assert len(list((tmp_path / "results").rglob("*.json"))) == 1
    from_disk = compile_unitary(u, gate_set="hrc6", epsilon=0.1, method="optimal", cache="disk")
    assert from_disk.metadata["cached"]
    assert np.allclose(Operator(from_disk).data, Operator(first).data)
    compile_batch.clear_result_cache()


def test_memory_cache_is_bounded(monkeypatch):
    compile_batch.clear_result_cache()
    monkeypatch.setattr(compile_batch, "RESULT_CACHE_SIZE", 2)
    rng = np.random.default_rng(8)
    targets = [haar_unitary(2, rng) for _ in range(3)]
    compile_unitary(targets, gate_set="hrc6", epsilon=0.2, method="optimal")
    assert len(compile_batch._MEMORY) == 2
    assert "cached" not in compile_unitary(targets[0], gate_set="hrc6", epsilon=0.2,
                                           method="optimal").metadata  # the oldest was dropped
    assert compile_unitary(targets[2], gate_set="hrc6", epsilon=0.2, method="optimal").metadata["cached"]
    compile_batch.clear_result_cache()
