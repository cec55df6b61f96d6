"""``mdpkit demo``: build a few MDPs, solve each with every method, print a comparison table.

Models (seeded): a random dense MDP (Dirichlet(1) rows), a random sparse CSR MDP (5
successors per pair) and RiverSwim, each discounted (gamma = 0.95) and finite-horizon
(H = 20). Sizes (dense 100 x 4, sparse 1000 x 4, RiverSwim 50; ``--quick``: 30 x 4, 300 x 4,
10) keep the LP methods (HiGHS) to seconds; the solver benchmarks go much larger. Every method of :data:`mdpkit.solvers.api.METHODS` for the setting is run with
``tol=1e-8``. Columns: model, setting, method, ``max|V - V_ref|`` (over states, and steps
for finite horizon), wall time (numba compilation excluded by a warm-up solve on a tiny
model), ``n_iter``, ``converged``, and ``bound`` (the solver's certified bound on
``max_s V*(s) - V^policy(s)``).

Decision: the reference V_ref is policy iteration's V (exact linear solves; its policy is
optimal when it stops) for discounted models and backward induction's V (exact) for
finite-horizon ones; their own rows therefore show 0.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

__all__ = ["demo_models", "compare", "format_table", "main"]

REFERENCE = {"discounted": "pi", "finite_horizon": "backward"}


def demo_models(quick: bool = False, seed: int = 0) -> list[tuple[str, object]]:
    """(label, TabularMDP) pairs: dense, sparse, RiverSwim, discounted and finite horizon."""
    from .models.generators import random_mdp, random_sparse_mdp, riverswim

    S_dense, A_dense = (30, 4) if quick else (100, 4)
    S_sparse = 300 if quick else 1000
    S_river = 10 if quick else 50
    out = []
    for setting in ({"gamma": 0.95}, {"horizon": 20}):
        tag = "gamma=0.95" if "gamma" in setting else "H=20"
        out.append(
            (
                f"random dense S={S_dense} A={A_dense} {tag}",
                random_mdp(S_dense, A_dense, rng=seed, **setting),
            )
        )
        out.append(
            (
                f"random sparse S={S_sparse} A=4 k=5 {tag}",
                random_sparse_mdp(S_sparse, 4, 5, rng=seed + 1, **setting),
            )
        )
        out.append((f"RiverSwim S={S_river} {tag}", riverswim(S_river, **setting)))
    return out


def _warm_up() -> None:
    from .models.generators import random_mdp, random_sparse_mdp
    from .solvers import solve
    from .solvers.api import METHODS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for setting, kw in (("discounted", {"gamma": 0.9}), ("finite_horizon", {"horizon": 3})):
            for mdp in (random_mdp(3, 2, rng=0, **kw), random_sparse_mdp(6, 2, 2, rng=0, **kw)):
                for method in METHODS[setting]:
                    solve(mdp, method=method)


def compare(models, tol: float = 1e-8) -> list[dict]:
    """Solve every model with every method; one dict per (model, method)."""
    from .solvers import solve
    from .solvers.api import METHODS

    rows = []
    for label, mdp in models:
        setting = "discounted" if mdp.is_discounted else "finite_horizon"
        results = {}
        for method in [m for m in METHODS[setting] if m != "auto"]:  # auto: one of them
            t0 = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = solve(mdp, method=method, tol=tol)
            results[method] = (res, time.perf_counter() - t0, caught)
        V_ref = np.asarray(results[REFERENCE[setting]][0].V)
        for method, (res, seconds, caught) in results.items():
            rows.append(
                {
                    "model": label,
                    "setting": setting,
                    "method": method,
                    "max_abs_err": float(np.max(np.abs(np.asarray(res.V) - V_ref))),
                    "seconds": seconds,
                    "n_iter": res.n_iter,
                    "converged": bool(res.converged),
                    "bound": float(res.bound),
                    "warnings": len(caught),
                }
            )
    return rows


def format_table(rows: list[dict]) -> str:
    head = f"{'model':<40} {'method':<9} {'max|V-V_ref|':>12} {'time (s)':>9} {'n_iter':>7} {'converged':>9} {'bound':>9}"
    lines = [head, "-" * len(head)]
    last = None
    for r in rows:
        model = r["model"] if r["model"] != last else ""
        last = r["model"]
        lines.append(
            f"{model:<40} {r['method']:<9} {r['max_abs_err']:>12.2e} {r['seconds']:>9.4f} "
            f"{r['n_iter']!s:>7} {r['converged']!s:>9} {r['bound']:>9.1e}"
        )
    return "\n".join(lines)


def main(quick: bool = False, tol: float = 1e-8) -> list[dict]:
    """Print the comparison table; return its rows."""
    t0 = time.perf_counter()
    _warm_up()
    warm = time.perf_counter() - t0
    models = demo_models(quick)
    rows = compare(models, tol=tol)
    print(format_table(rows))
    print(
        f"\nreference: policy iteration (discounted), backward induction (finite horizon); "
        f"tol={tol:g}; numba warm-up {warm:.1f} s excluded"
    )
    bad = [r for r in rows if not r["converged"]]
    if bad:
        print(
            f"WARNING: {len(bad)} solve(s) did not converge: "
            + ", ".join(f"{r['model']} / {r['method']}" for r in bad)
        )
    return rows
