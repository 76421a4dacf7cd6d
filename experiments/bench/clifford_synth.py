"""Clifford synthesis, CX count first (#14 item 6): qdesign's search against qiskit on the same Cliffords.

    python experiments/bench/clifford_synth.py --out experiments/bench/results/clifford_synth.json

Targets: ``random_clifford(n, seed=seed + k)`` for k < targets (the seeds are recorded in the JSON).
Baselines: qiskit's ``synth_clifford_greedy`` (Bravyi et al., arXiv:2105.02291), ``synth_clifford_ag``
(Aaronson-Gottesman) and, on 3 qubits, ``synth_clifford_bm`` (Bravyi-Maslov, arXiv:2003.09412,
CX-optimal), and greedy followed by qiskit's ``transpile`` at optimization level 3 (what a qiskit
user gets; its SWAPs are decomposed first, yet the transpiler may still move a qubit permutation into
the output layout, so that row is exact only up to an output permutation: checked with
``Operator.from_circuit``, an advantage for qiskit). A SWAP counts as 3 CX (greedy ends with a qubit
permutation written as SWAPs); greedy's CX count with free SWAPs is listed too. Every other circuit is
checked with ``Clifford(qc) == target``.

Which result comes from what:
* ``search`` (support heuristic): search alone, no learning.
* ``search+value`` vs ``search+support`` vs ``search+random`` at the same small beams and goal-ball
  radius: a trained policy's value network as the heuristic against the hand-made one and against
  random ranking, so the learning's contribution is isolated. Two kinds of policy: MaskablePPO on the
  gate-level ``CliffordSynth`` env (``cliff<n>q_maskable_ppo.zip``, beam 4 only) and on
  ``CliffordSynthMoves``, one CX per action (``cliff<n>q_moves_maskable_ppo.zip``, every beam).
* ``policy alone``: a trained policy (greedy, masked) acting in its env; its gates are assembled and
  checked with ``Clifford(qc) == target``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from qiskit.quantum_info import Clifford, Operator, random_clifford
from qiskit.synthesis import synth_clifford_ag, synth_clifford_bm, synth_clifford_greedy

from qdesign.api.clifford import _assemble, is_move_model, move_policy_prior, policy_value_heuristic
from qdesign.quantum.clifford_tableau import tableau_of
from qdesign.synthesis.clifford_search import beam_search, support_heuristic

MODELS = Path(__file__).resolve().parents[2] / "qdesign" / "synthesis" / "models"


def cx_of(qc) -> tuple[int, int]:
    """(CX with a SWAP as 3 CX, CX with SWAPs free)."""
    ops = qc.count_ops()
    return ops.get("cx", 0) + 3 * ops.get("swap", 0), ops.get("cx", 0)


def greedy_transpiled(cliff):
    """What a qiskit user gets: greedy synthesis, then ``transpile`` at optimization level 3 to
    {u, cx} (SWAPs decomposed and merged with neighbouring gates where possible; checked with
    ``Operator`` since its one-qubit gates are generic ``u``)."""
    from qiskit import transpile

    qc = synth_clifford_greedy(cliff).decompose(gates_to_decompose=["swap"])
    return transpile(qc, basis_gates=["u", "cx"], optimization_level=3, seed_transpiler=0)


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def run_search(cliff, **kw):
    """The search's circuit (checked against the target) or None, and the children it generated."""
    res = beam_search(tableau_of(cliff), **kw)
    if res.gates is None:  # a narrow beam can run into states it has already seen and stop
        return None, res.stats.get("generated")
    qc = _assemble(cliff, res.gates)
    assert Clifford(qc) == cliff
    return qc, res.stats.get("generated")


def policy_alone(model, n, cliffs, random_moves=False):
    """The policy alone (greedy, masked) on each target; with ``random_moves`` the random masked agent
    in the same env with the same budget instead (uniform over the allowed actions, seeded by target)."""
    from qdesign.envs.clifford_synth.env import CliffordSynthEnv
    from qdesign.envs.clifford_synth.move_env import CliffordMoveEnv
    from qdesign.envs.clifford_synth.presets import MAX_STEPS, MOVE_MAX_STEPS

    if is_move_model(model, n):
        env = CliffordMoveEnv(num_qubits=n, max_steps=MOVE_MAX_STEPS[n])
    else:
        env = CliffordSynthEnv(num_qubits=n, max_steps=MAX_STEPS[n])
    out = []
    for k, cliff in enumerate(cliffs):
        t0 = time.perf_counter()
        rng = np.random.default_rng(k)
        obs, info = env.reset(seed=k, options={"clifford": cliff})
        done = False
        while not done:
            if random_moves:
                action = rng.choice(np.flatnonzero(env.action_masks()))
            else:
                action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
            obs, _, term, trunc, info = env.step(int(action))
            done = term or trunc
        if info["is_success"]:  # the policy's gates assembled into a circuit and checked like the rest
            qc = _assemble(cliff, env.gates)
            assert Clifford(qc) == cliff
            out.append((cx_of(qc)[0], time.perf_counter() - t0))
        else:
            out.append((None, time.perf_counter() - t0))
    return out


