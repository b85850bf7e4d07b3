"""JSON Schemas describing the files MLflow writes."""
