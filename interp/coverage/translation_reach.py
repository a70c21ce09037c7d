"""Whether text can be translated between a language and the local one, and with what.

A direction is installed (a route through the installed packages, direct or through
English), installable (the Argos index has the packages that make a route), or out
of reach of every open model.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from interp.coverage.argos_index import KNOWN_PAIRS
from interp.translation.translator import find_route

Pair = tuple[str, str]


class Reach(StrEnum):
    SAME = "same"  # the local language itself: nothing to translate
    INSTALLED = "installed"
    INSTALLABLE = "installable"
    NO_MODEL = "no model"
    SIGNED = "signed"  # a sign language has no written form to translate


@dataclass(frozen=True)
class Direction:
    reach: Reach
    # The languages the text passes through: installed, or once the packages are in.
    route: tuple[str, ...] = ()
    # Packages along the route that are not installed yet.
    missing: tuple[Pair, ...] = ()

    @property
    def through_english(self) -> bool:
        return len(self.route) == 3


def direction(
    source: str,
    target: str,
    installed: Collection[Pair],
    known: Collection[Pair] = KNOWN_PAIRS,
) -> Direction:
    if source == target:
        return Direction(Reach.SAME, (source,))
    route = find_route(installed, source, target)
    if route is not None:
        return Direction(Reach.INSTALLED, route)
    route = find_route({*installed, *known}, source, target)
    if route is None:
        return Direction(Reach.NO_MODEL)
    hops = tuple(zip(route, route[1:], strict=False))
    return Direction(Reach.INSTALLABLE, route, tuple(h for h in hops if h not in installed))
