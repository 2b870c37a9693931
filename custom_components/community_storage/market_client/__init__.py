"""Typed HTTP client of the market server and models of its wire contract (no Home Assistant)."""
