"""Every fact of the seed profile, asserted through SPARQL on the built store."""

from __future__ import annotations

import hashlib

from conftest import SEED, ask, select, value


def test_fifty_papers_listed_and_115_stated(store):
    papers = "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a schema:ScholarlyArticle }"
    assert value(store, papers) == "50"
    row = select(store, "SELECT ?stated ?listed { ?page kg:statedPaperCount ?stated ; "
                        "kg:listedPaperCount ?listed }")
    assert row == [{"stated": "115", "listed": "50"}]


def test_categories(store):
    rows = select(store, """
        SELECT ?code ?arxiv (COUNT(DISTINCT ?p) AS ?n) {
          ?p kg:categoryCode ?code ; schema:about ?t . ?t schema:termCode ?arxiv
        } GROUP BY ?code ?arxiv ORDER BY DESC(?n) ?code""")
    assert rows == [
        {"code": "CV", "arxiv": "cs.CV", "n": "44"},
        {"code": "CL", "arxiv": "cs.CL", "n": "2"},
        {"code": "LG", "arxiv": "cs.LG", "n": "2"},
        {"code": "HC", "arxiv": "cs.HC", "n": "1"},
        {"code": "IV", "arxiv": "eess.IV", "n": "1"},
    ]


def test_topics_are_defined_terms_of_the_arxiv_taxonomy(store):
    rows = select(store, """
        SELECT ?name ?set { ?t schema:termCode "eess.IV" ; a schema:DefinedTerm ;
          schema:name ?name ; schema:inDefinedTermSet ?s . ?s schema:name ?set }""")
    assert rows == [{"name": "Image and Video Processing", "set": "arXiv category taxonomy"}]


def test_code_flags(store):
    assert value(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p kg:hasCode true }") == "24"
    assert value(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p kg:hasCode false }") == "26"


def test_nine_dates_without_year_resolved_by_as_of_rule(store):
    rows = select(store, """SELECT ?d { ?p kg:yearInferred true ; schema:datePublished ?d }
                            ORDER BY ?d""")
    assert [r["d"] for r in rows] == [
        "2026-03-13", "2026-03-17", "2026-03-24", "2026-04-21", "2026-04-29",
        "2026-05-04", "2026-05-10", "2026-05-12", "2026-05-16",
    ]


def test_dates_are_typed(store):
    assert value(store, """SELECT (COUNT(?d) AS ?n) { ?p schema:datePublished ?d
                           FILTER(datatype(?d) = xsd:date) }""") == "50"
    assert value(store, """SELECT ?d { ?p schema:name ?t ; schema:datePublished ?d
                           FILTER(STRSTARTS(?t, "OmniFD")) }""") == "2025-11-30"


def test_44_cut_author_lists(store):
    assert value(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p kg:authorListTruncated true }") \
        == "44"


def test_74_distinct_named_authors(store):
    assert value(store, "SELECT (COUNT(DISTINCT ?a) AS ?n) { ?p schema:author ?a }") == "74"
    assert value(store, "SELECT (COUNT(DISTINCT ?a) AS ?n) { ?a a schema:Person }") == "74"


def test_author_order_is_kept(store):
    rows = select(store, """
        SELECT ?pos ?name { ?p schema:name ?t ; kg:authorship ?a . ?a schema:position ?pos ;
          schema:item/schema:name ?name FILTER(STRSTARTS(?t, "Data Leakage")) } ORDER BY ?pos""")
    assert rows == [
        {"pos": "1", "name": "Tuomas Varanka"},
        {"pos": "2", "name": "Yante Li"},
        {"pos": "3", "name": "Wei Peng"},
    ]


def test_omnifd_repository_has_no_trailing_dot(store):
    assert value(store, """SELECT ?url { ?p schema:name ?t ; kg:hasSourceCode ?r .
        ?r schema:codeRepository ?url FILTER(STRSTARTS(?t, "OmniFD")) }""") \
        == "https://github.com/haotianll/OmniFD"


def test_cdcn_repository_is_one_node(store):
    """GitHub folds the case of owners and repositories: the IRI does too (regression: the IRI
    kept the case of the URL, so `ZitongYu/CDCN` and `zitongyu/CDCN` would be two nodes)."""
    rows = select(store, """SELECT ?r { ?r schema:codeRepository ?url
                            FILTER(CONTAINS(STR(?url), "CDCN")) }""")
    assert rows == [{"r": "http://127.0.0.1:8000/repository/github.com/zitongyu/cdcn"}]
    assert value(store, """SELECT (COUNT(*) AS ?n) {
        ?p kg:hasSourceCode <http://127.0.0.1:8000/repository/github.com/zitongyu/cdcn> }""") \
        == "2"


def test_23_repositories_all_normalised(store):
    rows = select(store, "SELECT DISTINCT ?url { ?r schema:codeRepository ?url } ORDER BY ?url")
    urls = [r["url"] for r in rows]
    assert len(urls) == 23
    assert "https://github.com/zeroQiaoba/MERTools" in urls  # /tree/master/MER2024 cut
    assert "https://github.com/price112/Attentive-Convolution" in urls  # had no scheme
    assert "https://zeroqiaoba.github.io/MER-Challenge" in urls  # a project page
    assert not [u for u in urls if u.endswith((".", ")", "/", ".git", "}"))]


