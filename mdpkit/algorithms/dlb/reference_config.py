"""Configuration helpers shared by the DLB baselines (docs/papers/dynlin-ucb.md#baselines):
the provenance prefix naming the reference driver, and the DLB constants fed to the
Lin-UCB-type agents from an ``env_info`` dict.
"""

from __future__ import annotations

from ..dynlin_ucb import _info_get, dlb_constants

_PROV_CODE = (
    "Configuration (constants, lambda, delta, gamma, norm bounds) from the authors' "
    "driver scripts/main.py and agents.py (marcomussi/DLB) as transcribed in dynlin-ucb.md#baselines "
    "[C]; "
)


def _fed_constants(env_info):
    rho = float(_info_get(env_info, "rho"))
    c = dlb_constants(
        rho,
        _info_get(env_info, "phi"),
        _info_get(env_info, "omega_norm"),
        _info_get(env_info, "theta_norm"),
        _info_get(env_info, "B_norm"),
        _info_get(env_info, "U_bar"),
        _info_get(env_info, "sigma"),
    )
    return rho, c
