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

from auditor.errors import EnvironmentFault

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


def write_bytes(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Atomically replace ``path`` with ``data`` (bytes, or chunks of bytes written as they
    come, so a large output need not be held whole); ``-`` writes to stdout."""
    chunks: Iterable[bytes] = (data,) if isinstance(data, bytes) else data
    if str(path) == "-":
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    # Write through symbolic links (keep the link, replace its target), and write pipes
    # and devices directly: renaming over them would replace the node, not feed it.
    real = Path(os.path.realpath(path))
    if real.exists() and not real.is_file():
        try:
            with open(real, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
        except OSError as exc:
            raise EnvironmentFault(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    path = real
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


def write_text(path: Path, text: str) -> None:
    """Atomically write UTF-8 text (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"))
