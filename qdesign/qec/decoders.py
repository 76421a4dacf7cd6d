"""Decoders for Stim detector error models, usable in-process and as ``sinter`` decoders.

BP-OSD and BP-LSD come from the ``ldpc`` package (Roffe et al.; BP-OSD: Panteleev & Kalachev,
arXiv 1904.02703; BP-LSD: Hillmann et al., arXiv 2406.18655); minimum-weight matching from
``pymatching`` (Higgott & Gidney, arXiv 2303.15933), which needs a graphlike error model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DECODERS = ("bposd", "bplsd", "pymatching")


@dataclass
class DemMatrices:
    """Check matrix (detectors x mechanisms), observable matrix and priors of a DEM.

    Mechanisms with identical (detectors, observables) symptoms are merged (their probabilities
    combined as independent flips); mechanisms that trigger no detector are dropped (no decoder can
    see them; they still count as errors when sampled).
    """

    check: Any  # scipy.sparse.csc_matrix, uint8
    observables: Any  # scipy.sparse.csc_matrix, uint8
    priors: np.ndarray


def dem_matrices(dem) -> DemMatrices:
    """Turn a (non-decomposed) ``stim.DetectorErrorModel`` into sparse check / observable matrices."""
    import scipy.sparse as sp

    merged: dict[tuple[tuple[int, ...], tuple[int, ...]], float] = {}
    for inst in dem.flattened():
        if inst.type != "error":
            continue
        prob = float(inst.args_copy()[0])
        dets: set[int] = set()
        obs: set[int] = set()
        for t in inst.targets_copy():
            if t.is_relative_detector_id():
                dets ^= {t.val}
            elif t.is_logical_observable_id():
                obs ^= {t.val}
        if not dets:
            continue
        key = (tuple(sorted(dets)), tuple(sorted(obs)))
        old = merged.get(key, 0.0)
        merged[key] = old * (1 - prob) + prob * (1 - old)
    rows_d, cols_d, rows_o, cols_o, priors = [], [], [], [], []
    for col, ((det_ids, obs_ids), prob) in enumerate(merged.items()):
        rows_d += det_ids
        cols_d += [col] * len(det_ids)
        rows_o += obs_ids
        cols_o += [col] * len(obs_ids)
        priors.append(prob)
    m = len(priors)
    check = sp.csc_matrix((np.ones(len(rows_d), np.uint8), (rows_d, cols_d)), shape=(dem.num_detectors, m))
    observables = sp.csc_matrix((np.ones(len(rows_o), np.uint8), (rows_o, cols_o)),
                                shape=(dem.num_observables, m))
    return DemMatrices(check, observables, np.asarray(priors, dtype=float))


class _LdpcCompiled:
    """Decodes bit-packed shots with an ``ldpc`` BP decoder; each distinct syndrome is decoded once."""

    def __init__(self, dem, kind: str, max_iter: int, osd_order: int) -> None:
        from ldpc.bplsd_decoder import BpLsdDecoder
        from ldpc.bposd_decoder import BpOsdDecoder

        self.num_dets, self.num_obs = dem.num_detectors, dem.num_observables
        mats = dem_matrices(dem)
        self.obs = mats.observables.toarray().astype(np.uint8)
        if mats.priors.size == 0:
            self.bp = None
            return
        priors = np.clip(mats.priors, 1e-12, 0.5 - 1e-9)
        kw = dict(error_channel=list(priors), max_iter=max_iter, bp_method="minimum_sum",
                  ms_scaling_factor=0.625, schedule="parallel")
        if kind == "bposd":
            self.bp = BpOsdDecoder(mats.check, osd_method="osd_cs" if osd_order else "osd0",
                                   osd_order=osd_order, **kw)
        else:
            self.bp = BpLsdDecoder(mats.check, lsd_method="lsd_cs" if osd_order else "lsd0",
                                   lsd_order=osd_order, **kw)

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        packed = np.asarray(bit_packed_detection_event_data, dtype=np.uint8)
        shots = packed.shape[0]
        out = np.zeros((shots, (self.num_obs + 7) // 8), dtype=np.uint8)
        if self.bp is None or shots == 0:
            return out
        unique, inverse = np.unique(packed, axis=0, return_inverse=True)
        syndromes = np.unpackbits(unique, axis=1, count=self.num_dets, bitorder="little")
        pred = np.zeros((unique.shape[0], self.num_obs), dtype=np.uint8)
        for i, s in enumerate(syndromes):
            if s.any():
                corr = self.bp.decode(s)
                pred[i] = (self.obs.astype(np.int64) @ corr) % 2
        packed_pred = np.packbits(pred, axis=1, bitorder="little")
        return packed_pred[np.asarray(inverse).reshape(-1)]


class _MatchingCompiled:
    def __init__(self, dem) -> None:
        import pymatching

        self.num_obs = dem.num_observables
        self.matching = pymatching.Matching.from_detector_error_model(dem)

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        out = self.matching.decode_batch(bit_packed_detection_event_data, bit_packed_shots=True,
                                         bit_packed_predictions=True)
        return np.asarray(out[0] if isinstance(out, tuple) else out, dtype=np.uint8)


def _sinter_base():
    import sinter

    return sinter.Decoder


class QdesignDecoder(_sinter_base()):  # type: ignore[misc]
    """A ``sinter.Decoder`` for ``kind`` in ("bposd", "bplsd", "pymatching"), pickleable for workers."""

    def __init__(self, kind: str = "bposd", max_iter: int = 30, osd_order: int = 7) -> None:
        if kind not in DECODERS:
            raise ValueError(f"decoder={kind!r} is not one of {', '.join(DECODERS)}")
        self.kind, self.max_iter, self.osd_order = kind, max_iter, osd_order

    def compile_decoder_for_dem(self, *, dem):
        """The sinter hook: a decoder for one detector error model, built once per task and reused for every
        shot batch."""
        if self.kind == "pymatching":
            return _MatchingCompiled(dem)
        return _LdpcCompiled(dem, self.kind, self.max_iter, self.osd_order)
