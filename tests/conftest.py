"""Shared test settings: headless plotting, a private Hamiltonian cache, quiet progress bars."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
