"""Built-in mlint rules, one module per family (or sub-family when a module grows).

This tuple is the explicit registry of built-in rule modules; plug-ins are listed the same
way through the `mlint.rules` entry-point group.
"""

BUILTIN_MODULES: tuple[str, ...] = (
    "mlint.rules.tool",
    "mlint.rules.tool_integrations",
    "mlint.rules.schema_rules",
    "mlint.rules.identity",
    "mlint.rules.model_references",
    "mlint.rules.mlmodel_paths",
    "mlint.rules.mlmodel_flavors",
    "mlint.rules.flavor_files",
    "mlint.rules.mlmodel_metadata",
    "mlint.rules.mlmodel_yaml",
    "mlint.rules.env_requirements",
    "mlint.rules.env_consistency",
    "mlint.rules.pickle_safety",
    "mlint.rules.pickle_integrity",
    "mlint.rules.pickle_requirements",
    "mlint.rules.signature",
    "mlint.rules.signature_params",
    "mlint.rules.input_example_info",
    "mlint.rules.input_examples",
    # tracking store and registry (RUN1xx/REG1xx) and the migration gate (RUN2xx/REG150)
    "mlint.rules.experiments",
    "mlint.rules.runs",
    "mlint.rules.metrics",
    "mlint.rules.params_tags",
    "mlint.rules.logged_models",
    "mlint.rules.registry_models",
    "mlint.rules.migration",
    "mlint.rules.migration_values",
    "mlint.rules.migration_registry",
    # tracking databases and their artifact roots (TDB)
    "mlint.rules.tracking_db",
    "mlint.rules.tracking_db_integrity",
    "mlint.rules.tracking_db_artifacts",
    "mlint.rules.tracking_db_migration",
)
