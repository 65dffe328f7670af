"""Keras 3 networks (TensorFlow is imported, and its threads set, on first use of ``QNetwork``). Registered in the ``networks``
registry (``"q_network"``, options :class:`rlkit.networks.options.QNetworkOptions`).

Plugin networks register the same way: ``rlkit.registry.register("networks", "my_net", "pkg.mod:MyNet")``.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["QNetwork"]


def __getattr__(name: str) -> Any:
    if name == "QNetwork":
        return importlib.import_module("rlkit.networks.q_network").QNetwork
    raise AttributeError(f"module 'rlkit.networks' has no attribute {name!r}")
