"""Real-browser tests: JupyterLab + headless Chromium (Debian package) driven by Playwright.

One JupyterLab server (127.0.0.1, random free port, random token, temporary root) serves the
module. Screenshots of failed runs go to ``test-artifacts/``. The tests skip, saying why, only
when chromium or playwright is absent (``scripts/setup_browser.sh`` installs both).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROME_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "[click](javascript:window.__pwned=1) **bold** <svg onload=window.__pwned=1>",
    '"><iframe src="javascript:window.__pwned=1"></iframe>',
    "$\\unicode{x3c}script$ ${alert(1)}",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (run scripts/setup_browser.sh as root to install Debian's chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (run scripts/setup_browser.sh)")
    root = tmp_path_factory.mktemp("lab")
    home = tmp_path_factory.mktemp("jupyter_home")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
           "IPYTHONDIR": str(home / "ipython")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        cmd.append("--allow-root")
    log = open(home / "lab.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.3)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
    yield {"base": base, "token": token, "root": root, "browser": browser}
    browser.close()
    pw.stop()
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def _notebook(root: Path, name: str, setup: str) -> None:
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {},
                   "outputs": [], "source": setup}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (root / name).write_text(json.dumps(nb))


_SETUP = """\
import json
from feedback_lab.annotations import AnnotationStore
from feedback_lab.widgets import AnnotationQueue

class Config:  # duck-typed FeedbackConfig (pass/fail)
    name, kind, labels, min, max, max_length, description = "verdict", "boolean", None, None, None, None, ""
    def validate_value(self, value=None, label=None, comment=None):
        return None if label in ("pass", "fail") or value in (0, 1) else f"unknown label {{label!r}}"

traces = json.loads({traces!r})
store = AnnotationStore({db!r})
queue = AnnotationQueue(traces, [Config()], store=store, annotator="ana")
queue
"""


def _open(lab, name: str, request):
    page = lab["browser"].new_page(viewport={"width": 1280, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    # a fresh workspace per notebook: no tab of an earlier test is restored beside it
    ws = name.replace(".", "-")
    page.goto(f"{lab['base']}/lab/workspaces/{ws}/tree/{name}?reset&token={lab['token']}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    # run all cells once the kernel is up (retry: the first request can race the kernel start)
    t0 = time.monotonic()
    for _ in range(3):
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                               " && window.jupyterapp.shell.currentWidget.sessionContext"
                               " && window.jupyterapp.shell.currentWidget.sessionContext.session", timeout=60_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.wait_for_selector(".fl-queue", timeout=30_000)
            break
        except Exception:
            continue
    print(f"{name}: widget shown after {time.monotonic() - t0:.1f} s")
    request.node.page_for_screenshot = page
    return page, dialogs


@pytest.fixture
def screenshot_on_failure(request):
    yield
    page = getattr(request.node, "page_for_screenshot", None)
    rep = getattr(request.node, "rep_call", None)
    failed = rep is None or rep.failed
    if page is not None:
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        page.close()


def _wait_for_entry(db: Path, timeout: float = 20.0) -> list[tuple]:
    from feedback_lab.annotations import AnnotationStore

    deadline = time.monotonic() + timeout
    rows: list[tuple] = []
    while time.monotonic() < deadline:
        if db.exists():
            rows = AnnotationStore(db).history().select("trace_id", "name", "label", "comment", "annotator").rows()
            if rows:
                return rows
        time.sleep(0.25)
    return rows


def test_fail_comment_next_key_is_stored(lab, request, screenshot_on_failure):
    db = lab["root"] / "labels.db"
    traces = [{"trace_id": f"t{i}", "input": f"question {i}", "output": f"answer {i}"} for i in range(3)]
    _notebook(lab["root"], "queue.ipynb", _SETUP.format(traces=json.dumps(traces), db=str(db)))
    page, dialogs = _open(lab, "queue.ipynb", request)
    page.wait_for_selector(".fl-queue .fl-textview-text", timeout=30_000)
    assert "0/3" in page.inner_text(".fl-queue")
    page.locator(".fl-queue .fl-control-verdict button", has_text="fail").click()
    page.locator(".fl-queue .fl-comment textarea").click()
    page.keyboard.type("cites a policy that does not exist")
    page.keyboard.press("Control+Enter")
    rows = _wait_for_entry(db)
    assert rows == [("t0", "verdict", "fail", "cites a policy that does not exist", "ana")]
    # the widget moved on to the next trace and shows the new progress
    page.wait_for_function("() => document.querySelector('.fl-queue').innerText.includes('1/3')", timeout=15_000)
    assert "answer 1" in page.inner_text(".fl-queue .fl-textview-text")
    assert dialogs == []


def test_hostile_trace_text_never_runs(lab, request, screenshot_on_failure):
    db = lab["root"] / "hostile.db"
    hostile = " ".join(PAYLOADS)
    traces = [{"trace_id": "evil", "input": hostile, "output": hostile, "reference": hostile,
               "metadata": json.dumps({"note": hostile})},
              {"trace_id": "huge", "input": "x", "output": "y" * 1_000_000}]
    _notebook(lab["root"], "hostile.ipynb", _SETUP.format(traces=json.dumps(traces), db=str(db)))
    page, dialogs = _open(lab, "hostile.ipynb", request)
    page.wait_for_selector(".fl-queue .fl-textview-text", timeout=30_000)
    text = page.inner_text(".fl-queue")
    assert "<script>window.__pwned=1</script>" in text  # shown as text, literally
    assert '<img src=x onerror="window.__pwned=1">' in text
    assert page.locator(".fl-queue img, .fl-queue script, .fl-queue iframe, .fl-queue svg[onload]").count() == 0
    # the 1 MB single-line output renders cut, with a "show more" control, and the page stays responsive
    page.locator(".fl-queue button", has_text="skip").click()
    page.wait_for_function("() => document.querySelector('.fl-queue').innerText.includes('more characters not shown')",
                           timeout=30_000)
    shown = page.evaluate("() => document.querySelector('.fl-queue .fl-textview-text').textContent.length")
    assert 0 < shown < 1_000_000
    assert page.locator(".fl-queue button", has_text="show more").is_visible()
    assert page.evaluate("() => 1 + 1") == 2
    page.wait_for_timeout(500)  # let any injected handler fire before checking
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert dialogs == []
