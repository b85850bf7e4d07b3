"""The type checker and linter are part of the test command, and the type checker bites.

`mypy` with no arguments checks the whole package through typecheck/mlint, a committed tree of
symlinks that maps the import name `mlint` onto validator/, rules/ and schemas/ (package-dir in
pyproject.toml, which mypy cannot read).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINKS = ROOT / "typecheck" / "mlint"

pytestmark = pytest.mark.skipif(not LINKS.is_dir(), reason="needs the source checkout (with typecheck/)")


def _mypy(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def test_link_tree_covers_the_whole_package() -> None:
    """A module added to validator/ without a link would be invisible to mypy."""
    expected = {p.name for p in (ROOT / "validator").iterdir() if p.name != "__pycache__"}
    expected |= {"rules", "schemas"}
    assert {p.name for p in LINKS.iterdir()} == expected
    for link in LINKS.iterdir():
        assert link.is_symlink(), link
        top = link.name in ("rules", "schemas")
        target = ROOT / link.name if top else ROOT / "validator" / link.name
        assert link.resolve() == target.resolve(), link


def test_mypy_with_no_arguments_passes(mypy_cache: Path) -> None:
    done = _mypy(mypy_cache)
    assert done.returncode == 0, done.stdout + done.stderr
    # It checked the package, not an empty list of files: every rule module is among them.
    count = int(done.stdout.split(" source files")[0].rsplit(" ", 1)[1])
    assert count >= len(list((ROOT / "rules").glob("*.py"))) + len(list((ROOT / "validator").rglob("*.py")))


BAD_RULE = '''
from collections.abc import Iterator, Mapping
from typing import Any

from mlint.core.diagnostics import Problem, Severity
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir, Run


@rule("MLM999", "bad-arguments", scope=ModelDir, severity=Severity.ERROR)
def bad_arguments(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A rule passing wrong arguments."""
    yield Problem(file=42, bogus_kw=True)


@rule("MLM998", "wrong-scope", scope=ModelDir, severity=Severity.ERROR)
def wrong_scope(run: Run, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A rule whose parameter is not its scope."""
    yield from ()


@rule("RUN998", "two-scopes", scope=(Run, ModelDir), severity=Severity.ERROR)
def two_scopes(unit: Run | ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A correct rule over two unit kinds."""
    yield Problem("fine", file="MLmodel")
'''


def test_mypy_fails_when_a_rule_passes_a_wrong_argument(mypy_cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad_rule.py"
    bad.write_text(BAD_RULE)
    done = _mypy(mypy_cache, str(bad))
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert 'Unexpected keyword argument "bogus_kw" for "Problem"' in out
    assert 'Argument "file" to "Problem" has incompatible type "int"' in out
    # The rule's parameter must accept its scope.
    assert ('incompatible type "Callable[[Run, Mapping[str, Any]], Iterator[Problem]]"; '
            'expected "Callable[[ModelDir, Mapping[str, Any]], Iterable[Problem]]"') in out
    # Exactly those three: `two_scopes` (scope (Run, ModelDir), takes Run | ModelDir) is fine.
    assert len([line for line in out.splitlines() if ": error:" in line]) == 3, out


def test_ruff_check_passes() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
