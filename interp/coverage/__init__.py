"""What interp offers the speakers of each language on this server: the coverage table.

``coverage_table`` gives one ``LanguageCoverage`` per language; ``interp models status``,
``interp doctor`` and the coordinator's languages page all show it.
"""

from interp.coverage.table import (
    INSTALL_OFFERED,
    Gap,
    LanguageCoverage,
    coverage_table,
    language_coverage,
    packages_to_install,
)

__all__ = [
    "INSTALL_OFFERED",
    "Gap",
    "LanguageCoverage",
    "coverage_table",
    "language_coverage",
    "packages_to_install",
]
