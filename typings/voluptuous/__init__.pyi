# mypy checks against the newest Home Assistant (2026.10+), where ``voluptuous`` *is* probatio:
# homeassistant/__init__.py registers probatio's voluptuous shim in sys.modules before anything
# imports voluptuous, and Home Assistant's own signatures take probatio schemas. This stub tells
# mypy the same, so ``import voluptuous as vol`` type-checks as what runs. (On 2025.4 the real
# voluptuous runs; it has the same public API.)
from probatio import *  # noqa: F403 - the stub re-exports probatio as a whole, by design
