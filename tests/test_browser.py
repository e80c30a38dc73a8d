"""The pages in a real browser: headless Chromium, driven by selenium through the system
chromedriver, against real servers on 127.0.0.1 — plus the Yasgui files they load.

Chromium and ChromeDriver are Debian's (`make setup` installs them when run as root). Without
them the browser tests skip, except under CI=true, where a skip would hide that nothing ran:
there they fail and say what is missing. One browser serves the whole module.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import render_template
from pyoxigraph import Store
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_charts import expected_bars, papers_per_year
from werkzeug.serving import make_server

from conftest import AS_OF, BASE, select
from kg.build import build
from kg.serve import ServeConfig, create_app
from kg.serve.assets import DIRECTORY_CONFIG, YASGUI_DIR
from kg.serve.catalog import load_catalog
from kg.store import load_in_memory

#: what Chromium needs to stay off the network it cannot reach here (and to run as root)
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1000",
)
WAIT_SECONDS = 15
XSS_TITLES = ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>")
ACTIVE = ".tabPanel.active"


def _require(what: str, present: bool) -> None:
    """Skip when `what` is missing, but fail under CI, which must run every test."""
    if present:
        return
    message = f"{what}: run `make setup` (as root it installs what is missing)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def _program(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").is_file()
                                  else None)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    chromium, chromedriver = _program("chromium"), _program("chromedriver")
    _require("Debian's chromium and chromium-driver are not installed "
             f"(chromium: {chromium}, chromedriver: {chromedriver})",
             chromium is not None and chromedriver is not None)
    _require(f"Yasgui is not installed in {YASGUI_DIR}", (YASGUI_DIR / "yasgui.min.js").is_file())
    assert chromium is not None and chromedriver is not None
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium would otherwise try to download one.
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture()
def page(browser: WebDriver) -> WebDriver:
    """The module's browser with its console emptied, so a test sees only its own messages."""
    browser.get_log("browser")
    return browser


