"""Crash-safe training checkpoints: ``<dir>/ckpt-<iteration>/`` directories with a manifest.

A checkpoint is written into ``ckpt-<iteration>.tmp/``: every file is fsynced, then
``MANIFEST.json`` (format version, iteration, each file's size and SHA-256) is written last, the
directory is renamed to ``ckpt-<iteration>`` and the parent fsynced. A directory without a valid
manifest, or whose files do not match it, is never loaded: :meth:`CheckpointManager.load_latest`
reports it and falls back to the previous checkpoint.

Arrays go to ``arrays.npz`` (no pickle); JSON-able metadata to ``state.json``; components that
write their own files (the replay buffer) get a path inside the directory.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from rlkit.faults import crash_point
from rlkit.fileio import fsync_dir, sha256_file

__all__ = ["CheckpointError", "Checkpoint", "CheckpointManager"]

FORMAT = "rlkit-checkpoint"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
ARRAYS = "arrays.npz"
STATE = "state.json"
_NAME = re.compile(r"^ckpt-(\d+)$")

def _after_phase(phase: str) -> None:
    """A crash point after each write phase (``checkpoint_<phase>``); a test may also replace this function."""
    crash_point(f"checkpoint_{phase}")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used (missing, truncated, corrupt, or from another format)."""


@dataclass
class Checkpoint:
    """A loaded checkpoint: its ``iteration``, ``arrays`` (name -> ndarray), ``state`` (JSON) and ``path``."""

    iteration: int
    arrays: dict[str, np.ndarray]
    state: dict[str, Any]
    path: Path

    def file(self, name: str) -> Path:
        """Path of a component file saved with the checkpoint (e.g. ``"replay.npz"``)."""
        return self.path / name


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


