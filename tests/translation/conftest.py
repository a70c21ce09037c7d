from __future__ import annotations

from pathlib import Path

import pytest

from tests.translation.argos_package import EN_ES, EN_FR, ES_EN, build_argos_package


@pytest.fixture
def argos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing argostranslate.settings creates folders under these.
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (("DATA", "data"), ("CONFIG", "config"), ("CACHE", "cache")):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(home / sub))


@pytest.fixture(scope="session")
def argos_archives(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Small valid packages for en→es, es→en and en→fr, built once per run."""
    folder = tmp_path_factory.mktemp("argos")
    return {
        ("en", "es"): build_argos_package(folder, "en", "es", EN_ES),
        ("es", "en"): build_argos_package(folder, "es", "en", ES_EN),
        ("en", "fr"): build_argos_package(folder, "en", "fr", EN_FR),
    }
