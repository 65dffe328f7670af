"""One local Ray for the whole test session (started on first use, shut down at the end).

How it starts: ``ray.init(num_cpus=2, include_dashboard=False)`` through :func:`rlkit.distributed.runtime.connect`,
with Ray's session files in a temporary directory and token auth with an ephemeral token
passed in the environment (``RAY_AUTH_MODE=token``, ``RAY_AUTH_TOKEN``, as Ray's token-auth docs describe), so nothing is written
under the home directory (the fixture checks it at the end). Ray's workers inherit ``PYTHONPATH`` (this checkout).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ray_session():
    from rlkit.distributed.runtime import connect

    home_token = Path.home() / ".ray" / "auth_token"
    had_token = home_token.exists()
    temp = tempfile.mkdtemp(prefix="rlkit-ray-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    saved = {key: os.environ.get(key) for key in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "PYTHONPATH")}
    ray = connect(None, num_cpus=2, _temp_dir=temp)  # the first import of Ray: after the auth settings
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
        assert had_token or not home_token.exists(), "the test Ray wrote a token under the home directory"
