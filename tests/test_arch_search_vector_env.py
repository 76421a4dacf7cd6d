"""The batched architecture-search VectorEnv (issue 13 item 3): the same MDP as N single envs.

The reference is Gymnasium's own ``SyncVectorEnv`` over ``gym.make`` single envs (same seeds, same
masked random actions): observations, rewards, flags and infos must agree step by step, in both
autoreset modes; energies are re-checked against qiskit ``Statevector`` of the exported circuits.
"""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv

import qdesign  # noqa: F401  (registers the ids)
from qdesign.registry import all_entries

LIH4 = "qdesign/ArchSearch-LiH4-v0"


def _same(a, b, key):
    if isinstance(a, dict):
        assert set(a) == set(b), (key, set(a) ^ set(b))
        for k in a:
            _same(a[k], b[k], f"{key}.{k}")
        return
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    if a_arr.dtype == object or b_arr.dtype == object:
        for x, y in zip(a, b):
            if x is None or y is None:
                assert x is None and y is None, key
            else:
                np.testing.assert_allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float), atol=1e-10,
                                           err_msg=key)
        return
    if a_arr.dtype.kind == "f" or b_arr.dtype.kind == "f":
        np.testing.assert_allclose(a_arr.astype(float), b_arr.astype(float), atol=1e-10, err_msg=key)
    else:
        np.testing.assert_array_equal(a_arr, b_arr, err_msg=key)


def _compare_run(env_id: str, n: int, steps: int, mode: AutoresetMode, seed: int = 3, **kwargs):
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", autoreset_mode=mode,
                       **kwargs)
    ref = SyncVectorEnv([lambda: gym.make(env_id, **kwargs) for _ in range(n)], autoreset_mode=mode)
    o1, i1 = vec.reset(seed=seed)
    o2, i2 = ref.reset(seed=seed)
    np.testing.assert_array_equal(o1, o2)
    _same(i1, i2, "reset")
    rng = np.random.default_rng(seed)
    ends = 0
    for t in range(steps):
        masks = vec.action_masks()
        np.testing.assert_array_equal(masks, np.stack(ref.call("action_masks")))
        # mostly legal actions, sometimes an illegal (masked) one: a penalised no-op in both
        acts = np.array([rng.choice(np.flatnonzero(m)) if rng.random() < 0.9 else rng.integers(len(m))
                         for m in masks])
        r1, r2 = vec.step(acts), ref.step(acts)
        for name, a, b in zip(("obs", "reward", "terminated", "truncated"), r1[:4], r2[:4]):
            _same(a, b, f"step {t} {name}")
        _same(r1[4], r2[4], f"step {t} info")
        ends += int(np.sum(r1[2] | r1[3]))
    return vec, ends


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_vector_env_equals_sync_vector_env_of_single_envs(mode):
    vec, ends = _compare_run(LIH4, 3, 90, mode)
    assert ends >= 3  # the comparison went through autoresets
    assert vec.metadata["autoreset_mode"] == mode


def test_vector_env_hartree_fock_start_equals_single_envs():
    _compare_run("qdesign/ArchSearch-H2-4q-v0", 2, 30, AutoresetMode.NEXT_STEP, initial_state="hartree_fock",
                 angle_init="uniform")


def test_vector_env_log_dense_reward_equals_single_envs():
    _compare_run(LIH4, 2, 40, AutoresetMode.NEXT_STEP, dense_reward="log")


def test_noisy_preset_vector_env_equals_single_envs():
    _compare_run("qdesign/ArchSearch-H2-4q-Noisy-v0", 2, 4, AutoresetMode.NEXT_STEP,
                 optimizer_kwargs={"maxfev": 20, "a": 1.0, "c": 0.1})


def test_energies_match_qiskit_statevector_of_exported_circuits():
    from qiskit.quantum_info import Statevector

    vec = gym.make_vec(LIH4, num_envs=3, vectorization_mode="vector_entry_point")
    vec.reset(seed=11)
    rng = np.random.default_rng(0)
    ham = vec.unwrapped.template.problem.hamiltonian
    for _ in range(12):
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in vec.action_masks()])
        _, _, term, trunc, info = vec.step(acts)
        for i in range(3):
            if term[i] or trunc[i]:
                continue
            exact = float(np.real(Statevector(vec.unwrapped.circuit(i)).expectation_value(ham)))
            assert abs(exact - info["energy"][i]) < 1e-9


