"""Show a run in a Jupyter notebook, as the TF-Agents tutorial does with its ``embed_mp4``.

    from rlkit.notebook import embed_mp4, show_run
    embed_mp4("runs/tutorial/trained.mp4")      # the video, playing inline
    show_run("runs/tutorial")                   # summary line, returns plot and both videos

Each function returns an :class:`HTML` (a ``str`` with ``_repr_html_``): Jupyter renders it when it
is the cell's value, and neither IPython nor Jupyter is needed to build it (or to test it).
"""
from __future__ import annotations

import json
from pathlib import Path

from rlkit.report.html import data_uri, esc, fmt

__all__ = ["HTML", "embed_mp4", "show_plot", "show_run", "show_sweep"]


class HTML(str):
    """HTML text that Jupyter displays as HTML (``_repr_html_``); ``str(html)`` is the markup."""

    def _repr_html_(self) -> str:
        return str(self)


def embed_mp4(path: str | Path, width: int = 640) -> HTML:
    """An inline ``<video>`` of the MP4 at ``path`` (base64 ``data:`` URI), like the tutorial's ``embed_mp4``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video (rlkit video RUN_DIR records one)")
    return HTML(f'<video width="{int(width)}" controls muted loop playsinline>'
                f'<source src="{data_uri(path)}" type="video/mp4">Your browser does not play H.264 MP4.</video>')


def show_plot(path: str | Path, width: int = 640) -> HTML:
    """An inline ``<img>`` of a PNG (``returns.png``, ``curves.png``, ...)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such image")
    return HTML(f'<img src="{data_uri(path)}" width="{int(width)}" alt="{esc(path.name)}">')


def show_run(run_dir: str | Path, videos: bool = True) -> HTML:
    """A run at a glance: its status and returns, ``returns.png``, and ``trained.mp4`` / ``random.mp4`` if present."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run directory")
    parts = []
    summary_path = run_dir / "summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
        parts.append(f"<p><b>{esc(summary.get('env', ''))}</b>: {esc(summary.get('status'))}, "
                     f"{fmt(summary.get('iterations'))} iterations; final average return {fmt(summary.get('final_return'))}, "
                     f"best {fmt(summary.get('best_return'))}</p>")
    if (run_dir / "returns.png").is_file():
        parts.append(show_plot(run_dir / "returns.png"))
    for name in ("trained", "random") if videos else ():
        if (run_dir / f"{name}.mp4").is_file():
            parts.append(f"<p>{name}.mp4</p>" + embed_mp4(run_dir / f"{name}.mp4", width=480))
    if not parts:
        raise FileNotFoundError(f"{run_dir}: nothing to show yet (no summary.json, returns.png or videos)")
    return HTML("<div>" + "".join(parts) + "</div>")


def show_sweep(sweep_dir: str | Path) -> HTML:
    """A sweep's ``curves.png`` and ``profile.png`` (written by ``rlkit sweep`` / ``rlkit sweep-report``)."""
    sweep_dir = Path(sweep_dir)
    plots = [show_plot(sweep_dir / name) for name in ("curves.png", "profile.png") if (sweep_dir / name).is_file()]
    if not plots:
        raise FileNotFoundError(f"{sweep_dir}: no curves.png or profile.png; run `rlkit sweep-report {sweep_dir}`")
    return HTML("<div>" + "".join(plots) + "</div>")
