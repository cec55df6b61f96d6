"""Statistics of the solver benchmark: the certified policy gap and the bootstrap CI of a median."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from solvers_instances import Instance


def policy_gap_bound(inst: Instance, gamma: float, policy, V_start=None, target: float = 1e-11):
    """Certified upper bound on ``max_s V*(s) - V^pi(s)`` and an approximation of V^pi.

    With ``V`` any vector, ``r = T_pi V - V`` and ``d = T V - V``:
    ``V^pi >= V - |r|/(1-gamma)`` and ``V* <= V + |d|/(1-gamma)`` (contraction), so
    ``V* - V^pi <= (|d|_inf + |r|_inf) / (1 - gamma)``. V is V^pi computed by a dense LU
    solve (S <= 3000) or by iterating T_pi from ``V_start`` until ``|r|/(1-gamma) <= target``.
    Returns ``(gap_bound, V, eval_error_bound)``.
    """
    S, A = inst.S, inst.A
    pi = np.asarray(policy, dtype=np.int64).reshape(S)
    rows = np.arange(S) * A + pi
    P2d = inst.P2d
    Ppi = P2d[rows]
    Rpi = inst.R[np.arange(S), pi]
    if not sp.issparse(Ppi) and S <= 3000:
        V = np.linalg.solve(np.eye(S) - gamma * Ppi, Rpi)
    else:
        Ppi = sp.csr_matrix(Ppi)
        V = np.zeros(S) if V_start is None else np.array(V_start, dtype=float)
        for _ in range(200000):
            V_new = Rpi + gamma * (Ppi @ V)
            r = np.abs(V_new - V).max()
            V = V_new
            if r / (1.0 - gamma) <= target:
                break
    r = np.abs(Rpi + gamma * (Ppi @ V) - V).max()
    d = np.abs((inst.R + gamma * (P2d @ V).reshape(S, A)).max(axis=1) - V).max()
    return float((d + r) / (1.0 - gamma)), V, float(r / (1.0 - gamma))


def _median_ci(x, level: float = 0.95, n_boot: int = 10_000) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the median of ``x`` (fixed seed)."""
    x = np.asarray(x, dtype=float)
    rng = np.random.default_rng(0)
    meds = np.median(rng.choice(x, size=(n_boot, x.size)), axis=1)
    a = (1.0 - level) / 2.0
    return float(np.quantile(meds, a)), float(np.quantile(meds, 1.0 - a))
