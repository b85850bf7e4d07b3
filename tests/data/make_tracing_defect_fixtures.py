#!/usr/bin/env python
"""Write single-defect copies of the real MLflow 3.17.2 tracing tree (tests/data/tracing) as
bad fixtures of RUN122, RUN123 and REG104. What real MLflow 3.17.2 does with each defect
(checked on copies whose `mlflow.artifactLocation` tag was pointed at the copy):

* trace_info.yaml without `request_time` (or `state`, `trace_id`, `trace_location`):
  `get_trace` raises TypeError: TraceInfo.__init__() missing 1 required positional argument.
* artifacts/traces.json deleted: "cannot be loaded because it is missing span data".
* artifacts/traces.json cut in half: "cannot be loaded because its span data is corrupted"
  (reported by the engine as MLT002, not by RUN123).
* artifacts/traces.json holding `[1]`: TypeError: TraceData.from_dict() expects a dictionary.
* prompt version without the `mlflow.prompt.text` tag: load_prompt raises "Prompt `greeting`
  does not contain a prompt text"; without `mlflow.prompt.is_prompt`: AttributeError.

    python tests/data/make_tracing_defect_fixtures.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "tracing" / "3.17.2" / "mlruns"
RULES = HERE.parent / "rules"


def _trace(root: Path) -> Path:
    return next(root.glob("*/traces/tr-*"))


def no_request_time(root: Path) -> None:
    info = _trace(root) / "trace_info.yaml"
    data = yaml.safe_load(info.read_text())
    del data["request_time"]
    info.write_text(yaml.safe_dump(data))


def spans_missing(root: Path) -> None:
    (_trace(root) / "artifacts" / "traces.json").unlink()


def spans_not_object(root: Path) -> None:
    (_trace(root) / "artifacts" / "traces.json").write_text("[1]")


def prompt_text_missing(root: Path) -> None:
    (root / "models" / "greeting" / "version-1" / "tags" / "mlflow.prompt.text").unlink()


FIXTURES = {
    "RUN122": [no_request_time],
    "RUN123": [spans_missing, spans_not_object],
    "REG104": [prompt_text_missing],
}


def main() -> None:
    for code, defects in FIXTURES.items():
        for defect in defects:
            target = RULES / code / "bad" / defect.__name__.replace("_", "-") / "mlruns"
            if target.parent.exists():
                shutil.rmtree(target.parent)
            shutil.copytree(SOURCE, target)
            defect(target)


if __name__ == "__main__":
    main()
