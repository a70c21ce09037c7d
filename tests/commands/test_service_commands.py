"""The service's commands: db, users and doctor (serve on a new or old database is in
test_fresh_install.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from interp.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INTERP_DATA_DIR", str(tmp_path / "data"))
    for name in ("INTERP_DATABASE_URL", "INTERP_REDIS_URL", "INTERP_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


def test_doctor_names_the_fix_then_passes(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["doctor"])
    before = capsys.readouterr().out
    assert "[missing] Database" in before and "fix: interp db upgrade" in before
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "current"]) == 0
    main(["doctor"])
    after = capsys.readouterr().out
    assert "[     ok] Database" in after


def test_users_create_list_deactivate(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["db", "upgrade"])

    def create(*extra: str, password: str = "a long password") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        args = ["users", "create", "--email", "v@example.org", "--name", "Vera"]
        return main([*args, "--role", "volunteer", "--password-stdin", *extra])

    assert create(password="short") == 1
    assert "at least" in capsys.readouterr().err
    assert create("--languages", "es,xx") == 1
    assert "Unknown language" in capsys.readouterr().err
    assert create("--languages", "es,bfi") == 0
    assert create() == 1  # the same email again
    assert "already exists" in capsys.readouterr().err
    main(["users", "list"])
    assert "v@example.org\tvolunteer\tactive\tbfi,es\tVera" in capsys.readouterr().out
    assert main(["users", "deactivate", "nobody@example.org"]) == 1
    assert main(["users", "deactivate", "v@example.org"]) == 0
    main(["users", "list"])
    assert "\tdeactivated\t" in capsys.readouterr().out
    assert main(["users", "invite", "volunteer", "--by", "v@example.org"]) == 1
