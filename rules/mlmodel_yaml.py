"""YAML that PyYAML accepts but that means something else than it says: duplicate keys in MLmodel.

PyYAML (and so MLflow's `yaml.safe_load`) keeps the LAST of two equal keys in a mapping without
a word. Finding them needs the node graph, which the fast path never builds: a line scan of
the text looks for two block keys with the same name at the same indentation in the same
block, and only a file with such a candidate is composed to confirm it (and to find where).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from mlint.core.diagnostics import ERROR, WARNING, Problem
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir
from mlint.reading.linemap import MAX_COMPOSE_CHARS
from mlint.rulekit.mlmodel import mlmodel_data

# A block mapping key as MLflow's yaml.safe_dump writes it: plain (unquoted) and at the start
# of a line, optionally after list dashes. Quoted keys and flow mappings are not scanned
# (MLflow writes neither); wrapped quoted scalars (long signature strings) start with a quote
# or a bracket and are skipped with them.
_KEY_LINE = re.compile(r"^( *)((?:- +)*)([^\s#'\"\[\]{}&*!|>%@`,-][^:#\n{}\[\]\",']*?):(?: |$)")
# Top-level keys whose duplicates go into what MLflow reads (Model.from_dict), as errors;
# elsewhere (user `metadata`, unknown keys) a duplicate is a warning.
READ_BY_MLFLOW = frozenset({
    "artifact_path", "flavors", "model_uuid", "model_id", "run_id", "utc_time_created",
    "mlflow_version", "signature", "saved_input_example_info", "model_size_bytes",
    "databricks_runtime", "resources", "env_vars", "auth_policy", "prompts", "name",
    "is_signature_from_type_hint", "type_hint_from_example",
})


def duplicate_candidates(text: str) -> bool:
    """True when two plain block keys of one block share a name (cheap; may over-report)."""
    stack: list[tuple[int, set[str]]] = []  # (indent, keys seen in that block)
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match is None:
            continue
        indent = len(match.group(1)) + len(match.group(2))
        if match.group(2):  # "- key:" opens a new mapping inside a list item
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, {match.group(3).strip()}))
            continue
        while stack and stack[-1][0] > indent:
            stack.pop()
        if not stack or stack[-1][0] < indent:
            stack.append((indent, set()))
        key = match.group(3).strip()
        if key in stack[-1][1]:
            return True
        stack[-1][1].add(key)
    return False


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def duplicates(text: str) -> list[tuple[str, int, int]]:
    """(JSON pointer of the repeated key, line, column) of every duplicate key in the file."""
    if len(text) > MAX_COMPOSE_CHARS:
        return []
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return []
    found: list[tuple[str, int, int]] = []
    pending: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    seen_nodes: set[int] = set()
    while pending:
        node, pointer = pending.pop()
        if id(node) in seen_nodes:  # aliases: each node once
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
                child = f"{pointer}/{_escape(key)}"
                if key and key in keys:
                    found.append((child, key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                keys.add(key)
                pending.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, f"{pointer}/{i}") for i, item in enumerate(node.value))
    return sorted(found, key=lambda f: (f[1], f[2]))


@rule("MLM002", "mlmodel-duplicate-key", scope=ModelDir, severity=ERROR)
def mlmodel_duplicate_keys(model: ModelDir, options: Mapping[str, Any]) -> Iterator[Problem]:
    """A key must not appear twice in the same mapping of MLmodel. A duplicate among the keys
    MLflow reads (the flavors, signature, input example info and the other top-level fields)
    is an error; elsewhere (inside `metadata`, unknown keys) a warning.

    Why: PyYAML, and so MLflow, keeps the LAST value without a warning: a hand-merged MLmodel
    with two `loader_module:` or two `signature:` entries loads with whichever came last,
    while a reader of the file (or a tool that keeps the first) sees the other one.
    Fix: delete the stale entry; keep the one the model was saved with.
    """
    doc = model.mlmodel()
    if doc is None or mlmodel_data(model) is None or not duplicate_candidates(doc.text):
        return
    for pointer, line, column in duplicates(doc.text):
        top = pointer.split("/")[1]
        read = top in READ_BY_MLFLOW
        yield Problem(f"key '{pointer[1:].replace('/', '.')}' appears more than once; PyYAML and "
                      "MLflow silently keep the last value", file="MLmodel", line=line,
                      column=column, subject=pointer, severity=None if read else WARNING,
                      hint="Delete the stale entry.")
