"""An operator's shell for the ``interp`` commands: a data directory, a models folder
holding the installed speech models (linked), and a folder of downloaded Argos packages."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from interp.cli import main
from interp.config import load_settings
from interp.domain.organisation import Organisation
from interp.store.database import Database

# Found before a test moves HOME (importing argostranslate makes folders there).
INSTALLED_MODELS = load_settings().models_dir


@dataclass
class Operator:
    data_dir: Path
    models_dir: Path
    downloads: Path  # .argosmodel files, as copied onto a server without internet

    def offer(self, *codes: str) -> None:
        """Choose the offered languages, as the coordinator does on their page."""

        async def choose() -> None:
            db = Database(f"sqlite+aiosqlite:///{self.data_dir / 'interp.db'}")
            try:
                await Organisation(db).set_offered_languages(list(codes))
            finally:
                await db.close()

        asyncio.run(choose())


@pytest.fixture
def operator(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argos_home: None,
    argos_archives: dict[tuple[str, str], Path],
) -> Operator:
    """A migrated database, the test packages (en→es, es→en, en→fr) in a downloads folder,
    and a models folder with no translation package yet."""
    for name in ("INTERP_DATABASE_URL", "INTERP_REDIS_URL", "INTERP_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    operator = Operator(tmp_path / "data", tmp_path / "models", tmp_path / "downloads")
    monkeypatch.setenv("INTERP_DATA_DIR", str(operator.data_dir))
    monkeypatch.setenv("INTERP_MODELS_DIR", str(operator.models_dir))
    operator.models_dir.mkdir()
    if (INSTALLED_MODELS / "speech").is_dir():
        (operator.models_dir / "speech").symlink_to(INSTALLED_MODELS / "speech")
    operator.downloads.mkdir()
    for archive in argos_archives.values():
        shutil.copy(archive, operator.downloads)
    assert main(["db", "upgrade"]) == 0
    return operator
