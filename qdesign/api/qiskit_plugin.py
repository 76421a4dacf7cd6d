"""qiskit ``UnitarySynthesisPlugin`` named ``"qdesign"``: one-qubit unitaries through ``compile_unitary``.

Registered through the ``qiskit.unitary_synthesis`` entry point, so after installing qdesign::

    transpile(qc, basis_gates=["h", "s", "sdg", "t", "tdg", "cx"], unitary_synthesis_method="qdesign",
              unitary_synthesis_plugin_config={"epsilon": 1e-3})

replaces qiskit's Ross-Selinger synthesis of each one-qubit block by qdesign's (``astar``: exact
meet-in-the-middle optimum where the tables reach, else the Rz-sandwich or gridsynth word). The config
keys are ``epsilon`` (per synthesised block, operator norm; default 1e-3), ``method`` (default
``"astar"``) and ``time_limit`` (seconds per block). For a whole-circuit error budget use
``qdesign.compile_circuit``, which splits epsilon over the circuit's rotations and verifies the result.
"""

from __future__ import annotations

from typing import Any

from qiskit.transpiler.passes.synthesis.plugin import UnitarySynthesisPlugin

from qdesign.plugins import UnknownKeywordError

__all__ = ["QDesignSynthesis"]

_KEYS = ("epsilon", "method", "time_limit", "objective")


class QDesignSynthesis(UnitarySynthesisPlugin):
    """One-qubit unitary synthesis over Clifford+T by ``qdesign.compile_unitary``."""

    @property
    def max_qubits(self) -> int:
        """Largest block the plugin takes: one qubit."""
        return 1

    @property
    def min_qubits(self) -> int:
        """Smallest block the plugin takes: one qubit."""
        return 1

    @property
    def supports_natural_direction(self) -> bool:
        """Direction is irrelevant for one-qubit blocks."""
        return True

    @property
    def supports_pulse_optimize(self) -> bool:
        """No pulse-level optimisation."""
        return False

    @property
    def supports_gate_lengths(self) -> bool:
        """Gate durations are not used."""
        return False

    @property
    def supports_gate_errors(self) -> bool:
        """Gate error rates are not used."""
        return False

    @property
    def supported_bases(self) -> None:
        """No basis choice: the output is always over h, s, sdg, t, tdg."""
        return None

    @property
    def supports_basis_gates(self) -> bool:
        """The target's basis gates are not read."""
        return False

    @property
    def supports_coupling_map(self) -> bool:
        """The coupling map is not read (one-qubit blocks)."""
        return False

    def run(self, unitary: Any, **options: Any) -> Any:
        """The block as a DAG over h, s, sdg, t, tdg within ``config["epsilon"]`` (operator norm)."""
        from qiskit.converters import circuit_to_dag

        from qdesign.api.compile import compile_unitary

        config = dict(options.get("config") or {})
        unknown = sorted(set(config) - set(_KEYS))
        if unknown:
            raise UnknownKeywordError(
                f"unitary_synthesis_plugin_config: unknown key(s) {unknown} for the qdesign "
                f"plugin (it takes {list(_KEYS)})")
        qc = compile_unitary(unitary, gate_set="clifford_t", epsilon=config.get("epsilon", 1e-3),
                             method=config.get("method", "astar"), time_limit=config.get("time_limit"),
                             objective=config.get("objective", "gates"))
        qc.metadata = {}
        return circuit_to_dag(qc)
