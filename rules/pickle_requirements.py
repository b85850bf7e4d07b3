"""What a model's pickles say they need: the packages their imports come from must be
installable from the model's requirements, and versions recorded inside the pickle must match
the MLmodel and the pins."""

from collections.abc import Iterator, Mapping
from typing import Any

from packaging.utils import canonicalize_name

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.pickle_targets import Target, locate, targets
from mlint.pickles import Verdict, distribution_for, distribution_requires, module_distributions
from mlint.rulekit.envfiles import REQUIREMENTS, declared, env_file, requirements_txt
from mlint.rulekit.envfiles import conda_packages as _conda_packages
from mlint.rulekit.envfiles import parse_version as _version
from mlint.rulekit.envfiles import version_pins as _pins
from mlint.rulekit.mlmodel import flavors


def _closure(names: set[str]) -> set[str]:
    """Declared distributions plus everything they always install."""
    requires = {canonicalize_name(k): v for k, v in distribution_requires().items()}
    out: set[str] = set()
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo.extend(canonicalize_name(d) for d in requires.get(name, ()))
    return out


def _code_folders(model: ModelDir) -> list[str]:
    """The flavors' `code` folders (code_paths=) that exist in the model folder."""
    out = []
    for conf in flavors(model).values():
        code = conf.get("code")
        if isinstance(code, str) and code.strip("/") and ".." not in code.split("/") \
                and model.is_dir(code.strip("/")):
            out.append(code.strip("/"))
    return out


def _shipped(model: ModelDir, module: str) -> bool:
    """A top-level module provided by the model's own `code` folder (MLflow puts it on
    sys.path before loading) or sitting next to MLmodel."""
    folders = ["", *_code_folders(model)]
    for folder in folders:
        base = f"{folder}/{module}" if folder else module
        if model.is_file(base + ".py") or model.is_dir(base):
            return True
    return False


@rule("PKL120", "pickle-requirement-missing", scope=ModelDir, severity=WARNING)
def requirement_missing(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A pickle the MLmodel references imports a module whose distribution is not installable
    from the model's requirements (requirements.txt, else the conda.yaml pip list; conda
    packages and what declared distributions always install count, e.g. scikit-learn brings
    numpy and joblib, mlflow brings cloudpickle and pandas). Standard-library modules need
    nothing; modules shipped in the model's `code/` folder are satisfied. Not reported when the
    requirements include other files or URLs, which may provide it.

    A local module (no known distribution) missing from a model saved with `code_paths=`
    (its flavor has a `code` folder) is an error: that folder is where it had to come from,
    so it was renamed or removed and the load fails for certain.

    Why: MLflow rebuilds the serving environment from these files; a pickle of
    `xgboost.sklearn.XGBClassifier` without xgboost in the requirements fails with
    `ModuleNotFoundError` at load time, after deployment.
    Fix: `mlflow.models.update_model_requirements(model_uri, "add", ["xgboost==<version>"])`,
    or log with `extra_pip_requirements=`; ship local modules with `code_paths=`.
    """
    entries = declared(model)
    if not entries or any(f.entry.kind in ("include", "url", "path", "editable", "error")
                          for f in entries):
        return
    names = {f.entry.name for f in entries if f.entry.kind == "requirement" and f.entry.name}
    have = _closure(names | _conda_packages(model))
    source = REQUIREMENTS if requirements_txt(model) is not None else env_file(model, "conda")
    for target in targets(model):
        if not target.referenced:
            continue  # only what MLflow itself loads is bound to the model's requirements
        yield from _missing_in(model, target, have, source)


def _missing_in(model: ModelDir, target: Target, have: set[str], source: str) -> Iterator[Problem]:
    needs: dict[str, list[Any]] = {}
    for g in target.report.globals:
        if g.verdict is Verdict.DANGEROUS or g.module in ("", "?", "__main__") \
                or g.module.split(".")[0] == "__torch__":
            # dangerous imports are PKL100's; __main__ is never installable (PKL103);
            # __torch__ is TorchScript's namespace for classes compiled from the archive.
            continue
        top = g.module.split(".")[0]
        dist = distribution_for(g.module)
        if dist is None or canonicalize_name(dist) in have or _shipped(model, top):
            continue
        needs.setdefault(dist, []).append(g)
    for dist, refs in sorted(needs.items()):
        first = min(refs, key=lambda g: g.offset)
        more = f" (and {len(refs) - 1} more)" if len(refs) > 1 else ""
        where = target.where(f"requirement|{canonicalize_name(dist)}")
        where["related"] = (*where.get("related", ()), source)
        top = first.module.split(".")[0]
        what = f"{dist} is not in {source}" if top in module_distributions() else \
            f"no requirement in {source} provides module '{top}' and the model's code/ does not ship it"
        # A model saved with code_paths ships its own modules: a local module missing from
        # that folder (renamed, deleted) fails to import at load for certain.
        severity = ERROR if top not in module_distributions() and _code_folders(model) \
            else WARNING
        yield Problem(f"'{target.rel}' imports {first.dotted}{more}, but {what}",
                      severity=severity,
                      hint=f"Imported {locate(offset=first.offset, member=first.member)}. Add "
                           f"{dist} to the requirements (update_model_requirements), or ship the "
                           "module with code_paths= if it is yours.",
                      **where)


@rule("PKL121", "pickle-version-mismatch", scope=ModelDir, severity=WARNING)
def version_mismatch(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A library version recorded inside a pickle (scikit-learn's `_sklearn_version` state
    key) differs from the flavor's version in MLmodel (`sklearn_version`) or from that
    library's `==` pin in the requirements.

    Why: scikit-learn warns `InconsistentVersionWarning` and may mispredict or fail when it
    unpickles an estimator written by another version; the MLmodel/pins then describe an
    environment the model was not built in (the file was replaced, or the metadata edited).
    Fix: re-save the model in the environment that the requirements pin, or pin the version
    the pickle was written with (`update_model_requirements`).
    """
    sklearn_conf = flavors(model).get("sklearn", {})
    recorded = _version(sklearn_conf.get("sklearn_version"))
    pins = _pins(model)
    for target in targets(model):
        if not target.referenced:
            continue
        for fact in target.report.versions:
            inside = _version(fact.version)
            if inside is None:
                continue
            against = []
            if fact.distribution == "scikit-learn" and recorded is not None and \
                    target.flavor == "sklearn" and recorded.public != inside.public:
                against.append(f"MLmodel sklearn_version is {recorded}")
            pin = pins.get(canonicalize_name(fact.distribution))
            if pin is not None and pin[1].public != inside.public:
                against.append(f"{pin[0].describe(model)} pins {fact.distribution}=={pin[1]}")
            if not against:
                continue
            yield Problem(f"'{target.rel}' was written by {fact.distribution} {fact.version} "
                          f"({fact.source}), but " + " and ".join(against),
                          hint=f"Recorded {locate(offset=fact.offset, member=fact.member)}. "
                               "Re-save the model in the pinned environment, or pin "
                               f"{fact.distribution}=={fact.version}.",
                          **target.where(f"version|{fact.distribution}|{fact.version}"))
