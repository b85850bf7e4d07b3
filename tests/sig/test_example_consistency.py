"""SIG113's sparse checks agree with scipy's constructor, which is what MLflow's
load_input_example calls: an example is reported exactly when scipy raises."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mlint.rules.input_example_info import _sparse_problem

sparse = pytest.importorskip("scipy.sparse")

VARIANTS: dict[str, list[Any]] = {
    "data": [[1.0, 2.0, 3.0], [1.0, 2.0], [1.0, 2.0, 3.0, 4.0]],
    "indices": [[0, 2, 1], [0, 2], [0, 5, 1]],
    "indptr": [[0, 2, 3], [0, 3], [1, 2, 3], [0, 2, 4], [0, 2, 2, 3], [0, 3, 2]],
    "shape": [[2, 3], [3, 2], [3, 3], [2, 2]],
}


@pytest.mark.parametrize("kind", ["sparse_matrix_csr", "sparse_matrix_csc"])
def test_reported_exactly_when_scipy_raises(kind: str) -> None:
    build = sparse.csr_matrix if kind == "sparse_matrix_csr" else sparse.csc_matrix
    checked = 0
    for values in itertools.product(*VARIANTS.values()):
        example = dict(zip(VARIANTS, values, strict=True))
        try:
            build((example["data"], example["indices"], example["indptr"]),
                  shape=tuple(example["shape"]))
            raises = False
        except ValueError:
            raises = True
        message, _ = _sparse_problem(kind, example)
        assert bool(message) == raises, (example, message)
        checked += 1
    assert checked == 3 * 3 * 6 * 4
