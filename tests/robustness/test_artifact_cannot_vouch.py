"""Nothing from inside the artifact weakens a security rule: in-artifact suppressions
(`metadata.mlint.ignore` in MLmodel, `# mlint: ignore[…]` comments) silenced PKL findings —
`{rule: ALL, reason: reviewed}` next to a malicious pickle passed the gate. They still
silence style and consistency findings; the attempt on a security rule is reported (MLT104).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import mlint
from mlint.core.registry import load_registry
from mlint.reporters import REPORTERS, Options
from mlint.ruledocs import explain, rules_table
from tests.robustness.canaries import payload, reduce_pickle

MLMODEL = """\
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    python_version: 3.11.9
    env: {{conda: conda.yaml, virtualenv: python_env.yaml}}
  sklearn:
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.5.2
    code: missing_code_dir
mlflow_version: 2.22.0
metadata:
  mlint:
    ignore:
{entries}
"""


def _model(root: Path, markers: Path, entries: str) -> Path:
    model = root / "model"
    model.mkdir(parents=True)
    (model / "MLmodel").write_text(MLMODEL.format(entries=entries))
    (model / "model.pkl").write_bytes(reduce_pickle(payload(markers, "suppressed_pickle")))
    return model


@pytest.mark.parametrize("selector", ["ALL", "PKL", "PKL100", "@security", "pickle-dangerous-global"])
def test_mlmodel_suppression_cannot_silence_security_rules(tmp_path: Path, selector: str) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    model = _model(tmp_path / "checked", markers,
                   f"    - {{rule: '{selector}', reason: reviewed}}\n"
                   "    - {rule: MLM011, reason: code is shipped separately}")
    report = mlint.run([model], mlint.Config())
    shown = {d.code for d in report.diagnostics if not d.suppressed}
    hidden = {d.code for d in report.suppressed}
    assert "PKL100" in shown and "PKL100" not in hidden
    assert "MLT104" in shown
    assert "MLM011" in hidden and "MLM011" not in shown  # style findings can still be accepted
    out = io.StringIO()
    REPORTERS["json"](report, out, Options())
    assert json.loads(out.getvalue())["summary"]["suppressed"] == len(report.suppressed) >= 1
    assert not list(markers.iterdir())


def test_comment_suppression_cannot_silence_security_rules(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    model = _model(tmp_path / "checked", markers, "    - {rule: MLM011, reason: shipped separately}")
    (model / "requirements.txt").write_text("# mlint: ignore[ALL] reviewed\nmlflow==2.22.0\n")
    report = mlint.run([model], mlint.Config())
    shown = [d for d in report.diagnostics if not d.suppressed]
    assert "PKL100" in {d.code for d in shown}
    refusal = [d for d in shown if d.code == "MLT104"]
    assert refusal and refusal[0].path.endswith("requirements.txt") and refusal[0].line == 1


def test_the_users_own_config_can_still_accept_a_security_finding(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    model = _model(tmp_path / "checked", markers, "    - {rule: MLM011, reason: shipped separately}")
    config = mlint.Config(per_path_ignores={"checked/model": ("PKL100",)}, base=tmp_path)
    codes = {d.code for d in mlint.run([model], config).diagnostics}
    assert "PKL100" not in codes and "MLT104" not in codes


def test_the_security_set_is_explicit_and_visible() -> None:
    registry = load_registry(plugins=False)
    security = {r.code for r in registry if r.security}
    assert {"PKL100", "PKL101", "PKL103", "PKL104", "PKL110", "MLM100", "MLT104"} <= security
    assert "MLM011" not in security and "PKL120" not in security
    pkl100 = explain(registry, "PKL100") or ""
    assert "Security rule" in pkl100 and "Suppress in a model" not in pkl100
    assert "Suppress in a model" in (explain(registry, "MLM011") or "")
    table = {line.split()[0]: line for line in rules_table(registry).splitlines()}
    assert " security " in table["PKL100"] and " security " not in table["MLM011"]
