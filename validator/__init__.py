"""mlint: a static validator and linter for MLflow model folders and mlruns/ trees."""

__version__ = "0.1.0"
