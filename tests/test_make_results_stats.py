"""Results over seeds: interquartile mean with a bootstrap interval, one row per distinct seed set."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_results", ROOT / "experiments" / "make_results.py")
make_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_results)


def test_iqm_is_the_mean_of_the_middle_half():
    assert make_results.iqm([1, 2, 3, 4, 5, 6, 7, 100]) == pytest.approx(np.mean([3, 4, 5, 6]))
    assert make_results.iqm([1.0, 2.0, 3.0]) == pytest.approx(2.0)  # n = 3 trims nothing


def test_bootstrap_interval_brackets_and_narrows():
    rng = np.random.default_rng(1)
    few = rng.normal(10.0, 2.0, size=5)
    many = rng.normal(10.0, 2.0, size=200)
    c_few, (lo_f, hi_f) = make_results.iqm_ci(list(few))
    c_many, (lo_m, hi_m) = make_results.iqm_ci(list(many))
    assert lo_f <= c_few <= hi_f and lo_m <= c_many <= hi_m
    assert min(few) <= lo_f and hi_f <= max(few)  # percentile bootstrap stays inside the data
    assert hi_m - lo_m < hi_f - lo_f
    assert lo_m < 10.0 < hi_m  # covers the true centre of a symmetric distribution
    # an independent check of the interval: resample by hand
    boot = [stats.trim_mean(rng.choice(many, len(many)), 0.25) for _ in range(2000)]
    assert np.quantile(boot, 0.025) == pytest.approx(lo_m, abs=0.15)
    assert np.quantile(boot, 0.975) == pytest.approx(hi_m, abs=0.15)
    assert make_results.iqm_ci([3.0]) == (3.0, None) and make_results.iqm_ci([2.0, 2.0])[1] is None


def test_runs_table_one_row_per_budget_and_counts_seeds():
    def rec(seed, budget, err, run):
        return {"env_id": "qdesign/X-v0", "agent": "masked_dqn", "seed": seed, "total_timesteps": budget,
                "best_error": err, "wall_time_s": 1.0, "run": run}

    records = [rec(0, 100, 1e-3, "a"), rec(1, 100, 2e-3, "b"), rec(2, 100, 4e-3, "c"),
               rec(0, 900, 1e-5, "d"), rec(0, 900, 3e-5, "e")]
    text = make_results.runs_section("arch-search", records, ["best_error"])
    lines = [line for line in text.splitlines() if line.startswith("| qdesign/X-v0")]
    assert len(lines) == 2
    short, long_ = (line.split(" | ") for line in lines)
    assert short[3:5] == ["0,1,2", "3"] and "[" in short[5] and "(best 0.001)" in short[5]
    assert long_[3:5] == ["0", "1"] and long_[5] == "3e-05"  # a rerun of seed 0 is not a second seed
    assert "interquartile mean" in text


def test_seeds_read_from_the_json_never_invented():
    data = {"args": {"seed": 7}, "rows": [{"seed": 0, "x": 1}, {"seed": 2, "x": 2}, {"seed": 0, "x": 3}],
            "table_i": [{"seed": "6,3"}], "n_per_seed": [5, 6], "sampling_seed": 4, "flag": {"seed": True}}
    seeds = make_results.json_seeds(data)
    assert seeds == {"args.seed": [7], "rows[].seed": [0, 2], "sampling_seed": [4]}
    caption = make_results.seeds_caption(seeds)
    assert "`rows[].seed` = 0, 2 (2 distinct)" in caption and "`args.seed` = 7 (1 distinct)" in caption
    assert make_results.seeds_caption(make_results.json_seeds({"rows": [{"n": 3}]})) == \
        "_Seeds: seed not recorded in the JSON._"


def test_every_rendered_table_states_its_seeds(tmp_path):
    bench = tmp_path / "gate_compile_x.json"
    bench.write_text('{"blocks": [{"gate_set": "ht", "epsilon": 0.01, "targets": 3, "kind": "haar", '
                     '"seed": 5, "methods": {"astar": {"success_rate": 1.0}}}]}')
    rows = tmp_path / "arch_search_y.json"
    rows.write_text('{"rows": [{"agent": "a", "seed": 1}, {"agent": "a", "seed": 3}]}')
    bare = tmp_path / "weight_reduce_z.json"
    bare.write_text('{"rows": [{"code": "x", "n": 4}]}')
    assert "`blocks[].seed` = 5 (1 distinct)" in make_results.bench_section(bench)
    assert "`seed column` = 1, 3 (2 distinct)" in make_results.bench_section(rows)
    assert "seed not recorded" in make_results.bench_section(bare)
    # the committed RESULTS.md: one seeds line after every benchmark table
    text = (ROOT / "experiments" / "RESULTS.md").read_text()
    for section in text.split("\n### ")[1:]:
        if section.startswith("Training runs"):
            assert "| seeds | n |" in section  # the runs tables carry seeds and their count as columns
            continue
        # a table, or the raw JSON block of a result file without a table renderer, each get one
        n_tables = sum(1 for line in section.splitlines() if line.startswith(("|---", "```json")))
        assert n_tables == section.count("_Seeds: "), section[:200]
