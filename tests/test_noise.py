"""NoiseModel: validation, serialisation, presets and equivalence with qiskit-aer's channels."""

import json

import numpy as np
import pytest
from qiskit.quantum_info import PTM

from qdesign.quantum.noise import PRESETS, PROBABILITY_FIELDS, NoiseModel, noise_ptm_1q, noise_ptm_2q

FULL = NoiseModel(depolarizing_1q=0.02, depolarizing_2q=0.05, amplitude_damping_1q=0.03,
                  amplitude_damping_2q=0.04, phase_damping_1q=0.05, phase_damping_2q=0.06,
                  readout_p01=0.02, readout_p10=0.07, shots=1000)


@pytest.mark.parametrize("field", PROBABILITY_FIELDS)
@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), "0.1"])
def test_probabilities_outside_unit_interval_rejected(field, value):
    with pytest.raises(ValueError, match=field):
        NoiseModel(**{field: value})


def test_shots_validated():
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ValueError, match="shots"):
            NoiseModel(shots=bad)
    assert NoiseModel(shots=np.int64(10)).shots == 10


def test_dict_round_trip_json_safe():
    d = FULL.to_dict()
    assert NoiseModel.from_dict(json.loads(json.dumps(d))) == FULL
    assert NoiseModel.from_dict({"preset": "depolarizing_1e-3_5e-3", "shots": 100}) == NoiseModel(
        depolarizing_1q=1e-3, depolarizing_2q=5e-3, shots=100)
    assert NoiseModel.from_dict({"depolarizing": 0.1}).depolarizing_2q == 0.1
    with pytest.raises(ValueError, match="unknown keys"):
        NoiseModel.from_dict({"depol": 0.1})
    with pytest.raises(ValueError, match="preset"):
        NoiseModel.coerce("no_such_device")
    with pytest.raises(ValueError, match="noise"):
        NoiseModel.coerce(3)


def test_presets_valid_and_device_like():
    for name in PRESETS:
        NoiseModel.from_preset(name).validate()
    assert NoiseModel.from_preset("noiseless").is_noiseless
    # magnitudes reported for IBM Mumbai in CRLQAS (arXiv:2402.13754, App. C) (median / max); within 10 %
    med = NoiseModel.from_preset("ibm_like_median").process_infidelities()
    mx = NoiseModel.from_preset("ibm_like_max").process_infidelities()
    assert med["2q"] == pytest.approx(1.76e-2, rel=0.1)
    assert mx["2q"] == pytest.approx(4.15e-2, rel=0.1)
    assert mx["1q"] == pytest.approx(9.8e-4, rel=0.1)
    assert NoiseModel.from_preset("depolarizing_1e-3_5e-3").process_infidelities()["1q"] == pytest.approx(
        7.5e-4)


def _aer_error_ptm(aer_model, gate: str) -> np.ndarray:
    """PTM of the aer quantum error attached to ``gate`` (qiskit Pauli order I, X, Y, Z)."""
    err = aer_model._default_quantum_errors[gate]
    return np.real(PTM(err.to_quantumchannel()).data)


def test_channels_equal_aer_channels():
    aer = FULL.to_aer()
    assert np.allclose(_aer_error_ptm(aer, "rx"), noise_ptm_1q(FULL), atol=1e-12)
    # qiskit's 2q PTM index is code_q0 + 4 code_q1; ours is 4 code_a + code_b for (a, b) = (q0, q1)
    ours = noise_ptm_2q(FULL).reshape(4, 4, 4, 4).transpose(1, 0, 3, 2).reshape(16, 16)
    assert np.allclose(_aer_error_ptm(aer, "cx"), ours, atol=1e-12)
    ro = [e for e in aer.to_dict()["errors"] if e["type"] == "roerror"]
    assert np.allclose(ro[0]["probabilities"], [[0.98, 0.02], [0.07, 0.93]])
