"""``python -m qdesign.zoo train|enjoy|record_video ...``: RL Baselines3 Zoo on qdesign ids, masked PPO.

rl_zoo3 (``pip install "qdesign[zoo]"``) knows PPO, DQN and the others but not sb3-contrib's
``MaskablePPO``, which the qdesign envs are built for (every id has ``action_masks()``). This registers
it as ``--algo ppo_mask``, adds ``--gym-packages qdesign`` (so the ids are registered in the zoo's
process) and, for ``ppo_mask``, the shipped hyperparameters (``qdesign/configs/rl_zoo3/ppo_mask.yml``)
unless ``-conf`` names another file; then it hands over to ``rl_zoo3.train``, ``rl_zoo3.enjoy`` or
``rl_zoo3.record_video`` (which has no ``--gym-packages``: running it from here registers the ids).
Plain ``python -m rl_zoo3.train --algo ppo --gym-packages qdesign --env qdesign/...`` works too, without
masks.
"""

from __future__ import annotations

import runpy
import sys
from importlib import resources
from pathlib import Path

from qdesign.plugins import import_extra

COMMANDS = ("train", "enjoy", "record_video")


def zoo_config(algo: str = "ppo_mask") -> Path:
    """The shipped rl_zoo3 hyperparameter file of ``algo`` (``qdesign/configs/rl_zoo3/<algo>.yml``)."""
    return Path(str(resources.files("qdesign.configs") / "rl_zoo3" / f"{algo}.yml"))


def zoo_argv(command: str, argv: list[str]) -> list[str]:
    """The rl_zoo3 command line: ``argv`` plus ``--gym-packages qdesign`` and the default config."""
    if command not in COMMANDS:
        raise ValueError(f"command must be one of {COMMANDS}, got {command!r}")
    out = list(argv)
    if command != "record_video" and "--gym-packages" not in out:
        out += ["--gym-packages", "qdesign"]
    algo = out[out.index("--algo") + 1] if "--algo" in out[:-1] else None
    if command == "train" and algo == "ppo_mask" and not {"-conf", "--conf-file"} & set(out):
        out += ["-conf", str(zoo_config(algo))]
    return out


def main(argv: list[str] | None = None) -> None:
    """Register ``ppo_mask`` with rl_zoo3 and run one of its scripts with qdesign's defaults."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        raise SystemExit(f"usage: python -m qdesign.zoo {{{'|'.join(COMMANDS)}}} --algo ppo_mask --env "
                         "qdesign/<Id> [rl_zoo3 options]")
    command, rest = args[0], args[1:]
    utils = import_extra("rl_zoo3.utils", "python -m qdesign.zoo")
    from sb3_contrib import MaskablePPO

    utils.ALGOS.setdefault("ppo_mask", MaskablePPO)
    sys.argv = [f"rl_zoo3.{command}", *zoo_argv(command, rest)]
    runpy.run_module(f"rl_zoo3.{command}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":  # pragma: no cover
    main()
