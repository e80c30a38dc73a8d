/*
 * Yasgui on /sparql, set up for this server.
 *
 * - Queries go to this server's /sparql by POST (the page's data-endpoint), never elsewhere:
 *   the Content-Security-Policy allows our own origin only.
 * - The saved queries (queries/*.rq) are listed above the editor; each opens in its own tab.
 *   They come as JSON from <script type="application/json" id="saved-queries"> when the page
 *   carries it, else from /queries.json.
 * - /sparql?saved=<name> opens that saved query in the editor (without running it) and drops
 *   ?saved from the address bar.
 * - Tabs are kept in this browser's localStorage, as Yasgui does by default.
 * - Autocompletion is set up by yasgui-complete.js, loaded before this file: it completes from
 *   this graph only (Yasqe's class and property completers would ask lov.linkeddata.es).
 *
 * Text from the server is only ever put in the page with textContent, never as HTML.
 */
(function () {
  "use strict";

  var PERSISTENCE_ID = "scholarkg-yasgui";
  var DEFAULT_QUERY = [
    "PREFIX schema: <https://schema.org/>",
    "",
    "SELECT ?paper ?title ?published WHERE {",
    "  ?paper a schema:ScholarlyArticle ;",
    "         schema:name ?title ;",
    "         schema:datePublished ?published .",
    "}",
    "ORDER BY DESC(?published) ?paper",
    "LIMIT 10",
  ].join("\n");

  function showNotice(text) {
    var notice = document.getElementById("yasgui-notice");
    if (!notice) return;
    notice.textContent = text;
    notice.hidden = false;
  }

  function loadSavedQueries(source) {
    var inline = document.getElementById("saved-queries");
    if (inline) return Promise.resolve(JSON.parse(inline.textContent));
    return fetch(source, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(source + " answered " + response.status);
      return response.json();
    });
  }

  function tabs(yasgui) {
    return Object.keys(yasgui._tabs).map(function (id) { return yasgui.getTab(id); });
  }

  /* Select the tab holding `saved` unchanged, or open one for it. An untouched default tab
     (a first visit) is reused rather than left beside it. */
  function openSaved(yasgui, saved, endpoint) {
    var all = tabs(yasgui);
    var same = all.filter(function (tab) {
      return tab.getName() === saved.title && tab.getQuery() === saved.query;
    })[0];
    if (same) {
      yasgui.selectTabId(same.getId());
      return same;
    }
    var current = yasgui.getTab();
    if (all.length === 1 && current && current.getQuery() === DEFAULT_QUERY
        && !current.hasResults()) {
      current.setName(saved.title);
      current.setQuery(saved.query);
      return current;
    }
    var tab = yasgui.addTab(false, {
      name: saved.title,
      yasqe: { value: saved.query },
      requestConfig: { endpoint: endpoint },
    });
    yasgui.selectTabId(tab.getId());
    return tab;
  }

  function markCurrent(list, name) {
    list.querySelectorAll("a[data-name]").forEach(function (link) {
      if (link.dataset.name === name) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }

  function renderList(list, saved, open) {
    var heading = document.createElement("strong");
    heading.textContent = "Saved queries:";
    var items = document.createElement("ul");
    saved.forEach(function (query) {
      var link = document.createElement("a");
      link.href = query.yasgui;
      link.textContent = query.title;
      link.title = query.description;
      link.dataset.name = query.name;
      link.addEventListener("click", function (event) {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey
            || event.altKey) {
          return; // a new browser tab or window: let the link do it
        }
        event.preventDefault();
        open(query);
      });
      var item = document.createElement("li");
      item.appendChild(link);
      items.appendChild(item);
    });
    list.appendChild(heading);
    list.appendChild(items);
    list.hidden = false;
  }

  function start() {
    var root = document.getElementById("yasgui");
    if (!root) return;
    if (typeof window.Yasgui === "undefined") {
      showNotice("The query editor (Yasgui) did not load; the endpoint itself still works.");
      return;
    }
    var Yasgui = window.Yasgui.default || window.Yasgui;
    var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
    // ?saved leaves the address before Yasgui reads it: Yasgui adds every parameter of the page
    // address to the requests it sends and to its share links. The tab it names is kept in this
    // browser, so a reload loses nothing.
    var address = new URL(window.location.href);
    var wanted = address.searchParams.get("saved");
    if (wanted !== null) {
      address.searchParams.delete("saved");
      history.replaceState(history.state, "", address.href);
    }

    var yasgui = new Yasgui(root, {
      persistenceId: PERSISTENCE_ID,
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: { value: DEFAULT_QUERY },
    });
    // Tabs kept in this browser from an earlier visit may name an endpoint of another
    // deployment on this origin; the page may only talk to this one.
    tabs(yasgui).forEach(function (tab) {
      if (tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
    });

    var list = document.getElementById("saved-query-list");
    loadSavedQueries(list.dataset.source).then(function (saved) {
      var open = function (query) {
        openSaved(yasgui, query, endpoint);
        markCurrent(list, query.name);
      };
      renderList(list, saved, open);
      // The list marks the saved query the open tab holds unchanged, if any.
      var mark = function () {
        var tab = yasgui.getTab();
        var shown = saved.filter(function (q) {
          return tab && tab.getName() === q.title && tab.getQuery() === q.query;
        })[0];
        markCurrent(list, shown ? shown.name : null);
      };
      yasgui.on("tabSelect", function () { setTimeout(mark, 0); });
      yasgui.on("tabChange", mark);
      mark();
      if (wanted === null) return;
      var query = saved.filter(function (q) { return q.name === wanted; })[0];
      if (query) open(query);
      else showNotice("There is no saved query named \u201c" + wanted + "\u201d.");
    }).catch(function (error) {
      showNotice("The saved queries could not be loaded (" + error.message + ").");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
