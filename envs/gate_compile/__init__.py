"""Gate compilation (Chen et al.): the GateCompile env, its targets, presets and optimal-length shaping."""
