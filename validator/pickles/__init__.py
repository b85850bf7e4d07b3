"""Static scanner for pickles and other serialized model artifacts.

Never unpickles, imports or executes anything from the artifact: it walks pickle opcodes
symbolically and reads container headers. See docs/pickles.md for the threat model, finding
kinds, policy tiers and caps.
"""

from .model import (
    ALL_KINDS,
    Container,
    Finding,
    GlobalRef,
    Kind,
    Limits,
    ScanReport,
    Severity,
    Verdict,
    VersionFact,
)
from .policy import (
    Classification,
    Policy,
    Rule,
    default_policy,
    distribution_for,
    distribution_requires,
    expects_code,
    module_distributions,
)
from .scanner import scan_bytes, scan_file, sniff, sniff_bytes

__all__ = [
    "ALL_KINDS",
    "Classification",
    "Container",
    "Finding",
    "GlobalRef",
    "Kind",
    "Limits",
    "Policy",
    "Rule",
    "ScanReport",
    "Severity",
    "Verdict",
    "VersionFact",
    "default_policy",
    "distribution_for",
    "distribution_requires",
    "expects_code",
    "module_distributions",
    "scan_bytes",
    "scan_file",
    "sniff",
    "sniff_bytes",
]
