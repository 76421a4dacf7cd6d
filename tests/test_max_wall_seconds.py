"""``max_wall_seconds`` ends a run normally ("N steps or T hours", as the papers budget their runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qdesign.config import TrainConfig
from qdesign.training import train

CUSTOM = Path(__file__).resolve().parents[1] / "experiments" / "custom_agent"


@pytest.mark.parametrize("agent", ["masked_dqn", "random_agent:RandomMaskedAgent"])
def test_wall_budget_ends_the_run_complete_long_before_its_steps(agent, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(CUSTOM))
    config = TrainConfig(task="gate-compile", env_id="qdesign/GateCompile-v0", agent=agent,
                         agent_kwargs={"learning_starts": 50} if agent == "masked_dqn" else {},
                         total_timesteps=10_000_000, max_wall_seconds=3.0, eval_episodes=1,
                         progress_bar=False)
    run, summary = train(config, out=tmp_path, quiet=True)
    assert summary["stopped_by"] == "max_wall_seconds=3"
    assert 0 < summary["num_timesteps"] < 10_000_000
    assert json.loads((run.path / "meta.json").read_text())["status"] == "complete"
    assert (run.path / "summary.json").is_file()


def test_bad_wall_budget_is_a_named_error():
    with pytest.raises(ValueError, match="max_wall_seconds"):
        TrainConfig(task="gate-compile", env_id="qdesign/GateCompile-v0", max_wall_seconds=0).validate()
