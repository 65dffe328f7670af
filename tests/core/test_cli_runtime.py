"""``quiet_tensorflow_logs`` drops TensorFlow's C++ log lines from fd 2 and passes everything else."""
import subprocess
import sys

SCRIPT = r'''
import os, sys
from rlkit.cli_runtime import quiet_tensorflow_logs
with quiet_tensorflow_logs():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    os.write(2, b"I0000 00:00:1795657496.276373   31042 port.cc:153] oneDNN custom operations are on.\n")
    os.write(2, b"E0000 00:00:1795656404.333368   20616 cuda_platform.cc:52] failed call to cuInit\n")
    print("a python warning", file=sys.stderr, flush=True)
    os.write(2, b"\r 50%|#####     | progress")
print("after", file=sys.stderr)
'''


def run(env_extra: dict) -> str:
    import os

    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, timeout=60,
                          env={**os.environ, **env_extra}).stderr.decode()  # bytes: keep the \r


def test_drops_tensorflow_lines_and_keeps_the_rest():
    err = run({"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert "oneDNN" not in err and "cuInit" not in err and "absl" not in err
    assert "a python warning\n" in err and "\r 50%|#####     | progress" in err and err.endswith("after\n")


def test_log_level_zero_shows_them():
    assert "oneDNN" in run({"TF_CPP_MIN_LOG_LEVEL": "0"})


def test_enable_xla_cache_sets_the_flag_once(monkeypatch, tmp_path):
    from rlkit.cli_runtime import enable_xla_cache

    monkeypatch.delenv("RLKIT_XLA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("TF_XLA_FLAGS", "--tf_xla_auto_jit=0")
    directory = enable_xla_cache()
    assert directory.startswith(str(tmp_path / "rlkit" / "xla" / "tf-"))
    import os

    assert os.environ["TF_XLA_FLAGS"] == f"--tf_xla_auto_jit=0 --tf_xla_persistent_cache_directory={directory}"
    assert enable_xla_cache() is None  # already set: left alone


def test_enable_xla_cache_can_be_turned_off(monkeypatch):
    from rlkit.cli_runtime import enable_xla_cache

    monkeypatch.setenv("RLKIT_XLA_CACHE", "")
    monkeypatch.delenv("TF_XLA_FLAGS", raising=False)
    assert enable_xla_cache() is None
    import os

    assert "TF_XLA_FLAGS" not in os.environ
