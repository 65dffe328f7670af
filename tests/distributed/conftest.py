"""One local Ray for the whole test session (started on first use, shut down at the end).

How it starts: :func:`rlkit.testing.local_ray.local_ray` (``ray.init(num_cpus=2)`` through :func:`rlkit.distributed.runtime.connect`),
with Ray's session files in a temporary directory and token auth with an ephemeral token
passed in the environment (``RAY_AUTH_MODE=token``, ``RAY_AUTH_TOKEN``, as Ray's token-auth docs describe), so nothing is written
under the home directory (the fixture checks it at the end). Ray's workers inherit ``PYTHONPATH`` (this checkout).
"""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ray_session():
    from rlkit.testing.local_ray import local_ray

    home_token = Path.home() / ".ray" / "auth_token"
    had_token = home_token.exists()
    with local_ray(num_cpus=2) as ray:
        yield ray
    assert had_token or not home_token.exists(), "the test Ray wrote a token under the home directory"