def console_errors(driver: WebDriver) -> list[dict[str, Any]]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_no_alert(driver: WebDriver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 (the property access is the check)


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    return WebDriverWait(driver, WAIT_SECONDS).until(condition)


def run_in_yasgui(driver: WebDriver) -> list[list[str]]:
    """Click the run button of the open tab; the rows of its results table, as cell texts."""
    button = wait(driver, ec.element_to_be_clickable(
        (By.CSS_SELECTOR, f"{ACTIVE} .yasqe_queryButton")))
    button.click()
    rows = f"{ACTIVE} .yasr table.dataTable tbody tr"
    wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, rows)))
    return [[cell.get_attribute("textContent") for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in driver.find_elements(By.CSS_SELECTOR, rows)]


def serve(app_for: Callable[[str], Any]) -> tuple[str, Callable[[], None]]:
    """A real threaded server on 127.0.0.1 port 0 for the app `app_for(own URL)` builds."""
    holder: dict[str, Any] = {}
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start),
                         threaded=True)
    url = f"http://127.0.0.1:{server.server_port}/"
    holder["app"] = app_for(url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()

    return url, stop


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    """A one-profile graph whose paper titles are markup, served with the server's own URL as
    base so that every entity IRI is a page of it: (base, store)."""
    folder = tmp_path_factory.mktemp("hostile")
    profile = folder / "mallory.txt"
    papers = "".join(f"CVNov {day}, 2022\n{title}\n\nMallory Example\n\nAn abstract.\n\n"
                     for day, title in enumerate(XSS_TITLES, start=20))
    profile.write_text("Mallory Example\n\nCV\nh-index1\n2papers\n0citations\nNovelty0%\n"
                       f"AI Score0\n\n{len(XSS_TITLES)} Papers\n\n{papers}", encoding="utf-8")
    built: dict[str, Store] = {}

    def app_for(base: str):  # type: ignore[no-untyped-def]
        build([profile], folder / "store", base=base, as_of=AS_OF, keyphrases=False)
        built["store"], _info = load_in_memory(folder / "store")
        return create_app(ServeConfig(store=built["store"], base=base))

    base, stop = serve(app_for)
    yield base, built["store"]
    stop()


@pytest.mark.slow
def test_home_page_loads_without_console_errors(page, live_server):
    page.get(live_server + "/")
    assert page.find_element(By.TAG_NAME, "h1").text == "A scholarly knowledge graph"
    assert page.find_element(By.LINK_TEXT, "Guoying Zhao").get_attribute("href") \
        == live_server + "/person/guoying-zhao"
    assert console_errors(page) == []


@pytest.mark.slow
def test_entity_page_shows_the_person(page, live_server):
    page.get(live_server + "/person/guoying-zhao")
    assert page.find_element(By.TAG_NAME, "h1").text == "Guoying Zhao"
    assert page.find_element(By.CSS_SELECTOR, "#papers h2").text.startswith("Papers (")
    assert console_errors(page) == []


@pytest.mark.slow
def test_yasgui_runs_a_saved_query(page, live_server, store):
    saved = {q.name: q for q in load_catalog()}["profile-metrics"]
    profile = select(store, "SELECT ?page { ?page a <https://schema.org/ProfilePage> }")
    page.get(live_server + "/sparql?saved=profile-metrics")
    tab = wait(page, ec.visibility_of_element_located((By.CSS_SELECTOR, ".tab.active a span")))
    assert tab.text == saved.title
    rows = run_in_yasgui(page)
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    # The seed's header: h-index 45, 7,698 citations, 115 papers stated; 50 of them listed.
    assert rows == [["1", f"<{profile[0]['page']}>", "Guoying Zhao",
                     f'"45"{integer}', f'"7698"{integer}', f'"115"{integer}',
                     f'"50"{integer}', '"2026-11-24"^^<http://www.w3.org/2001/XMLSchema#date>']]
    summary = page.find_element(By.CSS_SELECTOR, f"{ACTIVE} .yasr_response_chip").text
    assert summary.startswith("1 result in")
    assert page.find_element(By.LINK_TEXT, saved.title).get_attribute("aria-current") == "true"
    assert page.current_url == live_server + "/sparql"  # ?saved is dropped once the tab is open
    assert console_errors(page) == []


@pytest.mark.slow
def test_yasgui_says_when_a_saved_query_is_unknown(page, live_server):
    page.get(live_server + "/sparql?saved=no-such-query")
    notice = wait(page, ec.visibility_of_element_located((By.ID, "yasgui-notice")))
    assert notice.text == "There is no saved query named \u201cno-such-query\u201d."
    assert console_errors(page) == []


@pytest.mark.slow
def test_markup_in_a_title_is_shown_as_text_and_never_runs(page, hostile):
    base, store = hostile
    for title in XSS_TITLES:
        iri = select(store, f"SELECT ?p {{ ?p <https://schema.org/name> {json.dumps(title)} }}",
                     base)[0]["p"]
        page.get(iri)
        assert_no_alert(page)
        assert page.find_element(By.TAG_NAME, "h1").text == title
        assert console_errors(page) == []
    page.get(base + "person/mallory-example")
    assert_no_alert(page)
    listed = [link.text for link in page.find_elements(By.CSS_SELECTOR, "#papers a")]
    assert sorted(listed) == sorted(XSS_TITLES)
    assert console_errors(page) == []


@pytest.mark.slow
def test_markup_in_a_title_stays_text_in_yasgui_results(page, hostile):
    """Yasr escapes literals in its table. To filter and sort them it also hands the raw value
    to DOMPurify, whose inert DOMParser document never runs a handler, but Chromium checks an
    `onerror` attribute against the page's CSP as it parses it and logs the block as an error.
    Those reports, and only those, are expected here."""
    base, _store = hostile
    page.get(base + "sparql?saved=newest-papers")
    rows = run_in_yasgui(page)
    assert_no_alert(page)
    assert sorted(row[2] for row in rows) == sorted(XSS_TITLES)
    unexpected = [entry for entry in console_errors(page)
                  if "Executing inline event handler violates" not in entry["message"]]
    assert unexpected == []


def test_yasgui_files_are_served_from_the_package(client):
    _require(f"Yasgui is not installed in {YASGUI_DIR}", (YASGUI_DIR / "yasgui.min.js").is_file())
    with client.get("/assets/yasgui/yasgui.min.js") as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
    assert client.get("/assets/yasgui/../../package.json").status_code == 404
    html = client.get("/sparql", headers={"Accept": "text/html"}).text
    version = json.loads((YASGUI_DIR.parent / "package.json").read_text("utf-8"))["version"]
    assert f'src="/assets/yasgui/yasgui.min.js?v={version}"' in html


def test_without_yasgui_the_assets_say_how_to_install_it(store, tmp_path: Path):
    app = create_app(ServeConfig(store=store, base=BASE))
    app.config[DIRECTORY_CONFIG] = str(tmp_path)
    client = app.test_client()
    response = client.get("/assets/yasgui/yasgui.min.js")
    assert (response.status_code, response.mimetype) == (404, "text/plain")
    assert "make setup" in response.text
    html = client.get("/sparql", headers={"Accept": "text/html"}).text
    assert "not installed" in html and "<script" not in html


def test_saved_queries_in_the_page_are_inert_json(app):
    """A query text holding `</script>` must not end the JSON element it travels in."""
    _require(f"Yasgui is not installed in {YASGUI_DIR}", (YASGUI_DIR / "yasgui.min.js").is_file())
    saved = [{"name": "x", "title": "</script><script>alert(1)</script>", "query": "# <!--"}]
    with app.test_request_context("/sparql"):
        html = render_template("sparql/yasgui.html", saved=saved)
    start = html.index('<script type="application/json" id="saved-queries">')
    body = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(body) == saved


def test_browsers_asking_for_an_icon_get_no_content(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response.data) == (204, b"")


@pytest.mark.slow
def test_the_search_box_finds_papers_by_a_word_of_their_abstract(page, live_server):
    """From a person's page, the search box in the header finds her papers whose abstract
    (not title) holds the word, with the word marked in the fragment shown."""
    page.get(live_server + "/person/guoying-zhao")
    box = page.find_element(By.CSS_SELECTOR, "header form.search-box input[name=q]")
    box.send_keys("ethnicity\n")
    wait(page, ec.presence_of_element_located((By.CSS_SELECTOR, "ol.hits")))
    assert page.current_url == live_server + "/search?q=ethnicity"
    papers = page.find_elements(By.CSS_SELECTOR, "li.hit[data-type=paper] > a")
    assert [a.text for a in papers] == [
        "Is Micro-expression Ethnic Leaning?",
        "Multi-Modal Face Anti-Spoofing Based on Central Difference Networks",
    ]
    marks = page.find_elements(By.CSS_SELECTOR, "li.hit[data-type=paper] .fragment mark")
    assert {m.text for m in marks} == {"ethnicity"}
    papers[0].click()
    paper = "/paper/is-micro-expression-ethnic-leaning-c2bc88b0"
    wait(page, ec.url_to_be(f"{live_server}{paper}.html"))  # the IRI, then 303 to its page
    assert "Guoying Zhao" in page.find_element(By.TAG_NAME, "main").text
    assert console_errors(page) == []


def _screenshot(page: WebDriver, tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """Save what Chromium shows, whole page, under the session's pytest temp folder."""
    folder = tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(exist_ok=True)
    height = page.execute_script("return document.documentElement.scrollHeight")
    page.set_window_size(1280, max(1000, min(int(height), 8000)))
    path = folder / f"{name}.png"
    assert page.get_screenshot_as_file(str(path))
    page.set_window_size(1280, 1000)
    return path


def _drawn_bars(page: WebDriver, chart: str) -> dict[str, list[int]]:
    """{year: [value of each mark]} of the bars Chromium laid out with a visible height."""
    return page.execute_script("""
        const found = {};
        for (const bar of document.querySelectorAll(`#chart-${arguments[0]} g.bar`)) {
          found[bar.dataset.label] = [...bar.querySelectorAll('rect.mark')]
            .filter(r => r.getBoundingClientRect().height > 0)
            .map(r => Number(r.dataset.value));
        }
        return found;""", chart)


@pytest.mark.slow
def test_home_page_draws_papers_per_year(page, live_server, store, tmp_path_factory):
    """Chromium lays out a bar per year of the seed (code and no code stacked). A screenshot
    of the whole page is written to `<pytest basetemp>/screenshots/home.png` (for example
    /tmp/pytest-of-$USER/pytest-current/screenshots/) for review."""
    page.get(live_server + "/")
    assert _drawn_bars(page, "years") == expected_bars(papers_per_year(store, ""))
    assert page.find_element(By.CSS_SELECTOR, "main form.search-first input[name=q]")
    _screenshot(page, tmp_path_factory, "home")
    assert console_errors(page) == []


@pytest.mark.slow
def test_person_page_draws_her_charts(page, live_server, store, tmp_path_factory):
    """Papers per year, topics over time and the co-author network, each with the seed's
    number of marks; the screenshot goes to `<pytest basetemp>/screenshots/person.png`."""
    page.get(live_server + "/person/guoying-zhao")
    person = f"<{BASE}person/guoying-zhao>"
    assert _drawn_bars(page, "years") == expected_bars(
        papers_per_year(store, f"?paper schema:author {person} ."))
    cells = {(r["t"], r["d"][:4]) for r in select(
        store, f"SELECT ?t ?d {{ ?p schema:author {person} ; schema:about ?t ; "
               "schema:datePublished ?d }")}
    assert len(page.find_elements(By.CSS_SELECTOR, "#chart-topics rect.mark")) == len(cells)
    coauthors = select(store, f"SELECT (COUNT(DISTINCT ?o) AS ?n) {{ ?p schema:author "
                              f"{person}, ?o FILTER(?o != {person}) }}")
    nodes = page.find_elements(By.CSS_SELECTOR, "#chart-network circle.mark")
    assert len(nodes) == min(24, int(coauthors[0]["n"]))
    assert all(n.size["height"] > 0 for n in nodes)
    _screenshot(page, tmp_path_factory, "person")
    assert console_errors(page) == []


@pytest.mark.slow
def test_charts_are_drawn_with_javascript_off(page, live_server, store):
    """The SVG is drawn by the server: with script execution disabled (DevTools protocol), the
    person's bars are still laid out, one group per year with a visible rect per mark."""
    page.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        page.get(live_server + "/person/guoying-zhao")
        expected = expected_bars(papers_per_year(
            store, f"?paper schema:author <{BASE}person/guoying-zhao> ."))
        bars = page.find_elements(By.CSS_SELECTOR, "#chart-years g.bar")
        assert [b.get_attribute("data-label") for b in bars] == list(expected)
        marks = page.find_elements(By.CSS_SELECTOR, "#chart-years rect.mark")
        assert len(marks) == sum(len(v) for v in expected.values())
        assert all(m.size["height"] > 0 for m in marks)
    finally:
        page.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
