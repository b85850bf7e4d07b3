"""The MLT codes: findings the engine and the file readers emit, not rules of their own.

Code that reports one of them names it by constant (`FileFailure(PARSE_ERROR, …)`), typed
`MltCode`, so mypy rejects a code that does not exist; `Engine.failure` raises on one at run time.
Each is documented by its `@rule(…, scope=None)` in rules/tool.py or rules/tool_integrations.py.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

MltCode = Literal[
    "MLT001",
    "MLT002",
    "MLT003",
    "MLT004",
    "MLT005",
    "MLT006",
    "MLT007",
    "MLT100",
    "MLT101",
    "MLT102",
    "MLT103",
    "MLT104",
    "MLT900",
]

PATH_NOT_FOUND: Final = "MLT001"
PARSE_ERROR: Final = "MLT002"
UNREADABLE: Final = "MLT003"
TOO_LARGE: Final = "MLT004"
UNSAFE_SYMLINK: Final = "MLT005"
NOT_TEXT: Final = "MLT006"
NOTHING_TO_CHECK: Final = "MLT007"
SUPPRESSION_WITHOUT_REASON: Final = "MLT100"
INVALID_SUPPRESSION: Final = "MLT101"
UNUSED_SUPPRESSION: Final = "MLT102"
STALE_BASELINE_ENTRY: Final = "MLT103"
SUPPRESSION_OF_SECURITY_RULE: Final = "MLT104"
RULE_CRASHED: Final = "MLT900"

# Every MLT code, for the registry test and for `Engine.failure`.
MLT_CODES: frozenset[str] = frozenset(get_args(MltCode))

# A read that `Unit.load` refuses because the path leaves the unit: not an MLT finding, the rule
# MLM100 reports the reference itself (with its key), so this failure is never reported as such.
REFERENCE_OUTSIDE: Final = "MLM100"
# What a `FileFailure` may carry.
FailureCode = MltCode | Literal["MLM100"]