def kept_from(out: Path, args: argparse.Namespace) -> dict:
    """Rows and per-size notes of an earlier ``out`` for the qubit counts not in ``args.qubits``."""
    old = json.loads(out.read_text())
    same = ("targets", "seed", "beam", "learned_beams", "learned_radius", "prior_top")
    diff = [k for k in same if old["args"].get(k) != getattr(args, k)]
    if diff:
        raise SystemExit(f"--update: {out} was measured with other {diff}; rerun every size instead")
    sizes = set(args.qubits)
    return {"rows": [[r for r in t["rows"] if r[0] not in sizes] for t in old["tables"]],
            "notes": [s for s in old["notes"] if s.split(" ", 1)[0].isdigit()
                      and int(s.split(" ", 1)[0]) not in sizes]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--qubits", type=int, nargs="+", default=[3, 4, 5, 6])
    p.add_argument("--targets", type=int, default=30)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--beam", type=int, default=64)
    p.add_argument("--learned-beams", type=int, nargs="+", default=[4, 1, 16],
                   help="beams of the learned-heuristic rows (the gate-level policy uses the first)")
    p.add_argument("--learned-radius", type=int, default=1)
    p.add_argument("--prior-top", type=int, default=16,
                   help="moves a state expands in the policy-prior rows (its likeliest by the policy)")
    p.add_argument("--out", default="experiments/bench/results/clifford_synth.json")
    p.add_argument("--update", action="store_true",
                   help="keep the rows of --out for the qubit counts not measured now (same targets and "
                        "beams, else an error), so sizes can be re-measured one at a time")
    args = p.parse_args()
    kept = kept_from(Path(args.out), args) if args.update else None
    import torch

    torch.set_num_threads(1)  # one thread per process: the value/prior batches are small

    main_rows, learn_rows, notes = [], [], []
    for n in args.qubits:
        seeds = [args.seed + k for k in range(args.targets)]
        cliffs = [random_clifford(n, seed=s) for s in seeds]
        res: dict[str, list] = {}
        for name, fn in (("qiskit greedy", synth_clifford_greedy),
                         ("qiskit greedy + transpile O3", greedy_transpiled),
                         ("qiskit ag", synth_clifford_ag),
                         *((("qiskit bm (optimal)", synth_clifford_bm),) if n <= 3 else ()),
                         ("qdesign search", lambda c: run_search(c, beam=args.beam)[0])):
            res[name] = []
            for c in cliffs:
                qc, sec = timed(fn, c)
                if "transpile" in name:
                    assert Operator.from_circuit(qc).equiv(Operator(c))
                else:
                    assert Clifford(qc) == c
                res[name].append((*cx_of(qc), sec))
        greedy = np.array([r[0] for r in res["qiskit greedy"]], dtype=float)
        greedy_free = np.array([r[1] for r in res["qiskit greedy"]], dtype=float)
        for name, vals in res.items():
            cx = np.array([v[0] for v in vals], dtype=float)
            row = [n, name, "search alone" if name.startswith("qdesign") else "baseline", len(vals),
                   round(float(cx.mean()), 3), round(float(cx.mean() / greedy.mean()), 3),
                   round(float(cx.mean() / greedy_free.mean()), 3),
                   round(float(np.mean([v[2] for v in vals])) * 1e3, 3)]
            if "qiskit bm (optimal)" in res:
                opt = np.array([v[0] for v in res["qiskit bm (optimal)"]])
                row.append(round(float(np.mean(cx == opt)), 3))
            else:
                row.append(None)
            row.append(f"{seeds[0]}..{seeds[-1]}")
            main_rows.append(row)
        notes.append(f"{n} qubits: qiskit greedy mean CX {greedy.mean():.2f} with a SWAP as 3 CX, "
                     f"{greedy_free.mean():.2f} with free SWAPs")

        plain_done: set[int] = set()
        for kind, model_file in (("gate-level CliffordSynth", MODELS / f"cliff{n}q_maskable_ppo.zip"),
                                 ("CliffordSynthMoves", MODELS / f"cliff{n}q_moves_maskable_ppo.zip")):
            if not model_file.is_file():
                notes.append(f"{n} qubits: no {kind} policy shipped ({model_file.name}); its rows omitted")
                continue
            from sb3_contrib import MaskablePPO

            model = MaskablePPO.load(str(model_file), device="cpu")
            rng = np.random.default_rng(args.seed)
            value = policy_value_heuristic(model, n)
            # (label, heuristic, prior, source): the learned value, the learned value with the policy
            # as a prior (each state expands only its prior_top likeliest moves), the hand-made
            # heuristic, random ranking
            variants = [(f"value ({kind} policy)", value, None, "search + learned value"),
                        *(((f"value + policy prior top {args.prior_top} ({kind} policy)", value,
                            move_policy_prior(model, n), "search + learned value and policy"),)
                          if is_move_model(model, n) else ()),
                        ("support (hand-made)", support_heuristic, None, "search alone"),
                        ("random ranking", lambda states, rng=rng: rng.random(len(states)), None,
                         "search alone")]
            beams = args.learned_beams if kind == "CliffordSynthMoves" else [args.learned_beams[0]]
            for beam in beams:
                for hname, h, prior, source in variants:
                    if source == "search alone" and beam in plain_done:
                        continue  # the hand-made and random rows at this beam are already in the table
                    vals = []
                    for c in cliffs:
                        (qc, gen), sec = timed(lambda c=c, h=h, beam=beam, prior=prior: run_search(
                            c, beam=beam, heuristic=h, radius=args.learned_radius, prior=prior,
                            prior_top=args.prior_top if prior is not None else None))
                        vals.append((cx_of(qc)[0] if qc is not None else None, sec, gen))
                    ok = [k for k, v in enumerate(vals) if v[0] is not None]
                    cx = np.array([vals[k][0] for k in ok], dtype=float)
                    learn_rows.append([n, f"search beam={beam} radius={args.learned_radius}, "
                                       f"heuristic {hname}", source,
                                       len(ok) / len(vals), round(float(cx.mean()), 3) if ok else None,
                                       round(float(cx.mean() / greedy[ok].mean()), 3) if ok else None,
                                       round(float(np.mean([v[1] for v in vals])) * 1e3, 3),
                                       round(float(np.mean([v[2] for v in vals])), 1),
                                       f"{seeds[0]}..{seeds[-1]}"])
                plain_done.add(beam)
            for label, source, rand in ((f"policy alone ({kind}, greedy, masked)", "trained policy", False),
                                        (f"random masked agent alone ({kind}, same budget)", "random", True)):
                pol = policy_alone(model, n, cliffs, random_moves=rand)
                solved = [c for c, _ in pol if c is not None]
                learn_rows.append([n, label, source, len(solved) / len(pol),
                                   round(float(np.mean(solved)), 3) if solved else None,
                                   round(float(np.mean(solved)) / float(np.mean(
                                       [g for g, (c, _) in zip(greedy, pol) if c is not None])), 3)
                                   if solved else None,
                                   round(float(np.mean([s for _, s in pol])) * 1e3, 3), None,
                                   f"{seeds[0]}..{seeds[-1]}"])
        print(f"{n} qubits done", flush=True)

    tables = [
        {"title": "Clifford synthesis: mean CX over the same random Cliffords (every circuit checked with "
                  "Clifford(qc) == target)",
         "columns": ["qubits", "method", "source", "targets", "mean CX (SWAP = 3 CX)",
                     "/ greedy", "/ greedy with free SWAPs", "ms per target", "= optimum (3q)",
                     "clifford seeds"],
         "rows": main_rows,
         "own_seeds": {"random_clifford seed": list(range(args.seed, args.seed + args.targets))}},
        {"title": "What the learning adds: the same small search with the trained value network, the "
                  "hand-made heuristic or random ranking; and the policy alone",
         "columns": ["qubits", "method", "source", "success", "mean CX (solved)", "/ greedy (same targets)",
                     "ms per target", "children generated (mean)", "clifford seeds"],
         "rows": learn_rows,
         "own_seeds": {"random_clifford seed": list(range(args.seed, args.seed + args.targets))}},
    ]
    if kept is not None:
        for table, rows in zip(tables, kept["rows"]):
            table["rows"] = sorted(rows + table["rows"], key=lambda r: r[0])  # stable: order within n kept
        notes = sorted(kept["notes"] + notes, key=lambda s: int(s.split(" ", 1)[0]))
        args.qubits = sorted({r[0] for r in tables[0]["rows"]})  # every size now in the file
    notes.append("qiskit-gym 0.4.2 ships no trained Clifford model: its rows (a model trained here with "
                 "its own PPO trainer, on the same targets) are in clifford_synth_qiskit_gym.json, made by "
                 "experiments/bench/qiskit_gym_clifford.py in a separate environment")
    out = {"args": vars(args), "seeds": list(range(args.seed, args.seed + args.targets)),
           "platform": platform.platform(), "tables": tables, "notes": notes}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    for t in tables:
        print(t["title"])
        print(" | ".join(t["columns"]))
        for r in t["rows"]:
            print(" | ".join(str(v) for v in r))
    for note in notes:
        print("-", note)


if __name__ == "__main__":
    main()
