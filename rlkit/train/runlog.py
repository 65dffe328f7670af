"""The log lines and progress bar of a run: every line goes to ``train.log``; on a terminal, lines
also go to the screen above a tqdm progress bar (loss, latest eval return, iterations per second)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["RunLog"]


class RunLog:
    """Appends lines to ``path``; with ``progress``, prints them to ``stream`` and draws the bar on
    ``progress_stream`` (default ``sys.stderr``) when that is a terminal."""

    def __init__(self, path: Path, progress: bool = True, stream: TextIO | None = None,
                 progress_stream: TextIO | None = None) -> None:
        self._file: TextIO | None = open(path, "a")
        self.progress = progress
        self.stream = stream if stream is not None else sys.stdout
        self.progress_stream = progress_stream
        self._bar: Any = None

    def __call__(self, message: str) -> None:
        """One line to the log file and, with ``progress``, to the terminal (above the progress bar)."""
        if self._file is not None:
            self._file.write(message + "\n")
            self._file.flush()
        if not self.progress:
            return
        if self._bar is not None:  # the bar may be on another stream of the same terminal: clear, print, redraw
            self._bar.clear()
            print(message, file=self.stream, flush=True)
            self._bar.refresh()
        else:
            print(message, file=self.stream, flush=True)

    def file_only(self, text: str) -> None:
        """``text`` (e.g. a traceback) to the log file only."""
        if self._file is not None:
            self._file.write(text.rstrip("\n") + "\n")
            self._file.flush()

    def open_bar(self, total: int, initial: int) -> None:
        """A tqdm bar of ``total`` iterations starting at ``initial`` (only on a terminal)."""
        stream = self.progress_stream or sys.stderr
        if self.progress and stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, unit="it", dynamic_ncols=True, file=stream,
                             mininterval=0.25, smoothing=0.1)

    def advance(self, count: int, loss: float, eval_return: float, rate: float) -> None:
        if self._bar is not None:
            self._bar.update(count)
            self._bar.set_postfix(loss=f"{loss:.3g}", ret=f"{eval_return:.1f}", it_s=f"{rate:.0f}", refresh=False)

    def close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def close(self) -> None:
        self.close_bar()
        if self._file is not None:
            self._file.close()
            self._file = None
