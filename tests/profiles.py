"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: `ci` (the default, which CI runs: every
property at its full example count, derandomized so that a run passes or fails the same way on
every machine), `dev` (a tenth, random, for the fast local loop), `deep` (a long random hunt:
5,000 examples a property)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 150
SLOW_OK = [HealthCheck.too_slow]  # the machine is shared: slow data generation is no failure

# ci draws the same examples on every run: CI judges a change, not the luck of a seed; the
# search for new counter-examples is dev's and deep's (random), and CONTRACT_EXAMPLES's
settings.register_profile("ci", max_examples=CI_EXAMPLES, database=None, deadline=None,
                          derandomize=True, suppress_health_check=SLOW_OK)
# dev keeps Hypothesis's example database (.hypothesis/): a failure found locally replays first
settings.register_profile("dev", max_examples=CI_EXAMPLES // 10, deadline=None,
                          suppress_health_check=SLOW_OK)
settings.register_profile("deep", max_examples=5000, database=None, deadline=None,
                          suppress_health_check=SLOW_OK)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(ci_count: int) -> int:
    """The example count of a test that sets its own: `ci_count` under ci (and deep), the same
    share of it as the profile's default under a smaller profile (dev)."""
    share = settings().max_examples / CI_EXAMPLES
    return ci_count if share >= 1 else max(1, round(ci_count * share))
