"""MLT: findings about mlint's own ability to read what it was given.

These rules are emitted by the engine (scope None); their docstrings document them.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule


@rule("MLT001", "path-not-found", scope=None, severity=ERROR)
def path_not_found(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A path given to mlint does not exist.

    Why: a CI gate that silently checks nothing is worse than no gate.
    Fix: correct the path, or the `files:`/paths configuration that produced it.
    """
    yield from ()


@rule("MLT002", "parse-error", scope=None, severity=ERROR)
def parse_error(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A YAML or JSON file does not parse; the finding carries the parser's line and column.

    Why: MLflow fails on the same file (`Model.load`, the file store's `read_yaml`), usually
    with a less precise message. Other rules stay silent about a file that does not parse,
    so one broken file gives one finding.
    Fix: repair the syntax at the reported position, or restore the file from the source that
    wrote it.
    """
    yield from ()


@rule("MLT003", "unreadable-file", scope=None, severity=ERROR)
def unreadable_file(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A file or folder cannot be read: permission denied, I/O error, or it is a FIFO, socket or
    device where MLflow writes a regular file.

    Why: mlint never opens special files (reading a FIFO would hang), and what it cannot read it
    cannot vouch for. MLflow would fail or hang on the same path.
    Fix: fix the permissions, or replace the special file with the real file.
    """
    yield from ()


@rule("MLT004", "file-too-large", scope=None, severity=ERROR)
def file_too_large(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A file exceeds a safety cap (size, or YAML alias expansion) and was not parsed.

    Why: a metadata file of gigabytes, or a YAML "billion laughs" alias bomb, is either
    corruption or an attack on whatever loads it; mlint keeps memory and time bounded.
    Fix: if the size is legitimate, raise the cap (`max-file-bytes`); otherwise replace the file.
    """
    yield from ()


@rule("MLT005", "unsafe-symlink", scope=None, severity=WARNING, groups=["security"])
def unsafe_symlink(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A symlink is dangling, loops, or leads outside the checked folder; it is not followed.
    Inside a model folder, a symlink that leads out of the model folder is an error.

    Why: an artifact that depends on a path outside itself breaks when copied or registered,
    and following links out of the tree could make mlint read arbitrary files. From a model
    folder it is worse: `log_model`/`log_artifacts`, `cp -r` and uploads follow the link and
    ship its target with the model (verified with MLflow 3.17.2: `leak -> secret` is logged as
    a regular file holding the secret).
    Fix: replace the link with a copy of its target inside the artifact, or delete it.
    """
    yield from ()


@rule("MLT006", "not-text", scope=None, severity=ERROR)
def not_text(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A file that MLflow writes as UTF-8 text is binary or not valid UTF-8.

    Why: MLflow's readers fail on it. A binary `MLmodel` is often a pickle saved under the
    wrong name.
    Fix: restore the text file; re-save hand-edited files as UTF-8.
    """
    yield from ()


@rule("MLT007", "nothing-to-check", scope=None, severity=WARNING)
def nothing_to_check(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A path given to mlint contains no MLflow model folder and no tracking tree.

    Why: "clean" and "nothing was checked" must never look the same in CI.
    Fix: point mlint at a folder containing `MLmodel`, an `mlruns/` tree, or a folder above them.
    """
    yield from ()


@rule("MLT900", "rule-crashed", scope=None, severity=ERROR)
def rule_crashed(unit: Any, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A rule raised an exception on this unit; the check went on and mlint exits 2.

    Why: a crash is mlint's bug, not yours, but it means this unit was not fully checked.
    Fix: report it with the message (it names the rule and the source line); meanwhile the
    rule can be ignored with `--ignore CODE`.
    """
    yield from ()
