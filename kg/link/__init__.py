"""Link the graph to reference sources (fourth stage): dblp, Wikidata, OpenAlex, ORCID, arXiv
and GitHub.

Each source's links live in a named graph of their own (`<base>graph/links/<source>`), which a
link run replaces whole and every `kg build` carries over. Every link is a `kg:Link` node with
its confidence, method, evidence, reference source and date (PROV-O), and the graph describes
itself as a VoID Linkset.
"""
