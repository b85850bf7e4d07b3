"""Config files: discovery (nearest wins), precedence (CLI beats config), validation (exit 2
naming the key and the file), per-path ignores, severity and rule options, exclude."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import mlint
from mlint.core.config import ConfigError
from mlint.core.config_file import find_config, load_config, resolve
from mlint.core.diagnostics import Severity
from mlint.core.registry import load_registry
from tests.integrations.conftest import run_cli

REGISTRY = load_registry(plugins=False)


def codes(out: str) -> list[str]:
    return [d["code"] for d in json.loads(out)["diagnostics"]]


def test_nearest_config_wins_and_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "mlint.toml").write_text("ignore = ['MLM011']\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config([nested]) == tmp_path / "mlint.toml"
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.mlint]\nfail-on = 'warning'\n")
    assert find_config([nested]) == tmp_path / "a" / "pyproject.toml"
    (tmp_path / "a" / "b" / ".mlint.toml").write_text("")
    assert find_config([nested / "x.yaml"]) == nested / ".mlint.toml"


def test_config_applies_and_cli_beats_it(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "pyproject.toml").write_text("[tool.mlint]\nignore = ['MLM011']\n")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json")
    assert code == 0 and codes(out) == []
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json", "--isolated")
    assert code == 1 and set(codes(out)) == {"MLM011"}
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json", "--select", "MLM011")
    assert code == 1 and set(codes(out)) == {"MLM011"}  # a CLI --select starts afresh (ruff)
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json", "--extend-select", "MLM")
    assert code == 0 and codes(out) == []  # extending keeps the file's ignore


def test_severity_fail_on_and_per_path_ignores(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "mlint.toml").write_text(
        "fail-on = 'error'\n[severity]\nMLM = 'warning'\n")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json")
    data = json.loads(out)
    assert code == 0 and {d["severity"] for d in data["diagnostics"]} == {"warning"}
    code, _, _ = run_cli(capsys, "check", "models", "--fail-on", "warning")
    assert code == 1
    (workspace / "mlint.toml").write_text(
        "[per-path-ignores]\n'models/broken/**' = ['referenced-file-missing']\n")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "json")
    assert code == 0 and codes(out) == []
    # Globs are relative to the config file, not to the working directory.
    sub = workspace / "models"
    (workspace / "mlint.toml").write_text("[per-path-ignores]\n'broken/**' = ['MLM011']\n")
    code, out, _ = run_cli(capsys, "check", str(sub), "--format", "json")
    assert code == 1  # the glob does not match models/broken from the config's folder


@pytest.mark.parametrize(("text", "needle"), [
    ("[tool.mlint]\nselct = ['MLM']\n", "unknown key 'tool.mlint.selct'"),
    ("[tool.mlint]\nselect = 'MLM'\n", "'tool.mlint.select' must be a list of strings"),
    ("[tool.mlint]\nselect = ['NOPE9']\n", "selector 'NOPE9' matches no rule"),
    ("[tool.mlint]\nfail-on = 'fatal'\n", "'tool.mlint.fail-on'"),
    ("[tool.mlint]\nmax-file-bytes = -1\n", "'tool.mlint.max-file-bytes' must be a positive integer"),
    ("[tool.mlint.severity]\nMLM011 = 'loud'\n", "'tool.mlint.severity.MLM011'"),
    ("[tool.mlint.rules.MLM011]\nfoo = 1\n", "rules.MLM011: unknown option 'foo'"),
    ("[tool.mlint.rules.NOPE9]\nfoo = 1\n", "rules.NOPE9: no rule"),
    ("[[tool.mlint.pickle-allow]]\nglobal = 'pkg.mod.Name'\n", "`reason` is required"),
    ("[[tool.mlint.pickle-allow]]\nglobal = 'nodots'\nreason = 'x'\n", "dotted name"),
    ("[tool.mlint.per-path-ignores]\n'x/*' = ['NOPE9']\n", "per-path-ignores 'x/*'"),
    ("[tool.mlint\n", "invalid TOML"),
])
def test_bad_config_exits_2_naming_key_and_file(workspace: Path, capsys, text: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    (workspace / "pyproject.toml").write_text(text)
    code, out, err = run_cli(capsys, "check", "models", *(["--config", "pyproject.toml"] if "TOML" in needle
                                                          else []))
    assert code == 2 and out == ""
    assert needle in err and str(workspace / "pyproject.toml") in err


def test_rule_options_are_typed_by_their_defaults() -> None:
    from dataclasses import replace

    from mlint.core.registry import Registry, rule
    from mlint.discovery.units import ModelDir

    @rule("MLM999", "demo-rule", scope=ModelDir, severity=Severity.ERROR, options={"limit": 3, "names": ()})
    def demo(unit, options):  # type: ignore[no-untyped-def]
        """A demo rule with options for the config test.

        Why: test. Fix: test.
        """
        yield from ()

    registry = Registry()
    registry.add(demo.__mlint_rule__)  # type: ignore[attr-defined]
    config = mlint.Config(rule_options={"demo-rule": {"limit": 5, "names": ["a"]}})
    resolved = resolve(config, registry)
    assert resolved.options_for(registry.get("MLM999")) == {"limit": 5, "names": ("a",)}  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="limit must be int"):
        resolve(replace(config, rule_options={"MLM999": {"limit": "5"}}), registry)
    with pytest.raises(ConfigError, match="limit must be int"):
        resolve(replace(config, rule_options={"MLM999": {"limit": True}}), registry)


def test_pickle_allow_paths_and_show_settings(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "mlint.toml").write_text(
        "paths = ['models/good']\nbaseline = 'ci/baseline.json'\n"
        "[[pickle-allow]]\nglobal = 'mypkg.model.Wrapper'\nreason = 'our own class, reviewed'\n")
    config = load_config(workspace / "mlint.toml")
    assert config.pickle_allow == (("mypkg.model.Wrapper", "our own class, reviewed"),)
    assert config.paths == (workspace / "models" / "good",)
    assert config.baseline == workspace / "ci" / "baseline.json"
    code, out, _ = run_cli(capsys, "check", "--show-settings")
    assert code == 0 and "pickle-allow = [['mypkg.model.Wrapper'" in out and "mlint.toml" in out
    (workspace / "mlint.toml").write_text("paths = ['models/good']\n")
    code, out, _ = run_cli(capsys, "check", "--format", "concise")  # no PATH: config `paths`
    assert code == 0 and out == ""


def test_exclude_applies_to_explicit_files(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (workspace / "mlint.toml").write_text("extend-exclude = ['models/broken']\n")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "concise")
    assert code == 0 and out == ""
    code, out, _ = run_cli(capsys, "check", "models/broken/MLmodel", "--format", "concise")
    assert code == 0 and out == ""
    code, out, _ = run_cli(capsys, "check", "models/broken/MLmodel", "--format", "concise",
                           "--no-force-exclude")
    assert code == 1 and "MLM011" in out


def test_api_discovers_or_takes_a_config_file(workspace: Path) -> None:
    (workspace / "mlint.toml").write_text("ignore = ['MLM011']\n")
    assert mlint.check("models") == []
    assert {d.code for d in mlint.check("models", config=mlint.Config())} == {"MLM011"}
    other = workspace / "other.toml"
    other.write_text("[severity]\nMLM011 = 'info'\n")
    assert {d.severity for d in mlint.check("models", config=other)} == {Severity.INFO}
