#!/usr/bin/env python
"""Write the "fidelity" fixtures with real MLflow and copy them into tests/data/mlflow/fidelity-<ver>/.

Usage (from the repository root, with the project's venv, which has MLflow 3.17.2):

    .venv/bin/python tests/data/generate_fidelity_fixtures.py

Each part is something MLflow writes and reads back fine, on which mlint once reported a false
finding (issue 15); tests/test_real_mlflow_trees.py and friends check every folder under
tests/data/mlflow/ and require no error and no warning:

* `models/pyfunc_code_paths`: a PythonModel saved with `code_paths` (MLflow measures
  `model_size_bytes` BEFORE it copies `code/`, so the size excludes the code files).
* `models/pyfunc_gzip|lzma|bzip2`: PythonModels saved with `MLFLOW_LOG_MODEL_COMPRESSION`; single-
  defect copies (wrong or missing `python_model_compression`, no flavors, an unknown
  `mlflow.*` loader module) are loaded in a scratch folder and the failures logged.
* `models/chat_model`, `models/responses_agent`: a ChatModel and a ResponsesAgent saved as
  objects (loader modules `mlflow.pyfunc.loaders.chat_model` / `…responses_agent` read
  `python_model`).
* `mlruns/`: the same models logged in runs; registered model `fid` with version 1 (live),
  version 2 deleted by `MlflowClient.delete_model_version` (the file registry keeps the folder
  with `current_stage: Deleted_Internal`), and version 3 registered from a `runs:/` URI (MLflow 3
  resolves it to the logged model: `model_id` and `storage_location` are what loading uses);
  a metric logged against a logged model of ANOTHER experiment, which the file store writes to
  `<run's experiment>/models/<model_id>/metrics/` without any `meta.yaml`.

Paths are normalised as in generate_mlflow_fixtures.py: everything is written under the fixed root
`/tmp/mlint-gen/fidelity-<ver>/` with a fixed user, then copied; ids and timestamps stay real.
Each step is verified by reading it back with MLflow (load + predict, client reads); the results
are recorded in GENERATE_LOG.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

GEN_BASE = Path("/tmp/mlint-gen")
CHILD_SCRIPT = GEN_BASE / "_gen" / "generate_fidelity_fixtures.py"
REPO_DATA = Path(__file__).resolve().parent / "mlflow"
EXTRA_DATA = Path(__file__).resolve().parent / "fidelity"
HELPER = "def shout(text):\n    return str(text).upper()\n"


def child(root: Path) -> None:
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.pyfunc import ChatModel, PythonModel, ResponsesAgent
    from mlflow.types.llm import ChatCompletionResponse, ChatMessage
    from mlflow.types.responses import ResponsesAgentRequest, ResponsesAgentResponse

    log: list[dict] = []

    def step(name: str, fn) -> object:
        try:
            result = fn()
            log.append({"step": name, "ok": True, "result": None if result is None else str(result)})
            return result
        except Exception:  # recorded; the generator goes on
            log.append({"step": name, "ok": False, "trace": traceback.format_exc()})
            return None

    class Echo(PythonModel):
        def predict(self, context, model_input, params=None):
            from helper import shout

            return [shout(v) for v in model_input["text"]]

    class Chat(ChatModel):
        def predict(self, context, messages: list[ChatMessage], params=None) -> ChatCompletionResponse:
            return ChatCompletionResponse.from_dict({
                "choices": [{"index": 0, "message": {"role": "assistant",
                                                     "content": messages[-1].content.upper()}}],
            })

    class Agent(ResponsesAgent):
        def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
            text = request.input[-1].content
            return ResponsesAgentResponse(output=[self.create_text_output_item(str(text).upper(), "id-1")])

    def use_store(mlruns: Path) -> None:
        mlflow.set_tracking_uri(f"file:{mlruns}")
        mlflow.set_registry_uri(f"file:{mlruns}")

    clean, extra = root / "clean", root / "extra"
    use_store(clean / "mlruns")  # before anything else: the default is a sqlite file in cwd
    (root / "helper.py").write_text(HELPER)
    models = clean / "models"
    example = pd.DataFrame({"text": ["a", "b"]})
    step("save pyfunc_code_paths", lambda: mlflow.pyfunc.save_model(
        models / "pyfunc_code_paths", python_model=Echo(), code_paths=[str(root / "helper.py")],
        input_example=example))
    step("save chat_model", lambda: mlflow.pyfunc.save_model(models / "chat_model", python_model=Chat()))
    # Kept out of the clean tree: its pickle trips the pickle allowlist (inspect.*, mlflow.tracing.*),
    # which is another open item; tests select the rules it is a fixture for.
    step("save responses_agent", lambda: mlflow.pyfunc.save_model(
        extra / "responses_agent", python_model=Agent()))

    # python_model_compression (MLFLOW_LOG_MODEL_COMPRESSION): python_model.pkl.gz / .xz / .bz2
    for method in ("gzip", "lzma", "bzip2"):
        os.environ["MLFLOW_LOG_MODEL_COMPRESSION"] = method
        step(f"save pyfunc_{method}", lambda m=method: mlflow.pyfunc.save_model(
            models / f"pyfunc_{m}", python_model=Echo(), code_paths=[str(root / "helper.py")]))
    del os.environ["MLFLOW_LOG_MODEL_COMPRESSION"]
    step("load+predict pyfunc_gzip",
         lambda: mlflow.pyfunc.load_model(str(models / "pyfunc_gzip")).predict(example))
    verify_copies(root / "scratch", models, example, step)

    chat_input = {"messages": [{"role": "user", "content": "hi"}]}
    agent_input = {"input": [{"role": "user", "content": "hi"}]}
    checks = {models / "pyfunc_code_paths": example, models / "chat_model": chat_input,
              extra / "responses_agent": agent_input}
    for folder, payload in checks.items():
        step(f"load+predict {folder.name}",
             lambda f=folder, p=payload: mlflow.pyfunc.load_model(str(f)).predict(p))

    client = MlflowClient()
    mlflow.set_experiment("fid")
    with mlflow.start_run(run_name="pyfunc-code") as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=Echo(),
                                       code_paths=[str(root / "helper.py")], input_example=example)
        mlflow.log_metric("score", 0.5)
    with mlflow.start_run(run_name="chat"):
        mlflow.pyfunc.log_model(name="model", python_model=Chat())
    with mlflow.start_run(run_name="params-only"):
        mlflow.log_param("p", "1")

    step("register v1", lambda: mlflow.register_model(info.model_uri, "fid"))
    step("register v2", lambda: mlflow.register_model(info.model_uri, "fid"))
    step("delete v2", lambda: client.delete_model_version("fid", "2"))
    step("register v3 from runs:/", lambda: mlflow.register_model(f"runs:/{run.info.run_id}/model", "fid"))
    step("get v1", lambda: client.get_model_version("fid", "1").current_stage)
    step("get v2 (deleted: expected to fail)", lambda: client.get_model_version("fid", "2"))
    step("search versions", lambda: sorted(v.version for v in client.search_model_versions("name='fid'")))
    step("load models:/fid/1", lambda: mlflow.pyfunc.load_model("models:/fid/1").predict(example))
    step("load models:/fid/3", lambda: mlflow.pyfunc.load_model("models:/fid/3").predict(example))
    step("v3 download uri", lambda: client.get_model_version_download_uri("fid", "3"))

    # A metric logged for a logged model of ANOTHER experiment: the file store writes it below
    # the RUN's experiment, models/<model_id>/metrics/, a folder without meta.yaml.
    use_store(extra / "metric-ghost" / "mlruns")
    client = MlflowClient()
    other = mlflow.create_experiment("owner")
    with mlflow.start_run(run_name="owner-run", experiment_id=other):
        owned = mlflow.pyfunc.log_model(name="model", python_model=Chat())
    ghost_exp = mlflow.set_experiment("metrics-from-elsewhere")
    with mlflow.start_run(run_name="scorer"):
        step("log_metric for a model of another experiment",
             lambda: mlflow.log_metric("foreign_score", 0.25, model_id=owned.model_id))
    # get_logged_model searches the experiments in os.listdir order and reads the first
    # models/<id>/ it meets: whether it meets the metrics-only folder first depends on the
    # file system, so what it does then is recorded directly too.
    step("get_logged_model of that model (depends on folder order)",
         lambda: client.get_logged_model(owned.model_id).metrics)
    store = client._tracking_client.store
    ghost = extra / "metric-ghost" / "mlruns" / ghost_exp.experiment_id / "models" / owned.model_id
    step("read the metrics-only folder as get_logged_model does when it meets it first",
         lambda: store._get_model_from_dir(str(ghost)))
    step("search_logged_models of the run's experiment",
         lambda: [m.model_id for m in client.search_logged_models([ghost_exp.experiment_id])])
    (root / "GENERATE_LOG.json").write_text(json.dumps({
        "mlflow": mlflow.__version__, "python": sys.version.split()[0], "steps": log}, indent=1))
    os.remove(root / "helper.py")


def verify_copies(scratch: Path, models: Path, example: object, step) -> None:
    """Single-defect copies of the models above, loaded with MLflow: what fails and how (the
    copies are not kept; tests/rules and tests/test_fidelity_round2.py rebuild them)."""
    import json as _json

    import mlflow
    import yaml
    from mlflow.models import Model

    def copy(name: str, src: str, edit) -> Path:
        dst = scratch / name
        shutil.copytree(models / src, dst)
        data = yaml.safe_load((dst / "MLmodel").read_text())
        edit(data)
        (dst / "MLmodel").write_text(yaml.safe_dump(data))
        return dst

    def pyfunc(data: dict) -> dict:
        return data["flavors"]["python_function"]

    cases = {
        "compression lzma on a gzip file": copy(
            "gz_as_lzma", "pyfunc_gzip", lambda d: pyfunc(d).update(python_model_compression="lzma")),
        "compression key dropped on a gzip file": copy(
            "gz_plain", "pyfunc_gzip", lambda d: pyfunc(d).pop("python_model_compression")),
        "compression gzip on a plain pickle": copy(
            "plain_as_gzip", "pyfunc_code_paths", lambda d: pyfunc(d).update(python_model_compression="gzip")),
        "no flavors": copy("no_flavors", "pyfunc_code_paths", lambda d: d.pop("flavors")),
        "loader_module mlflow.sklern": copy(
            "sklern", "pyfunc_code_paths", lambda d: pyfunc(d).update(loader_module="mlflow.sklern")),
    }
    for what, folder in cases.items():
        step(f"load+predict copy: {what}",
             lambda f=folder: mlflow.pyfunc.load_model(str(f)).predict(example))

    def two_columns(d: dict) -> None:
        d["signature"] = {"inputs": _json.dumps([{"type": "string", "name": "text", "required": True},
                                                 {"type": "string", "name": "text", "required": True}]),
                          "outputs": None, "params": None}

    dup = copy("dup_columns", "pyfunc_code_paths", two_columns)
    step("Model.load copy: duplicate input column", lambda: Model.load(str(dup)).signature.inputs)

    def duplicate_key() -> str:
        dst = scratch / "dup_key"
        shutil.copytree(models / "chat_model", dst)
        text = (dst / "MLmodel").read_text()
        (dst / "MLmodel").write_text(text.replace(
            "    loader_module: mlflow.pyfunc.loaders.chat_model\n",
            "    loader_module: mlflow.pyfunc.loaders.chat_model\n    loader_module: mlflow.sklearn\n"))
        return Model.load(str(dst)).flavors["python_function"]["loader_module"]

    step("Model.load copy: duplicate loader_module key (which wins)", duplicate_key)

    def symlink_shipped() -> str:
        secret = scratch / "secret.txt"
        secret.write_text("SECRET")
        folder = scratch / "linked"
        shutil.copytree(models / "chat_model", folder)
        os.symlink(secret, folder / "leak")
        kept = mlflow.get_tracking_uri()
        mlflow.set_tracking_uri(f"file:{scratch / 'mlruns'}")  # not in the kept trees
        try:
            with mlflow.start_run() as r:
                mlflow.log_artifacts(str(folder), "model")
            logged = Path(mlflow.get_run(r.info.run_id).info.artifact_uri.replace("file://", "")) / "model/leak"
        finally:
            mlflow.set_tracking_uri(kept)
        return f"logged leak is a symlink: {logged.is_symlink()}, content: {logged.read_text()!r}"

    step("log_artifacts of a model folder with a symlink out of it", symlink_shipped)


def main() -> None:
    import mlflow

    version = mlflow.__version__
    root = GEN_BASE / f"fidelity-{version}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    CHILD_SCRIPT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(__file__, CHILD_SCRIPT)
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true", "LOGNAME": "mlint-gen", "USER": "mlint-gen",
           "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true", "PYTHONPATH": "",
           "MLFLOW_TRACKING_URI": f"file:{root / 'clean' / 'mlruns'}"}
    subprocess.run([sys.executable, str(CHILD_SCRIPT), "--child", str(root)], cwd=root, env=env, check=True)
    log = json.loads((root / "GENERATE_LOG.json").read_text())
    prefix = sys.prefix
    for entry in log["steps"]:
        if "trace" in entry:
            entry["trace"] = entry["trace"].replace(prefix, "<sys.prefix>")
    (root / "GENERATE_LOG.json").write_text(json.dumps(log, indent=1) + "\n")
    shutil.move(str(root / "GENERATE_LOG.json"), str(root / "clean" / "GENERATE_LOG.json"))
    for src, dest in ((root / "clean", REPO_DATA / f"fidelity-{version}"), (root / "extra", EXTRA_DATA)):
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
        empties = sorted(str(Path(d).relative_to(dest)) for d, subdirs, files in os.walk(dest)
                         if not subdirs and not files)
        (dest / "EMPTY_DIRS.txt").write_text("".join(f"{e}\n" for e in empties))
    print(f"wrote {REPO_DATA / f'fidelity-{version}'} and {EXTRA_DATA}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
    else:
        main()
