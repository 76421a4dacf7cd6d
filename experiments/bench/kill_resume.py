"""Kill ``qdesign train`` with ``kill -9`` at random moments, resume, and check what came back (issue 16).

Each trial starts a gate-compile PPO run that checkpoints every 64 steps, kills its process group at a
random time, then runs ``qdesign train --resume`` to a target a little past the checkpoint and checks:
the resume exits 0; no half-written checkpoint folder is left; the summary's step count lies in
[target, target + one rollout]; ``episodes.jsonl`` numbers its episodes 1..N with no gap or repeat
and the summary counts N; ``meta.json`` says "interrupted" before the resume and "complete" after.

``--python`` runs the same trials against another checkout's interpreter (e.g. the main branch's venv)
for a side-by-side count; checks that need the new layout (manifest, generations) are skipped there.

    nice -n 10 python experiments/bench/kill_resume.py --trials 10 --out runs/bench/kill_resume.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_STEPS = 64
COMMON = ["--set", "progress_bar=false", "--set", "n_envs=1", "--set", "checkpoint_every_steps=64"]
AGENTS = {
    "ppo": ["--agent", "ppo", "--set", f"agent_kwargs.n_steps={N_STEPS}",
            "--set", "agent_kwargs.batch_size=64"],
    # a replay buffer of a few MB makes the checkpoint write long enough to be hit by a kill
    "dqn": ["--agent", "dqn", "--set", "agent_kwargs.buffer_size=20000",
            "--set", "agent_kwargs.learning_starts=32"],
}


#: how far past its target a run may stop: PPO ends its rollout of n_steps, DQN steps train_freq=4 at once
OVERSHOOT = {"ppo": N_STEPS, "dqn": 4}


def _temporaries(run: Path) -> list[str]:
    """Half-written checkpoint folders (this branch: checkpoints/.tmp-gen-*; before: tmp* inside latest/)."""
    found = []
    for parent in (run / "checkpoints", run / "checkpoints" / "latest"):
        try:
            found += [str(p.relative_to(run)) for p in parent.iterdir()
                      if p.name.startswith((".tmp", "tmp")) and p.is_dir()]
        except (FileNotFoundError, NotADirectoryError):  # not there yet, or removed while we looked
            continue
    return sorted(found)


def _writing(run: Path, part: str | None) -> bool:
    """A checkpoint write is under way (a temporary folder exists, holding ``part`` if given) after a
    first checkpoint was published."""
    if not (run / "checkpoints" / "latest" / "state.json").is_file():
        return False
    temps = _temporaries(run)
    return bool(temps) and (part is None or any((run / t / part).exists() for t in temps))


def trial(python: str, root: Path, seed: int, kill_after: float, agent: str, in_write: bool,
          part: str | None = None) -> dict:
    name = f"t{seed}"
    run = root / "gate-compile" / name
    cmd = [python, "-m", "qdesign.cli", "train", "gate-compile", "--timesteps", "1000000",
           "--out", str(root), "--name", name, "--seed", str(seed), *AGENTS[agent], *COMMON]
    # cwd outside any checkout: `python -m qdesign.cli` must import the interpreter's own qdesign
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            cwd=root)
    start = time.time()
    hit = False
    try:
        time.sleep(kill_after)
        if in_write:  # then wait for a checkpoint write in progress (at most 60 s more)
            while time.time() - start < kill_after + 60 and not (hit := _writing(run, part)):
                time.sleep(0.002)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    out: dict = {"seed": seed, "kill_after_s": round(time.time() - start, 2), "killed_mid_write": hit}
    state_file = run / "checkpoints" / "latest" / "state.json"
    if not state_file.is_file():
        out["result"] = "no checkpoint yet"
        return out
    saved = json.loads(state_file.read_text())["num_timesteps"]
    leftovers_before = _temporaries(run)
    target = saved + 2 * N_STEPS
    resume = [python, "-m", "qdesign.cli", "train", "--resume", str(run), "--timesteps", str(target)]
    res = subprocess.run(resume, capture_output=True, text=True, cwd=root)
    out.update(saved=saved, target=target, exit=res.returncode, leftover_tmp_before=leftovers_before)
    if res.returncode != 0:
        out["result"] = "resume failed: " + res.stderr.strip()[-300:]
        return out
    summary = json.loads((run / "summary.json").read_text())
    episodes = [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines()]
    numbers = [e["episode"] for e in episodes]
    checks = {
        "steps_in_range": target <= summary["num_timesteps"] <= target + OVERSHOOT[agent],
        "episodes_numbered_1_to_n": numbers == list(range(1, len(numbers) + 1)),
        "summary_counts_episodes": summary["episodes"] == len(episodes),
        "no_tmp_left": not _temporaries(run),
        "meta_complete": json.loads((run / "meta.json").read_text())["status"] == "complete",
    }
    wrong = [k for k, v in checks.items() if not v]
    out.update(num_timesteps=summary["num_timesteps"], checks=checks,
               result="ok" if not wrong else "wrong: " + ", ".join(wrong))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--min-kill", type=float, default=4.0)
    ap.add_argument("--max-kill", type=float, default=12.0)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--agent", choices=sorted(AGENTS), default="ppo")
    ap.add_argument("--in-write", action="store_true", help="kill while a checkpoint is being written")
    ap.add_argument("--part", help="with --in-write: kill once this file is being written "
                                   "(replay_buffer.pkl: before issue 16 model.zip was replaced by then)")
    ap.add_argument("--out", default="runs/bench/kill_resume.json")
    args = ap.parse_args()
    rng = random.Random(0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="qdesign-kill-") as tmp:
        for seed in range(args.trials):
            row = trial(args.python, Path(tmp), seed, rng.uniform(args.min_kill, args.max_kill), args.agent,
                        args.in_write, args.part)
            rows.append(row)
            print(f"trial {seed}: killed at {row['kill_after_s']} s -> {row['result']}", flush=True)
    counted = [r for r in rows if r["result"] != "no checkpoint yet"]
    summary = {"python": args.python, "agent": args.agent, "in_write": args.in_write, "part": args.part,
               "trials": len(rows), "resumed": len(counted),
               "ok": sum(r["result"] == "ok" for r in counted), "rows": rows}
    print(f"{summary['ok']} of {summary['resumed']} resumed runs came back whole "
          f"({len(rows) - len(counted)} killed before their first checkpoint)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
