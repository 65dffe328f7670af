"""Fast by default: importing rlkit's networks sets TensorFlow's thread pools (RLKIT_TF_THREADS, default 1).

(``import rlkit.networks`` alone is light, so that a config's network options load without TensorFlow;
``QNetwork`` brings TensorFlow in, and with it the thread setting.)"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = ("from rlkit.networks import QNetwork; import tensorflow as tf; "
         "print(tf.config.threading.get_intra_op_parallelism_threads(), tf.config.threading.get_inter_op_parallelism_threads())")


def _threads(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "RLKIT_TF_THREADS"}
    if value is not None:
        env["RLKIT_TF_THREADS"] = value
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split("\n")[-2]


@pytest.mark.parametrize("value, expected", [(None, "1 1"), ("2", "2 2"), ("0", "0 0")])
def test_importing_rlkit_networks_sets_tensorflow_threads(value, expected):
    assert _threads(value) == expected


def test_a_bad_thread_count_is_one_line():
    env = {**os.environ, "RLKIT_TF_THREADS": "many"}
    result = subprocess.run([sys.executable, "-c", "from rlkit.networks import QNetwork"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode != 0 and "RLKIT_TF_THREADS='many' is not a number of threads" in result.stderr
