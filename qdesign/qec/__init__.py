"""QEC simulation (solver layer): Stim memory circuits for CSS codes, decoders, logical error rates.

``memory_circuit`` builds the circuit, ``logical_error_rate`` samples and decodes it (BP-OSD / BP-LSD
from ``ldpc``, PyMatching for graphlike error models).  Imports the core (``qdesign.codes``) only.
"""

from qdesign.qec.ler import LogicalErrorRate, logical_error_rate, wilson_interval
from qdesign.qec.memory import NOISE_MODELS, bipartite_edge_coloring, memory_circuit

__all__ = ["LogicalErrorRate", "NOISE_MODELS", "bipartite_edge_coloring", "logical_error_rate",
           "memory_circuit", "wilson_interval"]
