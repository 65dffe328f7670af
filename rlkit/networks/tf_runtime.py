"""Process-wide TensorFlow settings for rlkit's small networks.

Fast by default: when rlkit first imports TensorFlow (``rlkit.networks``, ``rlkit.agents.dqn``) it
sets TensorFlow's intra- and inter-op thread pools to ``RLKIT_TF_THREADS`` (default 1), before any
TensorFlow op runs. For the tutorial's network a fused gradient step measured 41-43 us with one
thread and 47-55 us with TensorFlow's default pools on this 2-core machine: a 64-row batch through a
100-unit MLP is too small to split across threads. ``RLKIT_TF_THREADS=0`` keeps TensorFlow's own
default (bigger networks may gain from threads); so does a program that ran TensorFlow ops before
importing rlkit's networks. :func:`configure_tensorflow` sets the same explicitly.
"""
from __future__ import annotations

import os
import warnings

__all__ = ["configure_tensorflow", "apply_default_threads", "start_runtime"]

_APPLIED = False


def apply_default_threads() -> None:
    """Set TensorFlow's thread pools to ``RLKIT_TF_THREADS`` (default 1) once, if TensorFlow has not run yet."""
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    text = os.environ.get("RLKIT_TF_THREADS", "1").strip()
    try:
        threads = int(text or "0")
    except ValueError:
        raise ValueError(f"RLKIT_TF_THREADS={text!r} is not a number of threads: set it to 1, 2, ... or 0 for "
                         "TensorFlow's default") from None
    if threads < 0:
        raise ValueError(f"RLKIT_TF_THREADS={text!r} must be >= 0 (0: TensorFlow's default)")
    if threads:
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        except RuntimeError:
            pass  # TensorFlow already ran ops in this process: its pools stay as they are


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


def start_runtime() -> None:
    """Run one TensorFlow op, so the runtime starts now with the thread pools set so far (a sweep worker
    pays this once, before its first trial)."""
    import tensorflow as tf

    tf.constant(0.0) + 0.0
