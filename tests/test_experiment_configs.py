"""Every shipped YAML config resolves (strict keys) and builds its env and agent."""

from pathlib import Path

import pytest

from qdesign.tasks import resolve_train_config
from qdesign.training import build_agent, build_curriculum, build_vec_env

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "experiments" / "configs").glob("*/*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[f"{p.parent.name}/{p.name}" for p in CONFIGS])
def test_config_builds_env_agent_and_curriculum(path, tmp_path):
    task = path.parent.name.replace("_", "-")
    config = resolve_train_config(task, str(path), None, None, None)
    config.n_envs = 1
    vec = build_vec_env(config)
    try:
        agent = build_agent(config, vec, tb_dir=None)
        assert callable(agent.predict)
        build_curriculum(config)
    finally:
        vec.close()
