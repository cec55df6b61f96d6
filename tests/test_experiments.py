"""Runner, Experiment and registries: exact regret, seeding, determinism across backends.

The learners used here are defined in this file (no dependency on the classical learners).
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mdpkit import TabularMDP
from mdpkit.algorithms.base import BanditLearner, EpisodicLearner
from mdpkit.experiments import Experiment, register_env, register_learner, run, run_seed
from mdpkit.experiments.registry import get_learner


# ------------------------------------------------------------------------ test learners
class FixedPolicy(EpisodicLearner):
    """Always commits to ``policy`` (int (H, S) or float (H, S, A)); samples from it."""

    provenance = "test learner"

    def __init__(self, env_info, rng, policy, burn=0):
        self.pi = np.asarray(policy)
        self.rng = rng
        self.burn = burn  # extra draws from the learner stream (must not disturb the env)

    def begin_episode(self):
        if self.burn:
            self.rng.random(self.burn)
        return self.pi

    def act(self, h, s):
        if self.pi.dtype.kind in "iu":
            return int(self.pi[h, s])
        return int(self.rng.choice(self.pi.shape[-1], p=self.pi[h, s]))

    def update(self, h, s, a, r, s_next):
        pass


class RandomCommit(EpisodicLearner):
    """Commits each episode to a fresh random deterministic policy drawn from its rng."""

    provenance = "test learner"

    def __init__(self, env_info, rng):
        self.S, self.A, self.H = env_info["S"], env_info["A"], env_info["H"]
        self.rng = rng
        self.n = 0

    def begin_episode(self):
        self.pi = self.rng.integers(self.A, size=(self.H, self.S))
        return self.pi

    def act(self, h, s):
        return int(self.pi[h, s])

    def update(self, h, s, a, r, s_next):
        self.n += 1

    def info(self):
        return {"steps_seen": self.n, "first_action": float(self.pi[0, 0])}


class Liar(RandomCommit):
    """Acts against the policy it committed to."""

    def act(self, h, s):
        return (int(self.pi[h, s]) + 1) % self.A


class FixedArm(BanditLearner):
    provenance = "test learner"

    def __init__(self, env_info, rng, arm=0):
        self.arm = arm

    def act(self):
        return self.arm

    def update(self, a, r):
        pass


class RandomArm(BanditLearner):
    provenance = "test learner"

    def __init__(self, env_info, rng):
        self.n, self.rng, self.t = env_info["n_actions"], rng, 0

    def act(self):
        return int(self.rng.integers(self.n))

    def update(self, a, r):
        self.t += 1

    def info(self):  # a key appearing only on even rounds -> NaN elsewhere
        return {"even": 1.0} if self.t % 2 == 0 else {}


class FastOnly(BanditLearner):
    """Has a fast path: regret = 0.25 every round, reward = the round index, one info column."""

    provenance = "test learner"

    def __init__(self, env_info, rng, length_offset=0, bad_key=None):
        self.offset, self.bad_key = length_offset, bad_key

    def act(self):  # pragma: no cover - the runner must use fast_run
        raise AssertionError("generic loop used although fast_run exists")

    def update(self, a, r):  # pragma: no cover
        raise AssertionError("generic loop used although fast_run exists")

    def fast_run(self, env, n_steps, rng):
        n = n_steps + self.offset
        out = {"regret": np.full(n, 0.25), "reward": np.arange(n, dtype=float), "u": rng.random(n)}
        if self.bad_key:
            out[self.bad_key] = np.zeros(n)
        return out


class ClashInfo(RandomArm):
    def info(self):
        return {"regret": 1.0}


class NoPolicy(RandomCommit):
    def begin_episode(self):
        super().begin_episode()
        return None


class BadAction(RandomArm):
    def act(self):
        return self.n  # out of range


for _name, _cls in [
    ("t-fixed", FixedPolicy),
    ("t-random-commit", RandomCommit),
    ("t-liar", Liar),
    ("t-fixed-arm", FixedArm),
    ("t-random-arm", RandomArm),
    ("t-fast", FastOnly),
    ("t-clash", ClashInfo),
    ("t-nopolicy", NoPolicy),
    ("t-badaction", BadAction),
]:
    register_learner(_name)(_cls)


# ------------------------------------------------------------------------------ models
def two_state_mdp():
    """S = A = H = 2, start in state 0. Action 0 stays, action 1 switches.
    R[0] = (0, 0.5), R[1] = (1, 0).

    By hand: V*_1 = (0.5, 1), V*_0(0) = max(0 + 0.5, 0.5 + 1) = 1.5.
    Always action 0 from state 0: value 0.
    Uniform random policy: V_1 = (0.25, 0.5); V_0(0) = 0.5 (0 + 0.25) + 0.5 (0.5 + 0.5) = 0.625.
    """
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = 1.0
    P[0, 1, 1] = P[1, 1, 0] = 1.0
    R = np.array([[0.0, 0.5], [1.0, 0.0]])
    return TabularMDP(P, R, horizon=2, mu=[1.0, 0.0])


def random_mdp(seed=0, S=5, A=3, H=4):
    rng = np.random.default_rng(seed)
    return TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A)), horizon=H)


# ------------------------------------------------------------------------ exact regret
def test_regret_of_fixed_deterministic_policy_is_hand_computed():
    mdp = two_state_mdp()
    exp = Experiment(
        "tabular",
        "t-fixed",
        n_steps=7,
        n_seeds=2,
        env_params={"mdp": mdp},
        learner_params={"policy": np.zeros((2, 2), dtype=np.int64)},
    )
    df = run(exp)
    assert list(df.columns) == ["algorithm", "seed", "k", "regret", "cum_regret", "reward"]
    assert len(df) == 14
    assert (df["regret"] == 1.5).all()
    assert (df["reward"] == 0.0).all()  # stays in state 0 with reward 0
    assert np.array_equal(df["k"].to_numpy(), np.tile(np.arange(1, 8), 2))
    assert np.array_equal(df["seed"].to_numpy(), np.repeat([0, 1], 7))
    assert (df["algorithm"] == "t-fixed").all()
    np.testing.assert_array_equal(df.loc[df.seed == 1, "cum_regret"], 1.5 * np.arange(1, 8))


def test_regret_of_optimal_policy_is_exactly_zero_and_reward_realised():
    mdp = two_state_mdp()
    pi_star = np.array([[1, 1], [1, 0]])  # switch at h=0 from state 0, then stay in state 1
    df = run(
        Experiment(
            "tabular",
            "t-fixed",
            n_steps=5,
            n_seeds=1,
            env_params={"mdp": mdp},
            learner_params={"policy": pi_star},
        )
    )
    assert (df["regret"] == 0.0).all()
    assert (df["reward"] == 1.5).all()


def test_regret_of_committed_stochastic_policy_uses_its_exact_value():
    mdp = two_state_mdp()
    uniform = np.full((2, 2, 2), 0.5)
    df = run(
        Experiment(
            "tabular",
            "t-fixed",
            n_steps=400,
            n_seeds=1,
            env_params={"mdp": mdp},
            learner_params={"policy": uniform},
        )
    )
    assert np.allclose(df["regret"], 1.5 - 0.625, rtol=0, atol=1e-15)
    # realised rewards vary around the value 0.625 (they are not the regret's source)
    assert set(np.unique(df["reward"])) <= {0.0, 0.5, 1.0, 1.5}
    assert df["reward"].nunique() > 1
    # 400 episodes, reward sd <= 0.75: |mean - 0.625| > 0.15 has probability < 1e-4 (5.3 sd)
    assert abs(df["reward"].mean() - 0.625) < 0.15


def test_cum_regret_is_cumsum_and_info_columns():
    mdp = random_mdp()
    df = run(
        Experiment("tabular", "t-random-commit", n_steps=30, n_seeds=3, env_params={"mdp": mdp})
    )
    assert list(df.columns)[-2:] == ["steps_seen", "first_action"]
    for _, g in df.groupby("seed"):
        np.testing.assert_array_equal(g["cum_regret"].to_numpy(), np.cumsum(g["regret"].to_numpy()))
        np.testing.assert_array_equal(g["steps_seen"].to_numpy(), 4.0 * np.arange(1, 31))
    assert (df["regret"] >= -1e-12).all()
    assert df["regret"].nunique() > 1


def test_regret_matches_independent_evaluation():
    """Recompute each episode's regret from the learner's stream with a brute-force evaluator."""
    mdp = random_mdp(3, S=4, A=2, H=3)
    exp = Experiment("tabular", "t-random-commit", n_steps=20, n_seeds=2, env_params={"mdp": mdp})
    df = run(exp)
    P, R, mu, H = mdp.P, mdp.R, mdp.mu, mdp.H

    def value(pi):  # expectation over all trajectories, by enumeration
        import itertools

        total = 0.0
        for s0 in range(mdp.S):
            for path in itertools.product(range(mdp.S), repeat=H - 1):
                states = (s0,) + path
                p, r = mu[s0], 0.0
                for h in range(H):
                    a = pi[h, states[h]]
                    r += R[states[h], a]
                    if h < H - 1:
                        p *= P[states[h], a, states[h + 1]]
                total += p * r
        return total

    all_pis = [
        np.array(list(p)).reshape(H, mdp.S)
        for p in __import__("itertools").product(range(mdp.A), repeat=H * mdp.S)
    ]
    v_star = max(value(pi) for pi in all_pis)
    for seed in (0, 1):
        child = np.random.SeedSequence(0).spawn(2)[seed]
        _, learner_seq = child.spawn(2)
        rng = np.random.default_rng(learner_seq)
        expected = [v_star - value(rng.integers(mdp.A, size=(H, mdp.S))) for _ in range(20)]
        np.testing.assert_allclose(df.loc[df.seed == seed, "regret"], expected, rtol=0, atol=1e-12)


def test_bandit_regret_is_gap_and_missing_info_is_nan():
    means = [0.2, 0.9, 0.5]
    df = run(
        Experiment(
            "bernoulli-bandit",
            "t-fixed-arm",
            n_steps=50,
            n_seeds=2,
            env_params={"means": means},
            learner_params={"arm": 2},
        )
    )
    assert np.allclose(df["regret"], 0.4, atol=1e-15)
    assert set(df["reward"]) <= {0.0, 1.0}
    df2 = run(
        Experiment(
            "bernoulli-bandit", "t-random-arm", n_steps=10, n_seeds=1, env_params={"means": means}
        )
    )
    gaps = 0.9 - np.array(means)
    # the learner's arms are not recorded; regret must be one of the gaps
    assert np.isin(df2["regret"], gaps).all()
    assert df2["even"].isna().sum() == 5 and (df2["even"].dropna() == 1.0).all()


def test_fast_path_is_used_and_checked():
    df = run(
        Experiment(
            "gaussian-bandit", "t-fast", n_steps=6, n_seeds=2, env_params={"means": [0.0, 1.0]}
        )
    )
    assert (df["regret"] == 0.25).all()
    np.testing.assert_array_equal(df["cum_regret"], np.tile(0.25 * np.arange(1, 7), 2))
    np.testing.assert_array_equal(df["reward"], np.tile(np.arange(6.0), 2))
    assert list(df.columns) == ["algorithm", "seed", "k", "regret", "cum_regret", "reward", "u"]
    # the rng passed to fast_run is the env's stream: seed 0 and 1 differ
    assert not np.array_equal(df.loc[df.seed == 0, "u"], df.loc[df.seed == 1, "u"])
    with pytest.raises(ValueError, match="shape"):
        run(
            Experiment(
                "gaussian-bandit",
                "t-fast",
                n_steps=6,
                n_seeds=1,
                env_params={"means": [0.0]},
                learner_params={"length_offset": 1},
            )
        )
    with pytest.raises(ValueError, match="clashes"):
        run(
            Experiment(
                "gaussian-bandit",
                "t-fast",
                n_steps=6,
                n_seeds=1,
                env_params={"means": [0.0]},
                learner_params={"bad_key": "cum_regret"},
            )
        )


# ------------------------------------------------------------------------------ seeds
def test_seed_streams_follow_the_contract():
    exp = Experiment(
        "tabular",
        "t-random-commit",
        n_steps=3,
        n_seeds=5,
        root_seed=42,
        env_params={"mdp": random_mdp()},
    )
    children = np.random.SeedSequence(42).spawn(5)
    for i in range(5):
        assert np.array_equal(exp.seed_sequence(i).generate_state(4), children[i].generate_state(4))
    # seed i does not depend on n_seeds
    a = run(exp.replace(n_seeds=2))
    b = run(exp)
    pd.testing.assert_frame_equal(a, b[b.seed < 2].reset_index(drop=True), check_exact=True)


def test_env_and_learner_streams_are_separate():
    mdp = random_mdp(1)
    pi = np.zeros((mdp.H, mdp.S), dtype=np.int64)
    base = dict(env="tabular", learner="t-fixed", n_steps=40, n_seeds=2, env_params={"mdp": mdp})
    a = run(Experiment(**base, learner_params={"policy": pi}))
    b = run(Experiment(**base, learner_params={"policy": pi, "burn": 17}))
    np.testing.assert_array_equal(a["reward"], b["reward"])  # same env trajectory
    assert a["reward"].nunique() > 1


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_bit_identical_across_n_jobs_and_dask(dask_client):
    exps = [
        Experiment(
            "tabular",
            "t-random-commit",
            n_steps=25,
            n_seeds=4,
            root_seed=7,
            env_params={"mdp": random_mdp(2), "reward_dist": "bernoulli"},
        ),
        Experiment(
            "linear-bandit",
            "t-random-arm",
            n_steps=40,
            n_seeds=3,
            root_seed=1,
            env_params={"n_actions": 6, "d": 3},
        ),
    ]
    for exp in exps:
        serial = run(exp, n_jobs=1)
        local = run(exp, n_jobs=2)
        dask = run(exp, scheduler=dask_client)
        pd.testing.assert_frame_equal(serial, local, check_exact=True)
        pd.testing.assert_frame_equal(serial, dask, check_exact=True)
        assert serial.attrs["hash"] == exp.hash
    addr = run(exps[1], scheduler=dask_client.scheduler.address)
    pd.testing.assert_frame_equal(run(exps[1]), addr, check_exact=True)


# ------------------------------------------------------------------------- experiment
def test_experiment_hash_and_immutability():
    mdp = random_mdp()
    e = Experiment("tabular", "t-random-commit", n_steps=10, n_seeds=3, env_params={"mdp": mdp})
    same = Experiment(
        "tabular",
        "t-random-commit",
        n_steps=10,
        n_seeds=9,
        name="label",
        env_params={"mdp": random_mdp()},
    )
    assert e.hash == same.hash  # n_seeds and name are not hashed; equal MDPs hash equal
    assert e.name == "t-random-commit@tabular" and same.algorithm == "label"
    assert e.replace(n_steps=11).hash != e.hash
    assert e.replace(root_seed=1).hash != e.hash
    assert e.replace(env_params={"mdp": random_mdp(5)}).hash != e.hash
    p1 = Experiment(
        "bernoulli-bandit", "t-fixed-arm", 5, 1, env_params={"n_arms": 3}, learner_params={"arm": 1}
    )
    assert p1.replace(learner_params={"arm": 1.0}).hash != p1.hash  # int and float differ
    assert p1.replace(learner_params={"arm": 2}).hash != p1.hash
    with pytest.raises(AttributeError):
        p1.n_steps = 3
    with pytest.raises(TypeError):
        p1.learner_params["arm"] = 2
    arr = np.array([0.1, 0.9])
    p2 = Experiment("bernoulli-bandit", "t-fixed-arm", 5, 1, env_params={"means": arr})
    arr[0] = 0.5  # the experiment holds a copy
    assert p2.env_params["means"][0] == 0.1
    assert (
        p2.hash
        == Experiment(
            "bernoulli-bandit", "t-fixed-arm", 5, 1, env_params={"means": np.array([0.1, 0.9])}
        ).hash
    )
    assert (
        p2.hash
        != Experiment(
            "bernoulli-bandit",
            "t-fixed-arm",
            5,
            1,
            env_params={"means": np.array([0.1, 0.9000001])},
        ).hash
    )
    desc = p2.description()
    assert desc["hash"] == p2.hash and json.loads(json.dumps(desc)) == desc


def test_experiment_hash_is_stable_across_processes():
    code = (
        "from mdpkit.experiments import Experiment; "
        "print(Experiment('bernoulli-bandit', 'ucb1', 100, 3, root_seed=5, "
        "env_params={'means': [0.1, 0.5]}).hash)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = Experiment(
        "bernoulli-bandit", "ucb1", 100, 7, root_seed=5, env_params={"means": [0.1, 0.5]}
    ).hash
    assert out.stdout.strip() == here


def test_pickle_roundtrip_keeps_hash():
    import pickle

    e = Experiment(
        "tabular",
        "t-random-commit",
        n_steps=10,
        n_seeds=3,
        env_params={"mdp": random_mdp()},
        name="x",
    )
    e2 = pickle.loads(pickle.dumps(e))
    assert e2 == e and e2.hash == e.hash and e2.name == "x"


# -------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(env="nope"), ValueError, "env='nope' is not a registered env"),
        (dict(learner="nope"), ValueError, "learner='nope'"),
        (dict(env=3), TypeError, "env"),
        (dict(n_steps=0), ValueError, "n_steps must be >= 1"),
        (dict(n_steps=2.5), TypeError, "n_steps"),
        (dict(n_seeds=0), ValueError, "n_seeds"),
        (dict(root_seed=-1), ValueError, "root_seed"),
        (dict(env_params=[1]), TypeError, "env_params must be a dict"),
        (dict(learner_params={"x": object()}), TypeError, r"learner_params\['x'\]"),
        (dict(learner_params={"x": float("nan")}), ValueError, "finite"),
        (dict(learner_params={1: 2}), TypeError, "keys must be str"),
        (dict(name=5), TypeError, "name"),
    ],
)
def test_experiment_bad_input(kwargs, exc, match):
    base = dict(
        env="bernoulli-bandit",
        learner="t-fixed-arm",
        n_steps=5,
        n_seeds=1,
        env_params={"n_arms": 2},
    )
    base.update(kwargs)
    with pytest.raises(exc, match=match):
        Experiment(**base)


def test_run_bad_input():
    exp = Experiment(
        "bernoulli-bandit", "t-fixed-arm", n_steps=5, n_seeds=1, env_params={"n_arms": 2}
    )
    with pytest.raises(TypeError, match="experiment"):
        run("exp")
    with pytest.raises(ValueError, match="n_jobs"):
        run(exp, n_jobs=0)
    with pytest.raises(TypeError, match="n_jobs"):
        run(exp, n_jobs=1.0)
    with pytest.raises(TypeError, match="scheduler"):
        run(exp, scheduler=3)
    with pytest.raises(ValueError, match="not both"):
        run(exp, n_jobs=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="seed must be in"):
        run_seed(exp, 1)


def test_protocol_violations_are_reported():
    mdp = random_mdp()
    with pytest.raises(RuntimeError, match="does not take"):
        run(Experiment("tabular", "t-liar", 3, 1, env_params={"mdp": mdp}))
    with pytest.raises(TypeError, match="begin_episode"):
        run(Experiment("tabular", "t-nopolicy", 3, 1, env_params={"mdp": mdp}))
    with pytest.raises(ValueError, match="outside"):
        run(Experiment("bernoulli-bandit", "t-badaction", 3, 1, env_params={"n_arms": 2}))
    with pytest.raises(ValueError, match="clashes"):
        run(Experiment("bernoulli-bandit", "t-clash", 3, 1, env_params={"n_arms": 2}))
    with pytest.raises(TypeError, match="lacks"):  # bandit learner on an episodic env
        run(Experiment("tabular", "t-fixed-arm", 3, 1, env_params={"mdp": mdp}))
    with pytest.raises(ValueError, match="policy"):  # committed policy of the wrong shape
        run(
            Experiment(
                "tabular",
                "t-fixed",
                3,
                1,
                env_params={"mdp": mdp},
                learner_params={"policy": np.zeros((2, 2), dtype=np.int64)},
            )
        )


def test_registry_refuses_conflicting_names():
    def other(env_info, rng):  # pragma: no cover - never built
        return None

    with pytest.raises(ValueError, match="already registered"):
        register_learner("t-fixed")(other)
    with pytest.raises(ValueError, match="name"):
        register_env("bad name!")
    register_learner("t-fixed")(FixedPolicy)  # same function again: allowed
    assert get_learner("t-fixed") is FixedPolicy


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    exp = Experiment(
        "bernoulli-bandit",
        "t-fixed-arm",
        n_steps=5,
        n_seeds=3,
        env_params={"n_arms": 2},
        name="progress-check",
    )
    run(exp)  # stderr is captured (not a terminal): silent
    assert capsys.readouterr().err == ""
    run(exp, progress=True)
    assert "progress-check" in capsys.readouterr().err
    with pytest.raises(TypeError, match="progress"):
        run(exp, progress="yes")


def test_top_level_names():
    import mdpkit

    assert mdpkit.run is run and mdpkit.Experiment is Experiment
    from mdpkit.experiments import load

    assert mdpkit.load is load


def test_worker_errors_propagate(dask_client, tmp_path):
    exp = Experiment("tabular", "t-liar", 3, 3, env_params={"mdp": random_mdp()})
    with pytest.raises(RuntimeError, match="does not take"):
        run(exp, n_jobs=2)
    with pytest.raises(RuntimeError, match="does not take"):
        run(exp, scheduler=dask_client, store=tmp_path)
    assert list((tmp_path / exp.hash).glob("seed-*")) == []  # nothing half-written


class InPlaceRewriter(RandomCommit):
    """Commits a policy, then rewrites that same array in place during the episode and acts
    by the rewritten entries: the runner must judge the actions (and the regret) against the
    policy as committed, so it must hold its own copy."""

    def act(self, h, s):
        self.pi[h, s] = (self.pi[h, s] + 1) % self.A
        return int(self.pi[h, s])


register_learner("t-inplace-rewriter")(InPlaceRewriter)


def test_runner_keeps_its_own_copy_of_the_committed_policy():
    """A learner that mutates its committed array in place and acts by the mutated entries
    is caught (RuntimeError), because the runner compares against its copy."""
    mdp = random_mdp()
    with pytest.raises(RuntimeError, match="does not take"):
        run(Experiment("tabular", "t-inplace-rewriter", 3, 1, env_params={"mdp": mdp}))


class RngProbe(BanditLearner):
    """Records the first uniform of the stream the runner hands it."""

    provenance = "test learner"

    def __init__(self, env_info, rng):
        self.probe = float(rng.random())

    def act(self):
        return 0

    def update(self, a, r):
        pass

    def info(self):
        return {"probe": self.probe}


register_learner("t-rng-probe")(RngProbe)


def test_learner_stream_is_the_second_child_of_the_seed():
    """Stream contract, recomputed here from numpy only: seed i's learner gets
    ``default_rng(SeedSequence(root).spawn(n)[i].spawn(2)[1])``; the env gets child [0] --
    so the two streams differ (a learner seeded like its env would share its noise)."""
    exp = Experiment(
        "bernoulli-bandit",
        "t-rng-probe",
        n_steps=2,
        n_seeds=3,
        root_seed=11,
        env_params={"n_arms": 2},
    )
    df = run(exp)
    for i in range(3):
        env_seq, learner_seq = np.random.SeedSequence(11).spawn(3)[i].spawn(2)
        got = df[df.seed == i]["probe"].to_numpy()
        assert np.all(got == np.random.default_rng(learner_seq).random())
        assert np.all(got != np.random.default_rng(env_seq).random())
