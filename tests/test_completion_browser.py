"""Completion in the query editor at /sparql, in real headless Chromium: text typed into Yasqe
brings up the hint list with what this graph holds, and Enter puts the choice in the query.

The browser and its helpers are tests/test_browser.py's (skipped without Chromium, except
under CI=true, where that fails).
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from test_browser import ACTIVE, browser, console_errors, page, wait  # noqa: F401

from conftest import BASE

HINTS = "ul.CodeMirror-hints li.CodeMirror-hint"
SCHEMA = "PREFIX schema: <https://schema.org/>\n"


def _editor(driver: WebDriver, text: str) -> WebElement:
    """Open /sparql, put `text` in the open tab's editor with the cursor at its end, and give
    back the editor's input element for typing."""
    driver.get(driver.current_url.split("/sparql")[0] + "/sparql")
    wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror")))
    driver.execute_script(
        "var cm = document.querySelector(arguments[0]).CodeMirror;"
        "cm.setValue(arguments[1]); cm.focus();"
        "cm.getDoc().setCursor({line: cm.getDoc().lastLine(), ch: 1e6});",
        f"{ACTIVE} .CodeMirror", text)
    return driver.find_element(By.CSS_SELECTOR, f"{ACTIVE} .CodeMirror textarea")


def _query(driver: WebDriver) -> str:
    return str(driver.execute_script(
        "return document.querySelector(arguments[0]).CodeMirror.getValue()",
        f"{ACTIVE} .CodeMirror"))


def _hints(driver: WebDriver) -> list[str]:
    return [hint.text for hint in driver.find_elements(By.CSS_SELECTOR, HINTS)]


def _shown(driver: WebDriver, expected: list[str]) -> list[str]:
    """Wait until the hint list is `expected` (it is refreshed at each key typed)."""
    return list(wait(driver, lambda d: _hints(d) == expected and expected))


@pytest.fixture()
def editor_page(page: WebDriver, live_server: str) -> WebDriver:  # noqa: F811
    page.get(live_server + "/sparql")
    return page


@pytest.mark.slow
def test_a_class_completes_and_its_prefix_is_declared(editor_page: WebDriver):
    typing = _editor(editor_page, "SELECT * WHERE {\n  ?paper ")
    typing.send_keys("a Schol")
    _shown(editor_page, ["schema:ScholarlyArticle  (50)"])
    typing.send_keys(Keys.ENTER)
    assert _query(editor_page) == SCHEMA + "SELECT * WHERE {\n  ?paper a schema:ScholarlyArticle"
    assert console_errors(editor_page) == []


@pytest.mark.slow
def test_a_property_completes_from_a_word_of_its_name(editor_page: WebDriver):
    typing = _editor(editor_page, SCHEMA + "SELECT * WHERE {\n  ?paper ")
    typing.send_keys("auth")
    _shown(editor_page, ["schema:author  (188)", "kg:authorship  (188)",
                         "kg:authorListTruncated  (50)"])
    typing.send_keys(Keys.DOWN, Keys.ENTER)
    assert _query(editor_page) == (
        "PREFIX kg: <https://w3id.org/scholarkg/ontology#>\n" + SCHEMA
        + "SELECT * WHERE {\n  ?paper kg:authorship")


@pytest.mark.slow
def test_a_name_completes_to_the_persons_iri(editor_page: WebDriver):
    typing = _editor(editor_page, SCHEMA + "SELECT * WHERE {\n  ?paper schema:author ")
    typing.send_keys("guoy")
    wait(editor_page, lambda d: _hints(d)[:1] == ["Guoying Zhao  — person · 50 papers"])
    typing.send_keys(Keys.ENTER)
    assert _query(editor_page) == (
        SCHEMA + f"SELECT * WHERE {{\n  ?paper schema:author <{BASE}person/guoying-zhao>")
    assert console_errors(editor_page) == []


