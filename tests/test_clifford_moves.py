"""``qdesign/CliffordSynthMoves-<n>q-v0`` (#14 item 6): one CX per action. Its gates are replayed in
qiskit (``Clifford``) and its support and scramble bounds are checked against the search module and an
exhaustive breadth-first search."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Clifford, random_clifford

from qdesign.envs.clifford_synth.move_env import CliffordMoveEnv, block_maps, support_of
from qdesign.quantum.clifford_tableau import tableau_of
from qdesign.synthesis.clifford_search import beam_search, key_of, state_of, support_heuristic


def _is_local_qiskit(cliff: Clifford) -> bool:
    """Independent of qdesign: every qubit's X and Z images act on that qubit alone."""
    n = cliff.num_qubits
    labels = cliff.to_labels(mode="B")  # images of X_0..X_{n-1}, then of Z_0..Z_{n-1}
    for k, label in enumerate(labels):
        q = k % n
        support = [n - 1 - pos for pos, ch in enumerate(label.lstrip("+-")) if ch != "I"]
        if support != [q]:
            return False
    return True


def _circuit(n: int, gates) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    for name, qubits in gates:
        getattr(qc, name)(*qubits)
    return qc


@pytest.mark.parametrize("n", [3, 4, 5])
def test_support_and_block_maps_match_the_search_module(n):
    for seed in range(10):
        tab = tableau_of(random_clifford(n, seed=seed))
        assert support_of(tab) == support_heuristic([state_of(tab)])[0]
        nz, full = block_maps(tab)
        assert nz.shape == full.shape == (n, n) and np.all(full <= nz)
    assert support_of(np.eye(2 * n, dtype=np.uint8)) == 0


def test_env_gates_reproduce_its_tableau_in_qiskit():
    """Random masked moves from a random target: target followed by the env's gates, composed in
    qiskit, has the env's tableau (phases aside); every move adds exactly one CX."""
    rng = np.random.default_rng(0)
    env = CliffordMoveEnv(num_qubits=4, max_steps=12)
    for seed in range(3):
        cliff = random_clifford(4, seed=100 + seed)
        env.reset(seed=seed, options={"clifford": cliff})
        done = False
        while not done:
            _, _, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
            done = term or trunc
        qc = cliff.to_circuit().compose(_circuit(4, env.gates))
        assert np.array_equal(tableau_of(Clifford(qc)), env.tableau)
        assert info["cx_count"] == qc.count_ops()["cx"] - cliff.to_circuit().count_ops().get("cx", 0)


@pytest.mark.parametrize("seed", range(4))
def test_optimal_descent_terminates_at_a_local_clifford(seed):
    """On 3 qubits the goal ball covers every class: following its distances the env terminates after
    exactly the optimal CX count, and qiskit agrees the result is a product of one-qubit Cliffords."""
    from qdesign.synthesis.clifford_search import apply_move, goal_ball

    ball = goal_ball(3, 6)
    cliff = random_clifford(3, seed=seed)
    env = CliffordMoveEnv(num_qubits=3, max_steps=20)
    _, info = env.reset(options={"clifford": cliff})
    d0 = ball[key_of(env.state)]
    assert _is_local_qiskit(cliff) == (d0 == 0)
    term = d0 == 0
    while not term:
        d = ball[key_of(env.state)]
        a = next(k for k, m in enumerate(env.moves) if ball[key_of(apply_move(env.state, m)[0])] == d - 1)
        assert env.action_masks()[a]
        _, _, term, trunc, info = env.step(a)
        assert not trunc
    assert info["is_success"] and info["cx_count"] == d0 and info["support"] == 0
    assert _is_local_qiskit(Clifford(cliff.to_circuit().compose(_circuit(3, env.gates))))


def test_scramble_depth_bounds_the_optimal_cx():
    from qdesign.synthesis.clifford_search import goal_ball

    ball = goal_ball(3, 6)
    for depth in (1, 2, 4):
        env = CliffordMoveEnv(num_qubits=3, scramble_depth=depth)
        for seed in range(10):
            _, info = env.reset(seed=seed)
            assert 1 <= ball[key_of(env.state)] <= depth
            assert info["budget"] == min(env.max_steps, 2 * depth + 4)


def test_reward_masks_and_render():
    env = CliffordMoveEnv(num_qubits=3, render_mode="ansi", shaping=0.5, success_bonus=2.0)
    qc = QuantumCircuit(3)
    qc.cx(0, 2)
    qc.h(1)
    _, info = env.reset(options={"clifford": Clifford(qc)})
    assert info["support"] == 2 and info["target_kind"] == "fixed"
    start = key_of(env.state)
    a = env.moves.index((0, 2, 0, 0))  # cx(0, 2) with no local gates undoes the target's CX
    _, reward, term, _, info = env.step(a)
    assert term and info["cx_count"] == 1
    assert reward == pytest.approx(-1.0 + 0.5 * 2 + 2.0)
    assert "CliffordSynthMoves[3q]" in env.render()
    env.reset(options={"clifford": Clifford(qc)})
    env.step(env.moves.index((0, 1, 0, 0)))
    from qdesign.synthesis.clifford_search import apply_move

    mask = env.action_masks()
    back = [k for k, m in enumerate(env.moves) if key_of(apply_move(env.state, m)[0]) == start]
    assert back and not mask[back].any() and mask.sum() == len(env.moves) - len(back)
    frame = CliffordMoveEnv(num_qubits=3, render_mode="rgb_array")
    frame.reset(seed=1)
    frame.step(0)
    assert frame.render().shape == (360, 640, 3)