def test_profile_metrics(store):
    rows = select(store, """
        SELECT ?name ?h ?c ?nov ?ai ?asof { ?page a schema:ProfilePage ; schema:about ?who ;
          kg:hIndex ?h ; kg:citationCount ?c ; kg:noveltyPercent ?nov ; kg:aiScore ?ai ;
          kg:asOf ?asof . ?who schema:name ?name }""")
    assert rows == [{"name": "Guoying Zhao", "h": "45", "c": "7698", "nov": "47", "ai": "60",
                     "asof": "2026-11-24"}]


def test_each_listing_keeps_its_file_and_line(store):
    rows = select(store, """SELECT ?g ?page ?file ?line { GRAPH ?g {
        ?page kg:lists [ schema:item ?p ; kg:sourceFile ?file ; kg:sourceLine ?line ] .
        ?p schema:name ?t } FILTER(STRSTARTS(?t, "MER 2026")) }""")
    assert rows == [{"g": "http://127.0.0.1:8000/graph/000_4bcbefa2e1da6666",
                     "page": "http://127.0.0.1:8000/profile/000_4bcbefa2e1da6666",
                     "file": "000_4bcbefa2e1da6666.txt", "line": "355"}]


def test_the_profile_graph_holds_all_but_the_term_sets(store):
    """Topics and the term sets are described once, in graphs of their own, so that a join on a
    topic's name does not repeat per profile."""
    rows = select(store, """SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }
                            GROUP BY ?g ORDER BY ?g""")
    assert rows == [{"g": "http://127.0.0.1:8000/graph/000_4bcbefa2e1da6666", "n": "3046"},
                    {"g": "http://127.0.0.1:8000/graph/terms/arxiv", "n": "27"},
                    {"g": "http://127.0.0.1:8000/graph/terms/keyphrases", "n": "2"}]
    assert select(store, """SELECT DISTINCT ?p { GRAPH <graph/terms/arxiv> { ?s ?p ?o } }
                            ORDER BY ?p""") == [{"p": f"{i}"} for i in (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "https://schema.org/inDefinedTermSet",
        "https://schema.org/name", "https://schema.org/termCode",
        "https://w3id.org/scholarkg/ontology#profileCode")]
    assert len(list(store.quads_for_pattern(None, None, None, None))) == len(store)


def test_the_default_graph_is_the_merged_graph_each_triple_once(store):
    """Regression: queries saw the union of the named graphs, so a triple two graphs state
    (a topic's name in the term set and a profile) was counted twice by plain SPARQL."""
    # (a remote store also keeps its build manifest there, as one urn:scholarkg: triple)
    assert value(store, """SELECT (COUNT(*) AS ?n) { ?s ?p ?o
                           FILTER(!STRSTARTS(STR(?s), "urn:scholarkg:")) }""") == "3075"
    assert value(store, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o "
                        "{ GRAPH ?g { ?s ?p ?o } } }") == "3075"
    assert value(store, "SELECT (COUNT(*) AS ?n) { ?p a schema:ScholarlyArticle }") == "50"
    assert value(store, """SELECT (COUNT(*) AS ?n) { ?p schema:author ?z .
                           ?z schema:name "Guoying Zhao" }""") == "50"


def test_only_the_topics_profiles_refer_to_are_described(store):
    assert select(store, """SELECT ?code { GRAPH <graph/terms/arxiv> { ?t schema:termCode ?code } }
                            ORDER BY ?code""") == [
        {"code": c} for c in ("cs.CL", "cs.CV", "cs.HC", "cs.LG", "eess.IV")]


def test_key_phrases_are_defined_terms_of_our_term_set(store):
    rows = select(store, """SELECT DISTINCT ?set { ?p schema:keywords ?k .
                            ?k a schema:DefinedTerm ; schema:inDefinedTermSet ?set }""")
    assert rows == [{"set": "http://127.0.0.1:8000/termset/keyphrases"}]
    assert value(store, """SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p schema:keywords ?k }""") == "50"
    assert ask(store, """ASK { ?p schema:name ?t ; schema:keywords ?k .
        ?k schema:name "data leakage" FILTER(STRSTARTS(?t, "Data Leakage")) }""")


def test_the_profile_graph_is_described_with_its_file_hash_and_as_of(store):
    graph = "http://127.0.0.1:8000/graph/000_4bcbefa2e1da6666"
    digest = hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert select(store, f"""SELECT ?page ?file ?sha ?asOf {{ <{graph}> a kg:ProfileGraph ;
        schema:about ?page ; kg:sourceFile ?file ; kg:sha256 ?sha ; kg:asOf ?asOf }}""") == [
        {"page": "http://127.0.0.1:8000/profile/000_4bcbefa2e1da6666",
         "file": "000_4bcbefa2e1da6666.txt", "sha": digest, "asOf": "2026-11-24"}]
