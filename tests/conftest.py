"""Shared pytest configuration.

pytest-homeassistant-custom-component is active for the whole suite: sockets are blocked except
for tests that request ``socket_enabled`` (loopback only), and ``verify_cleanup`` fails a test
that leaves timers, tasks or threads behind.
"""
