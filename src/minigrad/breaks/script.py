"""A case's procedure as a script a learner can copy: NumPy plus minigrad's public API, nothing else.

The script is generated from the very function the case runs, so the two cannot drift: its body,
with the imports it needs, a ``print`` of each input it creates (the assignments that open the
body), and its ``return {...}`` turned into ``observed = {...}`` and printed.  A case whose
function uses anything but NumPy, builtins and minigrad's public names (a lab helper such as
``leaf`` or a module constant) has no standalone script: :func:`standalone_script` says which name.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
import sys
import textwrap
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .core import PACKAGE

PUBLIC = "minigrad"  # how a learner imports the package, whatever name it was loaded under here


class NotStandaloneError(ValueError):
    """The case's function uses a name a learner's script would not have."""


def _import_for(name: str, obj: Any) -> str:
    if obj is np:
        return "import numpy as np"
    if isinstance(obj, types.ModuleType):
        module = obj.__name__
        if module.split(".")[0] == PACKAGE.split(".")[0] and not any(p.startswith("_") for p in module.split(".")):
            public = PUBLIC + module[len(PACKAGE) :]
            parent, _, leaf = public.rpartition(".")
            return f"from {parent} import {leaf}" if leaf == name else f"import {public} as {name}"
        if module == name and module in sys.stdlib_module_names:
            return f"import {name}"
        raise NotStandaloneError(f"module {module} (imported as {name})")
    if getattr(importlib.import_module(PACKAGE), name, None) is obj:
        return f"from {PUBLIC} import {name}"
    module = getattr(obj, "__module__", "") or ""
    if module.startswith(PACKAGE + ".") and not name.startswith("_") and ".breaks" not in module:
        if not any(part.startswith("_") for part in module.split(".")):
            return f"from {PUBLIC}{module[len(PACKAGE) :]} import {name}"
    raise NotStandaloneError(f"{name} (a helper of the lab, not NumPy or minigrad's public API)")


def _free_names(body: list[ast.stmt]) -> list[str]:
    """Names the body reads but never binds, in first-use order."""
    bound: set[str] = set()
    used: dict[str, None] = {}
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                bound.add(node.id)
            else:
                used.setdefault(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.Lambda)):
            bound.update(a.arg for a in node.args.args)
            if isinstance(node, ast.FunctionDef):
                bound.add(node.name)
        elif isinstance(node, ast.comprehension):
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    bound.add(target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return [n for n in used if n not in bound and not hasattr(builtins, n)]


def standalone_script(run: Callable[[], Any]) -> str:
    """The script of a case's function; raises :class:`NotStandaloneError` naming what keeps it from being one."""
    fn = inspect.unwrap(run)
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source)
    func = tree.body[0]
    if not isinstance(func, ast.FunctionDef) or func.args.args:
        raise NotStandaloneError(f"{fn.__name__} is not a function without arguments")
    body = func.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if fn.__closure__:
        raise NotStandaloneError(f"{fn.__name__} is a closure")
    needed = {_import_for(name, fn.__globals__.get(name)) for name in _free_names(body)}
    # The standard library first, then NumPy, then minigrad, as a learner's script would read.
    imports = sorted(needed, key=lambda line: (PUBLIC in line, "numpy" in line, line))
    if not any(isinstance(n, ast.Return) for n in ast.walk(func)):
        raise NotStandaloneError(f"{fn.__name__} returns no observation")
    lines = source.splitlines()
    start = body[0].lineno - 1
    text = textwrap.dedent("\n".join(lines[start:]))
    text = re.sub(r"^(\s*)return ", r"\1observed = ", text, flags=re.MULTILINE)
    inputs: list[str] = []
    opening = 0  # lines of the assignments that open the body: the inputs, printed after them
    for statement in body:
        if not isinstance(statement, ast.Assign):
            break
        for target in statement.targets:
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            inputs += [n.id for n in names if isinstance(n, ast.Name)]
        opening = (statement.end_lineno or statement.lineno) - body[0].lineno + 1
    if inputs:
        text_lines = text.splitlines()
        shown = [f'print("{name} =", {name})' for name in inputs]
        text = "\n".join(text_lines[:opening] + shown + text_lines[opening:])
    tail = 'for name, value in observed.items():\n    print(f"{name} = {value}")'
    return "\n".join(imports) + "\n\n" + text.rstrip() + "\n" + tail + "\n"
