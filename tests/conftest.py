"""Shared fixtures. The suite runs kernel tests once per backend; a missing backend fails, never skips."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rlkit import backend as _backend  # noqa: E402


@pytest.fixture(params=_backend.BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each kernel backend in turn; fails (does not skip) if one is unavailable."""
    reason = _backend.unavailable_reason(request.param)
    if reason is not None:
        pytest.fail(f"backend {request.param!r} is unavailable: {reason}")
    return request.param


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(12345)