def test_bad_input():
    with pytest.raises(ValueError, match="num_qubits"):
        CliffordMoveEnv(num_qubits=1)
    with pytest.raises(ValueError, match="target"):
        CliffordMoveEnv(target="haar")
    with pytest.raises(ValueError, match="shaping"):
        CliffordMoveEnv(shaping=-1.0)
    with pytest.raises(ValueError, match="qubits"):
        CliffordMoveEnv(num_qubits=3).reset(options={"clifford": random_clifford(4, seed=0)})
    with pytest.raises(ValueError, match="outside the action space"):
        env = CliffordMoveEnv(num_qubits=3)
        env.reset(seed=0)
        env.step(27)


def test_value_heuristic_dispatch_on_the_observation_size():
    """A model on CliffordSynthMoves gives a CX-to-go estimate per state; a gate-level model does not."""
    from sb3_contrib import MaskablePPO

    from qdesign.api.clifford import move_value_heuristic, policy_value_heuristic

    env = CliffordMoveEnv(num_qubits=3)
    model = MaskablePPO("MlpPolicy", env, n_steps=64, batch_size=64, seed=0, device="cpu")
    states = [state_of(tableau_of(random_clifford(3, seed=s))) for s in range(5)]
    est = policy_value_heuristic(model, 3)(states)
    assert est.shape == (5,) and np.all(np.isfinite(est))
    assert np.allclose(est, move_value_heuristic(model, 3)(states))
    with pytest.raises(ValueError, match="trained on"):
        move_value_heuristic(model, 4)


def test_policy_prior_limits_the_children_and_keeps_results_exact():
    from qdesign.api.clifford import _assemble
    from qdesign.synthesis.clifford_search import moves

    cliff = random_clifford(4, seed=11)
    tab = tableau_of(cliff)
    m = len(moves(4))
    flat = beam_search(tab, beam=8, radius=1)
    every = beam_search(tab, beam=8, radius=1, prior=lambda states: np.zeros((len(states), m)), prior_top=m)
    assert every.cx_count == flat.cx_count and every.stats["generated"] == flat.stats["generated"]
    rng = np.random.default_rng(0)
    narrow = beam_search(tab, beam=8, radius=1, prior=lambda states: rng.random((len(states), m)),
                         prior_top=6)
    assert narrow.stats["generated"] <= 6 * narrow.expanded < flat.stats["generated"]
    if narrow.gates is not None:
        assert Clifford(_assemble(cliff, narrow.gates)) == cliff
    with pytest.raises(ValueError, match="prior and prior_top"):
        beam_search(tab, prior_top=3)
    with pytest.raises(ValueError, match="prior_top"):
        beam_search(tab, prior=lambda s: np.zeros((len(s), m)), prior_top=0)


def test_agent_method_keywords():
    from qdesign import compile_unitary

    with pytest.raises(ValueError, match="prior_top needs a policy"):
        compile_unitary(random_clifford(3, seed=0), gate_set="clifford", method="astar", prior_top=4)
    with pytest.raises(ValueError, match="no shipped Clifford policy for 7 qubits"):
        compile_unitary(random_clifford(7, seed=0), gate_set="clifford", method="agent")


def test_canonical_frames_are_local_gates_checked_in_qiskit():
    """``canonical_state``'s gates, applied after the Clifford in qiskit, give the canonical tableau;
    the class (key) is unchanged and canonical frames are a fixed point."""
    from qdesign.synthesis.clifford_search import canonical_state, tableau_of_state

    for seed in range(30):
        cliff = random_clifford(4, seed=seed)
        state = state_of(tableau_of(cliff))
        canon, gates = canonical_state(state)
        qc = cliff.to_circuit().compose(_circuit(4, gates))
        assert np.array_equal(tableau_of(Clifford(qc)), tableau_of_state(canon))
        assert key_of(canon) == key_of(state) and canonical_state(canon) == (canon, [])
    env = CliffordMoveEnv(num_qubits=4)
    env.reset(seed=0)
    assert canonical_state(env.state)[1] == []


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_shipped_policy_compiles_exactly(n):
    """``method="agent"`` loads the shipped CliffordSynthMoves policy for n qubits; its value guides the
    search and the circuit equals the target (checked in qiskit), on targets it was not trained on."""
    from qdesign import compile_unitary
    from qdesign.api.clifford import shipped_policy

    assert shipped_policy(n).is_file()
    for seed in (5, 6):
        cliff = random_clifford(n, seed=1000 + seed)
        qc = compile_unitary(cliff, gate_set="clifford", method="agent", beam=4)
        assert Clifford(qc) == cliff
        assert set(qc.count_ops()) <= {"cx", "h", "s", "sdg", "x", "y", "z"}
