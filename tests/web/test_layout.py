"""The web layer's imports run one way: route modules use the kit, the kit uses neither the
routes nor the app, and nothing in the web imports `openpcn.web.app` (only the entry points
do: the CLI, the tests, the bench). No openpcn module is imported inside a function, so an
import cycle cannot hide there."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import openpcn.web

WEB = Path(openpcn.web.__file__).parent


def imports(path: Path) -> list[tuple[str, bool]]:
    """(name imported, inside a function?) for every `openpcn` import of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    nested = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, functions)
        for node in ast.walk(function)
    }
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.extend((name, id(node) in nested) for name in names if name.startswith("openpcn"))
    return found


def modules() -> dict[str, list[tuple[str, bool]]]:
    return {str(p.relative_to(WEB)): imports(p) for p in sorted(WEB.rglob("*.py"))}


def offending(test: Callable[[str, str, bool], bool]) -> list[str]:
    return [
        f"{m}: {n}" for m, found in modules().items() for n, inner in found if test(m, n, inner)
    ]


def test_nothing_in_the_web_imports_the_app() -> None:
    assert not offending(lambda module, name, inner: name.startswith("openpcn.web.app"))


def test_the_kit_imports_neither_routes_nor_app() -> None:
    upward = ("openpcn.web.routes", "openpcn.web.app")
    assert not offending(lambda module, name, inner: module.startswith("kit/")
                         and name.startswith(upward))  # fmt: skip


def test_no_openpcn_import_inside_a_function() -> None:
    assert not offending(lambda module, name, inner: inner)


def private(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("_") and not last.endswith("__")


def test_modules_import_no_private_names() -> None:
    assert not offending(lambda module, name, inner: private(name))
