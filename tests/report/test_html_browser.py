"""The HTML report in a real browser: headless Chromium driven through chromedriver.

Checks, through the page's DOM, that the report of the sample corpus shows
its related pair, that a corpus whose ids, titles and texts carry markup
(``<script>``, ``</textarea>``, ``<img onerror>``, ``javascript:`` links) is
shown as text with no script run, no dialog opened and no request made, and,
with axe-core installed (``make test-browser`` installs it), that the page
passes axe's WCAG 2 A/AA rules (contrast, labels, structure).

Skipped, with the reason, when Chromium, chromedriver or selenium is missing
(``make test-browser`` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(os.environ.get("DEDUP_AXE_JS", Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"))
SCREENSHOTS = os.environ.get("DEDUP_SCREENSHOT_DIR")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: run `make test-browser`")
if not CHROMIUM or not CHROMEDRIVER:
    pytest.skip("no Chromium and chromedriver on PATH: run `make test-browser` (installs them)", allow_module_level=True)

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

INJECTIONS = [
    "<script>alert('id')</script>",
    "</textarea><script>alert('textarea')</script>",
    '<img src=x onerror="alert(\'img\')">',
    '<a href="javascript:alert(\'link\')">click me</a>',
    '"><svg onload=alert(1)>',
    "<style>body{display:none}</style>",
    "\u202etxt.exe \x1b[31mred",
]
SHARED = (
    "The regional governor said on Tuesday that repairs to the damaged power station would take at least "
    "three weeks, and that schools in the city would stay closed until heating was restored to every district. "
    "Engineers from two neighbouring regions have been sent to help restore the grid before the next cold spell. "
)


def _evil_corpus(folder: Path) -> Path:
    """Documents whose ids, titles, sources and texts carry markup; pairs of them share text."""
    lines = []
    for k, markup in enumerate(INJECTIONS):
        text = f"{markup} {SHARED}{markup}\nA paragraph of its own, number {k}, about something else: {markup} {'word ' * k}."
        lines.append({"id": f"{markup}-{k}", "text": text, "title": markup, "source": markup, "date": "2026-01-0" + str(k + 1)})
    path = folder / "evil.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _dedup(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    """The report of the sample corpus, made once by the real command."""
    page = tmp_path_factory.mktemp("sample") / "report.html"
    run = _dedup("scan", str(CORPUS), "--format", "html", "-o", str(page), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    return page


@pytest.fixture(scope="module")
def evil_report(tmp_path_factory) -> tuple[Path, Path]:
    """The corpus carrying markup, and its report, made once by the real command."""
    folder = tmp_path_factory.mktemp("evil")
    corpus = _evil_corpus(folder)
    page = folder / "evil.html"
    run = _dedup("scan", str(corpus), "--format", "html", "-o", str(page), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    return corpus, page


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1600",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def _open(driver, page: Path) -> list[str]:
    """Load ``page``; return the URLs the browser asked for while loading it."""
    driver.get_log("performance")  # drop what came before
    driver.get(page.as_uri())
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _no_dialog(driver) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def _screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if SCREENSHOTS:
        shutil.copy(path, Path(SCREENSHOTS) / name)
    return path


def test_sample_corpus_report_shows_the_pair(browser, sample_report: Path, tmp_path: Path) -> None:
    page = sample_report
    urls = _open(browser, page)
    assert urls == [page.as_uri()], urls  # the page itself, nothing else
    assert browser.title == "dedup scan report"
    sections = browser.find_elements(By.CSS_SELECTOR, "section.pair")
    assert len(sections) == 1
    heading = sections[0].find_element(By.CSS_SELECTOR, "h3").text
    assert "000_8aaba136161a1b97.txt" in heading and "001_1edf69fc7060fb53.txt" in heading
    relation = browser.find_element(By.CSS_SELECTOR, "#pairs table tbody tr td:nth-child(2)").text
    assert relation == "rewrite"
    # the side-by-side diff holds marked shared text, and every document has a composition bar
    assert sections[0].find_elements(By.CSS_SELECTOR, ".sbs .seg.verbatim")
    assert sections[0].find_elements(By.CSS_SELECTOR, ".sbs .seg.shared_quotation")
    bars = browser.find_elements(By.CSS_SELECTOR, "#documents svg.bar")
    assert len(bars) == 5 and all(bar.get_attribute("aria-label").startswith("own ") for bar in bars)
    # the style sheet applied (allowed by its hash): verbatim text has its colour
    colour = sections[0].find_element(By.CSS_SELECTOR, ".seg.verbatim").value_of_css_property("background-color")
    assert colour == "rgba(86, 180, 233, 1)"
    _screenshot(browser, tmp_path, "report-sample.png")


def test_injected_markup_stays_text(browser, evil_report: tuple[Path, Path], tmp_path: Path) -> None:
    _, page = evil_report
    urls = _open(browser, page)
    assert urls == [page.as_uri()], urls
    assert _no_dialog(browser)
    dom = browser.execute_script(
        "return {scripts: document.scripts.length, imgs: document.images.length,"
        " svgs: document.querySelectorAll('svg:not(.bar)').length,"
        " styles: document.querySelectorAll('style').length,"
        " handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,"
        " jsLinks: document.querySelectorAll('a[href^=\"javascript:\" i]').length,"
        " textareas: document.querySelectorAll('textarea').length,"
        " hidden: getComputedStyle(document.body).display, text: document.body.innerText}"
    )
    assert dom["scripts"] == dom["imgs"] == dom["svgs"] == dom["handlers"] == dom["jsLinks"] == dom["textareas"] == 0
    assert dom["styles"] == 1 and dom["hidden"] != "none"
    for markup in INJECTIONS[:-1]:
        assert markup in dom["text"], f"{markup!r} is not shown as text"
    # a bidirectional override and an escape character are shown as escapes, not obeyed
    assert "\\u202etxt.exe \\x1b[31mred" in dom["text"] and "\u202e" not in dom["text"]
    # every document shared text with the others: pairs rendered, ids as text in their headings
    sections = browser.find_elements(By.CSS_SELECTOR, "section.pair")
    assert len(sections) >= len(INJECTIONS) - 1
    assert any(INJECTIONS[0] in s.find_element(By.CSS_SELECTOR, "h3").text for s in sections)
    browser_log = browser.get_log("browser")
    assert not [e for e in browser_log if "alert" in e.get("message", "")]
    _screenshot(browser, tmp_path, "report-injected.png")
    assert _no_dialog(browser)


def test_pair_page_of_dedup_diff(browser, evil_report: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, _ = evil_report
    ids = [f"{INJECTIONS[1]}-1", f"{INJECTIONS[3]}-3"]
    page = tmp_path / "pair.html"
    run = _dedup("diff", *ids, "--corpus", str(corpus), "--format", "html", "-o", str(page))
    assert run.returncode == 0, run.stderr
    assert _open(browser, page) == [page.as_uri()]
    assert _no_dialog(browser)
    text = browser.find_element(By.TAG_NAME, "body").text
    assert INJECTIONS[1] in text and INJECTIONS[3] in text
    assert browser.execute_script("return document.scripts.length + document.images.length") == 0
    assert browser.find_elements(By.CSS_SELECTOR, ".doc-text .seg.verbatim")


def test_keyboard_navigation_and_print(browser, evil_report: tuple[Path, Path]) -> None:
    from selenium.webdriver.common.keys import Keys

    _open(browser, evil_report[1])
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to the report"
    # every contents link leads to a section of the page, reached with the keyboard
    links = browser.find_elements(By.CSS_SELECTOR, "nav a")
    targets = [link.get_attribute("href").rsplit("#", 1)[1] for link in links]
    assert len(targets) >= 4 + 5
    assert all(browser.find_elements(By.ID, target) for target in targets)
    for _ in range(2):  # past "Summary" to "Documents"
        browser.switch_to.active_element.send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.tag_name == "a" and focused.get_attribute("href").endswith("#documents")
    focused.send_keys(Keys.ENTER)
    assert browser.execute_script("return location.hash") == "#documents"
    # printed: a PDF of several pages, the colours kept for print
    import base64

    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 3
    assert _no_dialog(browser)


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: run `make test-browser` (npm install axe-core)")
@pytest.mark.parametrize("command", ["scan", "diff"])
def test_report_passes_axe(browser, sample_report: Path, tmp_path: Path, command: str) -> None:
    page = sample_report
    if command == "diff":
        page = tmp_path / "diff.html"
        args = ["diff", str(CORPUS / "000_8aaba136161a1b97.txt"), str(CORPUS / "001_1edf69fc7060fb53.txt")]
        assert _dedup(*args, "--format", "html", "-o", str(page)).returncode == 0
    _open(browser, page)
    # DevTools evaluation is not subject to the page's CSP, which allows no script.
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    browser.set_script_timeout(120)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done({violations: r.violations.map(v => ({id: v.id, nodes: v.nodes.length,"
        " sample: v.nodes.slice(0, 3).map(n => n.failureSummary)})), passes: r.passes.map(p => p.id)}))"
        ".catch(e => done({error: String(e)}));"
    )
    assert "error" not in result, result
    assert result["violations"] == [], result["violations"]
    # the rules that matter here did run and pass
    assert {"color-contrast", "document-title", "html-has-lang"} <= set(result["passes"])
