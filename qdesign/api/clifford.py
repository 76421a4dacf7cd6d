"""Clifford synthesis for ``compile_unitary(clifford, gate_set="clifford", method=...)``.

``method="astar"``: the CX-first search of ``qdesign.synthesis.clifford_search`` with its support
heuristic (exhaustive, hence CX-optimal, on 3 qubits). ``method="agent:<path>"``: the same search with
a trained CliffordSynth or CliffordSynthMoves policy's value network as the heuristic
(``policy_value_heuristic``); ``method="agent"``: the shipped CliffordSynthMoves policy for the
target's qubit count (``shipped_policy``). The
result is the exact single-qubit layer followed by the search's gates inverted in reverse order, and
is checked with ``qiskit.quantum_info.Clifford`` before it is returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qdesign.plugins import UnknownKeywordError

__all__ = ["CliffordSynthesisError", "compile_clifford", "CLIFFORD_METHOD_KWARGS", "policy_value_heuristic",
           "policy_rollout_stats", "as_clifford", "move_value_heuristic", "is_move_model", "shipped_policy",
           "move_policy_prior"]

CLIFFORD_METHOD_KWARGS = ("beam", "radius", "max_depth", "prior_top")
_INVERSE = {"h": "h", "s": "sdg", "sdg": "s", "cx": "cx"}


class CliffordSynthesisError(RuntimeError):
    """The search found no circuit (``compile_unitary`` re-raises it as its ``CompileError``)."""


def as_clifford(target: Any):
    """``target`` as a ``qiskit.quantum_info.Clifford`` (a Clifford or a Clifford-valued circuit)."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Clifford

    if isinstance(target, Clifford):
        return target
    if isinstance(target, QuantumCircuit):
        try:
            return Clifford(target)
        except Exception as err:
            raise ValueError(f"target circuit is not a Clifford circuit: {err}") from err
    raise ValueError(f"target for gate_set='clifford' must be a qiskit Clifford or a Clifford-valued "
                     f"QuantumCircuit, got {type(target).__name__}")


def shipped_policy(num_qubits: int) -> Path:
    """The shipped ``CliffordSynthMoves`` policy for ``num_qubits`` (``method="agent"``); a
    ``ValueError`` when none is shipped for that size."""
    import qdesign.synthesis.models as models

    file = Path(models.__file__).parent / f"cliff{num_qubits}q_moves_maskable_ppo.zip"
    if not file.is_file():
        shipped = sorted(p.name for p in file.parent.glob("cliff*q_moves_maskable_ppo.zip"))
        raise ValueError(f"method='agent': no shipped Clifford policy for {num_qubits} qubits (shipped: "
                         f"{shipped}); pass method='agent:<model.zip>' or method='astar'")
    return file


def _load_agent(path: str):
    from sb3_contrib import MaskablePPO

    file = Path(path)
    if not file.is_file():
        raise ValueError(f"method 'agent:{path}': no such model file")
    return MaskablePPO.load(str(file), device="cpu")


def is_move_model(model: Any, num_qubits: int) -> bool:
    """Whether ``model`` was trained on ``CliffordSynthMoves`` (6 n^2 observation bits) rather than the
    gate-level ``CliffordSynth`` (4 n^2)."""
    return int(np.prod(model.observation_space.shape)) == 6 * num_qubits * num_qubits


def _move_observations(model: Any, num_qubits: int) -> Any:
    """A function from a batch of search states to the torch observations of a ``CliffordSynthMoves``
    model; a ``ValueError`` if ``model`` was trained on another observation."""
    import torch

    from qdesign.envs.clifford_synth.move_env import move_observation
    from qdesign.synthesis.clifford_search import canonical_state, tableau_of_state

    if not is_move_model(model, num_qubits):
        raise ValueError(f"the agent was trained on {model.observation_space.shape} observations, not "
                         f"a {num_qubits}-qubit CliffordSynthMoves observation ({6 * num_qubits ** 2} bits)")

    def observe(states):
        tabs = np.stack([tableau_of_state(canonical_state(s)[0]) for s in states])
        return tabs, torch.as_tensor(move_observation(tabs), dtype=torch.float32)

    return observe


