"""Issue 15 (fidelity round 2): what real MLflow 3.17.2 writes and reads, and single-defect copies.

The fixtures come from tests/data/generate_fidelity_fixtures.py: the clean tree
`tests/data/mlflow/fidelity-3.17.2/` (also checked by every "real tree is clean" test) and
`tests/data/fidelity/` (a ResponsesAgent model and a tree with a metrics-only logged-model
folder). Every MLflow behaviour asserted here is recorded in the generator's GENERATE_LOG.json.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from mlint import Config, run
from tests.data.fixture_tree import MLFLOW_FIXTURES, materialize

CLEAN = MLFLOW_FIXTURES / "fidelity-3.17.2"
EXTRA = MLFLOW_FIXTURES.parent / "fidelity"


def check(paths: list[Path], *select: str) -> list[tuple[str, str, str, str]]:
    config = dataclasses.replace(Config(), select=select) if select else Config()
    return [(d.code, d.severity, Path(d.path).name, d.message)
            for d in run([str(p) for p in paths], config).diagnostics]


def steps() -> dict[str, dict[str, object]]:
    log = json.loads((CLEAN / "GENERATE_LOG.json").read_text())
    return {s["step"]: s for s in log["steps"]}


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    return materialize(CLEAN, tmp_path / "clean")


def test_generator_log_records_what_mlflow_did() -> None:
    done = steps()
    for name in ("load+predict pyfunc_code_paths", "load+predict chat_model",
                 "load+predict responses_agent", "load models:/fid/1", "load models:/fid/3"):
        assert done[name]["ok"] is True, name
    assert done["search versions"]["result"] == "[1, 3]"  # v2 deleted, folder kept
    assert "not found" in str(done["get v2 (deleted: expected to fail)"]["trace"])
    ghost = done["read the metrics-only folder as get_logged_model does when it meets it first"]
    assert "MissingConfigException" in str(ghost["trace"])


def test_fidelity_tree_is_clean_with_every_mlm_env_reg_run_rule(clean: Path) -> None:
    """MLM124 (code_paths copied after measuring), MLM112 (chat_model loader), REG002/REG100
    (Deleted_Internal) all fired here before."""
    assert check([clean]) == []


def test_deleted_version_folder_is_what_mlflow_wrote(clean: Path) -> None:
    meta = (clean / "mlruns/models/fid/version-2/meta.yaml").read_text()
    assert "current_stage: Deleted_Internal" in meta


def test_pyfunc_code_is_not_counted_but_other_extra_files_are(clean: Path) -> None:
    model = clean / "models/pyfunc_code_paths"
    assert (model / "code/helper.py").is_file()
    assert check([model], "MLM124") == []
    (model / "extra.bin").write_bytes(b"x" * 10)
    assert [c[0] for c in check([model], "MLM124")] == ["MLM124"]


def test_code_of_an_sklearn_style_flavor_still_counts(clean: Path) -> None:
    """Only a plain pyfunc model copies code after measuring; with another flavor present
    (sklearn, xgboost, lightgbm copy first) a code folder MLflow did not measure is a change."""
    model = clean / "models/pyfunc_code_paths"
    text = (model / "MLmodel").read_text()
    (model / "MLmodel").write_text(text.replace("flavors:\n", "flavors:\n  custom_flavor: {}\n", 1))
    assert [c[0] for c in check([model], "MLM124")] == ["MLM124"]


@pytest.mark.parametrize("loader", ["chat_model", "responses_agent"])
def test_chat_and_responses_loaders_read_python_model(tmp_path: Path, loader: str) -> None:
    extra = materialize(EXTRA, tmp_path / "extra")
    model = tmp_path / "clean/models/chat_model" if loader == "chat_model" else extra / "responses_agent"
    if loader == "chat_model":
        materialize(CLEAN, tmp_path / "clean")
    assert f"loader_module: mlflow.pyfunc.loaders.{loader}" in (model / "MLmodel").read_text()
    assert check([model], "MLM") == []
    # a single-defect copy: without python_model these loaders fail ("Python model path was
    # not specified"), so MLM112 still reports it
    text = (model / "MLmodel").read_text()
    (model / "MLmodel").write_text(re.sub(r"\n    python_model: python_model.pkl", "", text))
    assert [c[0] for c in check([model], "MLM112")] == ["MLM112"]


def test_stale_source_is_not_read_when_mlflow3_resolves_through_storage_location(clean: Path) -> None:
    """Verified with 3.17.2: `models:/fid/3` loads from `storage_location` even when `source`
    names a run folder that does not exist (get_model_version_download_uri)."""
    meta = clean / "mlruns/models/fid/version-3/meta.yaml"
    text = meta.read_text()
    stale = re.sub(r"^source: .*$", "source: file:///old/mlruns/1/0123456789abcdef0123456789abcdef"
                   "/artifacts/model", text, flags=re.M)
    meta.write_text(stale)
    assert check([clean / "mlruns"], "REG102") == []
    # ... but a model_id naming no logged model of the tree is still reported, at model_id
    model_id = re.search(r"^model_id: (m-\w+)$", text, re.M).group(1)  # type: ignore[union-attr]
    meta.write_text(stale.replace(f"model_id: {model_id}", "model_id: m-" + "0" * 32))
    found = check([clean / "mlruns"], "REG102")
    assert [c[0] for c in found] == ["REG102"] and "model_id" in found[0][3]


def test_metrics_only_logged_model_folder_explains_itself(tmp_path: Path) -> None:
    """MLflow wrote it (log_metric with the model_id of another experiment's model); it is a
    true hazard, not a false finding: get_logged_model fails on it whenever it meets it before
    the model's own folder."""
    tree = materialize(EXTRA, tmp_path / "extra") / "metric-ghost" / "mlruns"
    found = check([tree])
    assert [(c[0], c[1]) for c in found] == [("RUN003", "warning")]
    assert "only metrics/" in found[0][3] and "get_logged_model" in found[0][3]


def test_xgboost_model_format_alone_is_not_reported_by_default(tmp_path: Path) -> None:
    """mlflow.xgboost._load_model reads only `data` (and `model_class`), never `model_format`."""
    model = Path(__file__).parent / "rules/MLM115/bad/model"
    assert "model_format: ubj" in (model / "MLmodel").read_text()
    assert "MLM115" not in [c[0] for c in check([model])]
    assert [(c[0], c[1]) for c in check([model], "MLM115")] == [("MLM115", "info")]


def test_mlflow_loader_list_covers_the_installed_mlflow() -> None:
    """Every `loader_module="mlflow.…"` MLflow 3.17.2 writes, and every PythonModel loader, is
    known to MLM111; and every known module that 3.17.2 still ships defines `_load_pyfunc` or
    re-exports it (read from the source, nothing imported)."""
    import importlib.util

    from mlint.rules.mlmodel_flavors import MLFLOW_LOADERS

    spec = importlib.util.find_spec("mlflow")
    assert spec is not None and spec.origin is not None
    root = Path(spec.origin).parent
    written = set()
    for source in root.rglob("*.py"):
        written |= set(re.findall(r'loader_module="(mlflow\.[\w.]+)"', source.read_text(errors="replace")))
    written |= {f"mlflow.pyfunc.loaders.{p.stem}" for p in (root / "pyfunc/loaders").glob("*.py")
                if p.stem != "__init__"}
    assert len(written) > 25
    assert written - MLFLOW_LOADERS == set()
    removed = {"mlflow.gluon", "mlflow.fastai", "mlflow.diviner", "mlflow.promptflow", "mlflow.mleap"}
    for name in MLFLOW_LOADERS - removed:
        rel = Path(*name.split("."))
        module = root.parent / rel.with_suffix(".py")
        package = root.parent / rel / "__init__.py"
        assert module.is_file() or package.is_file(), name
        text = (module if module.is_file() else package).read_text()
        assert "_load_pyfunc" in text, name


def test_param_and_tag_files_that_are_not_utf8_are_reported_by_default(clean: Path) -> None:
    """Verified with 3.17.2: an invalid byte inside makes get_run and search_runs raise
    UnicodeDecodeError; an incomplete sequence at the end is silently dropped."""
    run_dir = next(p.parent.parent for p in (clean / "mlruns").glob("*/*/tags/mlflow.runName")
                   if p.read_text() == "params-only")
    (run_dir / "params/q").write_bytes(b"caf\xe9s")
    (run_dir / "tags/owner").write_bytes(b"caf\xe9")
    found = sorted((c[0], c[1], c[2]) for c in check([clean / "mlruns"]))
    assert found == [("MLT006", "error", "owner"), ("MLT006", "error", "q")]


def test_generator_log_records_the_single_defect_failures() -> None:
    done = steps()
    expected = {
        "load+predict copy: compression lzma on a gzip file": "LZMAError",
        "load+predict copy: compression key dropped on a gzip file": "invalid load key",
        "load+predict copy: compression gzip on a plain pickle": "BadGzipFile",
        "load+predict copy: no flavors": "python_function",
        "load+predict copy: loader_module mlflow.sklern": "ModuleNotFoundError",
    }
    for name, error in expected.items():
        assert done[name]["ok"] is False and error in str(done[name]["trace"]), name
    assert done["load+predict pyfunc_gzip"]["ok"] is True


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 1\nb:\n  c: 1\n  c: 2\n", [("/b/c", 4, 3)]),
    ("a: 1\nb: 2\na: 3\n", [("/a", 3, 1)]),
    ("l:\n- a: 1\n  a: 2\n- a: 3\n", [("/l/0/a", 3, 3)]),
    ("x:\n  c: 1\ny:\n  c: 2\n", []),  # same key in two different mappings
])
def test_duplicate_yaml_keys_are_found_where_they_are(text: str, expected: list[object]) -> None:
    from mlint.rules.mlmodel_yaml import duplicate_candidates, duplicates

    assert duplicate_candidates(text) is bool(expected)
    assert duplicates(text) == expected


