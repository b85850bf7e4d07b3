"""Generated documentation and schemas stay in sync with the code (`python -m tests.regenerate`)."""

from __future__ import annotations

import re
from pathlib import Path

from tests import regenerate


def test_generated_artefacts_are_current() -> None:
    assert regenerate.stale() == [], "regenerate: python -m tests.regenerate"


def test_the_check_notices_a_stale_artefact(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- mlint:rules-table -->\n| old |\n<!-- /mlint:rules-table -->\nend\n")
    update = regenerate.text_artefacts()[regenerate.REPO / "README.md"]
    assert regenerate.stale({readme: update}) == [str(readme)]
    fresh = update(readme.read_text())
    assert fresh.startswith("intro\n<!-- mlint:rules-table -->\n| Code |") and fresh.endswith("end\n")


SHIPPED_TEXT = ("validator", "rules", "schemas", "docs", "README.md", "CONTRIBUTING.md")


def _shipped_files() -> list[Path]:
    out: list[Path] = []
    for name in SHIPPED_TEXT:
        path = regenerate.REPO / name
        out += [path] if path.is_file() else [p for p in path.rglob("*")
                                              if p.suffix in (".py", ".md", ".json", ".yaml")]
    return out


def test_user_facing_text_cites_only_what_is_shipped() -> None:
    """Rule docstrings (mlint explain), schemas, messages and docs once cited the authors' notes
    (DESIGN.md, MLFLOW_FORMAT.md), which no user can open."""
    offenders = [str(p.relative_to(regenerate.REPO)) for p in _shipped_files()
                 if re.search(r"MLFLOW_FORMAT|DESIGN\.md|ANCHORS\.md", p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert _shipped_files(), "the scan found nothing"


def test_cited_docs_and_sections_exist() -> None:
    headings = set(re.findall(r"^#+ (\d+(?:\.\d+)?)[. ]", (regenerate.REPO / "docs" / "mlflow-format.md")
                              .read_text(encoding="utf-8"), re.M))
    assert {"1.3", "3.3", "6.4", "8.7"} <= headings
    missing = []
    for path in _shipped_files():
        text = path.read_text(encoding="utf-8")
        for doc in set(re.findall(r"\bdocs/([\w-]+\.md)", text)):
            if not (regenerate.REPO / "docs" / doc).is_file():
                missing.append(f"{path.name}: docs/{doc}")
        # Every § in shipped text is a section of docs/mlflow-format.md (docs/schemas.md says so).
        for section in re.findall(r"§(\d+(?:\.\d+)?)", text):
            if section not in headings:
                missing.append(f"{path.name}: §{section}")
    assert missing == []
