"""SIG rules on `saved_input_example_info`: does the metadata describe the example file?"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.rulekit.mlmodel import signature_parts
from mlint.rulekit.sigsupport import example_view, shape_problem, type_hint_signature

INFO_POINTER = "/saved_input_example_info"
@rule("SIG110", "input-example-type-mismatch", scope=ModelDir, severity=ERROR)
def input_example_type_mismatch(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The input example file must have the layout its `saved_input_example_info.type` says:
    pandas split JSON for `dataframe`, a bare (nested) list or an object of named lists for
    `ndarray`, `data`/`indices`/`indptr`/`shape` for `sparse_matrix_csr`/`csc`.

    Why: `Model.load_input_example` parses the file according to `type` only; a mismatch makes
    it fail ("Dataframe split format must be a dictionary", a KeyError for sparse matrices) or
    hands the model something of the wrong kind.
    Fix: re-log the model with the example, or set `type` to what the file holds
    (`json_object` for arbitrary JSON).
    """
    view = example_view(model)
    if view is None or not view.consistent:
        return  # SIG111/SIG112 own inconsistent params flags and legacy tf-serving files
    reason = shape_problem(view)
    if reason:
        yield Problem(f"'{view.rel}' {reason}", file="MLmodel", pointer=f"{INFO_POINTER}/type",
                      related=(view.rel,))


