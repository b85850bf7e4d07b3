"""A local rule (loaded through `rules_paths`) that crashes, to prove crashes become MLT900."""

from mlint.core.diagnostics import ERROR
from mlint.core.registry import rule
from mlint.discovery.units import ModelDir


@rule("XTS001", "always-crashes", scope=ModelDir, severity=ERROR)
def always_crashes(model, options):
    """Raises on every model folder. Why: tests the engine. Fix: none needed."""
    yield from ()
    raise ZeroDivisionError("deliberate crash in a test rule")
