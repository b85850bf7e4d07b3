"""mlint: a static validator and linter for MLflow model folders and mlruns/ trees.

    >>> import mlint
    >>> diagnostics = mlint.check(["mlruns/"])

Nothing is imported, unpickled or written while checking.
"""

__version__ = "0.1.0"

from mlint.api import check, run
from mlint.core.config import Config, ConfigError
from mlint.core.diagnostics import Diagnostic, Problem, Severity
from mlint.core.engine import Report

__all__ = ["Config", "ConfigError", "Diagnostic", "Problem", "Report", "Severity", "__version__",
           "check", "run"]
