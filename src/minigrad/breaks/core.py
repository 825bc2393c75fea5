"""The breaks mechanism: switch a classic autograd bug into minigrad's own code.

A break is a real edit of a real function: a :class:`Patch` names a function
(``"ops.elementwise:add"``), an exact excerpt of its source, and what that
excerpt becomes.  Injecting the break compiles the edited source and swaps its
code and default arguments (``__code__``, ``__defaults__``, ``__kwdefaults__``)
into the live function, so every caller (``Tensor.__add__``,
``minigrad.functional``, user code holding a reference) runs the broken code;
removing it puts the original code object back.  The diff shown to learners
is computed from the same two sources, so it cannot drift from what runs.
"""

from __future__ import annotations
import __future__

import contextlib
import difflib
import enum
import functools
import importlib
import importlib.util
import inspect
import linecache
import os
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = __name__.rsplit(".", 2)[0]  # "minigrad" or "src.minigrad", whichever was imported
ENV_VAR = "MINIGRAD_BREAK"
_PACKAGE_PARENT = Path(__file__).resolve().parents[2]  # src/ in a checkout, site-packages/ when installed


class BreakError(RuntimeError):
    """A break cannot be found or applied (unknown id, or source that no longer matches)."""


@dataclass(frozen=True)
class Text:
    """A text in the course's two languages: ``text()`` reads it in the current language (the command chose it),
    ``text("es")`` in the one named, as :func:`minigrad.messages.text` does."""

    en: str
    es: str

    def __call__(self, lang: str | None = None) -> str:
        from ..messages import current_lang

        return self.es if (lang or current_lang()) == "es" else self.en


@dataclass(frozen=True)
class Patch:
    """Replace ``old`` (an exact excerpt of the target's source) by ``new``.

    ``target`` is ``"module:qualname"`` relative to the package, e.g.
    ``"ops.elementwise:add"`` or ``"scalar:Value.__mul__"``.
    """

    target: str
    old: str
    new: str


class Outcome(enum.Enum):
    """How a run under a break compares with the same run on correct code."""

    CRASH = "crash"  # an exception where correct code ran
    WRONG_SHAPE = "wrong shape"  # some result has a different shape
    WRONG_VALUES = "wrong values"  # same shapes, different numbers
    SAME = "same as correct"  # the bug is invisible in this case

    def __str__(self) -> str:
        return self.value


Observation = Mapping[str, Any]


@dataclass(frozen=True)
class Expect:
    """The number a hypothesis states about one named output of a case, checked by the verdict.

    ``factor``: with the break, ``key`` is ``factor`` times its correct value (a sign is ``factor=-1``).
    ``shape``: with the break, ``key`` has this shape.
    """

    key: str
    factor: float | None = None
    shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if (self.factor is None) == (self.shape is None):
            raise ValueError(f"Expect({self.key!r}) states exactly one of factor= or shape=")


@dataclass(frozen=True)
class Case:
    """One step of a break's run procedure: a standalone script, ``cases/<id>.py`` in the break's folder.

    The script assigns ``observed = {...}`` (named results: arrays, numbers, shapes).
    ``predicted`` is what the learner's hypothesis says the break does here:
    the outcomes it allows.
    """

    id: str
    name: Text
    script: Path
    predicted: frozenset[Outcome]
    note: Text | None = None
    expect: Expect | None = None


@dataclass(frozen=True)
class Probe:
    """A differentiable function and inputs on which the diagnostics are run.

    ``fn(F, *tensors)`` receives the framework's namespace ``F`` first (see
    :func:`minigrad.crosscheck`), so that one function serves minigrad and
    PyTorch.  ``arrays`` are the inputs (float arrays become tensors that
    require grad; integer arrays stay constants).  ``scalar=True`` marks a
    probe on :class:`minigrad.scalar.Value` instead of tensors.
    """

    fn: Callable[..., Any]
    arrays: tuple[Any, ...]
    scalar: bool = False


Check = Callable[[], "bool | str"]  # falsy when silent, else True or a message saying what it saw


