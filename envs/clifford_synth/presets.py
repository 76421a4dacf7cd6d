"""Registered ids of the Clifford-synthesis family (plain data: importing this module stays cheap)."""

from __future__ import annotations

from qdesign.envs.entries import EnvEntry

_EP = "qdesign.envs.clifford_synth.env:CliffordSynthEnv"

#: ``CliffordSynthEnv``'s own episode limit per qubit count (``max_steps``)
MAX_STEPS: dict[int, int] = {3: 60, 4: 100, 5: 150, 6: 200}
LIMIT_KWARG = "max_steps"

ENTRIES: list[EnvEntry] = [
    EnvEntry(name=f"CliffordSynth-{n}q", entry_point=_EP,
             description=f"{n}-qubit Clifford synthesis over h, s, cx (all pairs), CX count first, "
                         "scramble-depth curriculum",
             kwargs={"num_qubits": n, "max_steps": steps, "scramble_depth": 2},
             max_episode_steps=steps, limit_kwarg=LIMIT_KWARG)
    for n, steps in MAX_STEPS.items()
]

_MOVES_EP = "qdesign.envs.clifford_synth.move_env:CliffordMoveEnv"

#: ``CliffordMoveEnv``'s own episode limit (CX count) per qubit count (``max_steps``)
MOVE_MAX_STEPS: dict[int, int] = {3: 20, 4: 30, 5: 40, 6: 50}

ENTRIES += [
    EnvEntry(name=f"CliffordSynthMoves-{n}q", entry_point=_MOVES_EP,
             description=f"{n}-qubit Clifford synthesis, one CX (with free single-qubit gates) per "
                         "action, scramble-depth curriculum",
             kwargs={"num_qubits": n, "max_steps": steps, "scramble_depth": 2},
             max_episode_steps=steps, limit_kwarg=LIMIT_KWARG)
    for n, steps in MOVE_MAX_STEPS.items()
]