@rule("SIG111", "input-example-params-flag", scope=ModelDir, severity=ERROR)
def input_example_params_flag(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`saved_input_example_info.params: 'true'` must be set exactly when the example file is
    the `{"inputs": …, "params": …}` wrapper MLflow writes for `(data, params)` examples.

    Why: with the flag, MLflow reads `example["inputs"]` and `example["params"]`; on any other
    file it fails to load the example (TypeError/KeyError, tested with 3.17.2). Without the flag
    it takes the whole wrapper as the input data, so enforcement sees columns `inputs` and
    `params` and the example params are never used. Severity: error, except a missing flag on a
    model without an input signature (or with a type-hint signature), where MLflow loads the
    example without complaint (warning).
    Fix: re-log the model with `input_example=(data, params)`, or add/remove `params: 'true'`.
    """
    view = example_view(model)
    if view is None:
        return
    if view.params_flag_broken:
        yield Problem(f"saved_input_example_info.params is set, but '{view.rel}' is not an object with "
                      f"'inputs' and 'params'; MLflow cannot load this example",
                      file="MLmodel", pointer=f"{INFO_POINTER}/params", related=(view.rel,))
    elif view.params_flag_missing:
        enforced = "inputs" in signature_parts(model) and not type_hint_signature(model)
        yield Problem(f"'{view.rel}' holds 'inputs' and 'params', but saved_input_example_info has no "
                      f"params: 'true'; MLflow reads the whole object as input data",
                      file="MLmodel", pointer=INFO_POINTER, related=(view.rel,),
                      severity=None if enforced else WARNING,
                      hint="Add `params: 'true'` under saved_input_example_info.")


@rule("SIG112", "input-example-legacy-tf-serving", scope=ModelDir, severity=ERROR)
def input_example_legacy_tf_serving(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """An `ndarray` example saved with `format: tf-serving` (MLflow ≤ 2.1x) is read differently
    by MLflow 3.

    Why: the file is `{"inputs": …}`, and MLflow 3 ignores `format`: with an unnamed tensor
    signature `Model.load_input_example` fails ("un-named model signature which expects a single
    n-dimensional array … dict was found"), with a named signature the example has a single
    input called `inputs` and fails enforcement (both tested with 3.17.2). Without a signature
    it loads as `{"inputs": array}` instead of the array (warning).
    Fix: rewrite `input_example.json` as the bare value of `inputs` and delete the `format`
    key, or re-log the model with a current MLflow.
    """
    view = example_view(model)
    if view is None or not view.legacy_tf_serving:
        return
    has_inputs = "inputs" in signature_parts(model)
    effect = ("MLflow 3 cannot load it against this signature" if has_inputs
              else "MLflow 3 loads it as {'inputs': array} instead of the array")
    yield Problem(f"'{view.rel}' uses the legacy tf-serving layout (format: tf-serving); {effect}",
                  file="MLmodel", pointer=f"{INFO_POINTER}/format", related=(view.rel,),
                  severity=None if has_inputs else WARNING,
                  hint="Replace the file's content by the value of its 'inputs' key and drop `format`.")


def _int_list(value: Any) -> list[int] | None:
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return value
    return None


def _sparse_problem(kind: str, data: dict[str, Any]) -> tuple[str, str]:
    """(message, key) for the first check of scipy's compressed-matrix constructor (its
    `check_format(full_check=False)`, which is what MLflow's load_input_example runs) that the
    example fails, or ("", "")."""
    shape, indptr, indices = _int_list(data.get("shape")), _int_list(data.get("indptr")), \
        _int_list(data.get("indices"))
    values = data.get("data")
    if shape is None or len(shape) != 2 or min(shape) < 0 or indptr is None or indices is None \
            or not isinstance(values, list):
        return "", ""  # other shapes: scipy's own conversion errors, not checked here
    major = shape[0] if kind == "sparse_matrix_csr" else shape[1]
    if len(indptr) != major + 1:
        return (f"indptr has {len(indptr)} entries but shape {shape} needs {major + 1} "
                f"(scipy: 'index pointer size {len(indptr)} should be {major + 1}')", "indptr")
    if indptr and indptr[0] != 0:
        return "indptr does not start with 0 (scipy: 'index pointer should start with 0')", "indptr"
    if len(indices) != len(values):
        return (f"indices has {len(indices)} entries but data {len(values)} "
                "(scipy: 'indices and data should have the same size')", "indices")
    if indptr and indptr[-1] > len(indices):
        return (f"indptr ends at {indptr[-1]}, past the {len(indices)} stored values (scipy: "
                "'Last value of index pointer should be less than the size of index and data "
                "arrays')", "indptr")
    return "", ""


@rule("SIG113", "input-example-inconsistent", scope=ModelDir, severity=ERROR)
def input_example_inconsistent(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """The arrays of an input example must agree with each other: for `sparse_matrix_csr`/`csc`,
    `indptr` has one entry per row (csr) or column (csc) plus one, starts at 0 and ends within
    `indices`, and `indices` and `data` have the same length; for `dataframe`, no row of `data`
    is shorter than `columns` (a longer row or a wrong `index` length is SIG120).

    Why: `Model.load_input_example` builds the scipy matrix, which raises ValueError ("index
    pointer size 2 should be 3", "indices and data should have the same size"), so the model
    cannot be run on its own example. A short DataFrame row loads, but pandas pads it with NaN:
    the example no longer says what it was (`predict` of a scikit-learn model then fails with
    "Input X contains NaN"), reported as a warning.
    Fix: re-log the model with the example (`input_example=`), or repair the arrays.
    """
    view = example_view(model)
    if view is None or not view.consistent or shape_problem(view) or not isinstance(view.data, dict):
        return  # SIG110-SIG112 own layouts and flags
    base = view.data_pointer()
    if view.type.startswith("sparse_matrix"):
        message, key = _sparse_problem(view.type, view.data)
        if message:
            yield Problem(f"'{view.rel}': {message}; MLflow cannot load the example",
                          file=view.rel, pointer=f"{base}/{key}")
    elif view.type == "dataframe":
        columns, rows = view.data.get("columns"), view.data.get("data")
        if not isinstance(columns, list) or not isinstance(rows, list):
            return
        for i, row in enumerate(rows):
            if isinstance(row, list) and len(row) < len(columns):
                yield Problem(f"'{view.rel}': row {i} has {len(row)} values for {len(columns)} "
                              "columns; pandas pads it with NaN when MLflow loads the example",
                              file=view.rel, pointer=f"{base}/data/{i}", severity=WARNING)
                return
