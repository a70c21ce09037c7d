"""The layers of interp import one another in one direction only (see docs: the shape of
the system). Every module under interp/ is read with ``ast``, imports inside functions
and ``TYPE_CHECKING`` blocks included, and each import is checked against the rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "interp"


@dataclass(frozen=True)
class Rule:
    layer: str  # the package (or module) whose imports the rule limits
    forbidden: tuple[str, ...]  # what it must not import...
    why: str
    allowed: tuple[str, ...] = ()  # ...except these, inside what is forbidden


def server(*parts: str) -> tuple[str, ...]:
    return tuple(f"interp.{part}" for part in parts)


RULES = [
    Rule(
        "interp.domain",
        server("http", "realtime", "media", "live", "hub", "jobs", "commands", "app", "services"),
        "the domain knows nothing of HTTP, sockets, WebRTC or the services around it",
    ),
    Rule(
        "interp.captions",
        ("interp",),
        "the caption engine is a library: it depends on nothing of the server",
        allowed=("interp.captions",),
    ),
    Rule(
        "interp.live",
        ("interp.realtime",),
        "live captions must not depend on the realtime handlers",
    ),
    Rule(
        "interp.realtime",
        ("interp.live",),
        "the realtime handlers use live captions only through interp.live.interface",
        allowed=("interp.live.interface",),
    ),
    Rule(
        "interp.hub",
        ("interp",),
        "the hub is one interface and its backends: it depends on nothing else of interp",
        allowed=("interp.hub",),
    ),
    Rule(
        "interp.store",
        server("domain", "http", "realtime", "live"),
        "the store knows tables, not the layers that use them",
    ),
]


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports(module: str, is_package: bool, source: str) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, wherever it is written.

    ``from package import name`` counts as importing ``package.name`` when that is a
    module of interp, and as importing ``package`` otherwise.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = module.split(".") if is_package else module.split(".")[:-1]
                anchor = here[: len(here) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield node.lineno, submodule if is_module(submodule) else base


def violations(rule: Rule, path: Path, source: str) -> list[str]:
    module = module_name(path)
    if not within(module, (rule.layer,)):
        return []
    shown = path.relative_to(ROOT).as_posix()
    # One message per import, however many names it takes from the module.
    return list(dict.fromkeys(
        f"{shown}:{line} imports {target}: {rule.why}"
        for line, target in imports(module, path.name == "__init__.py", source)
        if within(target, rule.forbidden) and not within(target, rule.allowed)
    ))


def interp_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("rule", RULES, ids=[rule.layer for rule in RULES])
def test_no_layer_imports_one_it_must_not(rule: Rule) -> None:
    found = [
        problem
        for path in interp_modules()
        for problem in violations(rule, path, path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_every_layer_named_in_a_rule_exists() -> None:
    for rule in RULES:
        assert is_module(rule.layer), rule.layer
        for name in (*rule.forbidden, *rule.allowed):
            assert is_module(name), name


def test_imports_are_found_wherever_they_are_written() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import interp.hub.channels\n"
        "from . import interface\n"
        "from .relay import RoomCaptions\n"
        "from interp.hub import Hub, memory_hub\n"
        "if TYPE_CHECKING:\n"
        "    from interp.config import Settings\n"
        "def later():\n"
        "    from interp.realtime.dispatch import Dispatcher\n"
    )
    found = list(imports("interp.live.service", False, source))
    assert found == [
        (1, "typing"),
        (2, "interp.hub.channels"),
        (3, "interp.live.interface"),
        (4, "interp.live.relay"),
        (5, "interp.hub"),
        (5, "interp.hub.memory_hub"),
        (7, "interp.config"),
        (9, "interp.realtime.dispatch"),
    ]
    live = next(rule for rule in RULES if rule.layer == "interp.live")
    assert violations(live, PACKAGE / "live" / "service.py", source) == [
        "interp/live/service.py:9 imports interp.realtime.dispatch: "
        "live captions must not depend on the realtime handlers"
    ]
