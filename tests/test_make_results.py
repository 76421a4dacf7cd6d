"""RESULTS.md tables: one row per distinct seed set (a seed never counted twice in a row)."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _module():
    path = Path(__file__).resolve().parents[1] / "experiments" / "make_results.py"
    spec = importlib.util.spec_from_file_location("make_results", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_same_seed_twice_makes_two_rows():
    mod = _module()
    recs = [{"env_id": "qdesign/ArchSearch-LiH6-v0", "agent": "masked_dqn", "seed": 0, "num_timesteps": n,
             "best_error": e, "run": f"r{n}", "hardware": {}} for n, e in ((4000, 7e-3), (40000, 1.2e-3))]
    recs += [{"env_id": "qdesign/ArchSearch-H2-4q-v0", "agent": "masked_dqn", "seed": s,
              "num_timesteps": 6000, "best_error": 1e-9, "run": f"h{s}", "hardware": {}} for s in (0, 1, 2)]
    text = mod.runs_section("arch-search", recs, ["best_error"])
    rows = [line for line in text.splitlines() if line.startswith("| qdesign/")]
    assert len(rows) == 3
    assert not any("0,0" in r for r in rows)
    assert any("| 0,1,2 |" in r for r in rows)
    lih = [r for r in rows if "LiH6" in r]
    assert "| 0.007 |" in lih[0] and "| 0.0012 |" in lih[1] and "median" not in "".join(lih)
