/*
 * Completion in the query editor at /sparql, from this graph only (kg/serve/completion.py).
 *
 * Loaded after yasgui.min.js and before yasgui-setup.js. It registers four Yasqe completers and
 * makes them, with Yasqe's own variable completer, the only ones: Yasqe's class and property
 * completers ask lov.linkeddata.es (another host, which the Content-Security-Policy blocks) and
 * its prefix completer offers prefix.cc's list, where schema: is http://schema.org/, not the
 * https:// namespace of this graph.
 *
 * - kg-prefixes: after PREFIX, the prefixes of /complete/prefixes. It is a fork of Yasqe's
 *   prefix completer, so a prefixed name typed (or completed) with an undeclared prefix still
 *   adds its PREFIX line, now with this graph's namespace.
 * - kg-classes: after `a` or rdf:type, the classes of the graph, most instances first.
 * - kg-properties: where a predicate goes, the properties of the graph, most used first.
 * - kg-entities: a word typed where a subject or object goes (3 letters or more) looks up
 *   persons, papers and topics by name in the search index and completes to the IRI.
 *
 * Classes and properties match a typed local name (`Schol`, `auth`), a prefixed name
 * (`schema:Sch`) or the start of an IRI (`<https://schema.org/S`), whatever the case. They show
 * as the user types; Ctrl-Space at an empty position lists them all. Where a position is
 * cannot be read from Yasqe's own completion token (it splits `auth` into `a` and `uth`), so it
 * is read from the parser state just before the term being typed.
 *
 * Suggestions reach the page as hint text (CodeMirror puts it in with textContent), never as
 * HTML.
 */
