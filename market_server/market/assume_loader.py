"""The one place that imports ASSUME, lazily, once, thread-safely and quietly.

Importing any part of ASSUME runs ``assume/__init__.py``, which imports ``assume.world``;
at module level ``assume/world.py`` (assume-framework 0.6.0, lines 49-53) does::

    file_handler = logging.FileHandler(filename="assume.log", mode="w+")
    stdout_handler = logging.StreamHandler(stream=sys.stdout)
    handlers = [file_handler, stdout_handler]
    logging.basicConfig(level=logging.INFO, handlers=handlers)
    logging.getLogger("mango").setLevel(logging.WARNING)

So the import (1) creates -- or truncates! -- ``./assume.log`` in the current working
directory the moment the ``FileHandler`` is constructed (not lazily), and (2) if the root
logger has no handlers yet, attaches both handlers to it and sets the root level to INFO.
Other ASSUME modules only set levels of library loggers (``pyomo``, ``linopy``, ``pypsa``).

:func:`load` neutralises all of it: for the duration of the import, ``logging.FileHandler``
is replaced by a subclass that never opens a file called ``assume.log`` (it is created with
``delay=True`` and drops records), and ``logging.basicConfig`` by a no-op; afterwards the
root logger's handlers and level, and the level of every logger that existed before the
import, are put back exactly as they were. No file appears, then or later.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

_ASSUME_LOG = "assume.log"

#: Name under which our own pay-as-clear (``market_server.market.pay_as_clear_fast``) is registered.
FAST_PAY_AS_CLEAR = "pay_as_clear_fast"

#: Mechanisms of our own, by name: a callable giving the ``MarketRole`` subclass, called only
#: once ASSUME is imported (the class derives from ASSUME's). Filled by
#: :func:`register_mechanism`, so that this module imports none of them (no import cycle).
_extra_mechanisms: dict[str, Callable[[], Any]] = {}

_lock = threading.RLock()


class _State:
    imported: SimpleNamespace | None = None
    loaded: SimpleNamespace | None = None


class _SuppressedAssumeLog(logging.FileHandler):
    """A ``FileHandler`` that never touches a file named ``assume.log``.

    Any other file name behaves exactly like :class:`logging.FileHandler` (another thread
    could create one while the import runs).
    """

    def __init__(
        self,
        filename: str | os.PathLike[str],
        mode: str = "a",
        encoding: str | None = None,
        delay: bool = False,
        errors: str | None = None,
    ) -> None:
        self._suppressed = os.fspath(filename) == _ASSUME_LOG
        super().__init__(filename, mode, encoding, delay or self._suppressed, errors)

    def emit(self, record: logging.LogRecord) -> None:
        if not self._suppressed:
            super().emit(record)

    def _open(self) -> Any:  # pragma: no cover - only reached by unsuppressed handlers
        if self._suppressed:
            raise RuntimeError("assume.log is suppressed")
        return super()._open()


def _noop_basic_config(**_kwargs: Any) -> None:
    return None


def _import_assume_quietly() -> SimpleNamespace:
    """Import the parts of ASSUME we use, leaving logging and the cwd untouched."""
    with _lock:
        if _State.imported is not None:
            return _State.imported
        root = logging.getLogger()
        root_handlers = list(root.handlers)
        root_level = root.level
        levels = {
            name: logger.level
            for name, logger in logging.root.manager.loggerDict.items()
            if isinstance(logger, logging.Logger)
        }
        real_file_handler = logging.FileHandler
        real_basic_config = logging.basicConfig
        logging.FileHandler = _SuppressedAssumeLog  # type: ignore[misc]
        logging.basicConfig = _noop_basic_config
        try:
            from assume.common.market_objects import MarketConfig, MarketProduct
            from assume.common.utils import get_available_products
            from assume.markets import clearing_algorithms
            from assume.markets.base_market import MarketRole
            from assume.markets.clearing_algorithms import simple

            # ASSUME's date types; dateutil has no type stubs in this environment.
            rrule = importlib.import_module("dateutil.rrule")
            relativedelta = importlib.import_module("dateutil.relativedelta").relativedelta
        finally:
            logging.FileHandler = real_file_handler  # type: ignore[misc]
            logging.basicConfig = real_basic_config
            root.handlers[:] = root_handlers
            root.setLevel(root_level)
            for name, level in levels.items():
                logger = logging.root.manager.loggerDict.get(name)
                if isinstance(logger, logging.Logger) and logger.level != level:
                    logger.setLevel(level)
        _State.imported = SimpleNamespace(
            clearing_algorithms=clearing_algorithms,
            clearing_mechanisms=clearing_algorithms.clearing_mechanisms,
            simple=simple,
            MarketConfig=MarketConfig,
            MarketProduct=MarketProduct,
            MarketRole=MarketRole,
            get_available_products=get_available_products,
            rrule=rrule,
            relativedelta=relativedelta,
        )
        return _State.imported


def base_market_role() -> Any:
    """ASSUME's ``MarketRole`` base class (imported quietly); for ``pay_as_clear_fast``."""
    return _import_assume_quietly().MarketRole


def simple_module() -> Any:
    """``assume.markets.clearing_algorithms.simple`` (imported quietly)."""
    return _import_assume_quietly().simple


def register_mechanism(name: str, role: Callable[[], Any]) -> None:
    """Have :func:`load` register ``role()`` in ASSUME's ``clearing_mechanisms`` as ``name``.

    ``role`` is called after ASSUME is imported (immediately if it already is).
    """
    with _lock:
        _extra_mechanisms[name] = role
        if _State.loaded is not None:
            _State.loaded.clearing_mechanisms.setdefault(name, role())


def load() -> SimpleNamespace:
    """Import ASSUME once (thread-safe, quiet) and register the mechanisms of our own that
    :func:`register_mechanism` was given.

    Returns a namespace with ``clearing_mechanisms``, ``MarketConfig``, ``MarketProduct``,
    ``MarketRole``, ``get_available_products``, the ``simple`` module, and dateutil's
    ``rrule`` module and ``relativedelta`` (ASSUME's date types; untyped for mypy).
    """
    if _State.loaded is not None:
        return _State.loaded
    with _lock:
        if _State.loaded is None:
            assume = _import_assume_quietly()
            for name, role in _extra_mechanisms.items():
                assume.clearing_mechanisms.setdefault(name, role())
            _State.loaded = assume
        return _State.loaded
