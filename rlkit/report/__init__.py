"""Self-contained HTML reports: ``report.html`` of a run directory or of a sweep directory.

    write_run_report("runs/tutorial")            # -> runs/tutorial/report.html
    write_sweep_report("runs/lr-sweep")          # -> runs/lr-sweep/report.html (+ one per trial)
    write_report(path)                           # either, by what the directory holds

The pages need no network: plots are inlined as ``data:`` URIs, videos too (linked beside the page
when larger than :data:`rlkit.report.html.EMBED_VIDEO_LIMIT`).
"""
from __future__ import annotations

from pathlib import Path

from rlkit.report.run import REPORT_FILE, write_run_report
from rlkit.report.sweep import write_sweep_report

__all__ = ["write_run_report", "write_sweep_report", "write_report", "REPORT_FILE"]


def write_report(directory: str | Path) -> Path:
    """``report.html`` for a sweep directory (``sweep.yaml``) or a run directory (``config.yaml``/``metrics.csv``).

    A sweep without ``sweep.json`` yet is aggregated first. ``ConfigError`` (one line) for anything else.
    """
    from rlkit.train.config import ConfigError

    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such directory")
    if (directory / "sweep.yaml").is_file():
        if not (directory / "sweep.json").is_file():
            from rlkit.sweep.aggregate import aggregate, write_outputs

            write_outputs(directory, aggregate(directory))
        return write_sweep_report(directory)
    if (directory / "metrics.csv").is_file() or (directory / "summary.json").is_file():
        return write_run_report(directory)
    raise ConfigError(f"{directory}: neither a run directory (no metrics.csv) nor a sweep directory (no sweep.yaml)")
