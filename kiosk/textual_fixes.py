"""Work-arounds for Textual 8.2 (pinned in pyproject): repeated CSS parsing, and rendered lines kept after a screen.

Both rely on Textual internals; a Textual upgrade must re-check them (tests/ui cover the behaviour they keep).
"""

from __future__ import annotations

from textual._styles_cache import StylesCache
from textual.cache import LRUCache
from textual.css.stylesheet import Stylesheet


class CachedStylesheet(Stylesheet):
    """Textual's stylesheet without repeated parsing.

    Textual re-parses every source from scratch, without its parse cache, on each theme refresh and on the first
    push of each screen that brings a CSS file (~20–40 ms each on the kiosk's machine, on the path to the first paint
    and to every first-time screen). Here a re-parse goes through the cache, which Textual clears itself whenever the
    variables change, and setting identical variables keeps it. (textual is pinned; this relies on 8.x internals.)
    """

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._parse_cache = LRUCache(256)  # Textual's 64 is fewer than the kiosk's sources: a full parse would miss all

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._variables:
            super().set_variables(variables)

    def reparse(self) -> None:
        self.parse()


def release_rendered_lines() -> None:
    """Let go of the rendered lines of screens that are gone.

    Textual's ``StylesCache.get_inner_outer`` is an ``lru_cache(1024)`` on a method, so its keys hold up to 1024
    widgets' style caches — with their rendered lines, i.e. what earlier citizens saw — long after the screens are
    closed (~7 MiB once full). Called when a citizen session ends.
    """
    StylesCache.get_inner_outer.cache_clear()
