"""The bundled examples behave as examples/README.md says: the clean tree and model folder (written
by real MLflow 3.17.2) have no finding; the defective copy reports exactly the output shown there.

Regenerate the README block after a reviewed change: `python -m tests.test_examples`.
"""

from __future__ import annotations

import os
import re

import mlint
from mlint.reporters.concise import location
from tests.conftest import REPO

EXAMPLES = REPO / "examples"
BLOCK = re.compile(r"(<!-- mlint-output -->\n```text\n)(.*?)(```\n)", re.S)


def defective_output() -> str:
    cwd = os.getcwd()
    os.chdir(REPO)  # the README shows paths as a user running from the repository root sees them
    try:
        diagnostics = mlint.check(["examples/defective"], config=mlint.Config())
    finally:
        os.chdir(cwd)
    return "".join(f"{location(d)}: {d.code} [{d.severity.value}] {d.message}\n" for d in diagnostics)


def test_clean_examples_have_no_finding() -> None:
    report = mlint.run([EXAMPLES / "mlruns", EXAMPLES / "model"], config=mlint.Config())
    assert report.diagnostics == []
    assert report.units["run"] >= 3 and report.units["logged_model"] >= 2
    assert report.units["registered_model"] == 1


def test_clean_deployment_has_no_finding() -> None:
    """MLflow's default layout since 3.6 (SQLite + ./mlruns), written by real MLflow."""
    report = mlint.run([EXAMPLES / "deployment"], config=mlint.Config())
    assert report.diagnostics == []
    assert dict(report.units) == {"tracking_db": 1, "model": 1}


def test_defective_examples_report_what_the_readme_shows() -> None:
    match = BLOCK.search((EXAMPLES / "README.md").read_text())
    assert match is not None, "examples/README.md lost its mlint-output block"
    assert match.group(2) == defective_output()


def test_every_documented_defect_is_found() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    files = re.findall(r"^\| \d+ \| `([^`]+)`", readme, re.M)
    assert len(files) >= 6
    output = defective_output()
    for rel in files:
        folder, _, name = f"examples/defective/{rel}".rpartition("/")
        # A finding about a binary file is anchored at the MLmodel line that references it.
        on_file = f"{folder}/{name}:" in output
        via_mlmodel = any(line.startswith(f"{folder}/MLmodel:") and f"'{name}'" in line
                          for line in output.splitlines())
        assert on_file or via_mlmodel, f"defect in {rel} is not reported"


if __name__ == "__main__":
    path = EXAMPLES / "README.md"
    text = path.read_text()
    path.write_text(BLOCK.sub(lambda m: m.group(1) + defective_output() + m.group(3), text))
