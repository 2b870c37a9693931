"""Language, pure Python (no Home Assistant): ``understand`` reads requests, ``speak`` replies."""
