"""Suppressions declared inside the artifact.

Two kinds:

* in `MLmodel`, `metadata: {mlint: {ignore: [{rule: CODE, reason: "…"}]}}` — MLflow keeps
  `metadata` verbatim (save, log, registry copy, download), so the justification travels with
  the model; it applies to every finding inside that model folder;
* in hand-edited text files (`requirements.txt`, `conda.yaml`, `python_env.yaml`), a comment
  `# mlint: ignore[CODE, …] reason` on the finding's line or alone on the line above it.

Parsing never raises: malformed declarations become `Problem`s (MLT100/MLT101).

The artifact does not vouch for itself: a suppression never applies to a security rule
(`Rule.security`, group `@security`); a selector that reaches one (`PKL100`, `PKL`, `ALL`…)
is reported (MLT104) and keeps only its other rules.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from mlint.core.codes import (
    INVALID_SUPPRESSION,
    SUPPRESSION_OF_SECURITY_RULE,
    SUPPRESSION_WITHOUT_REASON,
    MltCode,
)
from mlint.core.diagnostics import Diagnostic, Problem
from mlint.core.registry import Registry
from mlint.discovery.units import ModelDir
from mlint.reading.linemap import join_pointer

COMMENT_FILES = ("requirements.txt", "conda.yaml", "python_env.yaml")
COMMENT = re.compile(r"#\s*mlint:\s*ignore\[(?P<codes>[^\]]*)\](?P<reason>.*)$")
MLMODEL_KEYS = frozenset({"ignore"})
ENTRY_KEYS = frozenset({"rule", "reason"})



class ToolProblem(NamedTuple):
    """A problem with a suppression itself, reported under its MLT code (not a rule's)."""

    code: MltCode
    problem: Problem

@dataclass
class Suppression:
    """One declared suppression and whether it silenced anything."""

    codes: frozenset[str]
    reason: str
    selector: str
    file: str  # absolute path of the file that declares it
    rel: str  # that file relative to the model folder (for Problems)
    pointer: str = ""
    line: int = 0
    column: int = 0
    folder: str = ""  # MLmodel kind: absolute model folder; findings below it are covered
    lines: frozenset[int] = frozenset()  # comment kind: lines of `file` it covers
    used: bool = field(default=False)

    def covers(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.code not in self.codes:
            return False
        path = os.path.abspath(diagnostic.path)
        if self.folder:
            return path == self.folder or path.startswith(self.folder + os.sep)
        return path == self.file and diagnostic.line in self.lines

    @property
    def justification(self) -> str:
        where = f"{os.path.basename(self.file)}" + (f":{self.line}" if self.line else "")
        return f"{self.reason} (mlint: ignore in {where})"


def _codes(registry: Registry, selector: str) -> frozenset[str]:
    text = selector.strip()
    if not text:
        return frozenset()
    return frozenset(r.code for r in registry.select(text))


def _split_security(registry: Registry, codes: frozenset[str]) -> tuple[frozenset[str], list[str]]:
    """(codes an in-artifact suppression may silence, the security codes it may not)."""
    refused = sorted(c for c in codes if (meta := registry.get(c)) is not None and meta.security)
    return codes - frozenset(refused), refused


def _refusal(selector: str, refused: list[str], file: str, pointer: str = "", line: int | None = None,
             column: int | None = None) -> ToolProblem:
    shown = ", ".join(refused[:5]) + (f" and {len(refused) - 5} more" if len(refused) > 5 else "")
    plural = "s" if len(refused) > 1 else ""
    return ToolProblem(SUPPRESSION_OF_SECURITY_RULE, Problem(
        f"suppression of {selector} cannot silence security rule{plural} {shown}: "
        "the artifact cannot vouch for itself", file=file, pointer=pointer, line=line,
        column=column, subject=selector,
        hint="Accept a reviewed security finding in your own configuration (`per-path-ignores`, "
             "`[[tool.mlint.pickle-allow]]`) or in a baseline, never inside the artifact."))


def from_mlmodel(model: ModelDir, registry: Registry) -> tuple[list[Suppression], list[ToolProblem]]:
    """Suppressions in MLmodel `metadata.mlint.ignore`, and problems as (code, Problem)."""
    found: list[Suppression] = []
    problems: list[ToolProblem] = []
    document = model.mlmodel()
    data = document.data if document is not None else None
    metadata = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(metadata, dict) or "mlint" not in metadata:
        return found, problems
    block = metadata["mlint"]
    base = join_pointer("metadata", "mlint")

    def invalid(message: str, pointer: str) -> None:
        problems.append(ToolProblem(INVALID_SUPPRESSION, Problem(message, file="MLmodel", pointer=pointer,
                                           hint="Write `metadata: {mlint: {ignore: [{rule: CODE, "
                                                "reason: why}]}}`.")))

    if not isinstance(block, dict):
        invalid(f"metadata.mlint must be a mapping, not {type(block).__name__}", base)
        return found, problems
    for key in sorted(set(map(str, block)) - MLMODEL_KEYS):
        invalid(f"unknown key {key!r} in metadata.mlint (expected: ignore)",
                join_pointer("metadata", "mlint", key))
    entries = block.get("ignore", [])
    if not isinstance(entries, list):
        invalid(f"metadata.mlint.ignore must be a list, not {type(entries).__name__}", base + "/ignore")
        return found, problems
    folder = os.path.abspath(model.path)
    for index, entry in enumerate(entries):
        pointer = join_pointer("metadata", "mlint", "ignore", str(index))
        if not isinstance(entry, dict):
            invalid(f"suppression #{index + 1} must be a mapping with `rule` and `reason`", pointer)
            continue
        extra = sorted(set(map(str, entry)) - ENTRY_KEYS)
        if extra:
            invalid(f"unknown key {extra[0]!r} in suppression #{index + 1} (expected rule, reason)", pointer)
            continue
        selector = entry.get("rule")
        if not isinstance(selector, str) or not _codes(registry, selector):
            invalid(f"suppression #{index + 1}: `rule` {selector!r} names no mlint rule", pointer + "/rule")
            continue
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(ToolProblem(SUPPRESSION_WITHOUT_REASON, Problem(
                f"suppression of {selector} has no reason; it is not applied",
                file="MLmodel", pointer=pointer, subject=selector,
                hint="Add `reason: …` saying why the finding is acceptable for this model.")))
            continue
        codes, refused = _split_security(registry, _codes(registry, selector))
        if refused:
            problems.append(_refusal(selector, refused, file="MLmodel", pointer=pointer + "/rule"))
        if not codes:
            continue
        found.append(Suppression(codes, reason.strip(), selector,
                                 os.path.join(folder, "MLmodel"), "MLmodel", pointer=pointer,
                                 folder=folder))
    return found, problems


def from_comments(model: ModelDir, rel: str, text: str,
                  registry: Registry) -> tuple[list[Suppression], list[ToolProblem]]:
    """`# mlint: ignore[CODE] reason` comments in one text file of a model folder."""
    found: list[Suppression] = []
    problems: list[ToolProblem] = []
    path = os.path.abspath(model.file(rel))
    for number, line in enumerate(text.splitlines(), 1):
        match = COMMENT.search(line)
        if match is None:
            continue
        column = match.start() + 1
        alone = line.lstrip().startswith("#")
        # Alone on its line it covers the next line too; on line 1 also whole-file findings.
        lines = {number} | ({number + 1} if alone else set()) | ({0} if alone and number == 1 else set())
        selectors = [s.strip() for s in match["codes"].split(",") if s.strip()]
        reason = match["reason"].strip()
        if not selectors:
            problems.append(ToolProblem(INVALID_SUPPRESSION, Problem(
                "`mlint: ignore[]` names no rule", file=rel, line=number, column=column,
                hint="Write `# mlint: ignore[CODE] reason`.")))
            continue
        for selector in selectors:
            codes = _codes(registry, selector)
            if not codes:
                problems.append(ToolProblem(INVALID_SUPPRESSION, Problem(
                    f"`mlint: ignore[{selector}]` names no mlint rule", file=rel, line=number,
                    column=column, subject=selector, hint="Check the code with `mlint rules`.")))
            elif not reason:
                problems.append(ToolProblem(SUPPRESSION_WITHOUT_REASON, Problem(
                    f"suppression of {selector} has no reason; it is not applied", file=rel,
                    line=number, column=column, subject=selector,
                    hint="Write the reason after the bracket: `# mlint: ignore[CODE] why`.")))
            else:
                codes, refused = _split_security(registry, codes)
                if refused:
                    problems.append(_refusal(selector, refused, file=rel, line=number, column=column))
                if codes:
                    found.append(Suppression(codes, reason, selector, path, rel, line=number,
                                             column=column, lines=frozenset(lines)))
    return found, problems


def comment_texts(model: ModelDir) -> Iterator[tuple[str, str]]:
    """(rel, text) of the hand-edited files that may carry suppression comments.

    Reuses a document an ENV rule already parsed (any kind keeps its text), so a file is
    read once; reads it as text otherwise.
    """
    for rel in COMMENT_FILES:
        if not model.is_file(rel):
            continue
        document = model.context.cache.document(model.file(rel)) or model.text(rel)
        if document is not None and "mlint" in document.text:
            yield rel, document.text
