"""Process-wide hooks of the streaming client: flush at exit, start over after fork.

They are registered when the first sender starts its threads, never at import, so
importing the package changes nothing in the process.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from panoply._sender import Sender

__all__ = ["register", "track"]

_senders: weakref.WeakSet[Sender] = weakref.WeakSet()
_registered = False
_lock = threading.Lock()


def track(sender: Sender) -> None:
    """Include `sender` in the exit and fork hooks for as long as it lives."""
    with _lock:
        _senders.add(sender)


def register() -> None:
    """Register the hooks once per process."""
    global _registered
    with _lock:
        if _registered:
            return
        _registered = True
    atexit.register(_close_all_at_exit)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_reset_all_in_child)


def _close_all_at_exit() -> None:
    for sender in list(_senders):
        sender.close_at_exit()


def _reset_all_in_child() -> None:
    # A parent thread may have held the lock at fork time; the child never gets it back.
    global _lock
    _lock = threading.Lock()
    for sender in list(_senders):
        sender.reset_after_fork()
