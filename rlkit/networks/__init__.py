"""Keras 3 networks (imports TensorFlow). Registered in the ``networks`` registry (``"q_network"``).

Plugin networks register the same way: ``rlkit.registry.register("networks", "my_net", "pkg.mod:MyNet")``.
"""
from rlkit.networks.q_network import QNetwork

__all__ = ["QNetwork"]
