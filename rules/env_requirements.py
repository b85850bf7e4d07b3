"""Requirement lines of a model's environment files (`requirements.txt`, the conda `pip:`
list, `python_env.yaml` dependencies), read the way pip reads them."""

import os
import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, INFO, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.requirements import credentials_in
from mlint.rulekit.envfiles import all_requirement_lines
from mlint.rulekit.mlmodel import mlmodel_data

URL_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "-f", "--find-links"})


def _outside(rel: str) -> bool:
    rel = rel.replace("\\", "/")
    return rel.startswith("/") or (len(rel) > 1 and rel[1] == ":") or \
        posixpath.normpath(rel).split("/")[0] == ".."


@rule("ENV100", "requirement-invalid", scope=ModelDir, severity=ERROR)
def requirement_lines_parse(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """Every requirement line must be one pip accepts: a PEP 508 requirement, a URL or local
    path, or a requirements-file option (`-r`, `-c`, `-e`, `--index-url`, …).

    Why: `pip install -r requirements.txt` (and conda's pip step) aborts on the first bad line
    when MLflow rebuilds the environment (`mlflow models serve`, `spark_udf`, `build-docker`),
    and MLflow's own requirement checks skip the file.
    Fix: correct the line, or regenerate the files with
    `mlflow.models.update_model_requirements`.
    """
    if mlmodel_data(model) is None:
        return
    for found in all_requirement_lines(model):
        if found.entry.kind == "error":
            yield Problem(f"invalid requirement {found.entry.text!r}: {found.entry.error}",
                          subject=found.entry.text, **found.where(),
                          hint="Write it as pip expects (e.g. `name==1.2.3`).")


@rule("ENV101", "requirement-include-missing", scope=ModelDir, severity=ERROR)
def includes_exist(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A `-r`/`-c` include (in requirements.txt, the conda pip list or python_env.yaml
    `dependencies`) must name a file that exists inside the model folder.

    Why: pip resolves includes relative to the including file; a missing target (e.g.
    `-c constraints.txt` without `constraints.txt`, or python_env.yaml's `-r requirements.txt`
    without the file) aborts environment creation, and a path outside the folder is lost when
    the model is copied or served.
    Fix: add the file to the model folder, or remove the line.
    """
    if mlmodel_data(model) is None:
        return
    for found in all_requirement_lines(model):
        entry = found.entry
        if entry.kind not in ("include", "constraint"):
            continue
        if _outside(entry.target):
            yield Problem(f"'{entry.option} {entry.target}' points outside the model folder",
                          subject=entry.target, **found.where(),
                          hint="Copy the file into the model folder and include it relatively.")
        elif not model.is_file(entry.target):
            yield Problem(f"'{entry.option} {entry.target}': '{entry.target}' does not exist in "
                          "the model folder", subject=entry.target, **found.where(),
                          hint="Add the file, or remove the include.")


@rule("ENV102", "requirement-unpinned", scope=ModelDir, severity=INFO, default=False)
def requirements_pinned(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A requirement is not pinned to one version (`==`), so a rebuilt environment may differ
    from the one the model was saved with. Off by default (`--extend-select ENV102`): MLflow
    itself writes some unpinned lines (`pandas` for a PythonModel, `mlflow` in 1.x, `wheel`).

    Why: an unpinned dependency resolves to the newest release when the environment is rebuilt,
    which may not load the pickled model.
    Fix: pin it, e.g. with `mlflow.models.update_model_requirements(model_uri, "add", [...])`.
    """
    if mlmodel_data(model) is None:
        return
    for found in all_requirement_lines(model):
        entry = found.entry
        if entry.kind == "requirement" and not entry.is_pinned:
            yield Problem(f"'{entry.text}' is not pinned to a version", subject=entry.name,
                          **found.where(), hint=f"Pin it, e.g. '{entry.name}==<version>'.")


@rule("ENV103", "requirement-credentials", scope=ModelDir, severity=ERROR)
def no_credentials(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """An index URL or requirement URL carries credentials (`https://user:token@host/…`).

    Why: the model folder is copied to artifact stores, registries and serving images: the
    secret leaks with it. (The secret is masked in this message.)
    Fix: remove the credentials, rotate the leaked secret, and pass them at install time
    instead (`${VAR}` placeholders, which pip expands, or a keyring / `.netrc`).
    """
    if mlmodel_data(model) is None:
        return
    for found in all_requirement_lines(model):
        entry = found.entry
        urls: list[str] = []
        if (entry.kind == "option" and entry.option in URL_OPTIONS) or entry.kind in ("url", "editable"):
            urls.append(entry.target)
        elif entry.requirement is not None and entry.requirement.url:
            urls.append(entry.requirement.url)
        for url in urls:
            masked = credentials_in(url)
            if masked:
                yield Problem(f"credentials in a URL: {masked}", subject=masked, **found.where(),
                              hint="Remove and rotate the secret; use ${VAR} placeholders instead.")


@rule("ENV104", "extra-index-url", scope=ModelDir, severity=WARNING)
def no_extra_index(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """`--extra-index-url` makes pip pick the highest version of a name from several indexes.

    Why: dependency confusion — anyone can publish a package with your private package's name
    and a higher version on PyPI, and the rebuilt model environment installs it.
    Fix: use a single `--index-url` that proxies PyPI, or pin hashes (`--require-hashes`).
    """
    if mlmodel_data(model) is None:
        return
    for found in all_requirement_lines(model):
        entry = found.entry
        if entry.kind == "option" and entry.option == "--extra-index-url":
            shown = credentials_in(entry.target) or entry.target
            yield Problem(f"--extra-index-url {shown}: packages may be taken from either index "
                          "(dependency confusion)", subject=shown, **found.where(),
                          hint="Use one --index-url that proxies PyPI, or --require-hashes.")


@rule("ENV105", "requirement-path-missing", scope=ModelDir, severity=ERROR)
def local_paths_exist(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A requirement that is a local path (`./pkg`, `/abs/dist.whl`, `-e ../lib`, `file:` URL)
    must exist; relative paths are resolved against the model folder.

    Why: pip fails to build the environment; an absolute path from the logging machine is
    almost never present where the model is served.
    Fix: copy wheels into the model (`mlflow.models.utils.add_libraries_to_model`) or publish
    the package to an index and require it by name.
    """
    if mlmodel_data(model) is None:
        return
    for found in all_requirement_lines(model):
        entry = found.entry
        target = ""
        if entry.kind == "path" or (entry.kind == "editable" and "://" not in entry.target
                                    and not entry.target.startswith(("git+", "hg+", "svn+", "bzr+"))):
            target = entry.target
        elif entry.kind == "url" and entry.target.startswith("file:"):
            target = entry.target[5:].lstrip("/")
            target = "/" + target if entry.target.startswith("file:/") else target
        if not target:
            continue
        target = target.split("#", 1)[0]
        path = os.path.expanduser(target) if os.path.isabs(os.path.expanduser(target)) \
            else str(model.file(target))
        if not os.path.exists(path):
            where = "on this machine" if os.path.isabs(os.path.expanduser(target)) else "in the model folder"
            yield Problem(f"local requirement '{target}' does not exist {where}", subject=target,
                          **found.where(),
                          hint="Bundle it with mlflow.models.utils.add_libraries_to_model, or "
                               "require the package by name.")
