"""Shared pytest configuration.

pytest-homeassistant-custom-component is active for the whole suite: sockets are blocked except
for tests that request ``socket_enabled`` (loopback only), and ``verify_cleanup`` fails a test
that leaves timers, tasks or threads behind.
"""

import logging

# The Home Assistant test plugin turns SQLAlchemy's statement log up to INFO for the whole
# session; the market server's store would then flood every captured log.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
