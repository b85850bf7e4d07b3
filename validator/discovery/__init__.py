"""Recognising MLflow units: from command-line paths to model folders, runs, experiments."""
