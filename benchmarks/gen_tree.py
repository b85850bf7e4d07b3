"""Clone the runs of a real-MLflow template tree into an `mlruns/` of N runs, fast.

    python benchmarks/gen_tree.py TEMPLATE_MLRUNS OUT_MLRUNS N

Every run of every experiment in the template (with the MLflow 3 logged models it produced)
is copied N times in total, round-robin, with fresh run ids and model ids. Ids and the tree's
absolute root are rewritten in every text file (meta.yaml, MLmodel, model metric lines,
outputs/), and folders named after ids are renamed, so MLflow reads the result as it would
have written it. Binary files (the pickle) are copied as they are.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

RESERVED = {"tags", "datasets", "traces", "models", "meta.yaml"}


@dataclass
class Template:
    """One template run: its files (relative to the experiment) with ids as placeholders."""

    experiment: str
    run_id: str
    model_ids: list[str]
    files: list[tuple[str, bytes]]  # (relative path with placeholders, content with placeholders)


def _placeholders(data: bytes, root: str, run_id: str, model_ids: list[str]) -> bytes:
    data = data.replace(root.encode(), b"@ROOT@").replace(run_id.encode(), b"@RUN@")
    for i, mid in enumerate(model_ids):
        data = data.replace(mid[2:].encode(), f"@M{i}@".encode())
    return data


def load_templates(template: Path) -> list[Template]:
    root = str(template.resolve())
    found = []
    for exp in sorted(p for p in template.iterdir() if p.is_dir() and p.name.isdigit()):
        models = exp / "models"
        for run in sorted(p for p in exp.iterdir() if p.is_dir() and p.name not in RESERVED):
            run_id = run.name
            model_ids = [m.name for m in sorted(models.iterdir())
                         if (m / "meta.yaml").is_file()
                         and f"source_run_id: {run_id}" in (m / "meta.yaml").read_text()] \
                if models.is_dir() else []
            files: list[tuple[str, bytes]] = []
            sources = [run] + [models / m for m in model_ids]
            for source in sources:
                for folder, dirs, names in os.walk(source):
                    rel_folder = os.path.relpath(folder, exp)
                    if not names and not dirs:  # keep empty folders (MLflow needs artifacts/)
                        files.append((_rel(rel_folder, root, run_id, model_ids) + "/", b""))
                    for name in names:
                        rel = _rel(os.path.join(rel_folder, name), root, run_id, model_ids)
                        with open(os.path.join(folder, name), "rb") as handle:
                            raw = handle.read()
                        binary = b"\x00" in raw[:8192] or name.endswith(".pkl")
                        files.append((rel, raw if binary else _placeholders(raw, root, run_id, model_ids)))
            found.append(Template(exp.name, run_id, model_ids, files))
    if not found:
        raise SystemExit(f"no runs found in {template}")
    return found


def _rel(rel: str, root: str, run_id: str, model_ids: list[str]) -> str:
    return _placeholders(rel.encode(), root, run_id, model_ids).decode()


def generate(template: Path, out: Path, n: int) -> None:
    templates = load_templates(template)
    if out.exists():
        shutil.rmtree(out)
    # Experiments, registry and trash are copied once, with the template root rewritten.
    root_old = str(template.resolve()).encode()
    root_new = str(out.resolve()).encode()
    run_ids = {t.run_id for t in templates}
    model_ids = {m for t in templates for m in t.model_ids}
    for folder, dirs, names in os.walk(template):
        rel = os.path.relpath(folder, template)
        parts = Path(rel).parts
        if (len(parts) >= 2 and parts[1] in run_ids) or (len(parts) >= 3 and parts[2] in model_ids):
            dirs[:] = []
            continue
        os.makedirs(out / rel, exist_ok=True)
        for name in names:
            data = (Path(folder) / name).read_bytes()
            (out / rel / name).write_bytes(data.replace(root_old, root_new))
    root_text = str(out.resolve()).encode()
    made: set[str] = set()
    for i in range(n):
        tpl = templates[i % len(templates)]
        run_hex = uuid.uuid4().hex
        model_hex = [uuid.uuid4().hex for _ in tpl.model_ids]
        subst = [(b"@ROOT@", root_text), (b"@RUN@", run_hex.encode())]
        subst += [(f"@M{j}@".encode(), h.encode()) for j, h in enumerate(model_hex)]
        base = out / tpl.experiment
        for rel, data in tpl.files:
            for old, new in subst:
                rel = rel.replace(old.decode(), new.decode())
                if b"@" in data:
                    data = data.replace(old, new)
            path = os.path.join(base, rel)
            folder = os.path.dirname(path)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            if rel.endswith("/"):
                continue
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    generate(Path(argv[0]), Path(argv[1]), int(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
