import pytest

from qdesign.config import TrainConfig, config_from_dict, load_yaml, merge, save_yaml


def _base(**kw):
    return {"task": "arch-search", "env_id": "qdesign/ArchSearch-v0", **kw}


def test_roundtrip_yaml(tmp_path):
    ramp = {"name": "linear", "kwargs": {"start": 1, "end": 5, "timesteps": 10}}
    cfg = config_from_dict(_base(curriculum=ramp))
    save_yaml(cfg, tmp_path / "c.yaml")
    again = config_from_dict(load_yaml(tmp_path / "c.yaml"))
    assert again == cfg and again.curriculum.name == "linear"


def test_unknown_key_is_named():
    with pytest.raises(ValueError, match=r"unknown config key\(s\) \['totl_timesteps'\]"):
        config_from_dict(_base(totl_timesteps=5))


def test_unknown_curriculum_key_is_named():
    with pytest.raises(ValueError, match="kwarg"):
        config_from_dict(_base(curriculum={"name": "fixed", "kwarg": {}}))


def test_missing_required_key():
    with pytest.raises(ValueError, match="missing required key"):
        config_from_dict({"task": "arch-search"})


@pytest.mark.parametrize("field,value", [("total_timesteps", 0), ("n_envs", 0), ("vec_env", "threads")])
def test_bad_values(field, value):
    with pytest.raises(ValueError, match=field):
        config_from_dict(_base(**{field: value}))


def test_merge_nested_kwargs():
    cfg = config_from_dict(_base(env_kwargs={"molecule": "H2", "bond_distance": 0.74}))
    merged = merge(cfg, {"env_kwargs": {"molecule": "LiH"}, "seed": 3})
    assert merged.env_kwargs == {"molecule": "LiH", "bond_distance": 0.74} and merged.seed == 3
    assert isinstance(merged, TrainConfig)


def test_bad_yaml_file(tmp_path):
    (tmp_path / "bad.yaml").write_text("a: [1, 2\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_yaml(tmp_path / "bad.yaml")
    with pytest.raises(ValueError, match="does not exist"):
        load_yaml(tmp_path / "missing.yaml")
