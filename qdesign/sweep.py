"""``qdesign sweep``: many trainings (seeds x grid) in parallel, on a process pool or on Ray.

Each trial is an ordinary ``qdesign train`` run in ``<out>/<task>/sweep-<time>/<trial>/``; the
sweep collects their ``summary.json`` files into ``sweep.json`` / ``sweep.csv`` and one table.
"""

from __future__ import annotations

import csv
import itertools
import os
import socket
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml

from qdesign.config import TrainConfig, merge
from qdesign.runs import atomic_write_json

_TOP_KEYS = set(TrainConfig.__dataclass_fields__)


def parse_grid(items: list[str], base: TrainConfig) -> dict[str, list[Any]]:
    """``key=v1,v2`` items -> {key: [v1, v2]}; keys are config fields or env_kwargs./agent_kwargs."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--grid expects key=v1,v2,..., got {item!r}")
        key, values = item.split("=", 1)
        head, _, rest = key.partition(".")
        if head not in _TOP_KEYS or (rest and head not in ("env_kwargs", "agent_kwargs")):
            raise ValueError(f"--grid over unknown parameter {key!r}; use a config key "
                             f"({', '.join(sorted(_TOP_KEYS))}) or env_kwargs.<name> / agent_kwargs.<name>")
        if head in ("task", "curriculum"):
            raise ValueError(f"--grid cannot vary {head!r}")
        grid[key] = [yaml.safe_load(v) for v in values.split(",") if v != ""]
        if not grid[key]:
            raise ValueError(f"--grid {key!r} has no values")
    return grid


def _override(key: str, value: Any) -> dict[str, Any]:
    head, _, rest = key.partition(".")
    return {head: {rest: value}} if rest else {head: value}


def trial_configs(base: TrainConfig, seeds: int, grid: dict[str, list[Any]]) -> list[tuple[str, TrainConfig]]:
    """Every grid combination times ``seeds`` consecutive seeds from ``base.seed``, as (label, config)."""
    trials = []
    keys = list(grid)
    for combo in itertools.product(*(grid[k] for k in keys)) if keys else [()]:
        cfg = base
        label_parts = []
        for key, value in zip(keys, combo):
            cfg = merge(cfg, _override(key, value), where=f"--grid {key}")
            label_parts.append(f"{key.split('.')[-1]}={value}")
        for s in range(seeds):
            seeded = merge(cfg, {"seed": base.seed + s, "progress_bar": False})
            trials.append(("_".join(label_parts + [f"seed{base.seed + s}"]), seeded))
    return trials


def _check_env_kwargs(config: TrainConfig) -> None:
    """Unknown env/agent kwargs, then building the env once: a bad key fails before any trial starts."""
    from qdesign.training import check_kwargs, make_env

    check_kwargs(config)
    try:
        make_env(config).close()
    except TypeError as err:
        raise ValueError(
            f"env_kwargs {sorted(config.env_kwargs)} not accepted by {config.env_id}: {err}") from err


def _progress(done: int, total: int, result: dict[str, Any]) -> None:
    """One line per finished trial, as it finishes (a sweep of hours must not be silent)."""
    print(f"[{done}/{total}] {result['trial']}: {result['status']} ({result.get('wall_time_s', '?')} s)",
          flush=True)


def _run_trial(label: str, config_dict: dict[str, Any], out: str) -> dict[str, Any]:
    import qdesign  # noqa: F401  (registers ids inside a fresh worker)
    from qdesign.config import config_from_dict
    from qdesign.training import train

    config = config_from_dict(config_dict)
    started = time.time()
    try:
        run, summary = train(config, out=out, run_name=label, quiet=True)
        return {"trial": label, "status": "complete", "run_dir": str(run.path), **summary}
    except Exception as err:  # one failed trial must not sink the sweep
        return {"trial": label, "status": f"failed: {type(err).__name__}: {err}",
                "wall_time_s": round(time.time() - started, 2)}


def _check_ray_address(address: str) -> None:
    if address in ("auto", "local"):
        return
    host, _, port = address.replace("ray://", "").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=5):
            pass
    except (OSError, ValueError) as err:
        raise ValueError(f"Ray address {address!r} is unreachable ({err})") from err


def run_sweep(task: str, config_file: str | None, seeds: int, grid: list[str], backend: str = "local",
              address: str | None = None, out: str = "runs", timesteps: int | None = None,
              max_parallel: int | None = None, overrides: dict[str, Any] | None = None
              ) -> list[dict[str, Any]]:
    """Run every trial of a grid x seeds sweep (processes or Ray), write sweep.json and sweep.csv, print a
    table."""
    from qdesign.console import print_table as _print_table
    from qdesign.tasks import resolve_train_config

    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {seeds}")
    if backend not in ("local", "ray"):
        raise ValueError(f"--backend must be 'local' or 'ray', got {backend!r}")
    if address and backend != "ray":
        raise ValueError("--address needs --backend ray")
    base = resolve_train_config(task, config_file, None, timesteps, None, overrides)
    trials = trial_configs(base, seeds, parse_grid(grid, base))
    for _label, cfg in trials[:: max(seeds, 1)]:
        _check_env_kwargs(cfg)
    sweep_dir = Path(out) / task / f"sweep-{time.strftime('%Y%m%d-%H%M%S')}"
    parallel = max_parallel or min(len(trials), os.cpu_count() or 1)
    if backend == "ray":
        results = _run_ray(trials, sweep_dir, address, parallel)
    else:
        sweep_dir.mkdir(parents=True, exist_ok=True)
        results = []
        with ProcessPoolExecutor(max_workers=parallel, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_run_trial, label, cfg.to_dict(), str(sweep_dir)) for label, cfg in trials]
            for fut in as_completed(futures):
                results.append(fut.result())
                _progress(len(results), len(trials), results[-1])
    results.sort(key=lambda r: r["trial"])
    atomic_write_json(sweep_dir / "sweep.json", {"task": task, "backend": backend, "trials": results})
    columns = sorted({k for r in results for k, v in r.items() if not isinstance(v, (dict, list))})
    with open(sweep_dir / "sweep.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(results)
    wanted = ("trial", "status", "success_rate_last_100", "best_error", "wall_time_s")
    shown = [c for c in wanted if c in columns]
    _print_table(f"sweep {sweep_dir}", shown, [[r.get(c, "") for c in shown] for r in results])
    failed = [r["trial"] for r in results if r["status"] != "complete"]
    if failed:
        print(f"qdesign: {len(failed)} of {len(results)} trials failed: {', '.join(failed)} "
              f"(see {sweep_dir / 'sweep.json'})", file=sys.stderr)
    return results


def _run_ray(trials: list[tuple[str, TrainConfig]], sweep_dir: Path, address: str | None,
             parallel: int) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError as err:
        raise ValueError("--backend ray needs Ray: pip install 'qdesign[ray]'") from err
    if address:
        _check_ray_address(address)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    init_kwargs: dict[str, Any] = {"ignore_reinit_error": True, "include_dashboard": False,
                                   "log_to_driver": False}
    if address:
        init_kwargs["address"] = address
    else:
        init_kwargs["num_cpus"] = parallel
    try:
        ray.init(**init_kwargs)
    except (ConnectionError, RuntimeError) as err:
        raise ValueError(f"cannot start or reach Ray ({address or 'local'}): {err}") from err
    try:
        remote = ray.remote(num_cpus=1)(_run_trial)
        pending = [remote.remote(label, cfg.to_dict(), str(sweep_dir.resolve())) for label, cfg in trials]
        results: list[dict[str, Any]] = []
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            results.append(ray.get(ready[0]))
            _progress(len(results), len(trials), results[-1])
        return results
    finally:
        ray.shutdown()
