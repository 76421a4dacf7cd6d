"""Shared quantum core: gates, circuits, Pauli sums, simulators, noise models, unitary distances."""
