"""The language pairs the Argos Translate package index offers, as last checked.

interp never reads the index while serving, and most servers cannot reach it, so
whether a language *could* be translated is decided from this list: a pair listed
here can be installed (``interp models install --offered``), a language absent from
it has no open translation model. Refresh it when the index grows.

Source: https://github.com/argosopentech/argospm-index, index.json at commit
fd6868d (2025-06-21): 96 packages, 48 languages, every one to or from English (and
es↔pt). ``pb`` is Brazilian Portuguese, ``zt`` Chinese in traditional script.
"""

from __future__ import annotations

AS_OF = "2025-06-21"
SOURCE = "argosopentech/argospm-index index.json, commit fd6868d (2025-06-21)"

# Each has a package to English and one from English.
_WITH_ENGLISH = """
ar az bg bn ca cs da de el eo es et eu fa fi fr ga gl he hi hu id it ja ko ky lt lv ms nb nl
pb pl pt ro ru sk sl sq sv th tl tr uk ur zh zt
"""

KNOWN_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {pair for code in _WITH_ENGLISH.split() for pair in ((code, "en"), ("en", code))}
    | {("es", "pt"), ("pt", "es")}
)
