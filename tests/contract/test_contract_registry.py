"""Every registered kind has a generator, and its generator exercises it: a config drawn for
the kind loads without a problem and plans changes of that kind on a new portal. A new kind
fails here (and in every property, `configs` raising KeyError) until it has a generator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from contract_configs import GENERATORS, KNOWN_GOOD, Tree, configs, kind_names
from contract_flow import case, examples
from hypothesis import HealthCheck, given, settings

from provisioner.kinds import KINDS


def test_every_registered_kind_has_a_generator() -> None:
    missing = [name for name in kind_names() if name not in GENERATORS]
    assert missing == [], f"kinds without a generator in tests/contract/contract_configs.py: " \
                          f"{missing}; a kind is not done until it passes the contract suite"


def test_a_kind_without_a_generator_fails_every_property(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(GENERATORS, "lists")

    @examples(1)
    @given(configs())
    def draw(tree: Tree) -> None:
        pass

    with pytest.raises(KeyError, match="lists"):
        draw()


@pytest.mark.parametrize("kind", kind_names())
def test_the_generator_of_each_kind_exercises_it(kind: str) -> None:
    @examples(4)
    @given(configs(KNOWN_GOOD, only=(kind,)))
    def check(tree: Tree) -> None:
        with case(tree) as c:
            plan = c.workspace().plan()
            assert kind in {ch.kind for ch in plan.changes}, (kind, tree)

    check()


def test_the_general_generator_draws_every_kind() -> None:
    seen: set[str] = set()

    # Fixed, whatever the profile: too few examples would miss a kind by chance.
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(configs(KNOWN_GOOD))
    def collect(tree: Tree) -> None:
        seen.update(_kinds_in(tree))

    collect()
    assert seen == set(kind_names())


def _kinds_in(tree: Tree) -> set[str]:
    """The kinds whose part of the TOML tree (`Kind.path`) the config fills; robots and
    triggers on stages belong to the automation kind too."""
    out = {kind.name for kind in KINDS if _walk(tree, kind.path)}
    if '"robots"' in json.dumps(tree) or '"triggers"' in json.dumps(tree):
        out.add("automation")
    return out


def _walk(tree: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        tree = tree.get(step) if isinstance(tree, dict) else None
    return tree