def test_env_i_seeded_s_plus_i_follows_single_env_and_seeding_reproduces():
    def run(seed):
        vec = gym.make_vec(LIH4, num_envs=4, vectorization_mode="vector_entry_point")
        obs, _ = vec.reset(seed=seed)
        rng = np.random.default_rng(5)
        trace, acts_log = [obs], []
        for _ in range(25):
            acts = np.array([rng.choice(np.flatnonzero(m)) for m in vec.action_masks()])
            obs, rew, term, trunc, info = vec.step(acts)
            trace += [obs, rew, term, trunc, info["energy"]]
            acts_log.append(acts)
        return trace, acts_log

    a, acts = run(21)
    b, _ = run(21)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c, _ = run(22)
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))
    # env 2 of the batch seeded 21 is a single env seeded 23 on the same actions
    single = gym.make(LIH4)
    obs, _ = single.reset(seed=23)
    np.testing.assert_array_equal(obs, a[0][2])
    for t, act in enumerate(acts):
        obs, rew, term, trunc, info = single.step(int(act[2]))
        np.testing.assert_array_equal(obs, a[1 + 5 * t][2])
        assert rew == a[2 + 5 * t][2] and info["energy"] == a[5 + 5 * t][2]
        if term or trunc:
            break


def test_every_arch_search_id_has_a_batched_vector_env():
    ids = [e.id for e in all_entries() if e.name.startswith("ArchSearch")]
    assert len(ids) >= 10
    for env_id in ids:
        if "Noisy" in env_id:
            continue  # built (slowly) by the noisy parity test above
        vec = gym.make_vec(env_id, num_envs=2, vectorization_mode="vector_entry_point")
        assert isinstance(vec, VectorEnv) and type(vec).__name__ == "ArchSearchVectorEnv"
        obs, _ = vec.reset(seed=0)
        assert obs.shape == (2,) + vec.single_observation_space.shape and obs.dtype == np.float32
        masks = vec.action_masks()
        assert masks.shape == (2, vec.single_action_space.n) and masks.dtype == np.bool_
        assert vec.observation_space.contains(obs)


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "4"])
def test_num_envs_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match=r"num_envs=.*invalid; allowed: an integer >= 1") as err:
        gym.make_vec(LIH4, num_envs=bad, vectorization_mode="vector_entry_point")
    assert repr(bad) in str(err.value)


def test_bad_actions_autoreset_mode_and_step_before_reset():
    vec = gym.make_vec(LIH4, num_envs=2, vectorization_mode="vector_entry_point")
    with pytest.raises(RuntimeError, match="reset"):
        vec.step(np.array([0, 0]))
    vec.reset(seed=0)
    for bad in (np.array([0, 24]), np.array([-1, 0]), np.array([0]), np.array([0.5, 1.0])):
        with pytest.raises(ValueError, match=r"allowed: 2 integers in \[0, 24\)"):
            vec.step(bad)
    with pytest.raises(ValueError, match="autoreset_mode="):
        gym.make_vec(LIH4, num_envs=2, vectorization_mode="vector_entry_point", autoreset_mode="Disabled")


def test_set_level_applies_at_each_envs_next_reset_and_pickles():
    vec = gym.make_vec(LIH4, num_envs=2, vectorization_mode="vector_entry_point").unwrapped
    vec.reset(seed=0)
    vec.set_level(0.5, indices=[1])
    assert vec.curriculum_levels() == [pytest.approx(1.6e-3), 0.5]
    _, info = vec.reset()
    np.testing.assert_allclose(info["threshold"], [1.6e-3, 0.5])
    with pytest.raises(ValueError, match="threshold="):
        vec.set_level(-1.0)
    vec.step(np.array([0, 1]))
    clone = pickle.loads(pickle.dumps(vec))
    acts = np.array([5, 7])
    a, b = vec.step(acts), clone.step(acts)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[4]["energy"], b[4]["energy"])


