"""The radius multiplier ``c_beta`` scales every confidence radius of every compared
algorithm identically (docs/papers/linear-mixture.md, section "c_beta").

The radii are intercepted where the kernels receive them: the generic (per-step) path of
each algorithm calls its compiled kernels through module globals, which the test wraps
to record every radius argument; fast == generic (tested elsewhere) carries the result
to the compiled loops."""

import numpy as np
import pytest

from mdpkit.algorithms.linear_mixture import hf_ucrl_rfe, ucrl_rfe, vtr_regret
from mdpkit.algorithms.linear_mixture.common import reward_dictionary
from mdpkit.experiments import interact
from mdpkit.experiments.registry import get_env, get_learner
from mdpkit.models.linear_mixture import rand_lm

N_EP = 6


def _wrap(monkeypatch, module, name, log, pick):
    """Replace ``module.name`` by a wrapper appending ``pick(args)`` (a dict of named
    radii) to ``log`` before calling the compiled kernel."""
    orig = getattr(module, name)

    def wrapper(*args):
        for key, v in pick(args).items():
            log.setdefault(key, []).append(float(v))
        return orig(*args)

    monkeypatch.setattr(module, name, wrapper)


def _hf_rfe(c_beta, monkeypatch, oracle="exact"):
    log = {}
    _wrap(
        monkeypatch,
        hf_ucrl_rfe,
        "hf_begin",
        log,
        lambda a: {"begin beta_k": a[6], "beta_K (u, V^)": a[5].beta},
    )
    _wrap(monkeypatch, hf_ucrl_rfe, "hf_step", log, lambda a: {"step beta_k (HOME)": a[6]})
    m = rand_lm(4, 2, 3, 4, rng=0)
    rd = reward_dictionary(m, 4, np.random.default_rng(1))
    ex = hf_ucrl_rfe.HFUCRLRFE(m, 32, 3, rdict=rd, c_beta=c_beta, fast=False, oracle=oracle)
    ex.explore(N_EP, np.random.default_rng(2))
    return log


def _rfe(cls, c_beta, monkeypatch):
    log = {}
    _wrap(monkeypatch, ucrl_rfe, "rfe_plan", log, lambda a: {"plan beta": a[3].beta})
    _wrap(
        monkeypatch,
        ucrl_rfe,
        "rfe_plus_step",
        log,
        lambda a: {"beta_check": a[4].beta_check, "beta_tilde": a[4].beta_tilde},
    )
    m = rand_lm(4, 2, 3, 4, rng=0)
    ex = cls(m, 32, 3, c_beta=c_beta, fast=False)
    ex.explore(N_EP, np.random.default_rng(2))
    return log


def _vtr(name, c_beta, monkeypatch):
    log = {}
    _wrap(monkeypatch, vtr_regret, "vtr_plan", log, lambda a: {"plan beta": a[4]})
    if name == "hf-ucrl-vtr-plus":
        pick = lambda a: {"update beta_k (HOME)": a[6]}  # noqa: E731
    else:
        pick = lambda a: {"beta_check": a[7].beta_check, "beta_tilde": a[7].beta_tilde}  # noqa: E731
    _wrap(monkeypatch, vtr_regret, "vtr_update", log, pick)
    env = get_env("linear-mixture")(
        np.random.default_rng(0), family="rand", H=4, S=4, A=2, d=3, mdp_seed=1
    )
    info = dict(env.env_info(), n_steps=N_EP)
    learner = get_learner(name)(info, np.random.default_rng(1), c_beta=c_beta, fast=False)
    interact(env, learner, N_EP)
    return log


ALGS = {
    "HF-UCRL-RFE++": (_hf_rfe, {"begin beta_k", "beta_K (u, V^)", "step beta_k (HOME)"}),
    "HF-UCRL-RFE++ decoupled": (
        lambda c, mp: _hf_rfe(c, mp, "decoupled"),
        {"begin beta_k", "beta_K (u, V^)", "step beta_k (HOME)"},
    ),
    "UCRL-RFE": (lambda c, mp: _rfe(ucrl_rfe.UCRLRFE, c, mp), {"plan beta"}),
    "UCRL-RFE+": (
        lambda c, mp: _rfe(ucrl_rfe.UCRLRFEPlus, c, mp),
        {"plan beta", "beta_check", "beta_tilde"},
    ),
    "HF-UCRL-VTR+": (
        lambda c, mp: _vtr("hf-ucrl-vtr-plus", c, mp),
        {"plan beta", "update beta_k (HOME)"},
    ),
    "UCRL-VTR+": (
        lambda c, mp: _vtr("ucrl-vtr-plus", c, mp),
        {"plan beta", "beta_check", "beta_tilde"},
    ),
}


@pytest.mark.parametrize("alg", sorted(ALGS))
@pytest.mark.parametrize("c_beta", [0.1, 0.01])
def test_c_beta_scales_every_radius(alg, c_beta, monkeypatch):
    """Every radius the kernels receive, call by call, is exactly ``c_beta`` times the one
    they receive at ``c_beta = 1`` (the radii depend on the episode index, not on the data,
    so the two runs see the same sequence); every radius is > 0, and each algorithm's
    full list of radii is intercepted (a radius left out of the scaling fails)."""
    run, names = ALGS[alg]
    with monkeypatch.context() as mp:
        ref = run(1.0, mp)
    with monkeypatch.context() as mp:
        got = run(c_beta, mp)
    assert set(ref) == names and set(got) == names
    for key in names:
        r, g = np.array(ref[key]), np.array(got[key])
        assert len(r) == len(g) >= N_EP, key
        assert np.all(r > 0), key
        np.testing.assert_allclose(g, c_beta * r, rtol=1e-13, atol=0, err_msg=key)


def test_c_beta_bad_input():
    m = rand_lm(4, 2, 3, 4, rng=0)
    for bad in (0.0, -1.0, np.inf):
        with pytest.raises(ValueError, match="c_beta"):
            ucrl_rfe.UCRLRFEPlus(m, 8, 0, c_beta=bad)
    env = get_env("linear-mixture")(0, family="rand", H=4, S=4, A=2, d=3)
    info = dict(env.env_info(), n_steps=4)
    with pytest.raises(ValueError, match="c_beta"):
        get_learner("ucrl-vtr-plus")(info, 0, c_beta=0.0)
    with pytest.raises(TypeError, match="c_beta"):
        get_learner("hf-ucrl-vtr-plus")(info, 0, c_beta="0.1")