@pytest.mark.slow
def test_a_prefix_completes_to_this_graphs_namespace(editor_page: WebDriver):
    """Yasqe's own list has schema: as http://schema.org/; this graph's is https://."""
    typing = _editor(editor_page, "PREFIX ")
    typing.send_keys("sch")
    _shown(editor_page, ["schema: <https://schema.org/>"])
    typing.send_keys(Keys.ENTER)
    assert _query(editor_page) == "PREFIX schema: <https://schema.org/>"


@pytest.mark.slow
def test_ctrl_space_lists_every_class(editor_page: WebDriver):
    typing = _editor(editor_page, SCHEMA + "SELECT * WHERE {\n  ?x a ")
    typing.send_keys(Keys.CONTROL, " ")
    _shown(editor_page, ["schema:DefinedTerm  (238)", "kg:Authorship  (188)",
                         "schema:Person  (74)", "schema:ScholarlyArticle  (50)",
                         "kg:Listing  (50)", "schema:SoftwareSourceCode  (23)",
                         "schema:DefinedTermSet  (2)", "schema:ProfilePage  (1)",
                         "kg:ProfileGraph  (1)"])


def _record_lookups(driver: WebDriver) -> None:
    """Record the page's requests as they are made, so that the lookups seen once some hints
    show are all that were made before them."""
    driver.execute_script(
        "window.askedFor = []; var fetchFirst = window.fetch;"
        "window.fetch = function (url) { window.askedFor.push(String(url));"
        "  return fetchFirst.apply(this, arguments); };")


def _lookups(driver: WebDriver) -> list[str]:
    return [url for url in driver.execute_script("return window.askedFor")
            if "/complete/entities" in url]


GUOY = ["/complete/entities?q=guo", "/complete/entities?q=guoy"]


@pytest.mark.slow
def test_a_keyword_being_typed_is_not_looked_up(editor_page: WebDriver):
    """OPTIONAL may stand where a subject goes: its first letters are not looked up as a name,
    not even with Ctrl-Space; a name typed in their place is."""
    typing = _editor(editor_page, SCHEMA + "SELECT * WHERE {\n  ?x schema:name ?n .\n  ")
    _record_lookups(editor_page)
    typing.send_keys("OPTIO")
    typing.send_keys(Keys.CONTROL, " ")
    typing.send_keys(Keys.BACKSPACE * 5, "guoy")
    wait(editor_page, lambda d: _hints(d)[:1] == ["Guoying Zhao  — person · 50 papers"])
    assert _lookups(editor_page) == GUOY


@pytest.mark.slow
def test_a_variable_is_not_looked_up_as_a_name(editor_page: WebDriver):
    """Regression: on Ctrl-Space, `?auth` where a predicate goes was looked up as the name
    "auth" (the term under the cursor was read without its `?`, and the parser state after the
    variable expects an object)."""
    typing = _editor(editor_page, SCHEMA + "SELECT * WHERE {\n  ?x ")
    _record_lookups(editor_page)
    typing.send_keys("?auth")
    typing.send_keys(Keys.CONTROL, " ")  # every completer at a valid position is asked
    typing.send_keys(" guoy")
    wait(editor_page, lambda d: _hints(d)[:1] == ["Guoying Zhao  — person · 50 papers"])
    assert _lookups(editor_page) == GUOY


@pytest.mark.slow
def test_a_typed_alone_is_left_as_rdf_type(editor_page: WebDriver):
    """`?x a` then Enter is a new line, not the first property starting with "a"; one more
    letter brings the properties up."""
    typing = _editor(editor_page, SCHEMA + "SELECT * WHERE {\n  ?x ")
    typing.send_keys("a", Keys.ENTER, "?c .", Keys.ENTER, "?y ab")
    _shown(editor_page, ["schema:about  (52)", "schema:abstract  (50)"])
    # (the editor indents the object under its predicate)
    assert _query(editor_page) == SCHEMA + "SELECT * WHERE {\n  ?x a\n      ?c .\n  ?y ab"
