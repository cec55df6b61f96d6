"""pytest configuration shared by tests/ and proofs_check/.

Hypothesis: under CI (environment variable ``CI`` set) every property test draws its
examples from a fixed seed (``derandomize=True``), so a CI run is reproducible and its
verdict does not depend on the draw; locally the usual randomised search runs (and its
database replays any failure it found). Per-test ``@settings`` still apply on top."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
