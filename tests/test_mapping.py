"""IRI minting and repository URL normalisation: one node per thing, however it is written."""

from __future__ import annotations

import pytest

from conftest import BASE
from kg.errors import KgError
from kg.mapping.iris import Minter
from kg.mapping.repositories import find_repositories

mint = Minter(BASE)


def test_same_person_written_differently_is_one_node():
    assert mint.person("Guoying Zhao") == mint.person("guoying  ZHAO")
    assert mint.person("Guoying Zhao").value == "http://127.0.0.1:8000/person/guoying-zhao"
    # NFKC: a full-width letter and its ASCII form are the same name
    assert mint.person("Ｇuoying Zhao") == mint.person("Guoying Zhao")


def test_diacritics_and_punctuation_get_a_distinguishing_hash():
    zoe, zoe_plain = mint.person("Zoë Müller"), mint.person("Zoe Muller")
    assert zoe != zoe_plain
    assert zoe.value.startswith("http://127.0.0.1:8000/person/zoe-muller-")
    assert mint.person("Li-Wei Chen") != mint.person("Li Wei Chen")


def test_a_paper_iri_depends_on_its_title_alone():
    """Regression: the year was part of the IRI, and a year the page left out comes from
    --as-of: built on another day, the same paper got another IRI."""
    a = mint.paper("Data Leakage and Evaluation Issues in Micro-Expression Analysis")
    b = mint.paper("Data leakage and evaluation issues in micro-expression analysis.")
    assert a == b
    assert a.value == "http://127.0.0.1:8000/paper/data-leakage-and-evaluation-issues-92827016"


def test_base_must_be_absolute_and_end_with_slash():
    with pytest.raises(KgError, match="must be an absolute http"):
        Minter("example.org/")
    with pytest.raises(KgError):
        Minter("http://example.org/kg")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Code is publicly available in \\url{https://github.com/tvaranka/meb}.",
         ["https://github.com/tvaranka/meb"]),
        ("at \\href{https://github.com/ZitongYu/CDCN}{https://github.com/ZitongYu/CDCN}.",
         ["https://github.com/ZitongYu/CDCN"]),
        ("see github.com/price112/Attentive-Convolution.",
         ["https://github.com/price112/Attentive-Convolution"]),
        ("(https://GitHub.com/Owner/Repo.git)", ["https://github.com/Owner/Repo"]),
        ("https://github.com/zeroQiaoba/MERTools/tree/master/MER2024.",
         ["https://github.com/zeroQiaoba/MERTools"]),
        ("https://gitlab.com/group/proj/-/tree/main and https://huggingface.co/spaces/a/b",
         ["https://gitlab.com/group/proj", "https://huggingface.co/spaces/a/b"]),
        ("page https://zeroqiaoba.github.io/MER-Challenge.",
         ["https://zeroqiaoba.github.io/MER-Challenge"]),
        ("mail merchallenge.contact@gmail.com or https://github.com/liyiersan/GaitKD/",
         ["https://github.com/liyiersan/GaitKD"]),
        ("no link at https://github.com/ alone", []),
    ],
)
def test_repository_urls_are_normalised(text, expected):
    assert find_repositories(text) == expected


def test_repository_iri_folds_case_where_the_host_does():
    assert mint.repository("https://github.com/haotianll/OmniFD").value == \
        "http://127.0.0.1:8000/repository/github.com/haotianll/omnifd"
    assert mint.repository("https://github.com/ZitongYu/CDCN") == \
        mint.repository("https://github.com/zitongyu/CDCN")
    assert mint.repository("https://gitlab.com/Group/Proj").value == \
        "http://127.0.0.1:8000/repository/gitlab.com/Group/Proj"
