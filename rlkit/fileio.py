"""Crash-safe file writing: every file rlkit writes for later reading goes through :func:`atomic_write`.

The data goes to a temporary file in the same directory, is flushed and fsynced, then
``os.replace``d over the target (and the directory fsynced), so a reader sees the old file or the
new one, never a torn one. :func:`exclusive_lock` keeps a second process out of a directory.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_write", "atomic_write_bytes", "fsync_dir", "sha256_file", "CorruptFileError", "exclusive_lock",
           "LockHeldError", "write_file_manifest", "verify_file_manifest", "FILE_MANIFEST", "STORAGE_FIXES"]

FILE_MANIFEST = "rlkit_files.json"
STORAGE_FIXES = {
    errno.ENOSPC: "the disk is full: free space, or write elsewhere (--out)",
    errno.EDQUOT: "the disk quota is used up: free space, or write elsewhere (--out)",
    errno.EROFS: "the file system is read-only: write to a writable directory (--out) or copy the run there",
    errno.EACCES: "permission denied: write to a directory you can write (--out) or fix its permissions",
    errno.EPERM: "operation not permitted: write to a directory you can write (--out) or fix its permissions",
}
"""Errors of the storage itself (full, quota, read-only, permissions) and what to do: the CLI's exit code 4."""


class CorruptFileError(ValueError):
    """A file rlkit wrote earlier that cannot be read back (truncated, edited, from another program);
    the message names the file and what to do."""


class LockHeldError(OSError):
    """Another process holds the lock; ``pid`` is the holder's process id when it wrote one (else ``None``)."""

    def __init__(self, path: Path, pid: int | None) -> None:
        super().__init__(f"{path} is locked by {'process ' + str(pid) if pid else 'another process'}")
        self.path = path
        self.pid = pid


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the block, or raise ``LockHeldError`` at once.

    The kernel drops the lock when the holder's descriptor closes, including when the process dies
    (SIGKILL too), so a crash never leaves a stale lock; the file itself stays, holding the pid of
    its last holder (read for the error message only). Where ``fcntl`` is missing (Windows) the
    block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    target = Path(path)
    fd = os.open(target, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise LockHeldError(target, int(text) if text.isdigit() else None) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def fsync_dir(path: str | os.PathLike) -> None:
    """fsync a directory so that a rename inside it is durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; on success it atomically becomes ``path``.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
        fsync_dir(target.parent)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(err, OSError) and err.filename is None and err.errno is not None:  # name the file
            raise OSError(err.errno, err.strerror, str(target)) from err
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_write(path, "wb") as handle:
        handle.write(data)


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_file_manifest(directory: str | os.PathLike) -> Path:
    """Write ``directory/rlkit_files.json``: the size and SHA-256 of every file below ``directory``."""
    root = Path(directory)
    files = {str(p.relative_to(root)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
             for p in sorted(root.rglob("*")) if p.is_file() and p.name != FILE_MANIFEST}
    with atomic_write(root / FILE_MANIFEST, "w") as handle:
        json.dump({"files": files}, handle, indent=1, sort_keys=True)
    return root / FILE_MANIFEST


def verify_file_manifest(directory: str | os.PathLike, fix: str) -> None:
    """Check every file listed in ``directory/rlkit_files.json`` (a directory without one passes);
    :class:`CorruptFileError` naming the first missing, truncated or changed file and ``fix``."""
    root = Path(directory)
    if not (root / FILE_MANIFEST).is_file():
        return
    try:
        files = json.loads((root / FILE_MANIFEST).read_text())["files"]
        entries = [(name, int(entry["bytes"]), str(entry["sha256"])) for name, entry in files.items()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise CorruptFileError(f"{root / FILE_MANIFEST} is damaged; {fix}") from None
    for name, size, digest in entries:
        path = root / name
        if not path.is_file():
            raise CorruptFileError(f"{path} is missing; {fix}")
        if path.stat().st_size != size:
            raise CorruptFileError(f"{path} is truncated or changed ({path.stat().st_size} of {size} bytes); {fix}")
        if sha256_file(path) != digest:
            raise CorruptFileError(f"{path} is corrupt (checksum mismatch); {fix}")