def test_duplicate_key_check_composes_no_clean_mlmodel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path: MLmodel files MLflow wrote (wrapped signature strings included) never
    reach the composer."""
    import yaml

    from mlint.rules.mlmodel_yaml import duplicate_candidates

    texts = [p.read_text() for p in MLFLOW_FIXTURES.parent.rglob("MLmodel")]
    assert len(texts) > 40 and any("signature:" in t for t in texts)
    monkeypatch.setattr(yaml, "compose", None)
    assert [t[:40] for t in texts if duplicate_candidates(t)] == []


def test_symlink_out_of_a_model_folder_is_an_error(tmp_path: Path) -> None:
    """Verified with 3.17.2 (GENERATE_LOG): log_artifacts of a folder with `leak -> secret`
    logs a regular file holding the secret."""
    assert "content: 'SECRET'" in str(steps()["log_artifacts of a model folder with a symlink out of it"]
                                       ["result"])
    root = materialize(CLEAN, tmp_path / "clean")
    model = root / "models/chat_model"
    (tmp_path / "secret.txt").write_text("SECRET")
    (model / "leak").symlink_to(tmp_path / "secret.txt")
    (model / "inside").symlink_to(model / "conda.yaml")  # stays in the folder: fine
    (model / "dangling").symlink_to(tmp_path / "nowhere")
    found = sorted((c[2], c[1]) for c in check([model], "MLT005"))
    assert found == [("dangling", "warning"), ("leak", "error")]
    # inside the checked tree but outside the model folder: shipped with the model too
    logged = next((root / "mlruns").glob("*/models/m-*/artifacts"))
    (logged / "up").symlink_to(logged.parent / "meta.yaml")
    assert [(c[0], c[1], c[2]) for c in check([root / "mlruns"], "MLT005")] == [("MLT005", "error", "up")]


@pytest.mark.parametrize("key", ["loader_module", "python_model_compression"])
def test_a_list_where_mlflow_writes_a_string_does_not_crash_the_pyfunc_rules(clean: Path, key: str) -> None:
    # Found by tests/robustness/test_rules_fuzz.py: the loader/compression lookups hashed the value.
    model = clean / "models" / "pyfunc_gzip"
    text = (model / "MLmodel").read_text()
    assert f"    {key}: " in text
    (model / "MLmodel").write_text(re.sub(rf"(\n    {key}: )(\S+)", r"\1[\2]", text))
    found = check([model], "MLM")
    assert all(code != "MLT900" for code, *_ in found), found
    assert any(code == "MLM001" for code, *_ in found), found  # the schema rule owns wrong types
