"""report.html in a real headless browser: Debian's chromium driven by Playwright (no browser download).

A missing browser or Playwright FAILS these tests: .ci/run installs both (apt-get chromium, the
``test`` extra). Set RLKIT_CHROMIUM to use another Chromium binary.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rlkit.report import write_report
from tests.report.fakes import make_run, make_sweep

VIEWPORT = {"width": 1366, "height": 768}      # a common laptop screen


def _chromium() -> str:
    path = os.environ.get("RLKIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("no chromium on PATH: install Debian's browser (apt-get install -y chromium) or set RLKIT_CHROMIUM")
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright  # an ImportError fails the test: pip install -e '.[test]'

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        yield browser
        browser.close()


def _open(browser, path: Path, screenshot: Path):
    """Load ``path`` from file://; return the page and every console error / page error / failed request."""
    page = browser.new_page(viewport=VIEWPORT)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url[:80]} {r.failure}"))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.screenshot(path=str(screenshot), full_page=True)
    return page, problems


def _check_images(page) -> int:
    images = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert images, "no images on the page"
    for complete, width, height in images:
        assert complete and width > 0 and height > 0, images
    return len(images)


def _check_videos_play(page) -> int:
    page.wait_for_function("[...document.querySelectorAll('video')].every(v => v.readyState >= 1 || v.error)",
                           timeout=15_000)
    videos = page.evaluate("[...document.querySelectorAll('video')].map(v => "
                           "({ready: v.readyState, duration: v.duration, error: v.error && v.error.code, "
                           "  h264: v.canPlayType('video/mp4; codecs=\"avc1.42E01E\"')}))")
    assert videos, "no videos on the page"
    for video in videos:
        assert video["error"] is None and video["ready"] >= 1 and video["duration"] > 0, videos
        assert video["h264"] in ("probably", "maybe"), videos
    page.evaluate("Promise.all([...document.querySelectorAll('video')].map(v => { v.currentTime = 0; return v.play(); }))")
    page.wait_for_function("[...document.querySelectorAll('video')].every(v => v.currentTime > 0.2)", timeout=15_000)
    return len(videos)


def test_run_report_loads_offline_with_images_and_playing_videos(browser, tmp_path):
    run_dir = make_run(tmp_path / "run", [20.0, 60.0, 150.0, 200.0, 190.0])
    report = write_report(run_dir)
    page, problems = _open(browser, report, tmp_path / "run-report.png")
    assert problems == []
    assert _check_images(page) == 1
    assert _check_videos_play(page) == 2
    text = page.inner_text("body")
    for expected in ("completed", "Returns and evaluations", "Timings", "config.yaml", "190.00", "iteration 300"):
        assert expected in text, expected
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], "the page scrolls sideways on a laptop screen"
    assert (tmp_path / "run-report.png").stat().st_size > 10_000
    page.close()


def test_sweep_report_and_its_trial_links(browser, tmp_path):
    sweep_dir = make_sweep(tmp_path / "sweep", video=True)
    report = write_report(sweep_dir)
    page, problems = _open(browser, report, tmp_path / "sweep-report.png")
    assert problems == []
    assert _check_images(page) == 2                          # curves.png and profile.png
    text = page.inner_text("body")
    assert "Aggregate over seeds" in text and "Probability of improvement" in text and "something broke" in text
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
    assert len(links) == 5                                    # one per completed trial
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    page.goto(links[0], wait_until="load")                   # a trial's own report, by its relative link
    assert "rlkit run" in page.title()
    assert _check_videos_play(page) == 2
    assert problems == []
    page.close()
