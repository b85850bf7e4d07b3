"""Every output format: SARIF validated against the official schema, JUnit as XML, GitLab's
Code Quality fields, GitHub workflow-command escaping and caps, and several outputs at once."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from mlint.console import parse_formats
from mlint.core.config import ConfigError
from mlint.core.diagnostics import ERROR, INFO, WARNING, Diagnostic, Severity
from mlint.core.engine import Report
from mlint.reporters import REPORTERS, Options, github, gitlab
from tests.integrations.conftest import run_cli

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())


def diag(path: str = "m/MLmodel", line: int = 3, column: int = 5, code: str = "MLM011",
         severity: Severity = ERROR, message: str = "broken", **kw: object) -> Diagnostic:
    kw.setdefault("fingerprint", f"fp-{path}-{line}-{code}")
    return Diagnostic(path=path, line=line, column=column, code=code, name="referenced-file-missing",
                      severity=severity, message=message, **kw)  # type: ignore[arg-type]


def render(name: str, report: Report, **options: object) -> str:
    out = io.StringIO()
    REPORTERS[name](report, out, Options(**options))  # type: ignore[arg-type]
    return out.getvalue()


def assert_valid_sarif(text: str) -> dict:  # type: ignore[type-arg]
    data = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(data)
    return data  # type: ignore[no-any-return]


def test_sarif_of_a_real_run_is_schema_valid_and_github_ready(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "models", "--format", "sarif")
    assert code == 1
    data = assert_valid_sarif(out)
    run = data["runs"][0]
    results = run["results"]
    assert results and all(r["ruleId"] == "MLM011" for r in results)
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "models/broken/MLmodel", "uriBaseId": "%SRCROOT%"}
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]["mlintFingerprint/v1"]
    rule = run["tool"]["driver"]["rules"][0]
    assert rule["id"] == "MLM011" and rule["helpUri"].endswith("#mlm011-referenced-file-missing")
    assert "Why:" in rule["fullDescription"]["text"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workspace.as_uri() + "/"


def test_sarif_maps_whole_file_findings_to_line_1_and_anchors_binaries_at_mlmodel() -> None:
    report = Report(diagnostics=[
        diag("m/meta.yaml", 0, 0, code="MLT002"),
        diag("m/model.pkl", 0, 0, code="PKL001", related=("m/MLmodel",)),
    ])
    data = assert_valid_sarif(render("sarif", report))
    whole, binary = data["runs"][0]["results"]
    assert whole["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    anchored = binary["locations"][0]["physicalLocation"]
    assert anchored["artifactLocation"]["uri"] == "m/MLmodel"
    related = binary["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
    assert related["uri"] == "m/model.pkl"


def test_sarif_includes_suppressions_with_justification_only_when_asked() -> None:
    report = Report(diagnostics=[diag(line=9, path="m/a b%.yaml")], suppressed=[
        diag(suppressed="pickle reviewed (mlint: ignore in MLmodel)"),
        diag(line=7, suppressed="accepted in baseline mlint-baseline.json"),
    ])
    plain = assert_valid_sarif(render("sarif", report))
    assert len(plain["runs"][0]["results"]) == 1
    assert plain["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] \
        == "m/a%20b%25.yaml"
    full = assert_valid_sarif(render("sarif", report, include_suppressed=True))
    kinds = [r.get("suppressions", [{}])[0].get("kind") for r in full["runs"][0]["results"]]
    assert kinds == ["inSource", "external", None]
    assert full["runs"][0]["results"][0]["suppressions"][0]["justification"].startswith("pickle reviewed")


def test_sarif_absolute_paths_outside_the_workspace_are_file_uris() -> None:
    data = assert_valid_sarif(render("sarif", Report(diagnostics=[diag("/elsewhere/MLmodel")])))
    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file:///elsewhere/MLmodel"}


def test_github_escapes_workflow_command_data_and_properties() -> None:
    d = diag(path="a:b,c%.yaml", message="50% done\r\nnext: a, b", hint="")
    line = github.annotation(d)
    assert line == ("::error file=a%3Ab%2Cc%25.yaml,line=3,col=5,title=MLM011 referenced-file-missing"
                    "::50%25 done\\r\\nnext: a, b")  # artifact text: escaped, never a line break
    assert github.escape_property("x:y,z%\n") == "x%3Ay%2Cz%25%0A"
    whole = github.annotation(diag(line=0, column=0, severity=INFO))
    assert whole.startswith("::notice file=m/MLmodel,title=")


def test_github_caps_annotations_per_level_and_keeps_the_rest_in_the_log() -> None:
    report = Report(diagnostics=[diag(line=n) for n in range(1, 26)]
                    + [diag(line=n, severity=WARNING, path="w") for n in range(1, 4)])
    lines = render("github", report).splitlines()
    kinds = Counter(line.split(" ", 1)[0] for line in lines)
    assert kinds["::error"] == 10 and kinds["::warning"] == 3
    plain = [line for line in lines if not line.startswith("::")]
    assert len(plain) == 15 and all("MLM011 [error]" in line for line in plain)
    assert lines[-1].startswith("::notice title=mlint::15 more findings are not annotated")


def test_github_format_is_chosen_under_github_actions(workspace: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run_cli(capsys, "check", "models")
    assert code == 1 and out.startswith("::error file=models/broken/MLmodel,line=")
    code, out, _ = run_cli(capsys, "check", "models", "--format", "concise")
    assert out.startswith("models/broken/MLmodel:")


def test_gitlab_code_quality_fields(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "models", "--format", "gitlab")
    issues = json.loads(out)
    assert code == 1 and issues
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] == "models/broken/MLmodel"
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    # Two findings sharing a fingerprint still get distinct ones (GitLab drops repeats).
    twins = gitlab.issues(Report(diagnostics=[diag(line=1), diag(line=2, fingerprint="same"),
                                              diag(line=3, fingerprint="same")]))
    assert len({i["fingerprint"] for i in twins}) == 3
    assert gitlab.issues(Report(diagnostics=[diag(line=0)]))[0]["location"]["lines"]["begin"] == 1


def test_junit_parses_as_xml_with_one_failure_per_finding(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "models", "--format", "junit")
    root = ET.fromstring(out)
    failures = root.findall(".//testcase/failure")
    assert code == 1 and failures and int(root.get("failures", "0")) == len(failures)
    assert all(f.get("type") == "MLM011" for f in failures)
    weird = render("junit", Report(diagnostics=[diag(message="bad \x00 byte <&>")]))
    assert ET.fromstring(weird).find(".//failure").get("message") == "bad \\x00 byte <&>"  # type: ignore[union-attr]
    clean = ET.fromstring(render("junit", Report()))
    assert clean.findall(".//testcase") and not clean.findall(".//failure")


def test_jsonl_and_grouped(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, out, _ = run_cli(capsys, "check", "models", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and {r["code"] for r in rows} == {"MLM011"}
    _, json_out, _ = run_cli(capsys, "check", "models", "--format", "json")
    assert rows == json.loads(json_out)["diagnostics"]
    _, out, _ = run_cli(capsys, "check", "models", "--format", "grouped")
    assert out.startswith("model models/broken:\n  models/broken/MLmodel:")


def test_several_outputs_in_one_run(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "models", "--format", "concise",
                           "--format", "sarif:out/mlint.sarif", "--format", "junit:junit.xml")
    assert code == 1 and out.startswith("models/broken/MLmodel:")
    assert_valid_sarif((workspace / "out" / "mlint.sarif").read_text())
    ET.parse(workspace / "junit.xml")


def test_format_parsing_handles_drive_letters_and_rejects_mistakes() -> None:
    assert parse_formats(["full", r"sarif:C:\reports\x.sarif"]) == [
        ("full", None), ("sarif", r"C:\reports\x.sarif")]
    assert parse_formats(["SARIF:-"]) == [("sarif", None)]
    for bad in (["yaml"], ["sarif:"], ["full", "concise"], ["json:a.json", "sarif:a.json"]):
        with pytest.raises(ConfigError):
            parse_formats(bad)


def test_statistics_counts_per_rule(workspace: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "check", "models", "--statistics")
    assert code == 1
    first = out.splitlines()[0].split()
    assert first[1] == "MLM011" and int(first[0]) >= 1
    assert out.rstrip().endswith(f"Found {first[0]} finding{'' if first[0] == '1' else 's'}.")


def test_progress_only_on_a_terminal(workspace: Path) -> None:
    from mlint.console import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Progress.for_stream(io.StringIO()) is None
    stream = Tty()
    progress = Progress.for_stream(stream)
    if progress is None:  # CI=true disables it
        return
    progress(3, 3)
    progress.clear()
    assert "checked 3/3 units" in stream.getvalue()


def test_explain_prints_what_why_fix_and_the_docs_link(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(capsys, "explain", "MLM011")
    assert code == 0 and out.startswith("MLM011 referenced-file-missing\n")
    for part in ("Why:", "Fix:", "Example:", "Default severity: error",
                 "Docs: https://", "#mlm011-referenced-file-missing"):
        assert part in out, part
