"""Which files of a model folder (or of a run's artifacts) the PKL rules scan, with what
flavor/role, scanned once.

Files are chosen by content, never by extension: every file an MLmodel references (directly
or inside a referenced folder) whose bytes sniff as a serialized container, every such path
whose flavor promises a pickle (then unrecognised content is a finding too), and every other
file in the model folder that sniffs as a pickle, joblib, zip (PyTorch, skops, npz...), npy,
compressed stream or Git-LFS pointer (nested folders with their own MLmodel included). In a
run or logged model: every file of `artifacts/` outside model folders, by content. Each file
is scanned once per check against the unit's budget (mlint.pickle_budget): the reports are
cached on the unit, and every PKL rule reads them from there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from mlint.discovery.layout import has_mlmodel
from mlint.discovery.units import ModelDir, Unit
from mlint.pickle_budget import budget_for
from mlint.pickle_memo import scan_cached
from mlint.pickles import Container, Finding, ScanReport, sniff
from mlint.reading import fetch
from mlint.reading.files import FileFailure, stat_regular, walk
from mlint.reading.paths import real_child, real_path
from mlint.rulekit.mlmodel import Reference, flavors, mlmodel_data, references

# Sniffed containers worth scanning when nothing promised a pickle (UNKNOWN/EMPTY are not).
SCANNABLE = frozenset(Container) - {Container.UNKNOWN, Container.EMPTY}
# Walk bounds: a huge checkpoint folder still costs at most this many 4 KiB sniffs.
MAX_FILES = 5000
# (flavor, key) whose value MLflow hands straight to a pickle/joblib/torch loader: there,
# content the scanner does not recognise is a finding, not "some other file".
PICKLE_PROMISED = frozenset({
    ("sklearn", "pickled_model"), ("python_function", "python_model"),
    ("python_function", "model_path"), ("statsmodels", "data"),
    ("langchain", "loader_fn"), ("langchain", "agent_primitive_data"),
})
# A reference through python_function defers to the flavor that wrote the same path.
_GENERIC = "python_function"


@dataclass(frozen=True)
class Target:
    """One scanned file: where it is, how MLflow would load it, and what the scanner saw.

    `refs` are the MLmodel references that lead to it (the first one anchors findings);
    empty for files the MLmodel does not reference (then findings sit on the file itself).
    """

    rel: str
    flavor: str | None
    role: str | None
    refs: tuple[Reference, ...]
    report: ScanReport

    @property
    def referenced(self) -> bool:
        return bool(self.refs)

    def where(self, subject: str = "") -> dict[str, Any]:
        """Keyword arguments placing a `Problem` about this file (see module docs)."""
        if self.refs:
            return {"file": "MLmodel", "pointer": self.refs[0].pointer, "related": (self.rel,),
                    "subject": f"{self.rel}|{subject}"}
        return {"file": self.rel, "line": 0, "subject": subject}


def locate(finding: Finding | None = None, offset: int | None = None,
           member: str | None = None) -> str:
    """'at byte 123 of member archive/data.pkl' for hints (empty when nothing is known)."""
    if finding is not None:
        offset, member = finding.offset, finding.member
    parts = []
    if offset is not None:
        parts.append(f"at byte offset {offset}")
    if member:
        parts.append(f"in {member}")
    return " ".join(parts)


def role_of(model: ModelDir, flavor: str, key: str) -> str | None:
    """What the file is to its flavor (the scanner's `role`): decides whether code is expected.

    MLflow serializes with cloudpickle by design in pyfunc `python_model`, sklearn/lightgbm
    models saved with `serialization_format: cloudpickle` (classes and lambdas defined in a
    notebook go in by value) and PyTorch models (`mlflow.pytorch.pickle_module` is
    cloudpickle). Plain `pickle` and `skops` promise data only.
    """
    conf = flavors(model).get(flavor, {})
    if flavor == "python_function" and key == "python_model":
        return "python_model"
    if flavor == "langchain" and key == "loader_fn":
        return "loader_fn"
    if flavor in ("sklearn", "lightgbm") and conf.get("serialization_format") == "cloudpickle":
        return "cloudpickle"
    if flavor == "pytorch":
        module = flavors(model).get("python_function", {}).get("pickle_module_name")
        if module in (None, "mlflow.pytorch.pickle_module", "cloudpickle"):
            return "cloudpickle"
        return "data"
    if flavor == "shap":
        return "cloudpickle"  # shap's Explainer.save pickles the model's predict function
    if flavor == "python_function":
        # Only pyfunc references this file: its loader_module (custom code, or a flavor such
        # as mlflow.shap whose own key mlint does not know) decides how it is read: no promise.
        return None
    return key if key == "pickled_model" else "data"


def _key(ref: Reference) -> tuple[str, str]:
    tokens = ref.pointer.split("/")
    return (tokens[2], tokens[3]) if len(tokens) > 3 and tokens[1] == "flavors" else ("", "")


def _regular(model: Unit, rel: str) -> bool:
    return not isinstance(stat_regular(model.file(rel), model.context.root), FileFailure)


def _inside(model: ModelDir, rel: str, real_model: str | None = None) -> bool:
    if "\x00" in rel:  # realpath raises ValueError on NUL
        return False
    if real_model is None:
        real_model = _realpath(model.path)
    path = model.file(rel)
    # real_child: exact for one plain component (it checks); deeper paths resolve fully.
    real = real_child(real_model, path, rel) if ".." not in os.fspath(path).split(os.sep) \
        else _realpath(path)
    return real.startswith(real_model + os.sep)


def _realpath(path: Path) -> str:
    """`os.path.realpath(path)`. Without a '..' component, `real_path` gives the same answer
    resolving each parent folder once (pure-Python realpath per reference was ~10% of a model
    folder's check); with one, `real_path`'s lexical `abspath` would collapse it before a
    symlink is resolved, so the full resolution runs."""
    text = os.fspath(path)
    if ".." in text.split(os.sep):
        return os.path.realpath(text)
    return real_path(text)


def _plain_dir(model: ModelDir, rel: str) -> bool:
    """A folder that is not a symlink (`isdir and not islink`, with one lstat)."""
    try:
        return stat.S_ISDIR(os.lstat(model.file(rel)).st_mode)
    except (OSError, ValueError):
        return False


def _walk(model: Unit, rel: str = "", *, prune_models: bool = False) -> Iterator[str]:
    """Regular files under `rel`, sorted. A model folder's walk descends into nested folders
    that have their own MLmodel (discovery never makes those separate units, and an empty
    nested MLmodel must not hide a folder); a run's walk of `artifacts/` (`prune_models`)
    leaves model folders to their own unit."""
    count = 0
    top = model.file(rel)
    for current, dirs, files in walk(top):  # iterative: os.walk overflows ~1000 levels deep
        here = os.path.relpath(current, model.path).replace(os.sep, "/")
        here = "" if here == "." else here
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(current, d))
                         and not (prune_models and has_mlmodel(Path(current, d))))
        for name in sorted(files):
            child = f"{here}/{name}" if here else name
            if current == str(model.path) and name == "MLmodel":
                continue
            count += 1
            if count > MAX_FILES:
                # Never silent: PKL104 reports the folder as not fully scanned.
                model.__dict__.setdefault("_pickle_walk_capped", []).append((rel, child, MAX_FILES))
                return
            yield child


def capped_walks(model: Unit) -> list[tuple[str, str, int]]:
    """(walked folder, first file left unscanned, the cap) for each walk of `targets` that
    stopped at `MAX_FILES` ('' is the model folder itself)."""
    targets(model)
    return list(model.__dict__.get("_pickle_walk_capped", ()))


def _sniff(model: Unit, rel: str) -> Container:
    if not _regular(model, rel):  # never opens FIFOs or devices, never follows links outside
        return Container.UNKNOWN
    try:
        return sniff(model.file(rel))
    except OSError:
        return Container.UNKNOWN


def targets(model: Unit) -> list[Target]:
    """Scanned files of a model folder, or of a run's / logged model's `artifacts/` outside
    any model folder; each scanned once (cached on the unit)."""
    memo = model.__dict__.get("_pickle_targets")
    if memo is not None:
        return cast("list[Target]", memo)
    found: list[Target] = []
    if not isinstance(model, ModelDir):
        # A logged model's artifacts/ is itself the model folder (its own unit).
        if model.is_dir("artifacts") and not has_mlmodel(model.file("artifacts")):
            found = [t for rel in _walk(model, "artifacts", prune_models=True)
                     for t in _scan_one(model, rel, [])]
    elif mlmodel_data(model) is not None:
        found = list(_scan_all(model))
    else:
        # An MLmodel that does not parse (empty, broken) references nothing, but the folder
        # is still a model folder: every file in it is scanned by content.
        found = [t for rel in _walk(model) for t in _scan_one(model, rel, [])]
    model.__dict__["_pickle_targets"] = found
    return found


def _scan_all(model: ModelDir) -> Iterator[Target]:
    # Which file each reference leads to: the file itself, or every file under a folder.
    claims: dict[str, list[Reference]] = {}
    real_model = _realpath(model.path)  # once, not per reference
    # Several keys name the same path (pyfunc model_path and the flavor's pickled_model):
    # resolve each path once.
    resolved: dict[str, list[str]] = {}
    for ref in references(model):
        rel = ref.path.replace("\\", "/").strip("/")
        if not rel:
            continue
        children = resolved.get(rel)
        if children is None:
            children = resolved[rel] = _resolve(model, rel, real_model)
        for child in children:
            claims.setdefault(child, []).append(ref)
    for rel in claims:
        yield from _scan_one(model, rel, claims[rel])
    for rel in _walk(model):
        if rel not in claims:
            yield from _scan_one(model, rel, [])


def _resolve(model: ModelDir, rel: str, real_model: str) -> list[str]:
    """The files a referenced path leads to: itself, or every file under a folder."""
    if not _inside(model, rel, real_model):
        return []  # MLM100 reports paths leaving the folder; never read outside it
    if _plain_dir(model, rel):
        return list(_walk(model, rel))
    if _regular(model, rel):
        return [rel]
    return []


def _scan_one(model: Unit, rel: str, refs: list[Reference]) -> Iterator[Target]:
    owner = _owner(refs)
    flavor, key = _key(owner) if owner else ("", "")
    kind = _sniff(model, rel)
    # Only a file named by the key itself is promised (not every file of a referenced folder).
    promised = owner is not None and (flavor, key) in PICKLE_PROMISED and \
        owner.path.replace("\\", "/").strip("/") == rel \
        and not _declared_other_format(cast(ModelDir, model), flavor)  # only model folders have refs
    if kind not in SCANNABLE and not promised:
        return
    role = role_of(model, flavor, key) if owner and isinstance(model, ModelDir) else None
    budget = budget_for(model)
    limits = budget.limits_for_file()
    if limits is None:
        budget.skipped.append(rel)  # PKL104 reports the unit budget as used up
        return
    report = scan_cached(model.file(rel), flavor=flavor or None, role=role, limits=limits)
    budget.spend(report)
    if kind is Container.PICKLE and not promised and not report.complete and \
            not report.globals and not _has_magic(model, rel):
        # Protocol 0/1 have no magic; the sniffer accepts any head that walks as opcodes, so
        # small binary files (Spark .crc, parquet) look like pickles that "end early". Such a
        # file that imports nothing before failing is not a pickle anyone could load.
        return
    ordered = ([owner] if owner else []) + [r for r in refs if r is not owner]
    yield Target(rel, flavor or None, role, tuple(ordered), report)


def _has_magic(model: Unit, rel: str) -> bool:
    try:
        fetch.ensure(model.file(rel), 1)  # a remote check fetches the byte first
        with open(model.file(rel), "rb") as handle:
            return handle.read(1) == b"\x80"
    except OSError:
        return False


def _owner(refs: list[Reference]) -> Reference | None:
    """The reference that says how the file is loaded: a specific flavor beats pyfunc."""
    specific = [r for r in refs if _key(r)[0] not in ("", _GENERIC)]
    generic = [r for r in refs if _key(r)[0] == _GENERIC]
    candidates = specific or generic or refs
    return candidates[0] if candidates else None


def _declared_other_format(model: ModelDir, flavor: str) -> bool:
    """Formats MLflow loads without pickle: their content is another rule's business."""
    conf = flavors(model).get(flavor, {})
    if flavor == "python_function":
        loader = flavors(model).get(_GENERIC, {}).get("loader_module")
        # model_path/data of a pyfunc backed by a non-pickle flavor (xgboost json, onnx...).
        return isinstance(loader, str) and loader not in ("mlflow.sklearn", "mlflow.pyfunc.model",
                                                          "mlflow.statsmodels", "mlflow.pytorch")
    return conf.get("serialization_format") == "skops"
