"""DQN on a Keras 3 Q-network (imports TensorFlow): :class:`DqnAgent`, :class:`DqnConfig`, pure losses."""
from rlkit.agents.dqn.agent import DqnAgent, DqnBlockLossInfo, DqnLossInfo
from rlkit.agents.dqn.config import DqnConfig

__all__ = ["DqnAgent", "DqnConfig", "DqnLossInfo", "DqnBlockLossInfo"]