@dataclass(frozen=True)
class Break:
    """One break, read from its folder ``breaks/catalog/<id>/`` (format: ``docs/breaks-page-format.md``).

    ``page.md`` gives everything but the code: texts, patches, phase, family, claimed diagnostics and each
    case's prediction; ``cases/*.py`` are the case scripts.  ``probe.py`` and ``checks.py`` are Python
    that imports the library, so they are loaded only when :attr:`probe` or :attr:`checks` is first read.
    """

    id: str
    title: Text
    lesson: Text
    hypothesis: Text
    patches: tuple[Patch, ...]
    cases: tuple[Case, ...]
    catches: tuple[str, ...]  # diagnostics that must catch it (see breaks.case_diagnostics)
    family: str
    phase: int  # the course phase where the learner meets the code it breaks
    folder: Path
    engine_note: Text | None = None  # what depends on minigrad's engine design, and what another engine shows

    @property
    def page(self) -> str:
        """The page file its texts and patches come from."""
        return str(self.folder / "page.md")

    @property
    def targets(self) -> list[str]:
        return sorted({p.target for p in self.patches})

    @functools.cached_property
    def probe(self) -> Probe:
        """``probe.py``'s ``PROBE``: the function and inputs the diagnostics run on."""
        probe = _load_folder_module(self, "probe").PROBE
        if not isinstance(probe, Probe):
            raise BreakError(f"{self.folder / 'probe.py'}: PROBE is a {type(probe).__name__}, not a breaks.Probe")
        return probe

    @functools.cached_property
    def checks(self) -> Mapping[str, Check]:
        """``checks.py``'s ``CHECKS`` (name -> check), or none when the break has no ``checks.py``."""
        if not (self.folder / "checks.py").exists():
            return {}
        checks: Mapping[str, Check] = _load_folder_module(self, "checks").CHECKS
        return checks


