"""Remote inputs: object-store prefixes (`s3://`, `gs://`, `az://`, any fsspec protocol)
listed once, mirrored as placeholders and fetched per unit (docs/remote.md)."""
