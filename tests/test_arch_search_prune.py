"""Pruning and angle refinement of a found ansatz, checked against qiskit's Statevector."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from qiskit.quantum_info import Statevector

import qdesign  # noqa: F401  (registers the envs)
from qdesign.envs.arch_search.prune import grow_ansatz, prune_ansatz, refine_angles, strip_inactive


def _env():
    return gym.make("qdesign/ArchSearch-H2-4q-v0", optimizer="adjoint_bfgs", max_gates=40,
                    halting="off").unwrapped


def _random_circuit(env, n: int, seed: int) -> tuple[list[int], np.ndarray, float]:
    """Up to ``n`` random legal gates, angles optimised by the env itself."""
    env.set_level(1e-12)  # never succeed early (applied at the reset)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(n):
        _, _, terminated, truncated, _ = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
        if terminated or truncated:  # exact to 1e-12 already
            break
    return list(env._actions), env._thetas.copy(), abs(env._energy - env.ground_energy)


def _qiskit_error(env, actions, angles) -> float:
    qc = env.circuit_from_actions(actions, angles)
    e = float(np.real(Statevector.from_instruction(qc).expectation_value(env.problem.hamiltonian)))
    return abs(e - env.ground_energy)


def _is_subsequence(small: list[int], big: list[int]) -> bool:
    it = iter(big)
    return all(any(a == b for b in it) for a in small)


@pytest.mark.parametrize("kind", ["cnots", "gates"])
def test_pruned_circuit_keeps_the_bound_in_qiskit_and_is_a_subsequence(kind: str) -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 30, seed=3)
    bound = max(2 * err, 1e-3)
    r = prune_ansatz(env, actions, angles, bound, kind=kind, seed=0)
    assert r.error < bound
    assert _qiskit_error(env, r.actions, r.angles) == pytest.approx(r.error, abs=1e-9)
    assert _is_subsequence(r.actions, actions)
    assert len(r.actions) == len(actions) - len(r.removed)
    assert [actions[i] for i in range(len(actions)) if i not in set(r.removed)] == r.actions
    before = env.gate_counts(actions, angles)
    assert r.counts[f"n_{kind}"] < before[f"n_{kind}"]  # 30 random gates on H2 always hold a spare one


def test_a_cnot_that_does_nothing_is_removed_first() -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 20, seed=5)
    idle = env.table.index[next(a for a in env.table.actions if a.name == "cx")]
    padded = [idle] + actions  # its control is still |0>: the state is unchanged
    r = prune_ansatz(env, padded, angles, max(2 * err, 1e-3), kind="cnots", seed=0)
    assert r.removed[0] == 0


def test_refine_never_worsens() -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 15, seed=7)
    x, e = refine_angles(env, actions, angles, restarts=3)
    assert e <= err + 1e-12
    assert _qiskit_error(env, actions, x) == pytest.approx(e, abs=1e-9)


def test_bad_input_is_a_named_value_error() -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 10, seed=1)
    with pytest.raises(ValueError, match="kind"):
        prune_ansatz(env, actions, angles, 1.0, kind="depth")
    with pytest.raises(ValueError, match="max_error"):
        prune_ansatz(env, actions, angles, 0.0)
    with pytest.raises(ValueError, match="max_error"):
        prune_ansatz(env, actions, angles, err / 10 if err > 0 else 1e-300)
    with pytest.raises(ValueError, match="angles"):
        prune_ansatz(env, actions, list(angles) + [0.0], 1.0)
    with pytest.raises(ValueError, match="actions"):
        prune_ansatz(env, actions + [len(env.table)], angles, 1.0)
    with pytest.raises(ValueError, match="time_limit"):
        prune_ansatz(env, actions, angles, 1.0, time_limit=0)


@pytest.mark.parametrize("insert", ["gates", "rotations"])
def test_grown_circuit_lowers_the_error_in_qiskit_and_contains_the_input(insert: str) -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 6, seed=2)
    assert err > 1e-4  # six random gates on H2 leave room to improve
    r = grow_ansatz(env, actions, angles, len(actions) + 4, insert=insert, seed=0)
    assert r.added and r.error < err
    assert _qiskit_error(env, r.actions, r.angles) == pytest.approx(r.error, abs=1e-9)
    assert len(r.actions) == len(actions) + len(r.added) <= len(actions) + 4
    assert _is_subsequence(actions, r.actions)
    assert r.errors == sorted(r.errors, reverse=True) and r.errors[-1] == r.error
    if insert == "rotations":
        assert r.counts["n_cnots"] == env.gate_counts(actions, angles)["n_cnots"]


def test_grow_stops_at_stop_error_and_at_the_gate_budget() -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 6, seed=2)
    r = grow_ansatz(env, actions, angles, len(actions), seed=0)  # no room: nothing added
    assert r.added == [] and r.error <= err + 1e-12
    r = grow_ansatz(env, actions, angles, len(actions) + 10, stop_error=err * 0.999, seed=0)
    assert len(r.added) == 1  # the first improving insertion already passes stop_error


def test_grow_bad_input_is_a_named_value_error() -> None:
    env = _env()
    actions, angles, _ = _random_circuit(env, 6, seed=2)
    for kwargs, name in [({"max_gates": 0}, "max_gates"), ({"max_gates": 9, "insert": "cnots"}, "insert"),
                         ({"max_gates": 9, "top": 0}, "top"),
                         ({"max_gates": 9, "stop_error": -1.0}, "stop_error"),
                         ({"max_gates": 9, "time_limit": 0}, "time_limit"),
                         ({"max_gates": 9, "max_cnots": -1}, "max_cnots")]:
        with pytest.raises(ValueError, match=name):
            grow_ansatz(env, actions, angles, **kwargs)


def test_grow_keeps_a_cnot_budget() -> None:
    env = _env()
    actions, angles, err = _random_circuit(env, 6, seed=2)
    cnots = env.gate_counts(actions, angles)["n_cnots"]
    r = grow_ansatz(env, actions, angles, len(actions) + 6, max_cnots=cnots + 1, seed=0)
    assert r.error < err and r.counts["n_cnots"] <= cnots + 1
    assert _qiskit_error(env, r.actions, r.angles) == pytest.approx(r.error, abs=1e-9)


def test_strip_inactive_keeps_the_energy_and_drops_exactly_the_idle_gates() -> None:
    env = _env()
    actions, angles, _ = _random_circuit(env, 8, seed=4)
    cx = next(i for i, a in enumerate(env.table.actions) if a.name == "cx")
    rx = next(i for i, a in enumerate(env.table.actions) if a.name == "rx")
    # a CX first (its control is |0>: does nothing) and a zero-angle RX last
    padded, padded_angles = [cx] + actions + [rx], np.append(angles, 0.0)
    kept, kept_angles = strip_inactive(env, padded, padded_angles)
    assert _qiskit_error(env, kept, kept_angles) == pytest.approx(_qiskit_error(env, padded, padded_angles),
                                                                 abs=1e-12)
    counts = env.gate_counts(padded, padded_angles)
    assert len(kept) == counts["n_gates_effective"] <= len(actions)
    after = env.gate_counts(kept, kept_angles)
    assert after["n_gates"] == after["n_gates_effective"]
    assert _is_subsequence(kept, padded)


def test_swap_moves_improve_a_circuit_already_at_its_budget() -> None:
    """At the gate budget plain growth can do nothing; a removal followed by an insertion can."""
    env = _env()
    actions, angles, err = _random_circuit(env, 6, seed=2)
    plain = grow_ansatz(env, actions, angles, len(actions), seed=0)
    swapped = grow_ansatz(env, actions, angles, len(actions), swaps=6, seed=0)
    assert plain.added == [] and plain.error == pytest.approx(err, abs=1e-12)
    assert len(swapped.actions) == len(actions)
    assert swapped.removed and len(swapped.removed) == len(swapped.added)
    assert swapped.error < err / 1e3
    assert swapped.errors == sorted(swapped.errors, reverse=True) and swapped.errors[-1] == swapped.error
    assert _qiskit_error(env, swapped.actions, swapped.angles) == pytest.approx(swapped.error, abs=1e-9)
    with pytest.raises(ValueError, match="swaps"):
        grow_ansatz(env, actions, angles, 9, swaps=-1)
