"""Paths for CI reports (SARIF, GitLab Code Quality, JUnit): relative to the repository root.

Code scanning, merge-request widgets and test tabs resolve a report's paths against the
repository, whatever folder mlint ran in. The root is `GITHUB_WORKSPACE` (GitHub Actions),
else `CI_PROJECT_DIR` (GitLab CI), else git's top level for the working directory, else the
working directory. A path outside that root stays absolute.
"""

from __future__ import annotations

import functools
import os
import subprocess


def repo_root() -> str:
    """The folder CI report paths are relative to (absolute)."""
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        value = os.environ.get(variable)
        if value:
            return os.path.abspath(value)
    cwd = os.getcwd()
    return _git_top(cwd) or cwd


@functools.lru_cache(maxsize=16)
def _git_top(folder: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", folder, "rev-parse", "--show-toplevel"],
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    top = done.stdout.decode("utf-8", "surrogateescape").strip()
    return os.path.abspath(top) if top else None


def repo_path(path: str, root: str | None = None) -> str:
    """`path` (as diagnostics hold it: relative to the working directory, or absolute) made
    relative to `root` (default: `repo_root()`), POSIX; absolute when outside the root. A
    remote path (`s3://bucket/…`, docs/remote.md) is kept as it is."""
    if "://" in path:
        return path
    root = root or repo_root()
    absolute = os.path.abspath(path)
    real_root = _real(root)
    for base in (root, real_root):
        if absolute == base:
            return "."
        if absolute.startswith(base.rstrip(os.sep) + os.sep):
            return os.path.relpath(absolute, base).replace(os.sep, "/")
    try:
        real = os.path.realpath(absolute)  # git reports the top level resolved (/tmp → /private/tmp)
    except (OSError, ValueError):  # ValueError: a NUL in the name (a hostile path), never a file
        return absolute
    if real.startswith(real_root.rstrip(os.sep) + os.sep):
        return os.path.relpath(real, real_root).replace(os.sep, "/")
    return absolute


@functools.lru_cache(maxsize=16)
def _real(root: str) -> str:
    return os.path.realpath(root)
