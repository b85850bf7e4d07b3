"""The engine and its configuration: rules, registry, diagnostics, filters."""
