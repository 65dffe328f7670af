"""TensorBoard event files through ``tf.summary`` (TensorFlow lives on the agent side of rlkit).

    writer = TensorBoardWriter(run_dir / "tensorboard")
    writer.write(step=1000, scalars={"loss": 0.5, "eval_return": 200.0})
    writer.close()
"""
from __future__ import annotations

import math
import os
from typing import Mapping

import tensorflow as tf

__all__ = ["TensorBoardWriter"]


class TensorBoardWriter:
    """Scalar summaries for TensorBoard in ``logdir``; non-finite values are skipped, never raised."""

    def __init__(self, logdir: str | os.PathLike) -> None:
        self._writer = tf.summary.create_file_writer(os.fspath(logdir))

    def write(self, step: int, scalars: Mapping[str, float]) -> None:
        """One scalar per tag at ``step`` (e.g. the training iteration)."""
        with self._writer.as_default(step=int(step)):
            for tag, value in scalars.items():
                if isinstance(value, (int, float)) and math.isfinite(value):
                    tf.summary.scalar(tag, value)

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()
