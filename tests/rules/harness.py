"""Per-rule fixture cases: `tests/rules/<CODE>/` holds `good/`, `bad/` and `expected.txt`.

A case may carry `case.yaml` to say what git cannot store or what the case needs:

    good: data/mlflow/3.17.2/mlruns   # use real MLflow output (relative to tests/) as good/
    args: [bad/missing]               # paths to check instead of `bad` (relative to the case)
    empty_dirs: [bad/mlruns/0/r/params]   # folders to create (git keeps no empty folders)
    fifos: [bad/model/conda.yaml]     # named pipes to create
    config: {max_file_bytes: 100}     # Config overrides for checking bad/ (good/ uses defaults)
    bad_from: data/trackingdb/2.22.5/client   # copy real MLflow output as bad/, then:
    sql: ["DELETE FROM runs"]         #   statements applied to bad/mlflow.db (CHECKs ignored)
    remove: [mlruns/1]                #   paths under bad/ deleted

Cases are copied to a temporary folder before checking, so nothing is ever written into the
repository, and the output paths are relative to the case folder.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlint import Config, run
from mlint.reporters.concise import location
from tests.data.fixture_tree import edit_database, empty_dirs

CASES = Path(__file__).resolve().parent
CODE = re.compile(r"^[A-Z]{2,4}[0-9]{3}$")
TESTS = CASES.parent


@dataclass
class Case:
    code: str
    folder: Path
    spec: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Case:
        spec_file = folder / "case.yaml"
        spec = yaml.safe_load(spec_file.read_text()) if spec_file.exists() else {}
        return cls(folder.name, folder, spec or {})

    @property
    def good_source(self) -> Path | None:
        if "good" in self.spec:
            return TESTS / self.spec["good"]
        return self.folder / "good" if (self.folder / "good").is_dir() else None

    def materialize(self, into: Path) -> Path:
        """Copy the case into `into` (symlinks kept as links), creating what git cannot hold."""
        work = into / self.code
        work.mkdir(parents=True)
        if (self.folder / "bad").exists():
            shutil.copytree(self.folder / "bad", work / "bad", symlinks=True)
        if "bad_from" in self.spec:
            _derive(TESTS / self.spec["bad_from"], work / "bad", self.spec)
        good = self.good_source
        if good is not None:
            shutil.copytree(good, work / "good", symlinks=True)
            _recreate_empty_dirs(good, work / "good")
        for rel in self.spec.get("empty_dirs", []):
            (work / rel).mkdir(parents=True, exist_ok=True)
        for rel in self.spec.get("fifos", []):
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(work / rel)
        return work

    def config(self, **overrides: Any) -> Config:
        settings = {**self.spec.get("config", {}), **overrides}
        for key in ("select", "extend_select", "ignore"):
            if key in settings:
                settings[key] = tuple(settings[key])
        if "rules_paths" in settings:  # relative to tests/rules/
            settings["rules_paths"] = tuple(CASES / p for p in settings["rules_paths"])
        return dataclasses.replace(Config(), **settings)

    def bad_args(self) -> list[str]:
        return [str(a) for a in self.spec.get("args", ["bad"])]


def _derive(source: Path, bad: Path, spec: dict[str, Any]) -> None:
    """bad/ as a copy of real MLflow output with one defect applied (a database row edited the
    way a hand edit or a restored dump leaves it, or artifacts deleted)."""
    shutil.copytree(source, bad, symlinks=True, dirs_exist_ok=True)  # over the case's own bad/ files
    if spec.get("sql"):
        edit_database(bad, spec["sql"])
    for rel in spec.get("remove", []):
        target = bad / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()


def _recreate_empty_dirs(source: Path, target: Path) -> None:
    """Real-MLflow fixture trees list the empty folders git dropped in EMPTY_DIRS.txt."""
    for base in [source, *source.parents]:
        if (base / "EMPTY_DIRS.txt").is_file():
            for rel in empty_dirs(base):
                absolute = base / rel
                if absolute == source or source in absolute.parents:
                    (target / absolute.relative_to(source)).mkdir(parents=True, exist_ok=True)
            return


def all_cases() -> list[Case]:
    return [Case.load(p) for p in sorted(CASES.iterdir()) if p.is_dir() and CODE.match(p.name)]


def render(diagnostics: list[Any]) -> str:
    return "".join(f"{location(d)}: {d.code} [{d.severity.value}] {d.message}\n" for d in diagnostics)


def check_in(workdir: Path, args: list[str], config: Config) -> list[Any]:
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        return run(args, config).diagnostics
    finally:
        os.chdir(cwd)
