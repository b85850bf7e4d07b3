"""CI reports (SARIF, GitLab Code Quality, JUnit) as their consumers need them: paths relative
to the repository root wherever mlint runs, SARIF's security-severity, invocation status and
result cap, and JUnit failures that agree with `--fail-on`."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mlint.core.diagnostics import ERROR, INFO, WARNING
from mlint.core.engine import Report
from mlint.reporters import sarif
from mlint.reporters.paths import repo_path
from tests.integrations.conftest import REAL_MODEL, run_cli
from tests.integrations.test_formats import assert_valid_sarif, diag, render

CI_VARIABLES = ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "CI_PROJECT_DIR")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/repo: a git work tree with `models/broken` (one MLM011) and an empty `sub/`."""
    for variable in CI_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shutil.copytree(REAL_MODEL, root / "models" / "broken")
    (root / "models" / "broken" / "model.skops").unlink()
    (root / "sub").mkdir()
    return root


def report_paths(capsys: pytest.CaptureFixture[str], path: str) -> dict[str, str]:
    """The finding's path in each CI format, checking `path` from the current folder."""
    paths = {}
    code, out, err = run_cli(capsys, "check", "--no-cache", path, "--format", "sarif")
    assert code == 1, err
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    paths["sarif"] = location["artifactLocation"]["uri"]
    _, out, _ = run_cli(capsys, "check", "--no-cache", path, "--format", "gitlab")
    paths["gitlab"] = json.loads(out)[0]["location"]["path"]
    _, out, _ = run_cli(capsys, "check", "--no-cache", path, "--format", "junit")
    paths["junit"] = ET.fromstring(out).find(".//testcase").get("file")  # type: ignore[union-attr]
    return paths


EXPECTED = {"sarif": "models/broken/MLmodel", "gitlab": "models/broken/MLmodel",
            "junit": "models/broken/MLmodel"}


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_paths_from_a_subfolder_are_relative_to_the_git_top_level(
        repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(repo / "sub")
    assert report_paths(capsys, "../models/broken") == EXPECTED
    _, out, _ = run_cli(capsys, "check", "--no-cache", "../models", "--format", "sarif")
    base = json.loads(out)["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == repo.resolve().as_uri() + "/"


@pytest.mark.parametrize("variable", ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"])
def test_paths_from_outside_the_repository_follow_the_ci_workspace(
        repo: Path, variable: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(repo.parent)  # outside the work tree
    monkeypatch.setenv(variable, str(repo))
    assert report_paths(capsys, "repo/models/broken") == EXPECTED


def test_paths_outside_every_root_stay_absolute_and_sarif_uses_a_file_uri(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(elsewhere))
    paths = report_paths(capsys, str(repo / "models" / "broken"))
    assert paths["sarif"] == (repo / "models" / "broken" / "MLmodel").as_uri()
    assert paths["gitlab"] == paths["junit"] == str(repo / "models" / "broken" / "MLmodel")


def test_repo_path_without_ci_or_git_is_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in CI_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    assert repo_path("m/MLmodel") == "m/MLmodel"
    assert repo_path(str(tmp_path / "m" / "MLmodel")) == "m/MLmodel"


def test_sarif_security_rules_carry_security_severity() -> None:
    report = Report(diagnostics=[diag(code="PKL100", severity=ERROR), diag(code="MLM011", line=4)])
    data = assert_valid_sarif(render("sarif", report))
    rules = {r["id"]: r for r in data["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["PKL100"]["properties"]["security-severity"] == "9.0"
    assert "security" in rules["PKL100"]["properties"]["tags"]
    assert "security-severity" not in rules["MLM011"]["properties"]


def test_sarif_invocation_says_whether_execution_succeeded() -> None:
    ok = assert_valid_sarif(render("sarif", Report(diagnostics=[diag()])))
    assert ok["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    crashed = assert_valid_sarif(render("sarif", Report(diagnostics=[diag(code="MLT900")],
                                                        internal_error=True)))
    assert crashed["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_sarif_keeps_github_result_limit_most_severe_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 5)  # the real 25,000 is shown by the next test
    infos = [diag(code="MLM011", line=i, severity=INFO) for i in range(1, 7)]
    errors = [diag(code="MLM011", line=100 + i, severity=ERROR) for i in range(3)]
    warning = [diag(code="MLM011", line=50, severity=WARNING)]
    data = assert_valid_sarif(render("sarif", Report(diagnostics=infos + warning + errors)))
    run = data["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error"] * 3 + ["warning"] + ["note"]
    [notice] = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["level"] == "warning" and "5 of 10 results left out" in notice["message"]["text"]


def test_sarif_default_cap_is_githubs_25000() -> None:
    assert sarif.MAX_RESULTS == 25_000
    many = [diag(line=i, severity=INFO) for i in range(1, 25_002)]
    data = json.loads(render("sarif", Report(diagnostics=many)))
    assert len(data["runs"][0]["results"]) == 25_000


def test_junit_findings_below_fail_on_are_not_failures() -> None:
    report = Report(diagnostics=[diag(severity=WARNING, message="warned"), diag(line=9)], fail_on=ERROR)
    root = ET.fromstring(render("junit", report))
    assert root.get("failures") == "1" and root.get("tests") == "2"
    [failure] = root.findall(".//failure")
    assert failure.get("message") == "broken"
    outs = [case.find("system-out") for case in root.iter("testcase")]
    assert any(o is not None and "warned" in (o.text or "") for o in outs)
    everything = ET.fromstring(render("junit", Report(diagnostics=report.diagnostics, fail_on=WARNING)))
    assert everything.get("failures") == "2"


def test_junit_through_the_cli_agrees_with_the_exit_code(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # MLM011 is an error; made a warning by the config it stays in the report but passes.
    (workspace / "mlint.toml").write_text('[severity]\nMLM011 = "warning"\n')
    code, out, _ = run_cli(capsys, "check", "models", "--no-cache", "--format", "junit")
    root = ET.fromstring(out)
    assert code == 0 and root.get("failures") == "0" and root.get("tests") == "1"
    code, out, _ = run_cli(capsys, "check", "models", "--no-cache", "--format", "junit",
                           "--fail-on", "warning")
    assert code == 1 and ET.fromstring(out).get("failures") == "1"


def test_a_repository_root_of_slash_still_gives_relative_paths_and_a_folder_uri() -> None:
    # A container job with cwd / and no git: the root is / itself.
    assert repo_path("/work/m/MLmodel", root="/") == "work/m/MLmodel"
    assert sarif._folder_uri("/") == "file:///"
    assert sarif._folder_uri("/srv/repo") == "file:///srv/repo/"
