"""What a state-changing action answers, and what it writes together with that answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pydantic import BaseModel

from kiosk_backend.errors import ApiError
from kiosk_backend.fastdb import Insert, Statement


@dataclass(frozen=True)
class Outcome:
    """An action's answer (a model, or the ``ApiError`` to answer with) and its inserts.

    The caller commits the inserts and the stored answer atomically (:meth:`kiosk_backend.fastdb.FastDb.write`). With
    a ``guard`` (a compare-and-set such as burning a one-time challenge) that happens only if the guard takes effect;
    if it does not (a concurrent request got there first), ``otherwise()`` gives the outcome to store instead.
    """

    answer: BaseModel | ApiError
    writes: tuple[Insert, ...] = ()
    guard: Statement | None = None
    otherwise: Callable[[], Awaitable[Outcome]] | None = None