class CheckpointManager:
    """Writes and finds checkpoints under ``directory``, keeping the newest ``keep`` (``None``: all;
    ``rlkit train`` passes ``output.keep_checkpoints``)."""

    def __init__(self, directory: str | os.PathLike, keep: int | None = None) -> None:
        if keep is not None and keep < 1:
            raise ValueError(f"keep must be >= 1 or None (got {keep})")
        self.directory = Path(directory)
        self.keep = keep

    def checkpoints(self) -> list[tuple[int, Path]]:
        """Finished checkpoint directories, oldest first (validity is checked on load)."""
        if not self.directory.is_dir():
            return []
        found = []
        for child in self.directory.iterdir():
            match = _NAME.match(child.name)
            if match and child.is_dir():
                found.append((int(match.group(1)), child))
        return sorted(found)

    def latest_iteration(self) -> int | None:
        """The iteration of the newest finished checkpoint, ``None`` before the first."""
        saved = self.checkpoints()
        return saved[-1][0] if saved else None

    def save(
        self,
        iteration: int,
        arrays: Mapping[str, np.ndarray],
        state: Mapping[str, Any],
        writers: Mapping[str, Callable[[Path], None]] | None = None,
    ) -> Path:
        """Write a checkpoint atomically and return its directory.

        ``writers`` maps a file name to a function that writes that file at the given path.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f"ckpt-{iteration:09d}.tmp"
        try:
            return self._save(iteration, arrays, state, writers or {}, tmp)
        except OSError as err:  # disk full, read-only...: drop the partial checkpoint, keep the earlier ones
            shutil.rmtree(tmp, ignore_errors=True)
            if err.filename is None and err.errno is not None:
                raise OSError(err.errno, err.strerror, str(tmp)) from err
            raise

    def _save(self, iteration: int, arrays: Mapping[str, np.ndarray], state: Mapping[str, Any],
              writers: Mapping[str, Callable[[Path], None]], tmp: Path) -> Path:
        final = self.directory / f"ckpt-{iteration:09d}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        with open(tmp / ARRAYS, "wb") as handle:
            np.savez(handle, **{key: np.asarray(value) for key, value in arrays.items()})
        _after_phase("arrays")
        (tmp / STATE).write_text(json.dumps(dict(state), sort_keys=True))
        for name, write in writers.items():
            write(tmp / name)
        _after_phase("components")
        files = {}
        for path in sorted(tmp.iterdir()):
            _fsync_file(path)
            files[path.name] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, "iteration": int(iteration), "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        _fsync_file(tmp / MANIFEST)
        fsync_dir(tmp)
        _after_phase("manifest")
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        fsync_dir(self.directory)
        _after_phase("renamed")
        self._prune()
        return final

    def _prune(self) -> None:
        for _, path in self.checkpoints()[: -self.keep] if self.keep is not None else []:
            shutil.rmtree(path, ignore_errors=True)
        for child in self.directory.glob("ckpt-*.tmp"):
            shutil.rmtree(child, ignore_errors=True)

    @staticmethod
    def verify(path: str | os.PathLike) -> dict[str, Any]:
        """The manifest of the checkpoint at ``path``; :class:`CheckpointError` if anything does not match."""
        path = Path(path)
        try:
            manifest = json.loads((path / MANIFEST).read_text())
        except FileNotFoundError:
            raise CheckpointError(f"{path}: no {MANIFEST} (the write did not finish)") from None
        except (OSError, ValueError) as err:
            raise CheckpointError(f"{path}: unreadable {MANIFEST}: {err}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise CheckpointError(f"{path}: not an rlkit checkpoint")
        if manifest.get("version") != FORMAT_VERSION:
            raise CheckpointError(f"{path}: checkpoint format version {manifest.get('version')} is not supported "
                                  f"(this rlkit reads version {FORMAT_VERSION})")
        files, iteration = manifest.get("files"), manifest.get("iteration")
        match = _NAME.match(path.name)
        if (not isinstance(files, dict) or not {ARRAYS, STATE} <= set(files) or type(iteration) is not int
                or (match is not None and int(match.group(1)) != iteration)):
            raise CheckpointError(f"{path}: {MANIFEST} is damaged (its files or iteration do not describe this checkpoint)")
        for name, expected in files.items():
            file = path / name
            if not isinstance(expected, dict) or not isinstance(expected.get("bytes"), int) \
                    or not isinstance(expected.get("sha256"), str):
                raise CheckpointError(f"{path}: {MANIFEST} is damaged (entry {name!r})")
            if not file.is_file():
                raise CheckpointError(f"{path}: file {name} is missing")
            if file.stat().st_size != expected["bytes"]:
                raise CheckpointError(f"{path}: file {name} is truncated ({file.stat().st_size} of {expected['bytes']} bytes)")
            if sha256_file(file) != expected["sha256"]:
                raise CheckpointError(f"{path}: file {name} is corrupt (checksum mismatch)")
        return manifest

    def load(self, path: str | os.PathLike) -> Checkpoint:
        """Load and verify one checkpoint directory."""
        path = Path(path)
        manifest = self.verify(path)
        try:
            with np.load(path / ARRAYS, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            state = json.loads((path / STATE).read_text())
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            raise CheckpointError(f"{path}: cannot read checkpoint data: {err}") from None
        if not isinstance(state, dict) or state.get("iteration", manifest["iteration"]) != manifest["iteration"]:
            raise CheckpointError(f"{path}: {STATE} is for iteration {state.get('iteration') if isinstance(state, dict) else '?'}"
                                  f" but {MANIFEST} says {manifest['iteration']}: the checkpoint disagrees with its manifest")
        return Checkpoint(manifest["iteration"], arrays, state, path)

    def load_latest(self, report: Callable[[str], None] | None = None) -> Checkpoint | None:
        """The newest checkpoint that verifies; each one skipped is passed to ``report`` with the reason."""
        for _, path in reversed(self.checkpoints()):
            try:
                return self.load(path)
            except CheckpointError as err:
                if report is not None:
                    report(f"skipping unusable checkpoint: {err}")
        return None