def test_sb3_adapter_equals_dummy_vec_env():
    from qdesign.config import TrainConfig
    from qdesign.training import build_vec_env, resolve_vec_env

    def make(kind):
        cfg = TrainConfig(task="arch-search", env_id=LIH4, n_envs=3, seed=4, vec_env=kind)
        return build_vec_env(cfg)

    auto = TrainConfig(task="arch-search", env_id=LIH4, n_envs=3, vec_env="auto")
    assert resolve_vec_env(auto) == "batched" and resolve_vec_env(auto, n_envs=1) == "dummy"
    batched, dummy = make("batched"), make("dummy")
    assert type(batched.venv).__name__ == "SB3VectorAdapter"
    np.testing.assert_array_equal(batched.reset(), dummy.reset())
    rng = np.random.default_rng(0)
    ends = 0
    for _ in range(70):
        masks = np.stack(batched.env_method("action_masks"))
        np.testing.assert_array_equal(masks, np.stack(dummy.env_method("action_masks")))
        np.testing.assert_array_equal(masks, batched.venv.action_masks())
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
        (o1, r1, d1, i1), (o2, r2, d2, i2) = batched.step(acts), dummy.step(acts)
        np.testing.assert_array_equal(o1, o2)
        np.testing.assert_allclose(r1, r2, atol=1e-6)
        np.testing.assert_array_equal(d1, d2)
        for a, b in zip(i1, i2):
            assert abs(a["energy"] - b["energy"]) < 1e-10 and a["n_gates"] == b["n_gates"]
            assert ("terminal_observation" in a) == ("terminal_observation" in b)
            if "terminal_observation" in a:
                ends += 1
                np.testing.assert_array_equal(a["terminal_observation"], b["terminal_observation"])
                assert a["TimeLimit.truncated"] == b["TimeLimit.truncated"]
                assert a["best_actions"] == b["best_actions"] and a["episode"]["l"] == b["episode"]["l"]
                assert abs(a["episode"]["r"] - b["episode"]["r"]) < 1e-5
    assert ends >= 3
    batched.env_method("set_level", 0.25)
    assert batched.get_attr("curriculum_level") == [0.25] * 3
    assert batched.get_attr("num_qubits") == [4] * 3
    with pytest.raises(AttributeError, match="allowed: 'action_masks', 'set_level'"):
        batched.env_method("render")
    batched.close()
    dummy.close()


@pytest.mark.parametrize("agent", ["masked_dqn", "maskable_ppo"])
def test_cli_trains_on_the_batched_vector_env_and_resumes(agent, tmp_path):
    import json

    from qdesign.cli import main

    fast = ["--set", "progress_bar=false", "--set", "checkpoint_every_steps=64",
            "--set", "env_id=qdesign/ArchSearch-H2-2q-v0"]
    if agent == "maskable_ppo":
        fast += ["--set", "agent_kwargs.n_steps=32", "--set", "agent_kwargs.batch_size=32"]
    else:
        fast += ["--set", "agent_kwargs.learning_starts=32"]
    run = tmp_path / "arch-search" / "r"
    code = main(["train", "arch-search", "--agent", agent, "--n-envs", "4", "--timesteps", "128",
                 "--out", str(tmp_path), "--name", "r", *fast])
    assert code == 0
    assert json.loads((run / "summary.json").read_text())["num_timesteps"] >= 128
    code = main(["train", "--resume", str(run), "--timesteps", "256"])
    assert code == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["resumed"] and summary["num_timesteps"] >= 256


