"""Process-wide TensorFlow settings for rlkit's small networks; call once, before training.

Nothing here runs at import time: the trainer (or you) calls :func:`configure_tensorflow`.
"""
from __future__ import annotations

import warnings

__all__ = ["configure_tensorflow"]


def configure_tensorflow(num_threads: int | None = 1, deterministic: bool = False) -> None:
    """Set TensorFlow's thread pools and, optionally, deterministic ops.

    Args:
      num_threads: intra- and inter-op threads. 1 was never slower than 2 here for the tutorial's
        networks (a 64-row batch through a 100-unit MLP is too small to split). ``None`` keeps
        TensorFlow's default. Thread counts can only be set before TensorFlow runs its first op;
        later calls warn and leave them as they are.
      deterministic: ``tf.config.experimental.enable_op_determinism()``: bit-identical results
        for the same seed on the same machine. On CPU with these dense networks the ops rlkit uses
        are already deterministic, so the measured cost was within noise; on GPU it disables some
        fast non-deterministic kernels.
    """
    import tensorflow as tf

    if num_threads is not None:
        if int(num_threads) < 1:
            raise ValueError(f"num_threads must be >= 1 or None, got {num_threads!r}")
        try:
            tf.config.threading.set_intra_op_parallelism_threads(int(num_threads))
            tf.config.threading.set_inter_op_parallelism_threads(int(num_threads))
        except RuntimeError as err:
            current = (tf.config.threading.get_intra_op_parallelism_threads(),
                       tf.config.threading.get_inter_op_parallelism_threads())
            if current != (int(num_threads), int(num_threads)):
                warnings.warn(
                    f"TensorFlow threads could not be set to {num_threads} (already initialised with "
                    f"intra/inter = {current}): call configure_tensorflow() before any TensorFlow op. {err}",
                    RuntimeWarning,
                    stacklevel=2,
                )
    if deterministic:
        tf.config.experimental.enable_op_determinism()
