"""pandas is imported only when an example needs it (`mlint.enforcement.lazy`): a tensor-based
signature with an ndarray example — what `log_model(input_example=ndarray)` writes — is
enforced with numpy alone, a split column example with scalar columns by
`mlint.enforcement.fastcols`, with the same findings; a datetime column still gets pandas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlint.enforcement.lazy import is_pandas, is_pandas_null

DATA = Path(__file__).resolve().parent.parent / "data" / "mlflow" / "3.17.2" / "models"

PROBE = """
import json, sys
import mlint
from mlint import Config
found = mlint.run([sys.argv[1]], Config()).diagnostics
print(json.dumps({"pandas": "pandas" in sys.modules, "codes": sorted(d.code for d in found)}))
"""


def _probe(folder: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(folder)], capture_output=True,
                         text=True, timeout=120, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_tensor_example_is_enforced_without_pandas() -> None:
    folder = DATA / "sklearn_cloudpickle_tensor"
    assert '"type": "tensor"' in (folder / "MLmodel").read_text()
    assert _probe(folder) == {"pandas": False, "codes": []}


def test_a_split_column_example_is_enforced_without_pandas() -> None:
    """`log_model(input_example=DataFrame)` with double columns: `mlint.enforcement.fastcols`."""
    folder = DATA / "sklearn_default"
    text = (folder / "MLmodel").read_text()
    assert "type: dataframe" in text
    assert _probe(folder) == {"pandas": False, "codes": []}


def test_a_column_example_with_a_datetime_column_still_imports_pandas() -> None:
    folder = DATA.parents[2] / "sig" / "models" / "pyfunc_dataframe_types"
    assert '"type": "datetime"' in (folder / "MLmodel").read_text().replace("\n    ", " ")
    assert _probe(folder)["pandas"] is True


def test_the_pandas_free_checks_answer_as_isinstance() -> None:
    pd = pytest.importorskip("pandas")
    import numpy as np

    for value in (pd.DataFrame({"a": [1]}), pd.Series([1]), pd.Timestamp(0), [1], np.zeros(1), None):
        assert is_pandas(value, "DataFrame") == isinstance(value, pd.DataFrame)
        assert is_pandas(value, "Series", "Timestamp") == isinstance(value, (pd.Series, pd.Timestamp))
    for value in (pd.NA, pd.NaT, None, float("nan"), np.datetime64("NaT"), 0):
        assert is_pandas_null(value) == (value is pd.NA or value is pd.NaT)
