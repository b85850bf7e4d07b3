"""Tracking deployments: an MLflow tracking database (SQLite, or a server database through the
optional `db` extra) and the artifact root its rows point into, read strictly read-only.

`sqlite` opens a database file without ever writing next to it; `schema` knows MLflow's alembic
revisions; `deployment` recognises a folder holding such a database and maps recorded artifact
locations onto local folders.
"""
