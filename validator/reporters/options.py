"""What reporters need besides the report itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlint.core.diagnostics import Diagnostic
from mlint.core.engine import Report
from mlint.core.registry import Registry, load_registry


@dataclass
class Options:
    # Show findings hidden by a suppression or the baseline (machine formats only), with
    # their justification.
    include_suppressed: bool = False
    registry: Registry | None = field(default=None, repr=False)
    # `-q`: findings only, no summary line (the human formats).
    quiet: bool = False

    def rules(self) -> Registry:
        if self.registry is None:
            self.registry = load_registry()
        return self.registry

    def shown(self, report: Report) -> list[Diagnostic]:
        if not self.include_suppressed:
            return [d for d in report.diagnostics if not d.suppressed]
        return sorted(set(report.diagnostics + report.suppressed))


DEFAULT = Options()
