#!/usr/bin/env python
"""Generate the bundled examples with real MLflow 3.17.2, then derive examples/defective/.

    /work/venv/bin/python examples/generate_examples.py      # from the repository root

* ``examples/model/``   a standalone ``mlflow.sklearn.save_model`` folder (cloudpickle format)
* ``examples/mlruns/``  a file-store tree: experiment ``mlint-examples`` with three runs (each
  logs at least one metric, one param and one artifact, so no run has an empty ``metrics/``,
  ``params/`` or ``artifacts/`` dir that git would drop), two logged models (skops and
  cloudpickle), registered as ``iris-classifier`` v1 and v2 with alias ``champion``, and a
  deleted experiment ``scratch`` in ``.trash/`` (which also keeps ``.trash`` non-empty).
* ``examples/defective/`` a copy of both with deliberate, realistic defects applied by
  :func:`make_defective` (listed in examples/README.md between the ``defects`` markers,
  which this script rewrites).

Path normalisation, as in tests/data/generate_mlflow_fixtures.py: MLflow writes under the fixed
root ``/tmp/mlint-examples/<mlflow-version>/`` (file store forced: ``MLFLOW_ALLOW_FILE_STORE=true``,
tracking and registry URI ``file:/tmp/mlint-examples/<ver>/mlruns``), the MLflow code runs as a copy
of this script at ``/tmp/mlint-examples/_gen/generate_examples.py`` with ``LOGNAME=USER=mlint``,
so absolute URIs, ``mlflow.source.name`` and ``mlflow.user`` are machine-independent. Only ids and
timestamps change between runs. ``examples/defective`` is a copy, so its URIs still name the clean
tree's root, as a copied tree would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

BASE = Path("/tmp/mlint-examples")
CHILD = BASE / "_gen" / "generate_examples.py"
EXAMPLES = Path(__file__).resolve().parent
USER = "mlint"


# ----------------------------------------------------------------------------------------------
# child: real MLflow calls
# ----------------------------------------------------------------------------------------------
def child(root: Path) -> int:
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    uri = f"file:{root / 'mlruns'}"
    os.environ["MLFLOW_TRACKING_URI"] = uri
    os.environ["MLFLOW_REGISTRY_URI"] = uri
    import warnings

    warnings.filterwarnings("ignore")
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import mlflow
    import mlflow.sklearn
    from mlflow import MlflowClient
    from mlflow.models import infer_signature

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri, uri)
    X, y = load_iris(return_X_y=True, as_frame=True)
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    ids: dict = {"mlflow_version": mlflow.__version__}

    # standalone model folder
    m0 = LogisticRegression(max_iter=200).fit(X, y)
    mlflow.sklearn.save_model(
        m0,
        str(root / "model"),
        serialization_format="cloudpickle",
        signature=infer_signature(X, m0.predict(X)),
        input_example=X.head(2),
    )

    exp = mlflow.create_experiment("mlint-examples", tags={"team": "mlint"})
    ids["experiment_id"] = exp

    # run A: skops model (3.17.2 default), registered v1
    with mlflow.start_run(experiment_id=exp, run_name="train-lr") as r:
        m1 = LogisticRegression(C=1.0, max_iter=200).fit(X, y)
        mlflow.log_params({"C": 1.0, "max_iter": 200})
        for s, v in enumerate([1.0, 0.5, 0.25]):
            mlflow.log_metric("loss", v, step=s)
        mlflow.log_metric("accuracy", float(m1.score(X, y)))
        mlflow.log_text("C=1.0, lbfgs, 200 iterations\n", "notes/summary.txt")
        info = mlflow.sklearn.log_model(
            m1,
            name="model",
            signature=infer_signature(X, m1.predict(X)),
            input_example=X.head(3),
            registered_model_name="iris-classifier",
        )
        ids["run_a"], ids["model_a"] = r.info.run_id, info.model_id

    # run B: cloudpickle model, registered v2
    with mlflow.start_run(experiment_id=exp, run_name="train-lr-pickle") as r:
        m2 = LogisticRegression(C=0.5, max_iter=200).fit(X, y)
        mlflow.log_param("C", 0.5)
        mlflow.log_metric("accuracy", float(m2.score(X, y)))
        mlflow.log_dict({"C": 0.5, "note": "cloudpickle variant"}, "config.json")
        info = mlflow.sklearn.log_model(
            m2,
            name="model",
            serialization_format="cloudpickle",
            signature=infer_signature(X, m2.predict(X)),
            input_example=X.head(2),
            registered_model_name="iris-classifier",
        )
        ids["run_b"], ids["model_b"] = r.info.run_id, info.model_id

    # run C: evaluation run without a model
    with mlflow.start_run(experiment_id=exp, run_name="evaluate") as r:
        mlflow.log_param("dataset", "iris")
        for s, v in enumerate([0.4, 0.3]):
            mlflow.log_metric("val_loss", v, step=s)
        mlflow.log_text("accuracy on iris: 0.97\n", "report.txt")
        ids["run_c"] = r.info.run_id

    # a deleted experiment: moved to mlruns/.trash/<id> (also keeps .trash non-empty for git)
    scratch = mlflow.create_experiment("scratch")
    mlflow.delete_experiment(scratch)
    ids["deleted_experiment_id"] = scratch

    client.set_registered_model_alias("iris-classifier", "champion", "1")
    client.update_registered_model("iris-classifier", description="Iris classifier (mlint example)")
    client.set_model_version_tag("iris-classifier", "1", "validated", "yes")
    (root / "ids.json").write_text(json.dumps(ids, indent=1))
    return 0


# ----------------------------------------------------------------------------------------------
# defects
# ----------------------------------------------------------------------------------------------
def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    s = path.read_text()
    if old not in s:
        raise RuntimeError(f"{path}: {old!r} not found")
    path.write_text(s.replace(old, new, count))


def make_defective(src: Path, dst: Path, ids: dict) -> list[tuple[str, str, str]]:
    """Copy examples/{model,mlruns} to dst and apply the defects. Returns README table rows."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    shutil.copytree(src / "model", dst / "model")
    shutil.copytree(src / "mlruns", dst / "mlruns")
    exp, ra, rb, rc = ids["experiment_id"], ids["run_a"], ids["run_b"], ids["run_c"]
    ma, mb = ids["model_a"], ids["model_b"]
    E = dst / "mlruns" / exp
    rows = []

    def rel(p: Path) -> str:
        return p.relative_to(dst).as_posix()

    # 1. run meta run_id differs from its folder (copied run dir, id not updated)
    p = E / rb / "meta.yaml"
    wrong = hashlib.md5(rb.encode()).hexdigest()
    _edit(p, f"run_id: {rb}", f"run_id: {wrong}")
    rows.append(
        (
            rel(p),
            f"`run_id: {wrong}` but the folder is `{rb}` (a run dir copied or renamed by hand).",
            "MLflow 3.17.2 checks it: `get_run` raises \"Run '<folder id>' metadata is in "
            'invalid state", so the run cannot be opened.',
        )
    )

    # 2. MLmodel references a model.pkl that is not there
    p = dst / "model" / "model.pkl"
    p.unlink()
    rows.append(
        (
            rel(dst / "model" / "MLmodel"),
            "`pickled_model: model.pkl` / `model_path: model.pkl`, but `model/model.pkl` "
            "is missing (typical `*.pkl` in `.gitignore`).",
            "`mlflow.pyfunc.load_model` / `mlflow.sklearn.load_model` fail with "
            "FileNotFoundError; the folder looks complete otherwise.",
        )
    )

    # 3. signature with the legacy `optional` key (on the logged skops model of run A)
    p = E / "models" / ma / "artifacts" / "MLmodel"
    _edit(
        p, '"name": "sepal_length", "required": true', '"name": "sepal_length", "optional": false'
    )
    rows.append(
        (
            rel(p),
            'input ColSpec `sepal_length` carries the legacy `"optional": false` '
            'instead of `"required": true` (hand-merged from an old MLflow 2.x signature).',
            "MLflow ≥ 2.22 cannot parse it: `Model.load` raises while reading the signature, "
            "which breaks `pyfunc.load_model` too.",
        )
    )

    # 4. experiment meta.yaml whose experiment_id does not match its folder
    p = dst / "mlruns" / "0" / "meta.yaml"
    _edit(p, "experiment_id: '0'", "experiment_id: '1'")
    rows.append(
        (
            rel(p),
            "`experiment_id: '1'` inside folder `0` (experiment dir copied from "
            "another tree and renamed).",
            'FileStore logs "Experiment ID mismatch for exp 0 ... Experiment will be '
            'ignored": it disappears from `search_experiments`.',
        )
    )

    # 5. requirements.txt disagrees with the conda.yaml pip list
    p = E / "models" / ma / "artifacts" / "requirements.txt"
    s = p.read_text()
    import re

    new = re.sub(r"scikit-learn==[0-9.]+", "scikit-learn==1.5.2", s)
    assert new != s
    p.write_text(new)
    rows.append(
        (
            rel(p),
            "pins `scikit-learn==1.5.2` while `conda.yaml` (and MLmodel "
            "`sklearn_version`) say 1.9.1: requirements.txt was edited by hand.",
            "MLflow writes both from one list; virtualenv restore uses requirements.txt, conda "
            "restore uses conda.yaml, so the two serving paths build different environments.",
        )
    )

    # 6. malformed metric line (interrupted write)
    p = E / ra / "metrics" / "loss"
    lines = p.read_text().splitlines(keepends=True)
    lines.insert(2, lines[2].split(" ")[0][:9] + "\n")
    p.write_text("".join(lines))
    rows.append(
        (
            rel(p),
            "third line is a truncated timestamp (`" + lines[2].strip() + "`, one "
            "field): an interrupted append (disk full / killed process).",
            "MLflow's reader raises \"Metric 'loss' is malformed\" (needs 2, 3 or 5 fields), "
            "so the run page, `get_run` and search over this run fail.",
        )
    )

    # 7. empty run meta.yaml (delete / write race)
    p = E / rc / "meta.yaml"
    p.write_text("")
    rows.append(
        (
            rel(p),
            "0-byte run `meta.yaml` (truncated while a concurrent delete/rewrite "
            "raced), metrics/params/artifacts still present.",
            "`yaml.safe_load` returns None and MLflow 3.17.2 crashes on it "
            "(`AttributeError: 'NoneType' object has no attribute 'copy'`) in `get_run` AND "
            "in `search_runs` over the whole experiment, hiding the healthy runs too.",
        )
    )

    # 8. duplicate metric line from a retried client call
    p = E / rc / "metrics" / "val_loss"
    first = p.read_text().splitlines(keepends=True)[0]
    p.write_text(p.read_text() + first)
    rows.append(
        (
            rel(p),
            f"line `{first.strip()}` appears twice (a retried `log_metric`).",
            "Readers accept it, but `mlflow migrate-filestore` (3.17.2) aborts with "
            "`UNIQUE constraint failed: metrics.key, metrics.timestamp, ...`. NB: MLflow 3.x "
            "`log_model` itself appends such duplicates (the clean `train-lr` and "
            "`train-lr-pickle` runs' `accuracy`), and migrating the CLEAN `examples/mlruns` "
            "fails the same way (verified), so this is a migration warning, not an error.",
        )
    )

    # 9. Git-LFS pointer committed instead of the pickle
    p = E / "models" / mb / "artifacts" / "model.pkl"
    data = p.read_bytes()
    pointer = (
        "version https://git-lfs.github.com/spec/v1\n"
        f"oid sha256:{hashlib.sha256(data).hexdigest()}\n"
        f"size {len(data)}\n"
    )
    p.write_text(pointer)
    rows.append(
        (
            rel(p),
            f"a {len(pointer)}-byte Git-LFS pointer text (`version https://git-lfs...`, "
            "`oid sha256:…`, `size …`) instead of the cloudpickle bytes (repo cloned without "
            "`git lfs pull`).",
            "Unpickling fails with `UnpicklingError: invalid load key, 'v'`; the size and "
            "`model_size_bytes` no longer match. A byte-level check spots it without "
            "unpickling.",
        )
    )
    return rows


