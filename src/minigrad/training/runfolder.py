"""A run folder that always holds one whole run: staged beside ``--out``, moved into place at once, locked.

``minigrad train`` and ``minigrad train gpt`` write several files per run (the checkpoint,
``metrics.json``, ``loss.png``, ...).  Written straight into ``--out``, a run stopped halfway
(Ctrl-C, SIGTERM, a full disk) would leave the new checkpoint next to the previous run's metrics,
and two runs into the same folder would interleave their files.  So a :class:`RunFolder`:

1. checks ``--out`` before any training: not empty, not the current folder or one above it, not
   under a file, holding nothing but a previous run's files (the whole folder is replaced);
2. locks it: an exclusive ``flock`` on ``.NAME.lock`` beside the folder, taken without waiting, so
   a second run into the same folder fails at once naming the process that holds it (the kernel
   drops the lock when that process dies, even by SIGKILL);
3. gives a staging folder ``.NAME.tmp-XXXXXXXX`` beside ``--out`` (same file system) to write in;
4. :meth:`RunFolder.commit` moves the staging folder into place with ``os.rename``, the previous
   run's folder out of the way first, with SIGINT and SIGTERM held back for those few system calls
   so that no signal can fall between them;
5. on leaving (normally, by an exception, Ctrl-C, or SIGTERM turned into :class:`Terminated` by
   :func:`sigterm_as_interrupt`) it removes the staging folder, its half-written files included,
   and the lock file.  What a SIGKILL leaves behind, the next run into the same folder removes.

Only Linux and macOS have ``fcntl``; elsewhere the folder is staged and replaced but not locked.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType

from .. import messages
from .texts import TrainingError

# The files a run of `minigrad train` or `minigrad train gpt` writes: a folder holding only these
# (or nothing) is a run folder, which a new run may replace whole.
RUN_FILES = frozenset({"metrics.json", "loss.png", "model.safetensors", "samples.txt"})
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that cleanups run as they do on Ctrl-C."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside the block SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``) instead of killing outright.

    Python's default for SIGTERM is to die at once, so no ``finally`` runs and a half-written
    run would stay.  Outside the main thread (where handlers cannot be set) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside the block; they are delivered (and their handlers run) after it."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def checked_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """``--out`` as an absolute path, after the checks that need no file system change.

    Raises :class:`TrainingError` for an empty name, and for the current folder or a folder above
    it (a run replaces its folder whole; ``--out .`` would replace the folder the user works in).
    """
    if not os.fspath(out_dir).strip():
        raise TrainingError("error.out_empty")
    out = Path(os.path.abspath(out_dir))
    if Path.cwd() == out or out in Path.cwd().parents:
        raise TrainingError("error.out_holds_cwd", path=os.fspath(out_dir))
    return out


def _lock_file(lock_path: Path, shown: str) -> int:
    """A descriptor of ``lock_path`` holding an exclusive ``flock``; :class:`TrainingError` if another holds it."""
    import fcntl  # POSIX only; the caller checks the platform

    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise TrainingError("error.out_busy", path=shown, pid=holder) from None
        # A finishing run unlinks the lock file while holding it: the file locked must still be the one named.
        try:
            same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
            return fd
        os.close(fd)


class RunFolder:
    """``with RunFolder(out) as run:`` write into ``run.staging``, then ``run.commit()``; see the module docstring.

    Every check and the lock happen in ``__enter__``, before any training.  Leaving the block
    without :meth:`commit` leaves ``out`` exactly as it was.
    """

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.shown = os.fspath(out_dir)  # as the user typed it, for messages
        self.path = checked_out_dir(out_dir)
        self.staging = self.path  # set in __enter__
        self.committed = False
        self.stopped: int | None = None  # the exit status when Ctrl-C or SIGTERM ended the run (set by the CLI)
        self._lock_fd: int | None = None
        self._prefix = f".{self.path.name}."

    @property
    def lock_path(self) -> Path:
        return self.path.parent / f"{self._prefix}lock"

    def __enter__(self) -> RunFolder:
        parent = self.path.parent
        for ancestor in (self.path, *self.path.parents):
            if ancestor.exists():
                if not ancestor.is_dir():
                    reason = TrainingError("error.out_is_file", path=ancestor)
                    raise TrainingError("error.out_unwritable", path=self.shown, reason=reason)
                break
        if self.path.is_dir():
            foreign = sorted(p.name for p in self.path.iterdir() if p.name not in RUN_FILES or p.is_dir())
            if foreign:
                shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
                raise TrainingError("error.out_not_a_run", path=self.shown, files=shown)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if sys.platform != "win32":
                self._lock_fd = _lock_file(self.lock_path, self.shown)
            self._remove_leftovers()
            self.staging = Path(tempfile.mkdtemp(prefix=f"{self._prefix}tmp-", dir=parent))
            self.staging.chmod(0o777 & ~_umask())  # mkdtemp's 0o700 would become the run folder's mode
        except BaseException as error:  # Ctrl-C included: __exit__ does not run when __enter__ fails
            self._unlock()
            if isinstance(error, PermissionError):
                reason = TrainingError("error.out_no_permission", path=parent)
                raise TrainingError("error.out_unwritable", path=self.shown, reason=reason) from error
            if isinstance(error, OSError):
                detail = error.strerror or str(error)
                raise TrainingError("error.out_unwritable", path=self.shown, reason=detail) from error
            raise
        return self

    def _remove_leftovers(self) -> None:
        """Staging and old folders of an earlier run into this folder killed by SIGKILL (we hold the lock)."""
        for leftover in self.path.parent.glob(f"{glob_escape(self._prefix)}*-*"):
            if leftover.name.startswith((f"{self._prefix}tmp-", f"{self._prefix}old-")) and leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)

    def file(self, name: str) -> tuple[Path, Path]:
        """``(where to write it now, where it will be after commit)`` for the run file ``name``.

        The second is under ``out`` as the user gave it (relative stays relative), as the command prints it.
        """
        if name not in RUN_FILES:
            raise ValueError(
                messages.text("loop_errors.runfolder.not_a_run_file", name=name, files=", ".join(RUN_FILES))
            )
        return self.staging / name, Path(self.shown) / name

    def commit(self) -> None:
        """Put the staged run in place of ``out`` at once; the previous run's folder is removed."""
        parent = self.path.parent
        with _signals_held():
            old = None
            if self.path.exists():
                old = Path(tempfile.mkdtemp(prefix=f"{self._prefix}old-", dir=parent))
                os.rename(self.path, old / "run")
            os.rename(self.staging, self.path)
            self.committed = True
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            _sync_folder(parent)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        with _signals_held():  # a second Ctrl-C must not stop the cleanup halfway
            if not self.committed and self.staging != self.path:
                shutil.rmtree(self.staging, ignore_errors=True)
            self._unlock()

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.lock_path)  # while holding the lock: see _lock_file
        os.close(self._lock_fd)
        self._lock_fd = None


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
