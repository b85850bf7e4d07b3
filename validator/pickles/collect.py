"""Accumulates findings, globals and facts for one scan, applying the policy as it goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Finding, GlobalRef, Kind, Limits, Severity, Verdict, VersionFact
from .policy import Policy, expects_code, normalize
from .stream import Budget

MAX_FINDINGS = 1000


@dataclass
class _G:
    module: str
    name: str
    verdict: Verdict
    reason: str
    offset: int
    member: str | None
    count: int


class Collector:
    def __init__(self, policy: Policy, flavor: str | None, role: str | None, limits: Limits,
                 budget: Budget) -> None:
        self.policy = policy
        self.flavor = flavor
        self.role = role
        self.limits = limits
        self.budget = budget
        self.expect_code = expects_code(flavor, role)
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str | None, str | None, str | None, str]] = set()
        self.globals: dict[tuple[str, str, str | None], _G] = {}
        self.versions: list[VersionFact] = []
        self.complete = True
        self.member: str | None = None  # archive member / layer currently walked
        self.persistent_ids_expected = False
        self.members: list[str] = []
        self.saw_joblib = False
        self._suppressed = False
        self.getattrs: list[Any] = []  # GetattrVal instances, checked in finish()

    def add(self, kind: str, severity: Severity, message: str, offset: int | None = None, *,
            module: str | None = None, name: str | None = None, reason: str | None = None,
            dedupe: bool = True) -> None:
        key = (kind, module, name, self.member, "" if module else message)
        if dedupe and key in self._seen:
            return
        self._seen.add(key)
        if len(self.findings) >= MAX_FINDINGS:
            # Crafted streams can repeat an anomaly millions of times: keep memory bounded.
            if not self._suppressed:
                self._suppressed = True
                self.findings.append(Finding(
                    Kind.CAP_REACHED, Severity.WARNING,
                    f"more than {MAX_FINDINGS} findings; further ones are not listed",
                    offset, self.member))
            return
        self.findings.append(
            Finding(kind, severity, message, offset, self.member, module, name, reason)
        )

    def incomplete(self, kind: str, message: str, offset: int | None = None,
                   severity: Severity = Severity.ERROR) -> None:
        self.complete = False
        self.add(kind, severity, message, offset, dedupe=False)

    def on_global(self, module: str, name: str, offset: int) -> None:
        key = (module, name, self.member)
        g = self.globals.get(key)
        if g is not None:
            g.count += 1
            return
        c = self.policy.classify(module, name, flavor=self.flavor)
        self.globals[key] = _G(module, name, c.verdict, c.reason, offset, self.member, 1)
        nm, nn = normalize(module, name)
        shown = f"{module}.{name}" + ("" if (nm, nn) == (module, name) else f" (= {nm}.{nn})")
        if c.verdict is Verdict.DANGEROUS:
            self.add(Kind.DANGEROUS_GLOBAL, Severity.ERROR, f"imports dangerous {shown}",
                     offset, module=module, name=name, reason=c.reason)
        elif c.verdict is Verdict.CODE and not self.expect_code:
            # Without any flavor/role context we cannot know whether code was promised.
            sev = Severity.WARNING if self.flavor is None and self.role is None else Severity.ERROR
            self.add(Kind.CODE_OBJECT, sev,
                     f"rebuilds code via {shown} where plain data is expected",
                     offset, module=module, name=name, reason=c.reason)
        elif c.verdict is Verdict.UNKNOWN:
            # Fail closed: whatever is not positively known to be safe for this flavor is an
            # error (the `strict` switch of earlier versions is now always on).
            # Artifacts that carry code by design (pyfunc python_model, cloudpickle formats)
            # run their own code anyway: there an import is not a security verdict (PKL102
            # reports the code; PKL120 checks the module is installable), except `__main__`,
            # which never imports where the model is served.
            sev = Severity.INFO if self.expect_code and module != "__main__" else Severity.ERROR
            self.add(Kind.UNKNOWN_GLOBAL, sev, f"imports {shown}, which is not allowlisted",
                     offset, module=module, name=name, reason=c.reason)

    def verdict_of(self, module: str, name: str) -> Verdict | None:
        g = self.globals.get((module, name, self.member))
        return None if g is None else g.verdict

    def check_getattrs(self) -> None:
        """A getattr used anywhere but as the callee of a checked REDUCE is dangerous."""
        for g in self.getattrs:
            if g.pushes != g.safe:
                self.on_global(g.module, g.name, g.offset)
        self.getattrs.clear()

    def benign_callable(self, func: object) -> bool:
        """A discarded call to an allowlisted (or expected-code) global is pickle's own
        state-setter pattern (reduce 6-tuples: `setter(obj, state)` then POP)."""
        module, name = getattr(func, "module", None), getattr(func, "name", None)
        if not isinstance(module, str) or not isinstance(name, str):
            return False
        g = self.globals.get((module, name, self.member))
        if g is None:
            return False
        return g.verdict is Verdict.ALLOWED or (g.verdict is Verdict.CODE and self.expect_code)

    def on_version(self, dist: str, version: str, source: str, offset: int) -> None:
        fact = VersionFact(dist, version, source, offset, self.member)
        if all((v.distribution, v.version) != (dist, version) for v in self.versions):
            self.versions.append(fact)

    def finish(self) -> None:
        self.check_getattrs()
        if not self.expect_code:
            return
        by_member: dict[str | None, list[_G]] = {}
        for g in self.globals.values():
            if g.verdict is Verdict.CODE:
                by_member.setdefault(g.member, []).append(g)
        for member, gs in by_member.items():
            saved, self.member = self.member, member
            names = ", ".join(sorted({f"{g.module}.{g.name}" for g in gs})[:8])
            self.add(Kind.EXPECTED_CODE, Severity.INFO,
                     f"carries code by design (rebuilt through {names}); loading it runs that "
                     "code, so load only artifacts from trusted sources",
                     min(g.offset for g in gs), reason="code expected for this flavor/role")
            self.member = saved

    def global_refs(self) -> tuple[GlobalRef, ...]:
        return tuple(
            GlobalRef(g.module, g.name, g.verdict, g.reason, g.offset, g.member, g.count)
            for g in self.globals.values()
        )

    def modules(self) -> frozenset[str]:
        return frozenset(normalize(m, n)[0].split(".")[0] for (m, n, _) in self.globals
                         if m and m != "?")
