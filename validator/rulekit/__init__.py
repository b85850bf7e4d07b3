"""Helpers shared by rules: cached views of MLmodel, tracking files, environments, signatures."""
