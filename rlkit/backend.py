"""Chooses which implementation computes rlkit's kernels: ``cython`` -> ``numba`` -> ``numpy``.

Each kernel (``cartpole``, ``sampler``, ``sumtree``) exists three times behind one Protocol
(``rlkit.kernels.<kernel>``):

* ``cython``: ``rlkit_ext._<kernel>`` -- compiled ahead of time by ``setup.py`` (the default);
* ``numba``:  ``rlkit.kernels.<kernel>_numba`` -- JIT-compiled on first use, cached on disk;
* ``numpy``:  ``rlkit.kernels.<kernel>_numpy`` -- the reference implementation and test oracle.

The default is chosen once per process: ``RLKIT_BACKEND`` if set, else the first available. If the
compiled extension is missing, rlkit warns once and falls back to numba (then numpy).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import warnings
from functools import lru_cache
from types import ModuleType
from typing import Iterator

__all__ = ["BACKENDS", "KERNELS", "BackendError", "available", "unavailable_reason", "default", "using", "load"]

BACKENDS = ("cython", "numba", "numpy")
KERNELS = ("cartpole", "sampler", "sumtree", "qmirror")
ENV_VAR = "RLKIT_BACKEND"


class BackendError(ImportError):
    """A requested backend is unknown or not available."""


def _module_name(kernel: str, backend: str) -> str:
    if backend == "cython":
        return f"rlkit_ext._{kernel}"
    return f"rlkit.kernels.{kernel}_{backend}"


@lru_cache(maxsize=None)
def unavailable_reason(backend: str) -> str | None:
    """``None`` if ``backend`` can run every kernel, else why not."""
    if backend not in BACKENDS:
        return f"unknown backend {backend!r} (choose one of {', '.join(BACKENDS)})"
    if backend == "numba" and importlib.util.find_spec("numba") is None:
        return "numba is not installed (pip install numba)"
    if backend == "cython":
        missing = []
        for kernel in KERNELS:
            try:
                importlib.import_module(_module_name(kernel, "cython"))
            except ImportError as err:
                missing.append(f"{_module_name(kernel, 'cython')} ({err})")
        if missing:
            return (
                "the compiled extension rlkit_ext is not built: missing " + "; ".join(missing)
                + ". Build it with `pip install -e .` (needs a C compiler) or `python setup.py build_ext --inplace`"
            )
    return None


def available() -> dict[str, bool]:
    """Which backends can run here, e.g. ``{"cython": True, "numba": True, "numpy": True}``."""
    return {name: unavailable_reason(name) is None for name in BACKENDS}


_override: list[str] = []  # stack of backends chosen with ``using``


@contextlib.contextmanager
def using(backend: str | None) -> Iterator[None]:
    """Make ``backend`` the :func:`default` inside the block (``None``: leave the default as it is).

    For code that builds components choosing their backend themselves, e.g. an agent's acting
    mirror built inside the agent: ``with using(config.train.backend): agent = make_agent(...)``.
    """
    if backend is None:
        yield
        return
    reason = unavailable_reason(backend)
    if reason is not None:
        raise BackendError(f"backend {backend!r} cannot be used: {reason}")
    _override.append(backend)
    default.cache_clear()
    try:
        yield
    finally:
        _override.pop()
        default.cache_clear()


@lru_cache(maxsize=1)
def default() -> str:
    """The default backend: the one chosen with :func:`using`, else ``RLKIT_BACKEND``, else the first available."""
    if _override:
        return _override[-1]
    requested = os.environ.get(ENV_VAR, "").strip().lower()
    if requested:
        reason = unavailable_reason(requested)
        if reason is not None:
            raise BackendError(f"{ENV_VAR}={requested!r} cannot be used: {reason}")
        return requested
    for name in BACKENDS:
        reason = unavailable_reason(name)
        if reason is None:
            return name
        warnings.warn(f"rlkit backend {name!r} is unavailable, falling back: {reason}", RuntimeWarning, stacklevel=2)
    raise BackendError("no rlkit backend is available")  # pragma: no cover - numpy always is


def load(kernel: str, backend: str | None = None) -> ModuleType:
    """The module implementing ``kernel`` (a name in ``KERNELS``) for ``backend`` (default: :func:`default`)."""
    if kernel not in KERNELS:
        raise BackendError(f"unknown kernel {kernel!r}; kernels are: {', '.join(KERNELS)}")
    name = default() if backend is None else backend.lower()
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r} (choose one of {', '.join(BACKENDS)})")
    module_name = _module_name(kernel, name)
    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        hint = " Build it with `pip install -e .` (needs a C compiler)." if name == "cython" else ""
        raise BackendError(f"backend {name!r} cannot run kernel {kernel!r}: {module_name} failed to import ({err}).{hint}") from err
