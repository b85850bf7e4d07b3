#!/usr/bin/env python
"""Write small fixture trees with *real* MLflow and copy them into tests/data/mlflow/<version>/.

Usage (from the repository root, with an interpreter that has mlflow + scikit-learn):

    python tests/data/generate_mlflow_fixtures.py                      # installed mlflow
    python tests/data/generate_mlflow_fixtures.py --mlflow-version 2.22.0
    python tests/data/generate_mlflow_fixtures.py --mlflow-version 3.1.0
    python tests/data/generate_mlflow_fixtures.py --mlflow-version 2.9.2 \
        --overlay-pip "protobuf<5" "pandas<3" databricks-cli tabulate pyjwt oauthlib pytz entrypoints

Path normalisation
------------------
Everything is written under the FIXED root ``/tmp/mlint-gen/<mlflow-version>/`` (wiped first), so the
absolute URIs MLflow puts into the files (``artifact_location``, ``artifact_uri``,
``storage_location``, ``artifact_path`` of 3.x logged models, ...) read
``file:///tmp/mlint-gen/<ver>/mlruns/...`` on every machine. To make the other machine-specific
values deterministic too, the generating code runs in a child process that:

* is a copy of this script at ``/tmp/mlint-gen/_gen/generate_mlflow_fixtures.py`` (outside any git
  repository), so the ``mlflow.source.name`` tag is that fixed path and MLflow records no
  ``mlflow.source.git.*`` tags of whatever checkout ran the generator;
* runs with ``LOGNAME=USER=mlint-gen`` (``mlflow.user`` tag, ``user_id`` in run meta.yaml);
* has cwd ``/tmp/mlint-gen/<ver>``.

Timestamps, experiment ids, run ids and model ids stay real (random / wall-clock).

The file store is forced: ``MLFLOW_ALLOW_FILE_STORE=true`` and tracking AND registry URI
``file:/tmp/mlint-gen/<ver>/mlruns``.

Older MLflow versions (``--mlflow-version X`` different from the installed one) are run the way
docs/MLFLOW_FORMAT.md §0 describes: ``pip download --no-deps`` of the mlflow, mlflow-skinny (and,
for 3.x, mlflow-tracing) wheels, unzipped into ``/tmp/mlint-gen/_overlay/<X>`` and put FIRST on
``PYTHONPATH`` in front of the current interpreter's site-packages (whose other dependencies are
used unchanged). The installed packages are never modified. The extra flavor (lightgbm) is put on
``PYTHONPATH`` the same way via ``pip install --no-deps --target /tmp/mlint-gen/_overlay/lightgbm``
when it is not importable (skip with ``--no-extra-flavor``).

After generation ``mlruns/``, ``models/`` and ``GENERATE_LOG.json`` are copied into
``tests/data/mlflow/<ver>/``, and every empty directory is listed in ``EMPTY_DIRS.txt`` (git does
not keep empty dirs; ``tests/data/fixture_tree.materialize`` recreates them).

Never unpickle the resulting pickles in tests: they are only checked in as bytes to lint.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

GEN_BASE = Path("/tmp/mlint-gen")
CHILD_SCRIPT = GEN_BASE / "_gen" / "generate_mlflow_fixtures.py"
OVERLAY_BASE = GEN_BASE / "_overlay"
REPO_DATA = Path(__file__).resolve().parent / "mlflow"
FIXED_USER = "mlint-gen"


# --------------------------------------------------------------------------------------------
# parent side: overlays, re-exec, copy back
# --------------------------------------------------------------------------------------------


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def _installed_mlflow_version(python: str) -> str | None:
    r = subprocess.run(
        [python, "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    return r.stdout.strip() or None


def _mlflow_overlay(python: str, version: str) -> Path:
    """Download mlflow wheels of `version` (no deps) and unzip them into an overlay dir."""
    target = OVERLAY_BASE / version
    if (target / "mlflow" / "version.py").exists():
        return target
    wheels = OVERLAY_BASE / f"wheels-{version}"
    wheels.mkdir(parents=True, exist_ok=True)
    names = ["mlflow-skinny", "mlflow"]
    if int(version.split(".")[0]) >= 3:
        names.insert(0, "mlflow-tracing")
    for name in names:
        _run(
            [
                python,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                f"{name}=={version}",
                "-d",
                str(wheels),
            ]
        )
    target.mkdir(parents=True, exist_ok=True)
    # tracing/skinny first, full mlflow last: the full wheel is a superset of the others.
    order = sorted(wheels.glob("*.whl"), key=lambda p: (p.name.startswith("mlflow-"), p.name))
    for whl in order:
        with zipfile.ZipFile(whl) as z:
            z.extractall(target)
    return target


def _lightgbm_overlay(python: str, env: dict) -> Path | None:
    r = subprocess.run([python, "-c", "import lightgbm"], env=env, capture_output=True)
    if r.returncode == 0:
        return None
    target = OVERLAY_BASE / "lightgbm"
    if not (target / "lightgbm").exists():
        t0 = time.time()
        try:
            _run(
                [
                    python,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-deps",
                    "--target",
                    str(target),
                    "lightgbm",
                ],
                timeout=120,
            )
        except Exception as e:  # noqa: BLE001
            print(f"lightgbm overlay not installable ({e!r}); skipping that flavor", flush=True)
            return None
        print(f"lightgbm overlay installed in {time.time() - t0:.1f}s", flush=True)
    return target


def _empty_dirs(root: Path) -> list[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        if not dirnames and not filenames:
            out.append(Path(dirpath).relative_to(root).as_posix())
    return sorted(out)


def parent_main(args: argparse.Namespace) -> int:
    python = args.python
    installed = _installed_mlflow_version(python)
    version = args.mlflow_version or installed
    if not version:
        print("no mlflow importable and no --mlflow-version given", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    pp: list[str] = []
    source = "installed package"
    if version != installed:
        pp.append(str(_mlflow_overlay(python, version)))
        source = (
            f"PYTHONPATH overlay of the mlflow/mlflow-skinny wheels {version} "
            f"(pip download --no-deps) over the {installed} interpreter's dependencies"
        )
    if args.overlay_pip:
        # extra dependencies an old MLflow needs that the interpreter lacks (or has too new),
        # installed with --no-deps into their own overlay dir; nothing installed is modified.
        extra = OVERLAY_BASE / f"deps-{version}"
        if not extra.exists():
            _run(
                [
                    python,
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--no-deps",
                    "--target",
                    str(extra),
                    *args.overlay_pip,
                ]
            )
        pp.append(str(extra))
        source += f"; extra --no-deps overlay: {' '.join(args.overlay_pip)}"
    if not args.no_extra_flavor:
        lgb = _lightgbm_overlay(python, {**env, "PYTHONPATH": os.pathsep.join(pp)})
        if lgb:
            pp.append(str(lgb))
    root = GEN_BASE / version
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    CHILD_SCRIPT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(__file__, CHILD_SCRIPT)
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(pp),
            "MLINT_GEN_CHILD": "1",
            "MLINT_GEN_MLFLOW_SOURCE": source,
            "MLINT_GEN_EXPECT_VERSION": version,
            "LOGNAME": FIXED_USER,
            "USER": FIXED_USER,
            "PYTHONHASHSEED": "0",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "GIT_PYTHON_REFRESH": "quiet",
        }
    )
    rc = subprocess.run([python, str(CHILD_SCRIPT), str(root)], env=env, cwd=root).returncode
    print(f"child exit code {rc}", flush=True)
    if not (root / "GENERATE_LOG.json").exists():
        return rc or 1
    if args.no_copy:
        return rc
    dest = Path(args.dest) / version
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in ("mlruns", "models", "GENERATE_LOG.json"):
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name, symlinks=True)
        elif src.exists():
            shutil.copy2(src, dest / name)
    empties = _empty_dirs(dest)
    (dest / "EMPTY_DIRS.txt").write_text(
        "# Empty directories MLflow created in this tree (git drops them).\n"
        "# tests/data/fixture_tree.py::materialize() recreates them. Paths are relative to this file.\n"
        + "".join(e + "\n" for e in empties)
    )
    print(f"copied to {dest} ({len(empties)} empty dirs recorded)")
    return rc


# --------------------------------------------------------------------------------------------
# child side: the real MLflow calls
# --------------------------------------------------------------------------------------------


def child_main(root: Path) -> int:  # noqa: C901 - a linear script
    import warnings

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    mlruns = root / "mlruns"
    uri = f"file:{mlruns}"
    os.environ["MLFLOW_TRACKING_URI"] = uri
    os.environ["MLFLOW_REGISTRY_URI"] = uri

    import numpy as np
    import pandas as pd
    import sklearn
    from packaging.version import Version
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    import mlflow
    import mlflow.pyfunc
    import mlflow.sklearn
    from mlflow import MlflowClient
    from mlflow.models import infer_signature
    from mlflow.models.signature import ModelSignature

    V = Version(mlflow.__version__)
    MLFLOW3 = V.major >= 3
    expect = os.environ.get("MLINT_GEN_EXPECT_VERSION")
    assert expect is None or expect == mlflow.__version__, (expect, mlflow.__version__)

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def _ver(mod: str) -> str | None:
        try:
            m = __import__(mod)
            return getattr(m, "__version__", None)
        except Exception:  # noqa: BLE001
            return None

    import importlib.metadata as md

    def _dist(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    log: dict = {
        "generator": "tests/data/generate_mlflow_fixtures.py",
        "mlflow_version": mlflow.__version__,
        "mlflow_source": os.environ.get("MLINT_GEN_MLFLOW_SOURCE", "installed package"),
        "sklearn_version": sklearn.__version__,
        "python": ".".join(map(str, sys.version_info[:3])),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "packages": {
            n: _dist(n)
            for n in (
                "mlflow",
                "mlflow-skinny",
                "mlflow-tracing",
                "cloudpickle",
                "skops",
                "protobuf",
                "pyyaml",
                "lightgbm",
                "pip",
                "setuptools",
                "wheel",
            )
        },
        "fixed_root": str(root),
        "tracking_uri": mlflow.get_tracking_uri(),
        "registry_uri": mlflow.get_registry_uri(),
        "MLFLOW_ALLOW_FILE_STORE": os.environ.get("MLFLOW_ALLOW_FILE_STORE"),
        "user": FIXED_USER,
        "steps": [],
        "ids": {"experiments": {}, "runs": {}, "logged_models": {}},
        "captured_warnings": [],
    }
    try:
        log["tracking_store_class"] = type(client._tracking_client.store).__name__
    except Exception:  # noqa: BLE001
        pass

    failures: list[str] = []

    def step(name: str, fn, required: bool = True):
        t0 = time.time()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = fn()
                entry = {
                    "step": name,
                    "ok": True,
                    "secs": round(time.time() - t0, 2),
                    "result": res,
                }
            except Exception as e:  # noqa: BLE001
                res = None
                entry = {
                    "step": name,
                    "ok": False,
                    "required": required,
                    "error": f"{type(e).__name__}: {e}"[:2000],
                    # the interpreter prefix is machine-specific: redact it
                    "trace": traceback.format_exc()[-4000:].replace(sys.prefix, "<sys.prefix>"),
                }
                if required:
                    failures.append(name)
            finally:
                if mlflow.active_run() is not None:  # never leave a RUNNING run behind
                    mlflow.end_run("FAILED")
        for w in caught:
            msg = str(w.message).splitlines()[0][:300]
            item = {"step": name, "category": w.category.__name__, "message": msg}
            if item not in log["captured_warnings"]:
                log["captured_warnings"].append(item)
        log["steps"].append(entry)
        print(("OK  " if entry["ok"] else "FAIL"), name, entry.get("error", ""), flush=True)
        return res

    # ---- data and tiny models (deterministic) ----
    iris = load_iris(as_frame=True)
    X = iris.data.copy()
    X.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    y = iris.target
    lr1 = LogisticRegression(C=1.0, max_iter=200).fit(X, y)
    lr2 = LogisticRegression(C=0.1, max_iter=200).fit(X, y)
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)

    def name_kw(name: str) -> dict:
        return {"name": name} if MLFLOW3 else {"artifact_path": name}

    def model_info(info) -> dict:
        d = {"model_uri": info.model_uri, "run_id": getattr(info, "run_id", None)}
        mid = getattr(info, "model_id", None)
        if mid:
            d["model_id"] = mid
        if getattr(info, "registered_model_version", None) is not None:
            d["registered_model_version"] = info.registered_model_version
        return d

    # ---- experiments ----
    def exp_named():
        eid = mlflow.create_experiment("mlint-fixtures", tags={"team": "mlint"})
        log["ids"]["experiments"]["mlint-fixtures"] = eid
        return eid

    exp_id = step("create_experiment_named_with_tag", exp_named)

    def exp_trash_create():
        eid = mlflow.create_experiment("to-trash")
        log["ids"]["experiments"]["to-trash"] = eid
        return eid

    trash_id = step("create_experiment_to_trash", exp_trash_create)

    # ---- run 1: params, metrics over steps, nested key, tags, dataset, artifact, sklearn model v1 ----
    def run_train_lr():
        with mlflow.start_run(experiment_id=exp_id, run_name="train-lr") as run:
            mlflow.log_params({"C": 1.0, "max_iter": 200, "solver": "lbfgs"})
            for s, loss in enumerate([1.0, 0.5, 0.25]):
                mlflow.log_metric("loss", loss, step=s)
                mlflow.log_metric("train/loss", loss * 1.1, step=s)
            mlflow.log_metric("accuracy", float(lr1.score(X, y)))
            mlflow.set_tags({"owner": "mlint", "purpose": "fixture"})
            df = X.assign(target=y)
            ds = mlflow.data.from_pandas(df, name="iris")
            mlflow.log_input(ds, context="training")
            mlflow.log_text("hello from the mlint fixture generator\n", "notes/hello.txt")
            sig = infer_signature(X, lr1.predict(X))
            info = mlflow.sklearn.log_model(
                lr1,
                signature=sig,
                input_example=X.head(3),
                registered_model_name="iris-lr",
                **name_kw("model"),
            )
            log["ids"]["runs"]["train-lr"] = run.info.run_id
            return model_info(info)

    step("run_train_lr_registered_v1", run_train_lr)

    # ---- run 2: second registered version ----
    def run_train_lr_v2():
        with mlflow.start_run(experiment_id=exp_id, run_name="train-lr-c01") as run:
            mlflow.log_params({"C": 0.1, "max_iter": 200, "solver": "lbfgs"})
            mlflow.log_metric("accuracy", float(lr2.score(X, y)))
            info = mlflow.sklearn.log_model(
                lr2,
                signature=infer_signature(X, lr2.predict(X)),
                input_example=X.head(2),
                registered_model_name="iris-lr",
                **name_kw("model"),
            )
            log["ids"]["runs"]["train-lr-c01"] = run.info.run_id
            return model_info(info)

    step("run_train_lr_registered_v2", run_train_lr_v2)

    # ---- pyfunc PythonModel with params signature ----
    class EchoModel(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):
            n = len(model_input) if isinstance(model_input, pd.DataFrame) else 1
            return ["ok"] * n

    def rich_example():
        if V < Version("2.10"):
            # no json_object examples before 2.10: dicts are coerced to a DataFrame and nested
            # values raise "Data in the dictionary must be scalar or of type numpy.ndarray"
            return ({"text": "hi", "flag": True, "f32": 0.5}, {"temperature": 0.7})
        return ({"text": "hi", "obj": {"a": 1}}, {"temperature": 0.7})

    def rich_signature():
        from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

        extra = []
        import inspect

        if "required" not in inspect.signature(ColSpec.__init__).parameters:
            # MLflow < ~2.10: ColSpec has no `required` (every column is optional-less)
            extra.append("ColSpec has no 'required' argument: dropped")
            _ColSpec = ColSpec

            def ColSpec(type, name=None, required=True):  # noqa: N802, A002
                return _ColSpec(type, name)

        cols = [ColSpec("string", "text")]
        try:
            from mlflow.types.schema import Array, Object, Property

            cols.append(ColSpec(Array("double"), "vec", required=False))
            cols.append(
                ColSpec(
                    Object([Property("a", "long"), Property("b", "string", required=False)]),
                    "obj",
                )
            )
        except Exception as e:  # noqa: BLE001
            extra.append(f"Array/Object unavailable: {e!r}")
        try:
            from mlflow.types.schema import Map

            cols.append(ColSpec(Map("integer"), "m", required=False))
        except Exception as e:  # noqa: BLE001
            extra.append(f"Map unavailable: {e!r}")
        try:
            from mlflow.types.schema import AnyType

            cols.append(ColSpec(AnyType(), "anything", required=False))
        except Exception as e:  # noqa: BLE001
            extra.append(f"AnyType unavailable: {e!r}")
        for t, n in (("datetime", "ts"), ("binary", "blob"), ("boolean", "flag"), ("float", "f32")):
            cols.append(ColSpec(t, n, required=False))
        params = [
            ParamSpec("temperature", "float", 0.5),
            ParamSpec("max_tokens", "long", 16),
            ParamSpec("stop", "string", ["a", "b"], (-1,)),
            ParamSpec("when", "datetime", "2024-01-01T00:00:00"),
        ]
        try:
            from mlflow.types.schema import Object, Property

            params.append(ParamSpec("cfg", Object([Property("x", "long")]), {"x": 1}))
        except Exception as e:  # noqa: BLE001
            extra.append(f"object ParamSpec unavailable: {e!r}")
        sig = ModelSignature(
            inputs=Schema(cols),
            outputs=Schema([ColSpec("string")]),
            params=ParamSchema(params),
        )
        return sig, extra

    # Older MLflow + pandas 3 (str dtype inferred by default) rejects string input examples
    # ("Can not safely convert str to <U0"). Probe once; if so, generate the string-column
    # examples with pandas' legacy object dtype (future.infer_string=False) and record it.
    def probe_string_enforcement():
        from mlflow.models.utils import _enforce_schema
        from mlflow.types.schema import ColSpec, Schema

        try:
            _enforce_schema(pd.DataFrame({"text": ["hi"]}), Schema([ColSpec("string", "text")]))
            return "str dtype accepted"
        except Exception as e:  # noqa: BLE001
            pd.set_option("future.infer_string", False)
            log["pandas_future_infer_string"] = False
            return f"disabled pandas future.infer_string after: {type(e).__name__}: {e}"[:500]

    step("probe_pandas_str_dtype_enforcement", probe_string_enforcement, required=False)

    def run_pyfunc_params():
        sig, extra = rich_signature()
        with mlflow.start_run(experiment_id=exp_id, run_name="pyfunc-params") as run:
            mlflow.log_param("kind", "echo")
            info = mlflow.pyfunc.log_model(
                python_model=EchoModel(),
                signature=sig,
                input_example=rich_example(),
                pip_requirements=["pandas"],
                **name_kw("echo"),
            )
            log["ids"]["runs"]["pyfunc-params"] = run.info.run_id
            return {**model_info(info), "schema_notes": extra}

    step("run_pyfunc_params_signature", run_pyfunc_params)

    # ---- registry extras ----
    step(
        "registry_alias",
        lambda: client.set_registered_model_alias("iris-lr", "champion", "1") or "champion->1",
    )
    step("registry_model_tag", lambda: client.set_registered_model_tag("iris-lr", "team", "ml"))
    step(
        "registry_version_tag",
        lambda: client.set_model_version_tag("iris-lr", "1", "validated", "yes"),
    )
    step(
        "registry_model_description",
        lambda: (
            client.update_registered_model(
                "iris-lr", description="Iris logistic regression (fixture)"
            )
            and "ok"
        ),
    )
    # Known to fail in 3.1.0's registry file store when the version's LoggedModel has metrics
    # (it tries to yaml-dump Metric objects into version-N/meta.yaml): optional.
    step(
        "registry_version_description",
        lambda: client.update_model_version("iris-lr", "2", description="C=0.1 variant") and "ok",
        required=False,
    )

    # ---- nested runs, failed run, deleted run ----
    def runs_nested():
        with mlflow.start_run(experiment_id=exp_id, run_name="parent") as parent:
            mlflow.log_param("n_children", 2)
            for i in range(2):
                with mlflow.start_run(
                    experiment_id=exp_id, run_name=f"child-{i}", nested=True
                ) as c:
                    mlflow.log_metric("score", 0.5 + i / 10)
                    log["ids"]["runs"][f"child-{i}"] = c.info.run_id
            log["ids"]["runs"]["parent"] = parent.info.run_id
            return parent.info.run_id

    step("runs_nested", runs_nested)

    def run_failed():
        run = mlflow.start_run(experiment_id=exp_id, run_name="failed-run")
        mlflow.log_param("x", 1)
        mlflow.end_run(status="FAILED")
        log["ids"]["runs"]["failed-run"] = run.info.run_id
        return run.info.run_id

    step("run_failed_status", run_failed)

    def run_deleted():
        with mlflow.start_run(experiment_id=exp_id, run_name="deleted-run") as run:
            mlflow.log_param("x", 1)
        client.delete_run(run.info.run_id)
        log["ids"]["runs"]["deleted-run"] = run.info.run_id
        return run.info.run_id

    step("run_deleted", run_deleted)

    # ---- MLflow 3: a logged model without a run ----
    if MLFLOW3:

        def logged_model_no_run():
            import inspect

            kw = {}
            # 3.17.2 saves sklearn as skops by default; a tree needs its Tree type trusted, else
            # log_model raises and leaves a LoggedModel with status 3 (UPLOAD_FAILED) behind.
            if "skops_trusted_types" in inspect.signature(mlflow.sklearn.log_model).parameters:
                kw["skops_trusted_types"] = ["sklearn.tree._tree.Tree"]
            info = mlflow.sklearn.log_model(tree, name="standalone-tree", **kw)
            log["ids"]["logged_models"]["standalone-tree"] = info.model_id
            return model_info(info)

        step("logged_model_without_run", logged_model_no_run, required=False)

    # ---- trash: a run inside an experiment that gets deleted ----
    def trash_experiment():
        with mlflow.start_run(experiment_id=trash_id, run_name="in-trashed-exp") as run:
            mlflow.log_metric("m", 1.0)
        log["ids"]["runs"]["in-trashed-exp"] = run.info.run_id
        mlflow.delete_experiment(trash_id)
        return trash_id

    step("experiment_deleted_to_trash", trash_experiment)

    # ---- save_model outputs ----
    models = root / "models"
    models.mkdir()

    def save_sklearn_default():
        p = models / "sklearn_default"
        mlflow.sklearn.save_model(
            lr1, str(p), signature=infer_signature(X, lr1.predict(X)), input_example=X.head(2)
        )
        return sorted(os.listdir(p))

    step("save_model_sklearn_default_serialization", save_sklearn_default)

    def save_sklearn_cloudpickle_tensor():
        p = models / "sklearn_cloudpickle_tensor"
        Xn = X.to_numpy(dtype=np.float32)
        m = LogisticRegression(max_iter=200).fit(Xn, y.to_numpy())
        mlflow.sklearn.save_model(
            m,
            str(p),
            serialization_format="cloudpickle",
            signature=infer_signature(Xn, m.predict(Xn)),
            input_example=Xn[:2],
        )
        return sorted(os.listdir(p))

    step("save_model_sklearn_cloudpickle_tensor", save_sklearn_cloudpickle_tensor)

    def save_pyfunc_params():
        p = models / "pyfunc_params"
        sig, extra = rich_signature()
        mlflow.pyfunc.save_model(
            str(p),
            python_model=EchoModel(),
            signature=sig,
            input_example=rich_example(),
            pip_requirements=["pandas"],
        )
        return {"files": sorted(os.listdir(p)), "schema_notes": extra}

    step("save_model_pyfunc_rich_signature_params", save_pyfunc_params)

    def save_lightgbm():
        import lightgbm as lgb

        import mlflow.lightgbm

        log["lightgbm_version"] = lgb.__version__
        p = models / "lightgbm_sklearn_api"
        m = lgb.LGBMClassifier(n_estimators=5, num_leaves=4, random_state=0, verbose=-1).fit(X, y)
        mlflow.lightgbm.save_model(
            m, str(p), signature=infer_signature(X, m.predict(X)), input_example=X.head(2)
        )
        return sorted(os.listdir(p))

    step("save_model_lightgbm", save_lightgbm, required=False)

    # ---- sanity: no RUNNING run anywhere ----
    def check_no_running():
        import yaml

        bad = []
        for meta in mlruns.rglob("meta.yaml"):
            if meta.parent.parent.name in ("models", "datasets", "inputs", "outputs"):
                continue
            d = yaml.safe_load(meta.read_text()) or {}
            if "status" in d and d.get("status") == 1 and "start_time" in d:
                bad.append(str(meta.relative_to(root)))
        if bad:
            raise RuntimeError(f"RUNNING runs left: {bad}")
        return "no RUNNING runs"

    step("check_no_running_runs", check_no_running)

    (root / "GENERATE_LOG.json").write_text(json.dumps(log, indent=1, default=str) + "\n")
    if failures:
        print("required steps failed:", failures, file=sys.stderr)
        return 1
    return 0


def main() -> int:
    if os.environ.get("MLINT_GEN_CHILD") == "1":
        return child_main(Path(sys.argv[1]))
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--mlflow-version", help="default: the installed mlflow")
    ap.add_argument("--python", default=sys.executable, help="interpreter with mlflow deps")
    ap.add_argument("--dest", default=str(REPO_DATA), help="default: tests/data/mlflow")
    ap.add_argument("--no-copy", action="store_true", help="only write /tmp/mlint-gen/<ver>")
    ap.add_argument(
        "--overlay-pip",
        nargs="*",
        default=[],
        help="requirements pip-installed with --no-deps into an extra PYTHONPATH overlay "
        '(2.9.2 needs: "protobuf<5" "pandas<3" databricks-cli tabulate pyjwt oauthlib pytz entrypoints)',
    )
    ap.add_argument("--no-extra-flavor", action="store_true", help="skip the lightgbm overlay")
    return parent_main(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