def move_value_heuristic(model: Any, num_qubits: int, shaping: float = 0.5) -> Any:
    """Estimated CX to go from a policy trained on ``qdesign/CliffordSynthMoves-<n>q-v0``.

    That env pays -1 per CX plus ``shaping`` times the drop of ``support_heuristic``, so its return is
    ``shaping * support - CX to go`` and ``shaping * support - V`` estimates the CX still needed."""
    import torch

    from qdesign.envs.clifford_synth.move_env import support_of

    observe = _move_observations(model, num_qubits)

    def heuristic(states):
        tabs, obs = observe(states)
        with torch.no_grad():
            v = model.policy.predict_values(obs).numpy().reshape(-1)
        return shaping * support_of(tabs) - v

    return heuristic


def move_policy_prior(model: Any, num_qubits: int) -> Any:
    """Per state, the logits of a ``CliffordSynthMoves`` policy over the moves (``moves(n)`` order), for
    ``beam_search(prior=..., prior_top=k)``: each state expands only its k likeliest moves."""
    import torch

    observe = _move_observations(model, num_qubits)

    def prior(states):
        _, obs = observe(states)
        with torch.no_grad():
            return model.policy.get_distribution(obs).distribution.logits.numpy()

    return prior


def policy_value_heuristic(model: Any, num_qubits: int, shaping: float = 0.5,
                           cx_cost: float = 1.0) -> Any:
    """Estimated CX to go from a trained CliffordSynth policy's value network, for ``beam_search``.

    Models trained on ``CliffordSynthMoves`` are handed to ``move_value_heuristic``.

    The env's return is ``success_bonus - (CX + small single-qubit costs) + shaping * w_0 / n`` (the
    potential telescopes), so ``(shaping * w / n - V) / cx_cost`` is the CX still to pay up to a
    constant (the bonus), which does not change how a beam ranks states."""
    import torch

    from qdesign.quantum.clifford_tableau import local_mask
    from qdesign.synthesis.clifford_search import tableau_of_state

    if is_move_model(model, num_qubits):
        return move_value_heuristic(model, num_qubits, shaping=shaping)
    expected = 4 * num_qubits * num_qubits
    if int(np.prod(model.observation_space.shape)) != expected:
        raise ValueError(f"the agent was trained on {model.observation_space.shape} observations, "
                         f"not a {num_qubits}-qubit tableau ({expected} bits)")
    off = ~local_mask(num_qubits)

    def heuristic(states):
        tabs = np.stack([tableau_of_state(s) for s in states])
        w = tabs[:, off].sum(axis=1)
        obs = torch.as_tensor(tabs.reshape(len(states), -1), dtype=torch.float32)
        with torch.no_grad():
            v = model.policy.predict_values(obs).numpy().reshape(-1)
        return (shaping * w / num_qubits - v) / cx_cost

    return heuristic


def _assemble(target: Any, gates: list) -> Any:
    """The circuit ``L`` + inverse(gates): the exact local layer first, then the reduction undone."""
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Clifford

    from qdesign.quantum.clifford_tableau import local_layer_circuit

    n = target.num_qubits
    rest = QuantumCircuit(n)
    for name, qubits in reversed(gates):
        getattr(rest, _INVERSE[name])(*qubits)
    local = target.compose(Clifford(rest).adjoint())
    qc = local_layer_circuit(local)
    qc.compose(rest, inplace=True)
    return qc