def _load_folder_module(brk: Break, stem: str) -> types.ModuleType:
    """Execute ``<folder>/<stem>.py`` as a submodule of the catalog, so that its relative imports work."""
    path = brk.folder / f"{stem}.py"
    name = f"{PACKAGE}.breaks.catalog.{brk.id.replace('-', '_')}.{stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BreakError(f"{path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


# --------------------------------------------------------------------------- patching


def resolve(target: str) -> types.FunctionType:
    """The function object named by ``"module:qualname"`` inside the package."""
    module_name, _, qualname = target.partition(":")
    obj: Any = importlib.import_module(f"{PACKAGE}.{module_name}")
    for part in qualname.split("."):
        obj = inspect.getattr_static(obj, part) if inspect.isclass(obj) else getattr(obj, part)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    # A decorated function (functools.wraps) is patched at the function it wraps: the wrapper calls that
    # function object, so swapping its code reaches every caller.
    obj = inspect.unwrap(obj)
    if not isinstance(obj, types.FunctionType):
        raise BreakError(f"break target {target} is not a Python function")
    return obj


@dataclass(frozen=True)
class _FunctionState:
    """What a break may change in a function: its code and its default arguments (``def f(x, k=2)``)."""

    code: types.CodeType
    defaults: tuple[Any, ...] | None
    kwdefaults: dict[str, Any] | None

    @classmethod
    def of(cls, func: types.FunctionType) -> _FunctionState:
        kwdefaults = None if func.__kwdefaults__ is None else dict(func.__kwdefaults__)
        return cls(func.__code__, func.__defaults__, kwdefaults)

    def put_into(self, func: types.FunctionType) -> None:
        func.__code__ = self.code
        func.__defaults__ = self.defaults
        func.__kwdefaults__ = None if self.kwdefaults is None else dict(self.kwdefaults)


@dataclass
class _Patched:
    func: types.FunctionType
    original: _FunctionState
    original_source: str
    first_line: int
    breaks: list[str]


_patched: dict[str, _Patched] = {}  # by target
_active: list[str] = []


def original_source(target: str) -> str:
    """The correct source of ``target``, dedented, as in the file."""
    entry = _patched.get(target)
    if entry is not None:
        return entry.original_source
    return textwrap.dedent(inspect.getsource(resolve(target)))


def _apply_patches(source: str, patches: Sequence[Patch], break_id: str) -> str:
    for patch in patches:
        count = source.count(patch.old)
        if count != 1:
            where = "is not in" if count == 0 else f"occurs {count} times in"
            raise BreakError(
                f"break {break_id}: the excerpt to replace {where} {patch.target}; the code changed since the "
                f"break was written. Excerpt:\n{patch.old}"
            )
        source = source.replace(patch.old, patch.new)
    return source


def broken_source(brk: Break, target: str) -> str:
    return _apply_patches(original_source(target), [p for p in brk.patches if p.target == target], brk.id)


def diff(brk: Break) -> str:
    """The break as a unified diff between the correct and the broken source."""
    chunks = []
    for target in brk.targets:
        func = resolve(target)
        # relative to the folder that holds the package, so the header is the same from any current folder
        path = Path(os.path.relpath(inspect.getsourcefile(func) or "?", _PACKAGE_PARENT)).as_posix()
        before = original_source(target).splitlines(keepends=True)
        after = broken_source(brk, target).splitlines(keepends=True)
        chunks.append("".join(difflib.unified_diff(before, after, f"a/{path} ({target})", f"b/{path} ({target})", n=2)))
    return "\n".join(chunks)


def _check_no_free_variables(func: types.FunctionType, target: str, break_id: str) -> None:
    """A function with free variables cannot be recompiled on its own: refuse it, saying why."""
    free = func.__code__.co_freevars
    if not free:
        return
    if "__class__" in free:
        why = "it calls zero-argument super() (or names __class__), which needs the class body's __class__ cell"
        fix = "write super(ClassName, self) in the target, or target a function that does not call super()"
    else:
        why = f"it is a closure over {', '.join(free)} from an enclosing function"
        fix = "target the enclosing function instead, or a module-level function"
    raise BreakError(
        f"break {break_id}: cannot patch {target}: {why}; its edited source cannot be compiled with the same "
        f"free variables outside that scope. {fix[0].upper()}{fix[1:]}."
    )


def _compile(entry: _Patched, target: str, source: str, label: str) -> _FunctionState:
    """Compile ``source`` (a def of the same function) into a code object and default arguments."""
    filename = f"<minigrad break {label}: {target}>"
    padded = "\n" * (entry.first_line - 1) + source  # keep the file's line numbers in tracebacks
    try:
        code = compile(padded, filename, "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
        namespace: dict[str, Any] = {}
        exec(code, dict(entry.func.__globals__), namespace)  # a throwaway copy: only the function's state is kept
    except Exception as exc:
        raise BreakError(f"break {label}: the edited source of {target} does not compile or run: {exc!r}") from exc
    new_func = namespace.get(entry.func.__name__)
    if not isinstance(new_func, types.FunctionType):
        raise BreakError(f"break {label}: the edited source of {target} no longer defines {entry.func.__name__}")
    if new_func.__code__.co_freevars != entry.func.__code__.co_freevars:
        raise BreakError(
            f"break {label}: the edited source of {target} uses free variables {new_func.__code__.co_freevars} "
            f"where the function has {entry.func.__code__.co_freevars}; a break cannot add a closure or super()"
        )
    linecache.cache[filename] = (len(padded), None, padded.splitlines(keepends=True), filename)
    return _FunctionState.of(new_func)


def _rebuild(target: str) -> None:
    """Put into the live function the original source with every active break on it applied, in order.

    Everything is compiled before the function is touched, so a failure leaves it as it was.
    """
    entry = _patched[target]
    if not entry.breaks:
        entry.original.put_into(entry.func)
        del _patched[target]
        return
    source = entry.original_source
    for break_id in entry.breaks:
        brk = get(break_id)
        source = _apply_patches(source, [p for p in brk.patches if p.target == target], brk.id)
    _compile(entry, target, source, "+".join(entry.breaks)).put_into(entry.func)


def enable(break_id: str) -> None:
    """Switch a break on (until :func:`disable`); prefer :func:`inject`, which always restores.

    Every check runs before anything changes; if one target still fails to rebuild, the targets
    already switched are put back, so a failed ``enable`` leaves no trace.
    """
    brk = get(break_id)
    if break_id in _active:
        return
    for target in brk.targets:  # validate every target and excerpt before changing anything
        _check_no_free_variables(resolve(target), target, break_id)
        broken_source(brk, target)
    done: list[str] = []
    try:
        for target in brk.targets:
            if target not in _patched:
                func = resolve(target)
                _patched[target] = _Patched(
                    func,
                    _FunctionState.of(func),
                    textwrap.dedent(inspect.getsource(func)),
                    func.__code__.co_firstlineno,
                    [],
                )
            _patched[target].breaks.append(break_id)
            done.append(target)
            _rebuild(target)
    except BaseException:
        for target in reversed(done):
            _patched[target].breaks.remove(break_id)
            _rebuild(target)
        raise
    _active.append(break_id)


def disable(break_id: str) -> None:
    """Switch a break off; its targets get back their original state (or the other breaks' on them)."""
    if break_id not in _active:
        return
    _active.remove(break_id)
    targets = [t for t in get(break_id).targets if t in _patched and break_id in _patched[t].breaks]
    for target in targets:
        _patched[target].breaks.remove(break_id)
    failures = []
    for target in targets:
        try:
            _rebuild(target)
        except BreakError as exc:  # e.g. another break on the target needed this one's text: restore the original
            entry = _patched.pop(target)
            entry.original.put_into(entry.func)
            for other in entry.breaks:
                if other in _active:
                    _active.remove(other)
            failures.append(str(exc))
    if failures:
        raise BreakError("; ".join(failures) + " (the original code was restored)")


def active() -> list[str]:
    """Ids of the breaks switched on now, in the order they were switched on."""
    return list(_active)


@contextlib.contextmanager
def inject(*break_ids: str) -> Iterator[None]:
    """``with minigrad.breaks.inject("skip-unbroadcast"): ...`` runs a block with breaks on.

    The correct code is restored on exit, also when the block raises.
    """
    for break_id in break_ids:
        get(break_id)  # unknown ids fail before anything is switched
    done: list[str] = []
    try:
        for break_id in break_ids:
            if break_id not in _active:
                enable(break_id)
                done.append(break_id)
        yield
    finally:
        for break_id in reversed(done):
            disable(break_id)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Run a block on correct code even if breaks are on (e.g. from ``MINIGRAD_BREAK``)."""
    saved = list(_active)
    for break_id in reversed(saved):
        disable(break_id)
    try:
        yield
    finally:
        for break_id in saved:
            enable(break_id)


# --------------------------------------------------------------------------- catalog access


def all_breaks() -> dict[str, Break]:
    """Every break, by id, in course order; the pages are read on first use (no case or probe is run)."""
    from .catalog import catalog

    return catalog()


def suggestion(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the known names closest to a mistyped one (difflib), else ""."""
    from ..messages import text

    close = difflib.get_close_matches(name, list(known), n=2, cutoff=0.6)
    if not close:
        return ""
    return text("lab.did_you_mean", ids=text("lab.or_word").join(repr(c) for c in close))


class UnknownBreakError(BreakError, LookupError):
    """An id names no break: the message suggests the closest ids."""

    def __init__(self, break_id: str, message_key: str = "lab.unknown_id") -> None:
        from ..messages import text

        known = list(all_breaks())
        self.break_id = break_id
        super().__init__(text(message_key, id=break_id, suggestion=suggestion(break_id, known), n=len(known)))


def get(break_id: str) -> Break:
    from .catalog import one

    found = one(break_id)  # only this break's page is read
    if found is not None:
        return found
    breaks = all_breaks()
    if break_id not in breaks:
        raise UnknownBreakError(break_id)
    return breaks[break_id]


def apply_from_env() -> None:
    """Switch on the breaks named in ``MINIGRAD_BREAK=<id>[,<id>...]`` (called on import).

    ``MINIGRAD_MYSTERY=<token>`` (set by ``minigrad breaks mystery-run``) switches on a mystery break
    without naming it.  An unknown id ends the program with one line (the closest ids suggested), no
    traceback: a script run on correct code while its author believes a break is on would mislead.
    """
    from ..messages import text

    value = os.environ.get(ENV_VAR, "").strip()
    ids = [part.strip() for part in value.split(",") if part.strip()]
    known = all_breaks() if ids else {}
    for break_id in ids:
        if break_id not in known:
            print(text("lab.env_unknown", id=break_id, suggestion=suggestion(break_id, list(known))), file=sys.stderr)
            raise SystemExit(2)
    from .mystery import TOKEN_VAR, break_of_token  # the mystery module needs this one: import it late

    token = os.environ.get(TOKEN_VAR, "").strip()
    mystery = break_of_token(token) if token else None
    for break_id in ids:
        enable(break_id)
    if ids:
        print(text("lab.env_on", ids=", ".join(ids)), file=sys.stderr)
    if mystery is not None:
        enable(mystery)
        print(text("lab.env_mystery_on"), file=sys.stderr)
