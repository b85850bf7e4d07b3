#!/usr/bin/env python
"""Write the bad fixtures of SIG113: single-defect copies of MLflow 3.17.2 models in
tests/data/sig/models whose input_example.json arrays disagree. What real MLflow 3.17.2 does
with each (`Model.load_input_example` then `pyfunc.load_model(...).predict(example)`):

* csr `indptr` [0, 4] for 2 rows: ValueError: index pointer size 2 should be 3
* csr `data` one value short of `indices`: ValueError: indices and data should have the same size
* csr `shape` [3, 4] with 3 indptr entries: ValueError: index pointer size 3 should be 4
* dataframe row with 3 of 4 values: loads (pandas pads NaN); sklearn predict raises
  "Input X contains NaN"
(not failing, so not reported: out-of-range `indices`, a decreasing `indptr`, an `indptr` that
ends before the data; scipy's constructor does not check them.)

    python tests/data/make_example_defect_fixtures.py
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = HERE / "sig" / "models"
BAD = HERE.parent / "rules" / "SIG113" / "bad"


def main() -> None:
    if BAD.exists():
        shutil.rmtree(BAD)
    sparse = json.loads((MODELS / "sk_sparse" / "input_example.json").read_text())
    frame = json.loads((MODELS / "sk_dataframe" / "input_example.json").read_text())
    cases = {
        "sparse-indptr-short": ("sk_sparse", {**sparse, "indptr": sparse["indptr"][:-1]}),
        "sparse-data-short": ("sk_sparse", {**sparse, "data": sparse["data"][:-1]}),
        "sparse-shape-rows": ("sk_sparse", {**sparse, "shape": [3, 4]}),
        "dataframe-row-short": ("sk_dataframe", {**frame, "data": [frame["data"][0][:-1],
                                                                   *frame["data"][1:]]}),
    }
    for name, (model, example) in cases.items():
        shutil.copytree(MODELS / model, BAD / name)
        (BAD / name / "input_example.json").write_text(json.dumps(example))


if __name__ == "__main__":
    main()