(function () {
  "use strict";

  var COMPLETERS = ["variables", "kg-prefixes", "kg-classes", "kg-properties", "kg-entities"];
  var MAX_TERMS = 50;
  var MIN_ENTITY_CHARS = 3;
  // a long title is cut in the list (the IRI it puts in is whole)
  var MAX_NAME_CHARS = 80;
  var RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
  // characters of a prefixed name or of a word typed for an entity
  var TERM_CHAR = /[\p{L}\p{N}_.:%\-]/u;
  var IRI_START = /<[^<>\s]*$/;
  // a word looked up by name: a letter in it, no prefix, not ending a triple with its "."
  var ENTITY_WORD = /^(?=.*\p{L})[\p{L}\p{N}][\p{L}\p{N}_.\-]*$/u;

  if (typeof window.Yasgui === "undefined") return; // yasgui-setup.js says so on the page
  var Yasgui = window.Yasgui.default || window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  var root = document.getElementById("yasgui");
  if (!Yasqe || !root) return;
  var urls = root.dataset;

  /* Ctrl-Space asks for completion where nothing is typed yet; typing alone does not. */
  var explicit = false;
  Yasqe.defaults.extraKeys["Ctrl-Space"] = function (yasqe) {
    explicit = true;
    try {
      yasqe.autocomplete();
    } finally {
      explicit = false;
    }
  };

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(url + " answered " + response.status);
      return response.json();
    });
  }

  /* Classes, properties and prefixes: one fetch each per page, shared by every tab. */
  var vocabulary = null;
  function loadVocabulary() {
    if (vocabulary === null) {
      vocabulary = Promise.all([
        getJson(urls.completeClasses), getJson(urls.completeProperties),
        getJson(urls.completePrefixes),
      ]).then(function (answers) {
        var prefixes = {};
        answers[2].prefixes.forEach(function (p) { prefixes[p.prefix] = p.namespace; });
        return { classes: answers[0].classes, properties: answers[1].properties,
                 prefixes: prefixes, prefixList: answers[2].prefixes };
      }, function (error) {
        vocabulary = null; // try again at the next completion
        throw error;
      });
    }
    return vocabulary;
  }

  /* The term the cursor is in: {string, start, end, before, variable} where `before` is the
     text from its start to the cursor. An IRI (`<…`) runs back to its `<`; anything else over
     the characters of a prefixed name (then `variable` says whether a ? or $ comes first). */
  function termAt(yasqe) {
    var cursor = yasqe.getDoc().getCursor();
    var line = yasqe.getDoc().getLine(cursor.line);
    var start = cursor.ch;
    var iri = IRI_START.exec(line.slice(0, cursor.ch));
    if (iri) {
      start = iri.index;
    } else {
      while (start > 0 && TERM_CHAR.test(line.charAt(start - 1))) start--;
    }
    var end = cursor.ch;
    while (end < line.length && TERM_CHAR.test(line.charAt(end))) end++;
    if (iri && line.charAt(end) === ">") end++;
    return { line: cursor.line, start: start, end: end, string: line.slice(start, end),
             before: line.slice(start, cursor.ch),
             variable: start > 0 && /[?$]/.test(line.charAt(start - 1)) };
  }

  /* What the grammar expects where `term` starts, from the parser state there. */
  function positionOf(yasqe, term) {
    var token = yasqe.getTokenAt({ line: term.line, ch: term.start }, true);
    var state = token.state;
    if (!state || !state.OK) return null; // an error before the cursor: the state says nothing
    var expected = state.possibleNext || [];
    var previous = token.type === "ws" || !token.string.trim()
      ? yasqe.getPreviousNonWsToken(term.line, token) : token;
    var prev = previous ? previous.string : "";
    var verb = state.lastProperty || "";
    var declared = yasqe.getPrefixesFromQuery();
    var typeVerb = verb === "a" || verb === "<" + RDF_TYPE + ">"
      || (verb.indexOf(":") > 0 && declared[verb.split(":")[0]] + verb.split(":")[1] === RDF_TYPE);
    if (expected.indexOf("a") >= 0 || prev === "/" || prev === "|" || prev === "^") {
      return { kind: "predicate", expected: expected };
    }
    if (typeVerb && (prev === verb || prev === ",")) return { kind: "class", expected: expected };
    if (expected.indexOf("PNAME_LN") >= 0) return { kind: "term", expected: expected };
    return null;
  }

  /* The prefixed form of `iri` under the query's own prefixes, else under ours when the query
     does not give that name another namespace (kg-prefixes then declares it), else <iri>. */
  function written(iri, declared, ours) {
    var best = null;
    function consider(name, namespace) {
      if (!namespace || iri.indexOf(namespace) !== 0) return;
      var local = iri.slice(namespace.length);
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(local)) return;
      if (best === null || namespace.length > best.length) {
        best = { text: name + ":" + local, length: namespace.length };
      }
    }
    Object.keys(declared).forEach(function (name) { consider(name, declared[name]); });
    if (best === null) {
      Object.keys(ours).forEach(function (name) {
        if (declared[name] === undefined) consider(name, ours[name]);
      });
    }
    return best ? best.text : "<" + iri + ">";
  }

  function localName(iri) {
    return iri.slice(Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/")) + 1);
  }

  /* Whether a class or property `entry` fits what was typed (see the file's comment). */
  function matches(entry, typed, declared, ours) {
    if (typed === "") return true;
    var lower = typed.toLowerCase();
    if (typed.charAt(0) === "<") return entry.iri.indexOf(typed.slice(1)) === 0;
    var colon = typed.indexOf(":");
    if (colon >= 0) {
      var name = typed.slice(0, colon);
      var namespace = declared[name] !== undefined ? declared[name] : ours[name];
      if (namespace === undefined || entry.iri.indexOf(namespace) !== 0) return false;
      return entry.iri.slice(namespace.length).toLowerCase().indexOf(
        typed.slice(colon + 1).toLowerCase()) === 0;
    }
    return localName(entry.iri).toLowerCase().indexOf(lower) === 0
      || (entry.prefixed || "").toLowerCase().indexOf(lower) === 0;
  }

  /* A completer of this graph's terms: `kind` is "classes" or "properties". Each keeps the
     labels of its last suggestions, keyed by the text they put in, for the hint list. */
  function termCompleter(name, kind, position) {
    var labels = {};
    return {
      name: name,
      bulk: false,
      autoShow: true,
      persistenceId: function () { return undefined; },
      isValidCompletionPosition: function (yasqe) {
        var term = termAt(yasqe);
        // typed alone, `a` is most likely rdf:type written out, not the start of a name
        if (term.variable || ((term.before === "" || term.before === "a") && !explicit)) {
          return false;
        }
        var where = positionOf(yasqe, term);
        return where !== null && where.kind === position;
      },
      preProcessToken: function (yasqe, token) {
        var term = termAt(yasqe);
        return Object.assign({}, token, { string: term.before, from: { ch: term.start },
                                          to: { ch: term.end } });
      },
      get: function (yasqe, token) {
        return loadVocabulary().then(function (v) {
          var declared = yasqe.getPrefixesFromQuery();
          labels = {};
          return v[kind].filter(function (entry) {
            return matches(entry, token.string, declared, v.prefixes);
          }).slice(0, MAX_TERMS).map(function (entry) {
            var text = written(entry.iri, declared, v.prefixes);
            labels[text] = text + "  (" + entry.count.toLocaleString("en") + ")";
            return text;
          });
        }, function () { return []; });
      },
      postprocessHints: function (_yasqe, hints) {
        hints.forEach(function (hint) { hint.displayText = labels[hint.text] || hint.text; });
        return hints;
      },
    };
  }

  /* Whether `word` may be the start of a keyword the grammar allows here (OPTIONAL, FILTER,
     true…): then it is not looked up as a name. */
  function startsKeyword(word, expected) {
    var upper = word.toUpperCase();
    return expected.some(function (symbol) {
      return /^[A-Z]+$/.test(symbol) && symbol.indexOf(upper) === 0;
    });
  }

  function isEntityWord(word) {
    return word.length >= MIN_ENTITY_CHARS && ENTITY_WORD.test(word)
      && word.charAt(word.length - 1) !== ".";
  }

  function entityCompleter() {
    var labels = {};
    return {
      name: "kg-entities",
      bulk: false,
      autoShow: true,
      persistenceId: function () { return undefined; },
      isValidCompletionPosition: function (yasqe) {
        var term = termAt(yasqe);
        var word = term.before;
        if (term.variable || !isEntityWord(word)) return false;
        var where = positionOf(yasqe, term);
        return where !== null && where.kind === "term" && !startsKeyword(word, where.expected);
      },
      preProcessToken: function (yasqe, token) {
        var term = termAt(yasqe);
        return Object.assign({}, token, { string: term.before, from: { ch: term.start },
                                          to: { ch: term.end } });
      },
      get: function (_yasqe, token) {
        if (!isEntityWord(token.string)) return []; // typed on into something else
        var url = urls.completeEntities + "?q=" + encodeURIComponent(token.string);
        return getJson(url).then(function (answer) {
          labels = {};
          return answer.results.map(function (entity) {
            var text = "<" + entity.iri + ">";
            var name = entity.name.length > MAX_NAME_CHARS
              ? entity.name.slice(0, MAX_NAME_CHARS - 1) + "\u2026" : entity.name;
            labels[text] = name + "  \u2014 " + entity.description;
            return text;
          });
        }, function () { return []; });
      },
      postprocessHints: function (_yasqe, hints) {
        hints.forEach(function (hint) { hint.displayText = labels[hint.text] || hint.text; });
        return hints;
      },
    };
  }

  Yasqe.registerAutocompleter(termCompleter("kg-classes", "classes", "class"), false);
  Yasqe.registerAutocompleter(termCompleter("kg-properties", "properties", "predicate"), false);
  Yasqe.registerAutocompleter(entityCompleter(), false);
  Yasqe.forkAutocompleter("prefixes", {
    name: "kg-prefixes",
    persistenceId: function () { return undefined; }, // never a stale list from localStorage
    get: function (_yasqe, token) {
      // with a token (before the list is loaded), only what starts as the token does: the
      // completer adds the first suggestion as a PREFIX line
      var wanted = token ? token.autocompletionString || token.string : "";
      return loadVocabulary().then(function (v) {
        return v.prefixList.map(function (p) { return p.prefix + ": <" + p.namespace + ">"; })
          .filter(function (line) { return line.indexOf(wanted) === 0; });
      }, function () { return []; });
    },
  }, false);
  Yasqe.defaults.autocompleters = COMPLETERS.slice();
})();
