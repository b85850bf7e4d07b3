"""The engine's post-filter: in-artifact suppressions and the baseline.

The engine calls `collect(unit)` after a unit's rules ran (its files are still cached) and
`post_filter(diagnostics, checked)` once at the end. Filtered findings are kept with
`Diagnostic.suppressed` set to their justification, so `--include-suppressed` can show them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from mlint.core import baseline as baseline_file
from mlint.core.codes import STALE_BASELINE_ENTRY, UNUSED_SUPPRESSION
from mlint.core.diagnostics import Diagnostic, Problem, fingerprint
from mlint.core.suppressions import Suppression, comment_texts, from_comments, from_mlmodel
from mlint.discovery.units import Context, ModelDir, Unit
from mlint.reading.filecache import FileCache

if TYPE_CHECKING:
    from mlint.core.engine import Engine

UNUSED, STALE = UNUSED_SUPPRESSION, STALE_BASELINE_ENTRY


class Filters:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.suppressions: list[tuple[Suppression, Diagnostic | None]] = []
        path = engine.config.baseline
        self.baseline_path = Path(path) if path is not None else None
        self.baseline = baseline_file.read(self.baseline_path) if self.baseline_path else None

    def _enabled(self, code: str) -> bool:
        return code in self.engine.enabled

    def collect(self, unit: Unit) -> Iterator[Diagnostic]:
        """Read the suppressions a model folder declares; yield problems with them."""
        if not isinstance(unit, ModelDir):
            return
        registry = self.engine.registry
        found, problems = from_mlmodel(unit, registry)
        for rel, text in comment_texts(unit):
            more, bad = from_comments(unit, rel, text, registry)
            found += more
            problems += bad
        for code, problem in problems:
            meta = registry.get(code)
            if meta is not None and self._enabled(code):
                diagnostic = self.engine.locate(meta, unit, problem)
                if diagnostic is not None:
                    yield diagnostic
        unused_meta = registry.get(UNUSED)
        for suppression in found:
            unused = None
            if unused_meta is not None and self._enabled(UNUSED):
                # Located now, while the file is cached; reported only if nothing matches.
                unused = self.engine.locate(unused_meta, unit, Problem(
                    f"suppression of {suppression.selector} matched no finding; remove it",
                    file=suppression.rel, pointer=suppression.pointer,
                    line=suppression.line or None, column=suppression.column or None,
                    subject=suppression.selector,
                    hint="A suppression that silences nothing hides the next real problem."))
            self.suppressions.append((suppression, unused))

    def post_filter(self, diagnostics: list[Diagnostic],
                    checked: Collection[tuple[str, str]]) -> list[Diagnostic]:
        """`checked`: the identities of the units checked (the baseline's stale entries are
        reported only for those; the engine streams units and keeps no list of them)."""
        out = [self._suppress(d) for d in diagnostics]
        for suppression, unused in self.suppressions:
            if not suppression.used and unused is not None \
                    and any(self._enabled(code) for code in suppression.codes):
                out.append(unused)
        if self.baseline is not None and self.baseline_path is not None:
            out = self._apply_baseline(out, checked, self.baseline_path)
        return out

    def _suppress(self, diagnostic: Diagnostic) -> Diagnostic:
        for suppression, _ in self.suppressions:
            if suppression.covers(diagnostic):
                suppression.used = True
                return dataclasses.replace(diagnostic, suppressed=suppression.justification)
        return diagnostic

    def _apply_baseline(self, diagnostics: list[Diagnostic], checked: Collection[tuple[str, str]],
                        path: Path) -> list[Diagnostic]:
        assert self.baseline is not None
        known = {entry.fingerprint for entry in self.baseline}
        matched: set[str] = set()
        out = []
        for d in diagnostics:
            if d.suppressed is None and d.fingerprint in known:
                matched.add(d.fingerprint)
                d = dataclasses.replace(d, suppressed=f"{baseline_file.JUSTIFICATION} {path.name}")
            out.append(d)
        meta = self.engine.registry.get(STALE)
        if meta is None or not self._enabled(STALE):
            return out
        lines = _lines(path)
        for entry in self.baseline:
            if entry.fingerprint in matched or not self._enabled(entry.code):
                continue
            if not _covered(path.parent / entry.path, checked):
                continue  # a partial check (pre-commit on changed files) says nothing about it
            out.append(Diagnostic(
                path=_display(path), line=entry.line, column=1 if entry.line else 0,
                code=meta.code, name=meta.name, severity=self.engine.config.severity_of(meta, None),
                message=f"baseline entry {entry.code} at {entry.path} matches no finding any more",
                hint="The finding was fixed or its artifact removed: rewrite the baseline with "
                     "`--write-baseline` to drop the entry.",
                fingerprint=fingerprint(STALE, entry.path, "", entry.fingerprint),
                source=lines[entry.line - 1] if 0 < entry.line <= len(lines) else ""))
        return out


def _covered(target: Path, checked: Collection[tuple[str, str]]) -> bool:
    """Whether the unit that holds `target` (or held it, if deleted) was checked in this run."""
    from mlint.discovery.layout import classify

    folder = target if os.path.isdir(target) else target.parent
    while not os.path.isdir(folder) and folder.parent != folder:
        folder = folder.parent
    unit = classify(folder, Context(folder, folder, FileCache()), search_up=True)
    return unit is not None and unit.identity in checked


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _display(path: Path) -> str:
    from mlint.core.engine import display_path

    return display_path(path)
