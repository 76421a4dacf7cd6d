"""``logical_error_rate``: sample a Stim memory experiment and decode it (BP-OSD, BP-LSD, matching).

With ``workers=1`` (default) the shots are drawn in this process by Stim's detector sampler in
batches (reproducible with ``seed=``); with ``workers > 1`` they are collected by ``sinter``'s
multi-process collection (which spawns processes: call it under ``if __name__ == "__main__":``).
Both routes stop at ``shots`` or ``max_errors`` and use the same decoder objects
(:mod:`qdesign.qec.decoders`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from qdesign.qec.decoders import DECODERS, QdesignDecoder
from qdesign.qec.memory import memory_circuit

_BATCH = 1024  # shots per sampling batch without max_errors
_BATCH_EARLY_STOP = 32  # with max_errors: small batches, so a slow decoder stops soon after max_errors
LER_NOISE = ("circuit", "uniform_depolarizing", "si1000", "phenomenological", "code_capacity")


def wilson_interval(errors: int, shots: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (95 % for z = 1.96) of a binomial proportion."""
    if shots <= 0:
        return 0.0, 1.0
    f = errors / shots
    den = 1 + z * z / shots
    centre = (f + z * z / (2 * shots)) / den
    half = z * math.sqrt(f * (1 - f) / shots + z * z / (4 * shots * shots)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _per_round(per_shot: float, rounds: int) -> float:
    """Logical error rate per round, assuming independent rounds: 1 - (1 - P)^(1/r)."""
    return 1.0 - (1.0 - min(per_shot, 1.0)) ** (1.0 / rounds)


@dataclass
class LogicalErrorRate:
    """Sampled logical error rate of a memory experiment.

    ``per_shot`` = errors / shots (any logical observable wrong after ``rounds`` rounds);
    ``per_round`` = 1 - (1 - per_shot)^(1/rounds); ``ci`` = 95 % Wilson interval of ``per_shot``.
    With ``basis="both"`` the two memories (Z and X) are sampled separately (``sectors``) and
    combined as independent failures, per_shot = 1 - (1 - P_Z)(1 - P_X), with the interval combined
    the same way from the two intervals; ``errors`` and ``shots`` are then summed over both.
    """

    per_shot: float
    per_round: float
    errors: int
    shots: int
    ci: tuple[float, float]
    rounds: int
    p: float
    noise: str
    decoder: str
    basis: str
    seconds: float
    sectors: dict[str, LogicalErrorRate] = field(default_factory=dict, repr=False)

    @property
    def ci_per_round(self) -> tuple[float, float]:
        """The confidence interval converted to a per-round rate, like ``per_round``."""
        return _per_round(self.ci[0], self.rounds), _per_round(self.ci[1], self.rounds)

    def to_dict(self) -> dict:
        """JSON-ready form, with the per-basis sectors when both bases were sampled."""
        out = {
            "per_shot": self.per_shot, "per_round": self.per_round, "errors": self.errors,
            "shots": self.shots, "ci": list(self.ci), "rounds": self.rounds, "p": self.p,
            "noise": self.noise, "decoder": self.decoder, "basis": self.basis,
            "seconds": round(self.seconds, 3),
        }
        if self.sectors:
            out["sectors"] = {b: s.to_dict() for b, s in self.sectors.items()}
        return out

    def __str__(self) -> str:
        lo, hi = self.ci
        return (f"LER {self.per_shot:.4g} per shot [{lo:.3g}, {hi:.3g}], {self.per_round:.4g} per round "
                f"({self.errors}/{self.shots}, {self.noise} p={self.p}, {self.rounds} rounds, "
                f"{self.decoder})")


def _one_basis(h_x, h_z, noise, p, rounds, shots, decoder, seed, basis, workers, max_errors,
               decoder_options, schedule="auto") -> LogicalErrorRate:
    t0 = time.perf_counter()
    circuit = memory_circuit(h_x, h_z, rounds, p, noise=noise, basis=basis, schedule=schedule)
    dec = QdesignDecoder(decoder, **decoder_options)
    if decoder == "pymatching":
        checks = np.asarray(h_z if basis == "Z" else h_x)
        degree = int(checks.sum(axis=0).max(initial=0))
        if degree > 2:
            raise ValueError(
                f"decoder='pymatching' does not fit this code: matching needs every qubit in at most two "
                f"{'Z' if basis == 'Z' else 'X'} checks (a graphlike error model), but a qubit sits in "
                f"{degree} (as in hypergraph products of seeds with column weight > 2); use decoder='bposd' "
                f"or 'bplsd'")
    if workers == 1:
        dem = circuit.detector_error_model(decompose_errors=decoder == "pymatching")
        compiled = dec.compile_decoder_for_dem(dem=dem)
        seed = int(np.random.SeedSequence().generate_state(1)[0]) if seed is None else int(seed)
        sampler = circuit.compile_detector_sampler(seed=seed)
        nobs = circuit.num_observables
        errors = n_shots = 0
        step = _BATCH if max_errors is None else _BATCH_EARLY_STOP
        while n_shots < shots and (max_errors is None or errors < max_errors):
            batch = min(step, shots - n_shots)
            dets, obs = sampler.sample(batch, separate_observables=True, bit_packed=True)
            pred = compiled.decode_shots_bit_packed(bit_packed_detection_event_data=dets)
            wrong = np.unpackbits(np.bitwise_xor(pred, obs), axis=1, count=nobs, bitorder="little")
            errors += int(wrong.any(axis=1).sum())
            n_shots += batch
    else:
        import sinter

        task = sinter.Task(circuit=circuit, json_metadata={"basis": basis},
                           detector_error_model=circuit.detector_error_model(
                               decompose_errors=decoder == "pymatching"))
        stats = sinter.collect(num_workers=workers, tasks=[task], decoders=[decoder],
                               custom_decoders={decoder: dec}, max_shots=shots,
                               max_errors=max_errors if max_errors is not None else shots,
                               print_progress=False)
        errors = sum(s.errors for s in stats)
        n_shots = sum(s.shots - s.discards for s in stats)
    per_shot = errors / n_shots if n_shots else math.nan
    return LogicalErrorRate(
        per_shot=per_shot, per_round=_per_round(per_shot, rounds), errors=errors, shots=n_shots,
        ci=wilson_interval(errors, n_shots), rounds=rounds, p=p, noise=noise, decoder=decoder, basis=basis,
        seconds=time.perf_counter() - t0)


def logical_error_rate(h_x: np.ndarray, h_z: np.ndarray, *, noise: str = "circuit", p: float,
                       rounds: int | None = None, shots: int = 10_000, decoder: str = "bposd",
                       seed: int | None = None, basis: str = "both", workers: int = 1,
                       max_errors: int | None = None, decoder_options: dict | None = None,
                       schedule: str = "auto") -> LogicalErrorRate:
    """Logical error rate of the CSS code (H_X, H_Z) in a Stim memory experiment, decoded.

    ``noise``: "circuit" (= "uniform_depolarizing"), "si1000", "phenomenological" or "code_capacity"
    (see :func:`qdesign.qec.memory.memory_circuit`).  ``rounds`` defaults to 1 under code-capacity
    noise and 3 otherwise.  ``basis`` "Z" or "X" samples one memory (it sees only X-type resp. Z-type
    logical errors); "both" (default) samples both and combines them.  ``decoder``: "bposd",
    "bplsd" (``ldpc``) or "pymatching" (graphlike error models only; otherwise a ``ValueError`` says
    so).  ``workers=1`` samples in this process (``seed`` makes it reproducible); ``workers > 1`` uses
    ``sinter``'s multi-process collection (no seed; run it under ``if __name__ == "__main__":``).
    Sampling stops after ``shots`` shots or ``max_errors`` logical errors per basis.  ``schedule``
    ("auto", "coloring", "hgp") is passed to :func:`~qdesign.qec.memory.memory_circuit`.
    """
    if noise not in LER_NOISE:
        raise ValueError(f"noise={noise!r} is not one of {', '.join(LER_NOISE)}")
    if decoder not in DECODERS:
        raise ValueError(f"decoder={decoder!r} is not one of {', '.join(DECODERS)}")
    if basis not in ("Z", "X", "both"):
        raise ValueError(f"basis={basis!r} must be 'Z', 'X' or 'both'")
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ValueError(f"shots={shots!r} must be an integer >= 1")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers={workers!r} must be an integer >= 1")
    if seed is not None and workers != 1:
        raise ValueError("seed= needs workers=1: sinter's worker processes draw their own random seeds")
    if max_errors is not None and (isinstance(max_errors, bool)
                                   or not isinstance(max_errors, (int, np.integer)) or max_errors < 1):
        raise ValueError(f"max_errors={max_errors!r} must be None or an integer >= 1")
    if rounds is None:
        rounds = 1 if noise == "code_capacity" else 3
    opts = dict(decoder_options or {})
    if basis != "both":
        return _one_basis(h_x, h_z, noise, p, rounds, int(shots), decoder, seed, basis, workers,
                          max_errors, opts, schedule)
    t0 = time.perf_counter()
    parts = {}
    for i, b in enumerate(("Z", "X")):
        s = None if seed is None else int(seed) + i
        parts[b] = _one_basis(h_x, h_z, noise, p, rounds, int(shots), decoder, s, b, workers, max_errors,
                              opts, schedule)
    pz, px = parts["Z"], parts["X"]
    per_shot = 1 - (1 - pz.per_shot) * (1 - px.per_shot)
    ci = (1 - (1 - pz.ci[0]) * (1 - px.ci[0]), 1 - (1 - pz.ci[1]) * (1 - px.ci[1]))
    return LogicalErrorRate(
        per_shot=per_shot, per_round=_per_round(per_shot, rounds), errors=pz.errors + px.errors,
        shots=pz.shots + px.shots, ci=ci, rounds=rounds, p=float(p), noise=noise, decoder=decoder,
        basis="both", seconds=time.perf_counter() - t0, sectors=parts)
