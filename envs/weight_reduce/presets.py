"""Registered ids of the weight-reduction family (plain data: importing this module stays cheap)."""

from __future__ import annotations

from dataclasses import replace

from qdesign.envs.entries import EnvEntry

_SEED = "qdesign.envs.weight_reduce.seed_env:SeedReduceEnv"
_TANNER = "qdesign.envs.weight_reduce.tanner_env:WeightReduceEnv"
TABLE_I = ["6,3", "7,2", "7,3", "7,4"]

_PRESETS: list[EnvEntry] = [
    EnvEntry(name="SeedReduce", entry_point=_SEED,
             description="edit a classical seed H (dense [A^T|I] start), score HGP(H,H) exactly; to (6,3)",
             kwargs={"seeds": TABLE_I, "max_check_weight": 6, "max_qubit_degree": 3}),
    EnvEntry(name="SeedReduce-Hamming", entry_point=_SEED,
             description="seed [7,4,3] Hamming, HGP [[58,16,3]] to (6,3) with k and d kept",
             kwargs={"seeds": "7,4", "max_check_weight": 6, "max_qubit_degree": 3}),
    EnvEntry(name="SeedReduce-TableI", entry_point=_SEED,
             description="the four Table I seeds sampled per episode up to the curriculum level",
             kwargs={"seeds": TABLE_I, "sample_seeds": True, "max_check_weight": 6, "max_qubit_degree": 3}),
    EnvEntry(name="SeedReduce-30k4", entry_point=_SEED,
             description="seed [30,4,16] (HGP [[1576,16,16]]) to (6,3), d >= 16",
             kwargs={"seeds": "30,4", "max_check_weight": 6, "max_qubit_degree": 3, "max_steps": 120,
                     "extra_bits": 12}),
    EnvEntry(name="WeightReduce", entry_point=_TANNER,
             description="quantum Tanner graph of HGP([7,4,3]) edited with CSS-valid moves to (6,3)",
             kwargs={"seeds": "7,4", "max_check_weight": 6, "max_qubit_degree": 3}),
    EnvEntry(name="WeightReduce-6-3-3", entry_point=_TANNER,
             description="quantum Tanner graph of HGP([6,3,3]) [[45,9,3]] to (4,3) with CSS-valid moves",
             kwargs={"seeds": "6,3", "max_check_weight": 4, "max_qubit_degree": 3}),
    EnvEntry(name="WeightReduce-Factored", entry_point=_TANNER,
             description="HGP([7,4,3]) to (6,3) with CNOT moves; MultiDiscrete (kind, i, j) actions",
             kwargs={"seeds": "7,4", "max_check_weight": 6, "max_qubit_degree": 3, "allow_cnot": True,
                     "action_mode": "factored"}),
]

#: both envs' own episode limit: ``max_steps`` (40 unless a preset sets it)
LIMIT_KWARG, DEFAULT_MAX_STEPS = "max_steps", 40
ENTRIES: list[EnvEntry] = [
    replace(e, max_episode_steps=e.kwargs.get(LIMIT_KWARG, DEFAULT_MAX_STEPS), limit_kwarg=LIMIT_KWARG)
    for e in _PRESETS]
