"""The ``qdesign`` command: list, train, evaluate, bench, sweep, plot.

Exit codes: 0 success, 1 the work itself failed, 2 bad arguments or config, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from qdesign.console import print_table as _print_table
from qdesign.tasks import TASKS, load_task, resolve_train_config

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _HelpFormatter(argparse.HelpFormatter):
    """Wraps help text without splitting hyphenated names (a task name such as ``clifford-synth``)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, no usage dump, exit 2
        print(f"qdesign: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def cmd_list(args: argparse.Namespace) -> int:
    """``qdesign list``: ids, tasks with their presets, agents and curricula, fitting 80 columns."""
    from qdesign.agents.factory import AGENTS
    from qdesign.curricula.factory import CURRICULA
    from qdesign.registry import all_entries
    from qdesign.tasks import preset_configs

    _print_table("environments (gym.make ID)", ["id", "description"],
                 [[e.id, e.description] for e in all_entries()], keep_first=True)
    _print_table("tasks (qdesign train TASK) and their presets (--config NAME)", ["task", "presets"],
                 [[k, ", ".join(preset_configs(k)) or "(none)"] for k in TASKS], keep_first=True)
    _print_table("agents (--agent)", ["name", "class"], [[k, v] for k, v in AGENTS.items()], keep_first=True)
    _print_table("curricula", ["name", "class"], [[k, v] for k, v in CURRICULA.items()], keep_first=True)
    return EXIT_OK


def metric_rows(metrics: dict[str, Any], max_list: int = 8) -> list[list[Any]]:
    """Rows of a result table: nested dicts flattened to dotted keys (``best_code.n``), short lists
    of numbers shown whole, long lists as their length, so no metric silently disappears."""
    rows: list[list[Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, (list, tuple)):
            short = len(value) <= max_list and all(isinstance(v, (int, float, str)) for v in value)
            rows.append([prefix, list(value) if short else f"[{len(value)} items]"])
        else:
            rows.append([prefix, value])

    walk("", metrics)
    return rows


def _parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs (value parsed as YAML), dotted keys nest: env_kwargs.molecule=LiH."""
    import yaml

    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--set expects key=value, got {pair!r}")
        key, value = pair.split("=", 1)
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = yaml.safe_load(value)
    return out


def cmd_train(args: argparse.Namespace) -> int:
    """``qdesign train``: a new run from task + config + flags, or ``--resume`` of an existing one."""
    from qdesign import training

    if args.n_envs is not None and args.n_envs < 1:
        raise ValueError(f"--n-envs must be >= 1, got {args.n_envs}")
    if args.max_wall_seconds is not None and not args.max_wall_seconds > 0:
        raise ValueError(f"--max-wall-seconds must be > 0, got {args.max_wall_seconds}")
    if args.resume:
        given = {"--config": args.config, "--seed": args.seed, "--agent": args.agent, "--n-envs": args.n_envs,
                 "--set": args.set, "--name": args.name}
        fixed = [flag for flag, value in given.items() if value is not None]
        if fixed:  # the run's own config.yaml decides these; ignoring them silently would mislead
            raise ValueError(f"{', '.join(fixed)} cannot change a run on --resume (only --timesteps and "
                             "--max-wall-seconds can); "
                             "start a new run instead")
        if args.task:  # `qdesign train TASK --resume DIR` must name the run's own task
            from qdesign.runs import RunDir

            RunDir.open(args.resume, task=args.task)
        run, summary = training.resume(args.resume, total_timesteps=args.timesteps,
                                       max_wall_seconds=args.max_wall_seconds)
    else:
        if not args.task:
            raise ValueError(f"give a TASK ({', '.join(TASKS)}) or --resume RUN_DIR")
        config = resolve_train_config(args.task, args.config, args.seed, args.timesteps, args.agent,
                                      _parse_overrides(args.set or []))
        if args.n_envs is not None:
            config.n_envs = args.n_envs
        if args.max_wall_seconds is not None:
            config.max_wall_seconds = args.max_wall_seconds
        run, summary = training.train(config, out=args.out, run_name=args.name)
    _print_table(f"run {run.path}", ["metric", "value"], metric_rows(summary))
    print(f"results saved in {run.path}  (summary.json, model.zip, learning_curves.png)")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``qdesign evaluate``: held-out episodes of a run's saved model; writes ``evaluation.json``."""
    from qdesign.training import evaluate_run

    metrics = evaluate_run(args.run_dir, n_episodes=args.episodes, seed=args.seed)
    _print_table(f"evaluation of {args.run_dir}", ["metric", "value"], metric_rows(metrics))
    print(f"evaluated {metrics.get('model', 'the saved model')}; "
          f"saved {Path(args.run_dir) / 'evaluation.json'}")
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    """``qdesign plot``: the curriculum-threshold plot of a run (``threshold.png``), also for a run that
    is still going (its ``episodes.jsonl`` is only read)."""
    from qdesign.plots import plot_threshold

    path = plot_threshold(args.run_dir, out=args.out)
    print(f"saved {path}")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    """``qdesign bench``: the family's benchmark scripts (they print their tables); lists the JSON.

    Benchmarks write where the user says: ``--out``, else ``runs/bench/<task>`` (never the package
    source); only ``--update-results`` refreshes the checkout's committed ``experiments/bench/results``.
    """
    import time

    from qdesign.tasks import find_bench_dir

    task = load_task(args.task)
    experiments = Path(args.experiments) if args.experiments else None
    bench_dir = find_bench_dir(experiments)  # outside a checkout: one line, before any folder is made
    if args.update_results:
        if args.out is not None:
            raise ValueError("give either --out or --update-results, not both")
        out = bench_dir / "results"
    else:
        out = Path(args.out) if args.out is not None else Path("runs") / "bench" / args.task
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    result = task.bench(out, quick=args.quick, experiments_dir=bench_dir.parent)
    # each benchmark script printed its side-by-side table above; name the JSON this run wrote
    written = [name for name in result if (out / name).stat().st_mtime >= started - 1]
    _print_table(f"benchmark JSON written ({args.task})", ["file", "top-level keys"],
                 [[str(out / name), ", ".join(list(result[name])[:6]) if isinstance(result[name], dict) else
                   type(result[name]).__name__] for name in written])
    return EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    """``qdesign sweep``: seeds x grid trainings on a local process pool or Ray."""
    from qdesign.sweep import run_sweep

    if args.max_parallel is not None and args.max_parallel < 1:
        raise ValueError(f"--max-parallel must be >= 1, got {args.max_parallel}")
    results = run_sweep(args.task, config_file=args.config, seeds=args.seeds, grid=args.grid or [],
                        backend=args.backend, address=args.address, out=args.out, timesteps=args.timesteps,
                        max_parallel=args.max_parallel, overrides=_parse_overrides(args.set or []))
    return EXIT_FAILED if any(r["status"] != "complete" for r in results) else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The ``qdesign`` argument parser, with the commands families add (``train-costtogo``)."""
    from qdesign import __version__

    parser = _Parser(prog="qdesign", description="RL environments for quantum design")
    parser.add_argument("--version", action="version", version=f"qdesign {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    task_names = " | ".join(TASKS)

    p = sub.add_parser("list", help="environment ids, presets, tasks, agents and curricula")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("train", help="train an agent on a task; writes a run folder")
    p.add_argument("task", nargs="?", help=task_names)
    p.add_argument("--config", help="a preset name (qdesign list shows them) or a YAML file")
    p.add_argument("--seed", type=int)
    p.add_argument("--timesteps", type=int, help="total timesteps (with --resume: the new total)")
    p.add_argument("--agent", help="agent name or package.module:Class")
    p.add_argument("--n-envs", type=int, dest="n_envs")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a config key, e.g. --set env_kwargs.molecule=LiH")
    p.add_argument("--out", default="runs", help="parent folder of run folders (default: runs)")
    p.add_argument("--name", help="run folder name (default: <time>-seed<N>)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its last checkpoint")
    p.add_argument("--max-wall-seconds", type=float, dest="max_wall_seconds",
                   help="stop (saving everything) after this much wall time; with --resume: the new total "
                        "over all legs of the run")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="re-load a run's final model (model.zip, else its latest "
                                        "checkpoint) and report its task metrics on held-out episodes")
    p.add_argument("run_dir")
    p.add_argument("--episodes", type=int)
    p.add_argument("--seed", type=int, default=10_000, help="first held-out seed")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("plot", help="draw a run's curriculum threshold and its episodes' best errors "
                                    "against episodes (threshold.png in the run folder)")
    p.add_argument("run_dir", help="a run folder, or an episodes.jsonl file")
    p.add_argument("--out", help="the image file (default: RUN_DIR/threshold.png)")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("bench", help="side-by-side benchmark of a task against its baselines")
    p.add_argument("task", help=task_names)
    p.add_argument("--quick", action="store_true", help="a small version (minutes)")
    p.add_argument("--out", help="folder for the JSON results (default: runs/bench/<task>)")
    p.add_argument("--update-results", action="store_true", dest="update_results",
                   help="refresh the checkout's committed experiments/bench/results instead")
    p.add_argument("--experiments", help="the checkout's experiments/ folder (default: found from the "
                                         "current folder)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("sweep", help="many trainings in parallel (local process pool or Ray)")
    p.add_argument("task", help=task_names)
    p.add_argument("--config")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--grid", action="append", metavar="KEY=V1,V2", help="grid over a config key")
    p.add_argument("--backend", choices=["local", "ray"], default="local")
    p.add_argument("--address", help="Ray cluster address (ray backend)")
    p.add_argument("--timesteps", type=int)
    p.add_argument("--max-parallel", type=int, dest="max_parallel")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config key (all trials)")
    p.add_argument("--out", default="runs")
    p.set_defaults(func=cmd_sweep)
    for name in TASKS:  # commands a family adds of its own (gate-compile: train-costtogo)
        load_task(name).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qdesign`` command; returns the exit code (see the module docstring)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"qdesign: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as err:
        run_dir = getattr(err, "run_dir", None)  # set by qdesign.training once the folder exists
        if run_dir and args.func is cmd_train:
            print(f"qdesign: interrupted; resume with `qdesign train --resume {run_dir}`", file=sys.stderr)
        else:
            print("qdesign: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
