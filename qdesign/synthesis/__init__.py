"""Gate synthesis solvers over the core (layer 2): exact meet-in-the-middle tables, batch-weighted
A*/Q* search with pluggable heuristics (network-free or a learned cost-to-go), two-qubit tables and
KAK, and the Solovay-Kitaev / gridsynth / translation baselines. Imports only core modules."""
