"""Breadth-first word-table build: the current code against a git revision, side by side in one run.

    nice -n 10 python experiments/bench/search_levels.py --base f5c7247 --repeats 3 \
        --out experiments/bench/results/search_levels.json

Loads ``agents/search/mitm.py`` and ``agents/search/table2q.py`` as they were at ``--base`` into
private modules, builds every table fresh (the on-disk cache is bypassed: ``cache=False``) with both
versions, checks that the level arrays (elements, parent pointers, last gates) hash identically and
reports the best-of-``repeats`` build time of each version and their ratio (base / current, > 1 means
the current code is faster). Builds alternate between the two versions so that load on the shared
machine hits both alike.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from qdesign.synthesis import mitm, table2q

ROOT = Path(__file__).resolve().parents[2]
#: (module, gate set, depth, max_elements, sign_strict): the tables the code builds by default
TABLES = [
    ("mitm", "clifford_t", 28, 3_000_000, False),
    ("mitm", "ht", 36, 3_000_000, False),
    ("mitm", "hrc6", 8, 3_000_000, False),
    ("mitm", "hrc3", 12, 3_000_000, False),
    ("mitm", "hrc6", 8, 3_000_000, True),
    ("mitm", "hrc3", 12, 3_000_000, True),
    ("table2q", "clifford_t_2q", 8, 2_000_000, False),
]
DEEP = ("mitm", "clifford_t", 32, 4_000_000, False)


def load_at(rev: str, rel: str, name: str) -> ModuleType:
    """The module file ``rel`` as it was at git revision ``rev``, imported under ``name``."""
    src = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def build(mod: ModuleType, kind: str, gate_set: str, depth: int, cap: int, strict: bool):
    """A freshly built table (no disk cache) and its build time in seconds (construction only)."""
    t0 = time.perf_counter()
    if kind == "mitm":
        obj = mod.MITMSolver(gate_set, depth=depth, max_elements=cap, cache=False, sign_strict=strict)
    else:
        # the two-qubit constructor also indexes the table; time the level build alone
        obj = mod.TwoQubitTable.__new__(mod.TwoQubitTable)
        obj.gs = mod.build_gate_set(gate_set)
        obj.depth, obj.max_elements = depth, cap
        t0 = time.perf_counter()
        obj._build()
    return obj, time.perf_counter() - t0


def table_hash(obj, kind: str) -> str:
    h = hashlib.sha256()
    elems = obj.quats if kind == "mitm" else obj.mats
    for name, seq in (("e", elems), ("p", obj.parent), ("g", obj.gate)):
        for a in seq:
            a = np.ascontiguousarray(a)
            h.update(f"{name}{a.dtype}{a.shape}".encode())
            h.update(a.tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="f5c7247", help="git revision to compare against")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--deep", action="store_true", help="also the Clifford+T depth-32 table (~2.4M)")
    ap.add_argument("--out", default="experiments/bench/results/search_levels.json")
    args = ap.parse_args()
    old = {"mitm": load_at(args.base, "agents/search/mitm.py", "_base_mitm"),
           "table2q": load_at(args.base, "agents/search/table2q.py", "_base_table2q")}
    new = {"mitm": mitm, "table2q": table2q}
    rows = []
    for spec in TABLES + ([DEEP] if args.deep else []):
        kind = spec[0]
        t_old, t_new, h_old, h_new, sizes = [], [], set(), set(), None
        for _ in range(args.repeats):
            for which, mods, times, hashes in (("base", old, t_old, h_old), ("new", new, t_new, h_new)):
                obj, dt = build(mods[kind], *spec)
                times.append(dt)
                hashes.add(table_hash(obj, kind))
                sizes = obj.level_sizes() if which == "new" else sizes
                del obj
        row = {"table": kind, "gate_set": spec[1], "depth": spec[2], "max_elements": spec[3],
               "sign_strict": spec[4], "elements": int(sum(sizes)), "levels": len(sizes) - 1,
               "hash_base": sorted(h_old), "hash_new": sorted(h_new),
               "identical": h_old == h_new and len(h_new) == 1,
               "build_s_base": min(t_old), "build_s_new": min(t_new),
               "ratio_base_over_new": min(t_old) / min(t_new)}
        rows.append(row)
        print(f"{kind:8s} {spec[1]:14s} d{spec[2]:<3d}{' strict' if spec[4] else '       '} "
              f"n={row['elements']:>8d}  hash {row['hash_new'][0]} identical={row['identical']}  "
              f"base {row['build_s_base']:.3f}s  new {row['build_s_new']:.3f}s  "
              f"ratio {row['ratio_base_over_new']:.2f}", flush=True)
    tot_old = sum(r["build_s_base"] for r in rows)
    tot_new = sum(r["build_s_new"] for r in rows)
    print(f"total    base {tot_old:.3f}s  new {tot_new:.3f}s  ratio {tot_old / tot_new:.2f}  "
          f"all identical={all(r['identical'] for r in rows)}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"base": args.base, "repeats": args.repeats, "rows": rows,
                               "total_s_base": tot_old, "total_s_new": tot_new,
                               "total_ratio_base_over_new": tot_old / tot_new}, indent=1))


if __name__ == "__main__":
    main()
