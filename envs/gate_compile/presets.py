"""Registered ids of the gate-compilation family (plain data: importing this module stays cheap)."""

from __future__ import annotations

from dataclasses import replace

from qdesign.envs.entries import EnvEntry

_EP = "qdesign.envs.gate_compile.env:GateCompileEnv"

_PRESETS: list[EnvEntry] = [
    EnvEntry(name="GateCompile", entry_point=_EP,
             description="approximate a 1- or 2-qubit unitary with a word from a finite gate set",
             kwargs={}),
    EnvEntry(name="GateCompile-CliffordT1q", entry_point=_EP,
             description="1 qubit, Clifford+T {h,s,sdg,t,tdg}, eps 1e-2, scramble curriculum",
             kwargs={"gate_set": "clifford_t", "epsilon": 1e-2, "max_gates": 64, "target": "scramble",
                     "scramble_depth": 4}),
    EnvEntry(name="GateCompile-CliffordT1q-Haar", entry_point=_EP,
             description="1 qubit, Clifford+T, Haar targets at eps 0.1 (optimum ~10 gates)",
             kwargs={"gate_set": "clifford_t", "epsilon": 0.1, "max_gates": 40, "target": "haar"}),
    EnvEntry(name="GateCompile-HT1q", entry_point=_EP,
             description="1 qubit, inverse-free {h,t}, eps 1e-2, scramble curriculum",
             kwargs={"gate_set": "ht", "epsilon": 1e-2, "max_gates": 96, "target": "scramble",
                     "scramble_depth": 4}),
    EnvEntry(name="GateCompile-HRC1q", entry_point=_EP,
             description="1 qubit, HRC inverse-closed V set (6 gates), eps 1e-3, scramble curriculum",
             kwargs={"gate_set": "hrc6", "epsilon": 1e-3, "max_gates": 32, "target": "scramble",
                     "scramble_depth": 3}),
    EnvEntry(name="GateCompile-HRC3-1q", entry_point=_EP,
             description="1 qubit, inverse-free HRC {v1,v2,v3}, AGF 0.99 (d_op 0.1227), Haar targets",
             kwargs={"gate_set": "hrc3", "epsilon": 0.1227, "max_gates": 32, "target": "haar"}),
    EnvEntry(name="GateCompile-CliffordT2q", entry_point=_EP,
             description="2 qubits, Clifford+T + cx both ways, eps 1e-2, scramble curriculum",
             kwargs={"gate_set": "clifford_t_2q", "epsilon": 1e-2, "max_gates": 64, "target": "scramble",
                     "scramble_depth": 4}),
]

#: ``GateCompileEnv``'s own episode limit: ``max_gates`` (64 unless a preset sets it); the per-episode
#: budget of scramble targets is at most this
LIMIT_KWARG, DEFAULT_MAX_GATES = "max_gates", 64
ENTRIES: list[EnvEntry] = [
    replace(e, max_episode_steps=e.kwargs.get(LIMIT_KWARG, DEFAULT_MAX_GATES), limit_kwarg=LIMIT_KWARG)
    for e in _PRESETS]