def test_energies_equal_single_envs_to_the_bit_on_every_kernel_path():
    """The vector env's energies and angles are the single envs' exactly (==) whichever way it solves:
    the real-H kernels in one merged call (default, 2 threads or 1), or the complex-H kernels in two."""
    n, seed = 3, 11
    singles = [gym.make(LIH4) for _ in range(n)]
    vecs = [gym.make_vec(LIH4, num_envs=n, vectorization_mode="vector_entry_point", threads=t,
                         autoreset_mode=AutoresetMode.SAME_STEP) for t in (2, 1, 2)]
    vecs[2].unwrapped._hreal = None  # the complex-H path (stationarity from a first solve, then a second)
    for i, env in enumerate(singles):
        env.reset(seed=seed + i)
    for vec in vecs:
        vec.reset(seed=seed)
    rng = np.random.default_rng(seed)
    ends = 0
    for _ in range(60):
        masks = vecs[0].action_masks()
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
        energies, done = [], []
        for env, a in zip(singles, acts):
            _, _, term, trunc, info = env.step(int(a))
            energies.append(info["energy"])
            done.append(term or trunc)
            if term or trunc:
                env.reset()
        ends += sum(done)
        for vec in vecs:
            _, _, _, _, info = vec.step(acts)
            got = [info["final_info"]["energy"][i] if d else info["energy"][i] for i, d in enumerate(done)]
            assert got == energies
    assert ends >= 2
    for i, env in enumerate(singles):
        for vec in vecs:
            u = vec.unwrapped
            assert np.array_equal(u._thetas[i, :u._np[i]], env.unwrapped._thetas)


@pytest.mark.parametrize("env_id", ["qdesign/ArchSearch-LiH6-v0", "qdesign/ArchSearch-H2O8-v0"])
def test_threaded_step_kernel_keeps_energies_angles_and_random_streams_of_single_envs(env_id, monkeypatch):
    """The one-call step (``bfgs_step_batch_real`` on 2 threads claiming jobs as they go, the further
    starts drawn ahead and the stream rewound after a non-stationary start) leaves every env exactly
    where a single env is: energies and angles (==) and the state of its random stream, step by step."""
    from qdesign.quantum import _kernels as _k

    starts = {True: 0, False: 0}  # warm starts with angles, stationary or not
    keep = _k.keep_best_starts

    def counting(circ, plen, gmax0, tol, *args):
        for p, g in zip(plen, gmax0):
            if p:
                starts[bool(g < tol)] += 1
        return keep(circ, plen, gmax0, tol, *args)

    monkeypatch.setattr(_k, "keep_best_starts", counting)
    n, seed = 4, 5
    singles = [gym.make(env_id) for _ in range(n)]
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", threads=2,
                       autoreset_mode=AutoresetMode.SAME_STEP)
    u = vec.unwrapped
    assert u._hreal is not None and u.threads == 2
    for i, env in enumerate(singles):
        env.reset(seed=seed + i)
    vec.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(30):
        acts = np.array([rng.choice(np.flatnonzero(m)) for m in vec.action_masks()])
        energies = []
        for env, a in zip(singles, acts):
            _, _, term, trunc, info = env.step(int(a))
            energies.append(info["energy"])
            if term or trunc:
                env.reset()
        _, _, _, _, info = vec.step(acts)
        assert list(info["energy"]) == energies
        for i, env in enumerate(singles):
            assert u._rngs[i].bit_generator.state == env.unwrapped.np_random.bit_generator.state
            assert np.array_equal(u._thetas[i, :u._np[i]], env.unwrapped._thetas)
    assert starts[True] > 0 and starts[False] > 0  # both branches ran (nearby point; stream rewound)


