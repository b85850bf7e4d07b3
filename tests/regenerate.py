"""Regenerate every generated artefact: `python -m tests.regenerate [--check]`.

Generated from the code, never edited by hand:

* docs/rules.md — every rule's documentation, from the docstrings (`mlint rules --format md`);
* README.md, between `<!-- mlint:rules-table -->` markers — the one-line-per-rule table;
* CONTRIBUTING.md, between `<!-- mlint:code-table -->` markers — code → module → function;
* schemas/*.json — the copies of other schemas bundled into a schema (`python -m mlint.schemas.bundle`);
* tests/rules/<CODE>/expected.txt — the golden findings for bad/ (`pytest tests/rules --update-goldens`).

`--check` changes nothing and exits 1 listing what is stale (the tests run this check for the
text artefacts; the goldens are checked by tests/rules itself). Without it, everything is
rewritten; review the diff — a golden that changes is a behaviour change.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mlint.core.registry import load_registry
from mlint.ruledocs import rules_markdown, summary_table
from mlint.schemas import bundle

REPO = Path(__file__).resolve().parents[1]


def _between(marker: str, body: str) -> Callable[[str], str]:
    pattern = re.compile(rf"<!-- mlint:{marker} -->\n.*?<!-- /mlint:{marker} -->", re.S)

    def apply(text: str) -> str:
        if not pattern.search(text):
            raise SystemExit(f"lost the <!-- mlint:{marker} --> markers")
        return pattern.sub(lambda _: f"<!-- mlint:{marker} -->\n{body}<!-- /mlint:{marker} -->", text)

    return apply


def code_table() -> str:
    """Code → module → function, for finding a rule's source from its code."""
    out = ["| Code | Name | Module | Function |", "|---|---|---|---|"]
    for r in load_registry(plugins=False):
        path = f"rules/{r.module.rsplit('.', 1)[1]}.py"
        out.append(f"| {r.code} | {r.name} | [`{path}`]({path}) | `{r.function}` |")
    return "\n".join(out) + "\n"


def text_artefacts() -> dict[Path, Callable[[str], str]]:
    """Each generated text file and how to bring its current text up to date."""
    registry = load_registry(plugins=False)
    readme_table = "\n".join(summary_table(registry, link="docs/rules.md")) + "\n"
    return {
        REPO / "docs" / "rules.md": lambda _: rules_markdown(registry),
        REPO / "README.md": _between("rules-table", readme_table),
        REPO / "CONTRIBUTING.md": _between("code-table", code_table()),
    }


def stale(artefacts: dict[Path, Callable[[str], str]] | None = None) -> list[str]:
    """What is out of date, goldens excepted."""
    found = [str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)
             for p, update in (artefacts or text_artefacts()).items()
             if update(p.read_text(encoding="utf-8")) != p.read_text(encoding="utf-8")]
    return found + [f"schemas/{name}.json" for name in bundle.stale()]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        outdated = stale()
        for name in outdated:
            print(f"{name} is stale: run python -m tests.regenerate", file=sys.stderr)
        return 1 if outdated else 0
    bundle.main([])  # schemas first: rules may read them
    for path, update in text_artefacts().items():
        old = path.read_text(encoding="utf-8")
        new = update(old)
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path.relative_to(REPO)}")
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            str(REPO / "tests" / "rules"), "--update-goldens"], cwd=REPO)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