def write_readme_table(rows: list[tuple[str, str, str]], ids: dict) -> None:
    readme = EXAMPLES / "README.md"
    begin, end = "<!-- defects:begin -->", "<!-- defects:end -->"
    table = [
        "| # | File (under `examples/defective/`) | What is wrong | Why it matters |",
        "|---|---|---|---|",
    ]
    for i, (f, what, why) in enumerate(rows, 1):
        table.append(f"| {i} | `{f}` | {what} | {why} |")
    table += [
        "",
        f"Ids in this generation: experiment `{ids['experiment_id']}` = `mlint-examples`; runs "
        f"`{ids['run_a']}` = `train-lr`, `{ids['run_b']}` = `train-lr-pickle`, "
        f"`{ids['run_c']}` = `evaluate`; LoggedModels `{ids['model_a']}` (train-lr, skops, "
        f"registered v1) and `{ids['model_b']}` (train-lr-pickle, cloudpickle, v2).",
    ]
    text = readme.read_text() if readme.exists() else f"{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(head + begin + "\n" + "\n".join(table) + "\n" + end + tail)


# ----------------------------------------------------------------------------------------------
def main() -> int:
    if os.environ.get("MLINT_EXAMPLES_CHILD") == "1":
        return child(Path(sys.argv[1]))
    py = sys.executable
    ver = subprocess.run(
        [py, "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    root = BASE / ver
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    CHILD.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(__file__, CHILD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(
        {
            "MLINT_EXAMPLES_CHILD": "1",
            "LOGNAME": USER,
            "USER": USER,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "GIT_PYTHON_REFRESH": "quiet",
        }
    )
    subprocess.run([py, str(CHILD), str(root)], env=env, cwd=root, check=True)
    ids = json.loads((root / "ids.json").read_text())
    for name in ("model", "mlruns"):
        if (EXAMPLES / name).exists():
            shutil.rmtree(EXAMPLES / name)
        shutil.copytree(root / name, EXAMPLES / name)
    empties = [p for p in (EXAMPLES / "mlruns").rglob("*") if p.is_dir() and not any(p.iterdir())]
    if empties:  # git would drop them; every run must log a metric, a param and an artifact
        raise SystemExit(f"empty dirs in examples/mlruns: {empties}")
    rows = make_defective(EXAMPLES, EXAMPLES / "defective", ids)
    write_readme_table(rows, ids)
    print(json.dumps(ids, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