def test_step_kernel_on_any_number_of_threads_equals_one_solve_per_start():
    """``bfgs_step_batch_real`` called by 1, 2 or 3 threads at once gives, job by job, what one
    ``bfgs_adjoint_real`` call per start gives (each job run once, none skipped), and
    ``keep_best_starts`` keeps the start ``AdjointBFGS.minimize`` keeps."""
    from concurrent.futures import ThreadPoolExecutor

    from qdesign.quantum import _kernels as _k

    vec = gym.make_vec("qdesign/ArchSearch-LiH6-v0", num_envs=5, vectorization_mode="vector_entry_point",
                       threads=1).unwrapped
    vec.reset(seed=2)
    rng = np.random.default_rng(2)
    for _ in range(9):
        vec.step(np.array([rng.choice(np.flatnonzero(m)) for m in vec.action_masks()]))
    idx = np.arange(5, dtype=np.int64)
    idx_p = vec._np[idx].copy()
    x0 = vec._thetas[idx].copy()
    reps = 2
    z = rng.standard_normal((5, (reps + 1) * vec._P))
    indptr, indices, _, const = vec._csr
    hre, hdense = vec._hreal
    n_jobs = 5 * (reps + 2)
    results = []
    for threads in (1, 2, 3):
        f0, g0, gmax0 = np.zeros(5), np.zeros((5, vec._P)), np.zeros(5)
        xout, fout = np.zeros((n_jobs, vec._P)), np.zeros(n_jobs)
        counters, done = np.zeros(2, dtype=np.int64), np.zeros(5, dtype=np.int64)
        order = rng.permutation(n_jobs)
        stationary = 1e-6 if threads != 3 else 1e9  # threads == 3: every start counts as stationary

        def run(stationary=stationary, f0=f0, g0=g0, gmax0=gmax0, xout=xout, fout=fout, counters=counters,
                done=done, order=order):
            _k.bfgs_step_batch_real(vec._kind, vec._q0, vec._q1, vec._param, vec._mats, vec._glen, idx, x0,
                                    idx_p, vec.num_qubits, indptr, indices, hre, hdense, const, 200, 1e-8,
                                    stationary, 0.1, 0.3, reps, z, order, counters, done, f0, g0, gmax0, xout,
                                    fout)

        with ThreadPoolExecutor(threads) as pool:
            for fut in [pool.submit(run) for _ in range(threads)]:
                fut.result()
        assert counters[0] >= 5 and counters[1] >= n_jobs and np.all(done == 1)
        for e in range(5):
            p, m = int(idx_p[e]), int(vec._glen[e])
            still = gmax0[e] < stationary
            starts = {0: x0[e, :p]}
            if still:
                starts[1] = x0[e, :p] + (0.0 + 0.1 * z[e, :p])
            for r in range(reps):
                b = r + int(still)
                starts[2 + r] = x0[e, :p] + (0.0 + 0.3 * z[e, b * p:(b + 1) * p])
            for k in range(reps + 2):
                j = e * (reps + 2) + k
                if k not in starts or (p == 0 and k > 0):
                    assert fout[j] == np.inf
                    continue
                xo, st = np.zeros(p), np.zeros(3)
                f = _k.bfgs_adjoint_real(vec._kind[e, :m], vec._q0[e, :m], vec._q1[e, :m], vec._param[e, :m],
                                         vec._mats[e, :m], starts[k].copy(), vec.num_qubits, indptr, indices,
                                         hre, hdense, const, 200, 1e-8, xo, st)
                assert f == fout[j] and np.array_equal(xo, xout[j, :p])
                if k == 0:
                    assert st[2] == gmax0[e]
        thetas, energy = np.zeros_like(vec._thetas), np.zeros(5)
        _k.keep_best_starts(idx, idx_p, gmax0, stationary, xout, fout, thetas, energy)
        for e in range(5):
            jobs = [e * (reps + 2)] + ([e * (reps + 2) + 1] if gmax0[e] < stationary and idx_p[e] else []) + [
                e * (reps + 2) + 2 + r for r in range(reps) if idx_p[e]]
            best = jobs[0]
            for j in jobs[1:]:
                if fout[j] < fout[best]:
                    best = j
            assert energy[e] == fout[best]
        results.append(fout.copy())
    assert np.array_equal(results[0], results[1])
    # a job whose warm-start gradient is not published yet evaluates it itself: the same solves
    counters, done = np.array([5, 0], dtype=np.int64), np.zeros(5, dtype=np.int64)  # gradients "claimed"
    xout, fout = np.zeros((n_jobs, vec._P)), np.zeros(n_jobs)
    _k.bfgs_step_batch_real(vec._kind, vec._q0, vec._q1, vec._param, vec._mats, vec._glen, idx, x0, idx_p,
                            vec.num_qubits, indptr, indices, hre, hdense, const, 200, 1e-8, 1e-6, 0.1, 0.3,
                            reps, z, rng.permutation(n_jobs), counters, done, np.zeros(5),
                            np.zeros((5, vec._P)), np.zeros(5), xout, fout)
    assert not done.any() and np.array_equal(fout, results[0])
