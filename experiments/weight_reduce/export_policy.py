"""Export a ``qdesign train weight-reduce`` run's MaskablePPO policy in the shipped format.

``python experiments/weight_reduce/export_policy.py RUN_DIR``
(``--out`` defaults to ``qdesign/api/models/seed_reduce_policy.npz``)
writes the policy network's state dict (``.npz`` float32 arrays, loaded without pickle) and its settings
(``.json``: padding, episode length, net_arch, env kwargs, the run's config and timesteps), which
``reduce_weight(method="policy")`` loads lazily by default.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml
from sb3_contrib import MaskablePPO

from qdesign.api.seed_policy import save_seed_policy
from qdesign.config import config_from_dict
from qdesign.rollouts import make_env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("run_dir")
    ap.add_argument("--out",
                    default=str(Path(__file__).parents[2] / "qdesign/api/models/seed_reduce_policy.npz"))
    ap.add_argument("--config", default="experiments/configs/weight_reduce/policy.yaml",
                    help="the config the run was trained with (recorded in the .json)")
    ap.add_argument("--name", default="seed_reduce_policy")
    args = ap.parse_args()
    run = Path(args.run_dir)
    cfg = config_from_dict(yaml.safe_load((run / "config.yaml").read_text()))
    env = make_env(cfg).unwrapped
    model = MaskablePPO.load(run / "model.zip", device="cpu")
    path = save_seed_policy(model, env, args.out, args.name, env_kwargs=dict(cfg.env_kwargs))
    meta = json.loads(path.with_suffix(".json").read_text())
    summary = json.loads((run / "summary.json").read_text()) if (run / "summary.json").is_file() else {}
    meta.update({"config": args.config, "timesteps": summary.get("num_timesteps"), "training_seed": cfg.seed,
                 "reproduce": f"qdesign train weight-reduce --config {args.config}"})
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    print("wrote", path, path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
