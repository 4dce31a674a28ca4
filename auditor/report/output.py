"""Write outputs so that nothing already there is lost or half-overwritten.

Each file is written to a temporary file in the same folder, flushed to disk
and renamed over the target in one step: an interrupted run (Ctrl-C, SIGTERM,
a full disk) leaves the previous report intact.

A command that writes several reports writes them inside :func:`all_or_nothing`:
every report is staged that way first and the renames come last, so a failure
while rendering or writing the third report leaves the first two as they were
too, and the reports on disk always belong to one run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path

from auditor.errors import EnvironmentFault, UsageError

# (temporary file, target) pairs waiting for the end of the current all_or_nothing block.
_staged: ContextVar[list[tuple[str, Path]] | None] = ContextVar("_staged", default=None)


@contextlib.contextmanager
def all_or_nothing() -> Iterator[None]:
    """Files written in the block replace their targets together when it ends without error;
    if anything in it fails (or is interrupted), every target keeps its previous content.

    Standard output and pipes or devices are written as they come: they cannot be taken
    back. A nested block belongs to the outer one.
    """
    if _staged.get() is not None:
        yield
        return
    staged: list[tuple[str, Path]] = []
    token = _staged.set(staged)
    try:
        yield
    except BaseException:
        _discard(staged)
        raise
    finally:
        _staged.reset(token)
    for done, (tmp_name, path) in enumerate(staged):
        try:
            os.replace(tmp_name, path)
        except BaseException as exc:
            _discard(staged[done:])
            landed = ", ".join(str(target) for _, target in staged[:done]) or "none"
            if not isinstance(exc, OSError):
                raise
            raise EnvironmentFault(
                f"cannot write {path}: {exc.strerror or exc} (written before the failure: {landed})"
            ) from None


def discard_staged() -> None:
    """Remove the temporary files of the current :func:`all_or_nothing` block (for a
    process about to end at once, on a signal, without unwinding)."""
    staged = _staged.get()
    if staged is not None:
        _discard(staged)


def _discard(staged: list[tuple[str, Path]]) -> None:
    for tmp_name, _ in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)


def _mode_for(path: Path) -> int:
    """Keep an existing report's permissions; a new one gets what the umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def refuse_symbolic_link(path: Path) -> None:
    """Refuse an output whose path is a symbolic link (usage error).

    A link committed to a repository (``audit.sarif -> ~/.bashrc``) would otherwise
    redirect the report over a file elsewhere. The system's own links under ``/dev``
    (``/dev/stdout``, ``/dev/fd/3``) stay usable: no repository can place them.
    """
    if str(path) == "-" or path.as_posix().startswith("/dev/"):
        return
    try:
        is_link = path.is_symlink()
    except OSError:
        return  # the write itself reports what is wrong with the path
    if is_link:
        try:
            shown = f" (to {os.readlink(path)})"
        except OSError:
            shown = ""
        raise UsageError(
            f"refusing to write {path}: it is a symbolic link{shown}; "
            "remove the link or choose another output path"
        )


def write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Atomically replace ``path`` with ``data`` (bytes, or chunks of bytes written as they
    come, so a large output need not be held whole); ``-`` writes to stdout.

    A path that is a symbolic link is refused (see :func:`refuse_symbolic_link`).
    """
    chunks: Iterable[bytes] = (data,) if isinstance(data, bytes) else data
    if str(path) == "-":
        _write_stdout(chunks)
        return
    refuse_symbolic_link(path)
    # Write pipes and devices (/dev/stdout, /dev/null, a FIFO) directly: renaming over
    # them would replace the node, not feed it.
    real = Path(os.path.realpath(path))
    if real.exists() and not real.is_file():
        try:
            with open(real, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
        except OSError as exc:
            raise EnvironmentFault(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    folder = path.parent if str(path.parent) else Path(".")
    tmp_name: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "wb", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
        ) as handle:
            tmp_name = handle.name
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _mode_for(path))
        batch = _staged.get()
        if batch is not None:
            batch.append((tmp_name, path))  # renamed when the all_or_nothing block ends
        else:
            os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise EnvironmentFault(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _write_stdout(chunks: Iterable[bytes]) -> None:
    """Chunks to standard output; a closed standard output is an environment error.

    A reader that goes away (``| head``) raises BrokenPipeError, which the command line
    turns into the conventional quiet exit.
    """
    stream = sys.stdout
    if stream is None:  # started with standard output closed (>&-)
        raise EnvironmentFault("cannot write to standard output (-): it is closed")
    try:
        for chunk in chunks:
            stream.buffer.write(chunk)
        stream.buffer.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise EnvironmentFault(
            f"cannot write to standard output (-): {exc.strerror or exc}"
        ) from None


def write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"))
