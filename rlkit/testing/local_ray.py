"""A throwaway local Ray for tests and benchmarks: started through :func:`rlkit.distributed.runtime.connect`
(token auth with an ephemeral token, dashboard off), its session files in a short temporary directory,
and on exit shut down, the directory removed and the environment variables it set restored."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any, Iterator

__all__ = ["local_ray"]

_SET_BY_CONNECT = ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "PYTHONPATH")


@contextlib.contextmanager
def local_ray(num_cpus: int = 2) -> Iterator[Any]:
    """The ``ray`` module, connected to a new local Ray of ``num_cpus`` CPUs for the ``with`` block."""
    from rlkit.distributed.runtime import connect

    temp = tempfile.mkdtemp(prefix="rlkit-ray-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    saved = {key: os.environ.get(key) for key in _SET_BY_CONNECT}
    ray = connect(None, num_cpus=num_cpus, _temp_dir=temp)  # the first import of Ray: after the auth settings
    try:
        yield ray
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(temp, ignore_errors=True)
