"""Shared fixtures. The suite runs kernel tests once per backend; a missing backend fails, never skips."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from rlkit import backend as _backend  # noqa: E402


@pytest.fixture(params=_backend.BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each kernel backend in turn. ``rlkit.backend.load`` raises if one is missing: a failure, never a skip."""
    return request.param


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(12345)
