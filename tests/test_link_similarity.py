"""Title and name similarity, and identifiers as IRIs: the measures every link rests on."""

from __future__ import annotations

import pytest

from kg.link.identifiers import (
    dblp_person_iri,
    doi_iri,
    openalex_iri,
    orcid_iri,
    scheme,
    wikidata_iri,
)
from kg.link.similarity import name_similarity, name_tokens, spelling_key, title_similarity


@pytest.mark.parametrize(("a", "b", "expected"), [
    # case, punctuation and a trailing full stop (dblp) do not count
    ("Data Leakage and Evaluation Issues in Micro-Expression Analysis",
     "data leakage and evaluation issues in micro expression analysis.", 1.0),
    # LaTeX (OpenAlex) and a Unicode hyphen (Wikidata)
    ("L2RW+: A Comprehensive Benchmark Towards Privacy-Preserved Visible-Infrared Person "
     "Re-Identification",
     "L$^2$RW+: A Comprehensive Benchmark Towards Privacy-Preserved Visible-Infrared Person "
     "Re-Identification", 0.99),
    ("Is Micro-expression Ethnic Leaning?", "Is Micro\u2010expression Ethnic Leaning?", 1.0),
    # reordered words
    ("Graph Learning for Micro-Expression Recognition",
     "Micro-Expression Recognition Graph Learning for", 1.0),
    # near-duplicates that are different papers
    ("PhysFormer: Facial Video-based Physiological Measurement with Temporal Difference "
     "Transformer",
     "PhysFormer++: Facial Video-based Physiological Measurement with SlowFast Temporal "
     "Difference Transformer", 0.953),
    ("Uncertain Label Correction via Auxiliary Action Unit Graphs for Facial Expression "
     "Recognition",
     "Uncertain Facial Expression Recognition via Multi-task Assisted Correction", 0.707),
    # a title changed between preprint and publication
    ("Towards Consistent and Controllable Image Synthesis for Face Editing",
     "Consistent and Controllable Image Synthesis for Face Editing with Diffusion Models.",
     0.827),
    ("", "Anything", 0.0),
])
def test_title_similarity(a, b, expected):
    assert title_similarity(a, b) == expected


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("Guoying Zhao", "Guoying Zhao", 1.0),
    ("Guoying Zhao", "Zhao Guoying", 1.0),          # family name first
    ("Guoying Zhao", "Zhao, Guoying", 1.0),         # family name first, with a comma
    ("Tiina Törmänen", "Tiina Tormanen", 1.0),      # diacritics
    ("KhÁnh Nguyen", "Khánh Nguyen", 1.0),          # case inside a word
    ("Huai-Qian Khor", "Huaiqian Khor", 1.0),       # hyphen joined
    ("Huai-Qian Khor", "Huai Qian Khor", 1.0),
    ("Wei Peng", "Wei Peng 0002", 1.0),             # dblp homonym number
    ("Kevin H. M. Cheng", "Kevin Cheng", 0.9),      # middle initials dropped
    ("Kevin H. M. Cheng", "Kevin Ho-Man Cheng", 0.9),
    ("Guoying Zhao", "G. Zhao", 0.8),               # initials
    ("Zhao G.", "Guoying Zhao", 0.8),
    ("Kevin H. M. Cheng", "K. H. M. Cheng", 0.8),
    ("Mengting Wei", "Mengtin Wei", 0.793),         # a near spelling of a long given name
    ("Xu Cheng", "Xu Chen", 0.0),                   # Cheng and Chen are two family names
    ("Yang Liu", "Yante Li", 0.0),
    ("Hui Wei", "Hui Yu", 0.0),
    ("Guoying", "Zhao", 0.0),
    ("", "Guoying Zhao", 0.0),
])
def test_name_similarity(a, b, expected):
    assert name_similarity(a, b) == expected
    assert name_similarity(b, a) == expected


def test_name_tokens_and_key_ignore_order_accents_and_homonym_numbers():
    assert name_tokens("Zhao, Guoying") == ("guoying", "zhao")
    assert name_tokens("Yang Liu 0003") == ("yang", "liu")
    assert spelling_key("Tiina Törmänen") == spelling_key("Törmänen, Tiina") == "tiinatormanen"


@pytest.mark.parametrize(("value", "expected"), [
    ("0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097"),
    ("https://orcid.org/0000-0002-1694-233x", "https://orcid.org/0000-0002-1694-233X"),
    ("0000000218250097", "https://orcid.org/0000-0002-1825-0097"),
    ("0000-0002-1825-0098", None),  # wrong check digit: never repaired
    ("not an orcid", None),
])
def test_orcid_iri_checks_the_check_digit(value, expected):
    assert orcid_iri(value) == expected


def test_identifier_iris():
    assert doi_iri("https://doi.org/10.48550/ARXIV.2211.90001") == \
        "https://doi.org/10.48550/arxiv.2211.90001"
    assert doi_iri("no doi") is None
    assert dblp_person_iri("99/1003-2") == "https://dblp.org/pid/99/1003-2"
    assert openalex_iri("https://openalex.org/a5900000001") == "https://openalex.org/A5900000001"
    assert wikidata_iri("Q95000001") == "http://www.wikidata.org/entity/Q95000001"
    assert [scheme(i) for i in ("https://orcid.org/x", "https://doi.org/x",
                                "https://dblp.org/pid/x", "https://openalex.org/A1",
                                "http://www.wikidata.org/entity/Q1", "https://example.org/")] \
        == ["orcid", "doi", "dblp", "openalex", "wikidata", None]
