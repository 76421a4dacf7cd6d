"""Inner optimizers for variational angles: SPSA, Adam-SPSA (multi-stage) and COBYLA."""
