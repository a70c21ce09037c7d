"""The models manifest: every pinned model is fully described; bad manifests are refused."""

from __future__ import annotations

import re

import pytest

from interp.modelstore import ManifestError, get_model_spec, load_manifest


def test_speech_models_are_pinned():
    models = load_manifest()
    for name in ("whisper-base", "whisper-tiny.en"):
        spec = models[name]
        assert spec.group == "speech" and spec.source == "pypi" and spec.pinned
        names = {f.name for f in spec.files}
        assert {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"} <= names
        for f in spec.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)
            assert f.size > 0 and f.parts
    assert len(models["whisper-base"].files[0].parts) == 2  # model.bin comes in two parts
    assert models["whisper-small"].source == "upstream" and not models["whisper-small"].pinned


def test_install_commands_name_the_model():
    assert get_model_spec("whisper-base").install_command == "interp models install whisper-base"
    assert get_model_spec("whisper-small").install_command.endswith("--download")


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(ManifestError, match="whisper-base"):
        get_model_spec("whisper-huge-v9")


@pytest.mark.parametrize(
    "text",
    [
        "[speech.x\n",
        '[speech."x"]\nsource = "ftp"\n',
        '[speech."x"]\nsource = "pypi"\npackages = ["a==1"]\n',
        '[speech."x"]\nsource = "pypi"\npackages = ["a==1"]\n[[speech."x".files]]\nname = "m"\n',
    ],
    ids=["syntax", "unknown-source", "no-files", "file-without-checksum"],
)
def test_malformed_manifests_are_refused(tmp_path, text):
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    with pytest.raises(ManifestError):
        load_manifest(path)
