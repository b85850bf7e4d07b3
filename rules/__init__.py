"""Built-in mlint rules, one module per family."""
