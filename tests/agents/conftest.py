"""Installs the test-only n-step reference as ``rlkit.replay.nstep`` if the real module is not there yet."""
from __future__ import annotations

import importlib
import sys
import types

try:
    importlib.import_module("rlkit.replay.nstep")
except ImportError:
    from tests.agents import _nstep_reference

    if "rlkit.replay" not in sys.modules:
        sys.modules["rlkit.replay"] = types.ModuleType("rlkit.replay")
    sys.modules["rlkit.replay.nstep"] = _nstep_reference
