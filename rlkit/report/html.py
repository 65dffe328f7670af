"""Building blocks of rlkit's HTML pages: one self-contained file, no scripts or requests to other hosts.

Images are inlined as ``data:`` URIs; a video is inlined too up to ``EMBED_VIDEO_LIMIT`` bytes, or
else linked by a path relative to the page (it then has to travel with the page). H.264 MP4 as
written by :func:`rlkit.viz.write_video` plays in Chromium and Firefox builds that ship the codec
(Debian's ``chromium`` does: the report tests check it plays).
"""
from __future__ import annotations

import base64
import html
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["esc", "fmt", "data_uri", "image", "video", "table", "cards", "page", "write_page", "EMBED_VIDEO_LIMIT"]

EMBED_VIDEO_LIMIT = 8 * 1024 * 1024  # bytes; larger videos are linked, not inlined
_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml",
         ".mp4": "video/mp4", ".webm": "video/webm"}

CSS = """
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); }
main { max-width: 1180px; margin: 0 auto; padding: 20px 28px 48px; }
h1 { font-size: 24px; margin: 4px 0 2px; } h2 { font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0 0 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
.card { background: var(--bg2); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .v { font-size: 20px; font-weight: 600; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; align-items: start; }
figure { margin: 0; } figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
img.plot { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
video { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: right; white-space: nowrap; }
th { background: var(--bg2); position: sticky; top: 0; } th:first-child, td:first-child { text-align: left; }
td.l, th.l { text-align: left; white-space: normal; }
.scroll { max-height: 420px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.ci { color: var(--muted); font-size: 12px; }
.bad { color: #cf222e; } .ok { color: #1a7f37; }
pre { background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto;
      max-height: 420px; font-size: 12.5px; line-height: 1.4; }
details > summary { cursor: pointer; color: var(--accent); margin: 6px 0; }
a { color: var(--accent); }
footer { color: var(--muted); font-size: 12px; margin-top: 36px; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a table cell: ``—`` for None, integers without decimals, else ``digits`` decimals."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return esc(value)


def data_uri(path: Path) -> str:
    mime = _MIME.get(Path(path).suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode('ascii')}"


def image(path: Path, alt: str, caption: str | None = None) -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure><img class="plot" src="{data_uri(path)}" alt="{esc(alt)}">{cap}</figure>'


def video(path: Path, page_dir: Path, caption: str, limit: int = EMBED_VIDEO_LIMIT) -> str:
    """A ``<video>`` of ``path``: inlined up to ``limit`` bytes, else linked relative to ``page_dir``."""
    path = Path(path)
    if path.stat().st_size <= limit:
        src = data_uri(path)
    else:
        src = esc(Path(os.path.relpath(path, page_dir)).as_posix())
    mime = _MIME.get(path.suffix.lower(), "video/mp4")
    return (f'<figure><video controls muted loop playsinline preload="metadata">'
            f'<source src="{src}" type="{mime}"></video><figcaption>{esc(caption)}</figcaption></figure>')


def table(header: Sequence[str], rows: Iterable[Sequence[str]], scroll: bool = False, left: Sequence[int] = ()) -> str:
    """An HTML table; ``header`` is escaped, ``rows`` are HTML already; columns in ``left`` are left-aligned."""
    cls = lambda i: ' class="l"' if i in left else ""  # noqa: E731
    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    out = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{out}</div>' if scroll else out


def cards(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{esc(k)}</div><div class="v">{v}</div></div>' for k, v in items) + "</div>"


def page(title: str, subtitle: str, body: str) -> str:
    from rlkit import __version__

    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{esc(title)}</title><style>{CSS}</style></head>'
            f'<body><main><h1>{esc(title)}</h1><p class="sub">{subtitle}</p>{body}'
            f'<footer>Written by rlkit {esc(__version__)}. Self-contained: open it offline.</footer></main></body></html>\n')


def write_page(path: Path, text: str) -> Path:
    from rlkit.fileio import atomic_write

    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)
