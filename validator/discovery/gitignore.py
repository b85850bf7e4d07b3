"""What git ignores below the checked folders, asked of git itself (exact, like ruff's default).

`ignored_below(folder)` runs `git ls-files --others --ignored --exclude-standard --directory`
once per checked folder inside a work tree: untracked paths git ignores, an ignored folder as
one entry (git does not descend into it). Tracked files are never ignored, exactly as in git.
Outside a work tree, or without git, nothing is ignored.

The artifact is the attacker: a `.gitignore` shipped inside a model folder or a tracking tree
could hide that artifact from `mlint check .`. An entry is skipped only when the pattern
that ignores it (`git check-ignore -v`) comes from a file outside every MLflow artifact.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

GIT_TIMEOUT = 60  # seconds; a hung git must not hang the check (then nothing is ignored)


def _git(folder: str, *args: str, stdin: bytes | None = None) -> bytes | None:
    try:
        done = subprocess.run(["git", "-C", folder, *args], input=stdin, capture_output=True,
                              timeout=GIT_TIMEOUT, check=False,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def ignored_below(folder: Path | str) -> set[str]:
    """Absolute, normalised paths (no trailing slash) below `folder` that git ignores."""
    base = os.path.abspath(folder)
    if not os.path.isdir(base):
        return set()
    listed = _git(base, "ls-files", "-z", "--others", "--ignored", "--exclude-standard",
                  "--directory", "--", ".")
    if not listed:
        return set()
    entries = [e for e in listed.decode("utf-8", "surrogateescape").split("\0") if e]
    trusted = _trusted(base, entries)
    return {os.path.normpath(os.path.join(base, e)) for e in entries if e in trusted}


def _trusted(base: str, entries: list[str]) -> set[str]:
    """Entries ignored by a pattern from outside every MLflow artifact (see module doc)."""
    from mlint.core.config_file import _is_artifact

    answer = _git(base, "check-ignore", "-v", "-z", "--stdin",
                  stdin=b"\0".join(e.encode("utf-8", "surrogateescape") for e in entries) + b"\0")
    if answer is None:
        return set()
    fields = answer.decode("utf-8", "surrogateescape").split("\0")
    top = _git(base, "rev-parse", "--show-toplevel")
    root = top.decode("utf-8", "surrogateescape").strip() if top else base
    trusted: set[str] = set()
    by_source: dict[str, bool] = {}
    # -v -z: source, line number, pattern, path; the source is relative to the top level
    # (global excludes and .git/info/exclude are absolute or under .git: never in an artifact).
    for i in range(0, len(fields) - 3, 4):
        source, path = fields[i], fields[i + 3]
        if source not in by_source:
            origin = Path(os.path.join(root, source)).parent
            by_source[source] = bool(source) and not any(
                _is_artifact(folder) for folder in (origin, *origin.parents))
        if by_source[source]:
            trusted.add(path)
    return trusted


def excluder(paths: Iterable[Path | str]) -> Callable[[Path], bool] | None:
    """A test for the walkers: is this path (met below a checked folder) git-ignored?
    None when nothing is ignored (the common case costs nothing)."""
    ignored: set[str] = set()
    for path in paths:
        ignored |= ignored_below(path)
    if not ignored:
        return None
    return lambda path: os.path.abspath(path) in ignored
