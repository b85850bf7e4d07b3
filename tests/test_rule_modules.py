"""Rules are findable: every rule module is registered, and each rule says where it is defined."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from mlint.core.registry import Rule, load_registry
from mlint.ruledocs import explain, rules_table
from mlint.rules import BUILTIN_MODULES

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = load_registry(plugins=False)
DECORATOR = re.compile(r"^@rule\(", re.MULTILINE)


def rule_defining_modules(root: Path = ROOT) -> set[str]:
    """Every module of the source tree that declares a rule (`@rule(` or a `RULES` table)."""
    found = set()
    for base, package in ((root / "rules", "mlint.rules"), (root / "validator", "mlint")):
        for path in base.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if DECORATOR.search(text) or re.search(r"^RULES\b", text, re.MULTILINE):
                parts = path.relative_to(base).with_suffix("").parts
                found.add(".".join((package, *parts)))
    return found


def test_every_rule_module_is_registered() -> None:
    """A rule in a module missing from BUILTIN_MODULES would silently never run."""
    modules = rule_defining_modules()
    assert "mlint.rules.identity" in modules  # the scan sees the tree
    assert modules == set(BUILTIN_MODULES)


def test_every_module_in_rules_defines_rules() -> None:
    """rules/ holds rule modules only; helpers shared by rules live in mlint.rulekit."""
    in_rules = {f"mlint.rules.{p.stem}" for p in (ROOT / "rules").glob("*.py") if p.stem != "__init__"}
    assert in_rules == set(BUILTIN_MODULES)


def test_an_unregistered_rule_module_fails_the_check(tmp_path: Path) -> None:
    """The check above bites: a module with a rule that the registry does not load is found."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "new_family.py").write_text('@rule("RUN999", "x", scope=Run, severity=ERROR)\n')
    (tmp_path / "validator" / "rulekit").mkdir(parents=True)
    (tmp_path / "validator" / "rulekit" / "helper.py").write_text('RULES = ()\n')
    found = rule_defining_modules(tmp_path)
    assert found - set(BUILTIN_MODULES) == {"mlint.rules.new_family", "mlint.rulekit.helper"}


def _target(meta: Rule) -> object:
    obj: object = importlib.import_module(meta.module)
    for part in meta.function.split("."):
        obj = getattr(obj, part)
    return obj


def test_each_rule_names_its_module_and_function() -> None:
    for meta in REGISTRY:
        assert meta.module in BUILTIN_MODULES, meta.code
        target = _target(meta)
        if meta.function == "TABLE":  # table-built schema rules: the table holds the code
            assert any(meta.code == row.code for row in target), meta.code  # type: ignore[attr-defined]
        else:
            assert target.__mlint_rule__.code == meta.code


def test_explain_and_json_say_where_a_rule_is_defined() -> None:
    text = explain(REGISTRY, "RUN010")
    assert text is not None
    assert "Defined in: mlint.rules.identity.run_id_matches_folder (rules/identity.py)" in text
    rows = {row["code"]: row for row in json.loads(rules_table(REGISTRY, "json"))}
    assert rows["RUN010"]["module"] == "mlint.rules.identity"
    assert rows["RUN010"]["function"] == "run_id_matches_folder"
    assert all(row["module"] for row in rows.values())

