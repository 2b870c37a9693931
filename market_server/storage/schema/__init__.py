"""The Alembic environment of the server's schema: env.py and the revisions in versions/.

Run through market_server.storage.migrations (`market-server init`, `serve`, `db upgrade`), never
with the `alembic` command: the revisions need the connection and write lock it opens.
"""
