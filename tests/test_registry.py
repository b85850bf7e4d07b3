"""The rule registry: unique codes and names, documentation, and fixtures for every rule."""

from __future__ import annotations

import pytest

from mlint.core.diagnostics import ERROR
from mlint.core.registry import FAMILIES, Registry, RegistryError, load_registry, rule
from mlint.discovery.units import Run
from tests.rules.harness import CASES

REGISTRY = load_registry(plugins=False)


def test_codes_and_names_are_unique_and_well_formed() -> None:
    rules = list(REGISTRY)
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert r.family in FAMILIES, r.code


@pytest.mark.parametrize("meta", list(REGISTRY), ids=lambda r: r.code)
def test_rule_is_documented(meta) -> None:  # type: ignore[no-untyped-def]
    assert len(meta.summary) > 20, "the first paragraph of the docstring is the summary"
    assert "Why" in meta.doc or "why" in meta.doc, "say why it matters"
    assert "Fix" in meta.doc or "fix" in meta.doc, "say how to fix it"


@pytest.mark.parametrize("meta", list(REGISTRY), ids=lambda r: r.code)
def test_rule_has_fixtures(meta) -> None:  # type: ignore[no-untyped-def]
    folder = CASES / meta.code
    assert folder.is_dir(), f"missing tests/rules/{meta.code}/"
    assert (folder / "good").is_dir() or (folder / "case.yaml").exists(), "missing good/ fixture"
    assert (folder / "bad").exists() or "args" in (folder / "case.yaml").read_text(), "missing bad/"
    assert (folder / "expected.txt").is_file(), "missing golden expected.txt"


def test_registry_rejects_malformed_rules() -> None:
    registry = Registry()

    @rule("RUN1", "Bad Name", scope=Run, severity=ERROR)
    def no_docstring(unit, options):  # type: ignore[no-untyped-def]
        yield from ()

    with pytest.raises(RegistryError) as info:
        registry.add(no_docstring.__mlint_rule__)  # type: ignore[attr-defined]
    message = str(info.value)
    assert "code must be" in message and "kebab-case" in message and "docstring" in message


def test_registry_rejects_duplicate_codes() -> None:
    registry = Registry()
    meta = REGISTRY.get("RUN010")
    assert meta is not None
    registry.add(meta)
    with pytest.raises(RegistryError, match="already registered"):
        registry.add(meta)


def test_selectors_resolve_codes_prefixes_names_and_all() -> None:
    assert [r.code for r in REGISTRY.select("RUN010")] == ["RUN010"]
    assert [r.code for r in REGISTRY.select("run-id-mismatch")] == ["RUN010"]
    assert {r.family for r in REGISTRY.select("RUN")} == {"RUN"}
    assert len(REGISTRY.select("ALL")) == len(REGISTRY)
    assert REGISTRY.select("NOPE999") == []


def test_entry_point_plugins_are_registered_like_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    import types
    from importlib.metadata import EntryPoint

    from mlint.core import registry as registry_module

    plugin = types.ModuleType("mlint_test_plugin")

    @rule("XPL001", "plugin-rule", scope=Run, severity=ERROR)
    def plugin_rule(unit, options):  # type: ignore[no-untyped-def]
        """A plug-in rule. Why: proves entry points load. Fix: nothing."""
        yield from ()

    plugin_rule.__module__ = plugin.__name__
    plugin.plugin_rule = plugin_rule  # type: ignore[attr-defined]
    point = EntryPoint("demo", "mlint_test_plugin", "mlint.rules")
    monkeypatch.setitem(__import__("sys").modules, "mlint_test_plugin", plugin)
    monkeypatch.setattr(registry_module, "entry_points",
                        lambda group: [point] if group == "mlint.rules" else [])
    loaded = load_registry()
    meta = loaded.get("XPL001")
    assert meta is not None and meta.origin == "plugin demo (mlint_test_plugin)"
    assert len(loaded) == len(REGISTRY) + 1
