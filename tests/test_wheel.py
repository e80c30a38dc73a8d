"""The released package works away from the checkout: the sdist and the wheel are built from it,
the wheel is installed into a fresh venv outside it, and that install builds, queries and serves.

What broke: a wheel's `kg build` ended in `FileNotFoundError: …/site-packages/ontology/
arxiv-categories.csv`, since `ontology/`, `queries/` and Yasgui (node_modules/) were read from
beside the package. The install takes its dependencies from the wheelhouse `make setup` fills
(`--no-index`): nothing is downloaded here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef

from conftest import AS_OF, ROOT, SEEDS
from kg.config import DEFAULT_BASE, YASGUI_DIR
from kg.mapping.vocab import KG
from servers import PAPERS, free_port, wait_until_answers

WHEELHOUSE = Path(sys.prefix) / "wheelhouse"
#: what the package must carry, as paths inside it
SHIPPED = ["kg/ontology/kg.ttl", "kg/ontology/shapes.ttl", "kg/ontology/arxiv-categories.csv",
           *(f"kg/queries/{p.name}" for p in sorted((ROOT / "queries").glob("*.rq"))),
           "kg/serve/yasgui/package.json", "kg/serve/yasgui/build/yasgui.min.js",
           "kg/serve/yasgui/build/yasgui.min.css"]

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the fresh venv's bin folder, its environment, a working folder outside the checkout)."""
    assert (YASGUI_DIR / "yasgui.min.js").is_file(), "no Yasgui in the package: make setup"
    assert WHEELHOUSE.is_dir(), f"no wheelhouse at {WHEELHOUSE}: make setup"
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    # sdist first, then the wheel from the unpacked sdist: the wheel proves the sdist complete
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, ROOT, cwd=ROOT)
    (sdist,) = dist.glob("scholarkg-*.tar.gz")
    (wheel,) = dist.glob("scholarkg-*-py3-none-any.whl")
    with tarfile.open(sdist) as archive:
        in_sdist = {name.partition("/")[2] for name in archive.getnames()}
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    assert [p for p in SHIPPED if p not in in_sdist] == []
    assert [p for p in SHIPPED if p not in in_wheel] == []
    assert [n for n in in_wheel if "node_modules" in n] == []

    venv = work / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=work)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-index",
         "--find-links", WHEELHOUSE, wheel, cwd=work, env=env)
    return venv / "bin", env, work


def test_installed_wheel_is_imported_from_its_venv(installed):
    bin_dir, env, work = installed
    where = _run(bin_dir / "python", "-c", "import kg.config; print(kg.config.PACKAGE_DIR)",
                 cwd=work, env=env).stdout.strip()
    assert Path(where).is_relative_to(bin_dir.parent)
    assert Path(where, "ontology").is_dir() and not Path(where, "ontology").is_symlink()


def test_installed_wheel_builds_queries_and_serves(installed):
    bin_dir, env, work = installed
    _run(bin_dir / "kg", "build", SEEDS, "--store", "s", "--as-of", AS_OF.isoformat(),
         cwd=work, env=env)
    answer = _run(bin_dir / "kg", "query", PAPERS, "--store", "s", "--format", "json",
                  cwd=work, env=env).stdout
    assert json.loads(answer)["results"]["bindings"][0]["n"]["value"] == "50"
    api = _run(bin_dir / "python", "-c", f"import kg; print(kg.query({PAPERS!r}, 's'))",
               cwd=work, env=env).stdout
    assert "'n': rdflib.term.Literal('50'" in api

    port = free_port()
    server = subprocess.Popen([bin_dir / "kg", "serve", "--store", "s", "--port", str(port)],
                              cwd=work, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_answers(f"{url}/sparql", server)
        page = requests.get(f"{url}/sparql", headers={"Accept": "text/html"}, timeout=30).text
        version = json.loads((YASGUI_DIR.parent / "package.json").read_text("utf-8"))["version"]
        assert f'src="/assets/yasgui/yasgui.min.js?v={version}"' in page
        script = requests.get(f"{url}/assets/yasgui/yasgui.min.js", timeout=30)
        assert (script.status_code, script.content) == (
            200, (YASGUI_DIR / "yasgui.min.js").read_bytes())

        listed = requests.get(f"{url}/queries.json", timeout=30).json()
        names = sorted(entry["name"] for entry in listed)
        assert names == sorted(p.stem for p in (ROOT / "queries").glob("*.rq"))
        text = requests.get(f"{url}/queries/papers-with-code.rq", timeout=30).text
        # as written, with the BASE line that makes it portable (kg.serve.catalog)
        assert text.replace(f"BASE <{DEFAULT_BASE}>\n", "", 1) == \
            (ROOT / "queries" / "papers-with-code.rq").read_text("utf-8")

        ontology = requests.get(f"{url}/ontology", headers={"Accept": "text/turtle"},
                                timeout=30)
        assert ontology.status_code == 200
        terms = Graph().parse(data=ontology.text, format="turtle")
        assert (URIRef(KG + "Authorship"), None, None) in terms
    finally:
        server.terminate()
        server.wait(30)