def compile_clifford(target: Any, method: str = "astar", time_limit: float | None = None,
                     **kwargs: Any):
    """A circuit over {h, s, sdg, x, y, z, cx} with ``Clifford(qc) == target`` and few CX.

    Keywords: ``beam`` (64), ``radius`` (the exact goal ball; per qubit count by default),
    ``max_depth`` (200 CX), ``prior_top`` (with an agent: each state expands only its ``prior_top``
    likeliest moves by the policy). Raises ``CliffordSynthesisError`` when the search finds nothing
    within ``time_limit``."""
    from qiskit.quantum_info import Clifford

    from qdesign.quantum.clifford_tableau import tableau_of
    from qdesign.synthesis.clifford_search import beam_search

    unknown = sorted(set(kwargs) - set(CLIFFORD_METHOD_KWARGS))
    if unknown:
        raise UnknownKeywordError(f"compile_unitary() got unexpected keyword argument(s) {unknown} for "
                                  f"gate_set='clifford' (it takes {list(CLIFFORD_METHOD_KWARGS)})")
    if not isinstance(method, str) or not (method in ("astar", "agent") or method.startswith("agent:")):
        raise ValueError(f"method for gate_set='clifford' must be 'astar', 'agent' (the shipped policy) or "
                         f"'agent:<path>', got {method!r}")
    cliff = as_clifford(target)
    n = int(cliff.num_qubits or 0)
    beam = int(kwargs.get("beam", 64))
    if beam < 1:
        raise ValueError(f"beam must be >= 1, got {beam}")
    heuristic = prior = None
    prior_top = kwargs.get("prior_top")
    if method == "agent":
        method = f"agent:{shipped_policy(n)}"
    if method.startswith("agent:"):
        model = _load_agent(method.split(":", 1)[1])
        heuristic = policy_value_heuristic(model, n)
        if prior_top is not None:
            prior = move_policy_prior(model, n)
    elif prior_top is not None:
        raise ValueError("prior_top needs a policy: use method='agent' or 'agent:<path>' (a "
                         "CliffordSynthMoves model)")
    if n == 1:
        gates: list = []
    else:
        res = beam_search(tableau_of(cliff), beam=beam, heuristic=heuristic, radius=kwargs.get("radius"),
                          time_limit=time_limit, max_depth=int(kwargs.get("max_depth", 200)),
                          prior=prior, prior_top=prior_top)
        if res.gates is None:
            raise CliffordSynthesisError(f"no Clifford circuit found (beam={beam}, time_limit={time_limit})")
        gates = res.gates
    qc = _assemble(cliff, gates)
    if Clifford(qc) != cliff:  # pragma: no cover - the assembly is exact by construction
        raise CliffordSynthesisError("internal error: the synthesised circuit does not equal the target")
    return qc


def policy_rollout_stats(model: Any, num_qubits: int, n_targets: int = 20, seed: int = 0) -> dict[str, Any]:
    """The trained policy alone (greedy, masked) on uniformly random Cliffords: success rate and CX."""
    from qiskit.quantum_info import random_clifford
    from qiskit.synthesis import synth_clifford_greedy

    from qdesign.envs.clifford_synth.env import CliffordSynthEnv
    from qdesign.envs.clifford_synth.presets import MAX_STEPS

    if is_move_model(model, num_qubits):
        from qdesign.envs.clifford_synth.move_env import CliffordMoveEnv
        from qdesign.envs.clifford_synth.presets import MOVE_MAX_STEPS

        env: Any = CliffordMoveEnv(num_qubits=num_qubits,
                                   max_steps=MOVE_MAX_STEPS.get(num_qubits, 10 * num_qubits))
    else:
        env = CliffordSynthEnv(num_qubits=num_qubits, max_steps=MAX_STEPS.get(num_qubits, 50 * num_qubits))
    ok, cx, greedy = 0, [], []
    for k in range(n_targets):
        cliff = random_clifford(num_qubits, seed=seed + k)
        obs, info = env.reset(seed=seed + k, options={"clifford": cliff})
        done = False
        while not done:
            action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
            obs, _, term, trunc, info = env.step(int(action))
            done = term or trunc
        if info["is_success"]:
            ok += 1
            cx.append(info["cx_count"])
            ops = synth_clifford_greedy(cliff).count_ops()
            greedy.append(ops.get("cx", 0) + 3 * ops.get("swap", 0))
    return {"targets": n_targets, "seed": seed, "success_rate": ok / n_targets,
            "mean_cx_solved": float(np.mean(cx)) if cx else None,
            "qiskit_greedy_mean_cx_same_targets": float(np.mean(greedy)) if greedy else None}
