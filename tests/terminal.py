"""Run a command as a person would see it: stdout and stderr on a pseudo-terminal of 40 x 120."""
from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from typing import Mapping


def run_on_a_terminal(argv: list[str], env: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """``argv``'s exit code and everything it showed on the terminal."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=dict(env), close_fds=True)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=timeout)
    os.close(leader)
    return process.returncode, output.decode(errors="replace")
