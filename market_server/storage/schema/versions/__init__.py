"""The revisions of the server's schema, applied in order by market_server.storage.migrations."""
