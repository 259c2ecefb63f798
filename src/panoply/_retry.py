"""The retry policy: which delays to wait, and when to give up.

Shared by the streaming client's sender, the data-source runner and the OAuth2 token
refresh, so all three back off the same way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded by attempts and by total time.

    Attributes:
        max_attempts: tries in all, the first included; ``None`` means no limit
            other than `deadline`.
        base_delay: seconds of the first backoff before jitter.
        max_delay: cap on a single backoff, in seconds.
        deadline: seconds from the first try after which no retry starts;
            ``None`` means no time limit.
    """

    max_attempts: int | None = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    deadline: float | None = None

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("base_delay and max_delay must not be negative")
        if self.deadline is not None and self.deadline < 0:
            raise ValueError(f"deadline must not be negative, got {self.deadline}")

    def backoff(self, attempt: int) -> float:
        """Return the seconds to wait after failed try number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)

    def allows_retry(self, attempt: int, elapsed: float, delay: float = 0.0) -> bool:
        """Tell whether another try may start after `attempt` failed tries.

        `elapsed` is the seconds since the first try and `delay` the backoff about
        to be waited. A retry that would start past the deadline is not allowed.
        """
        if self.max_attempts is not None and attempt >= self.max_attempts:
            return False
        return self.deadline is None or elapsed + delay <= self.deadline
