"""Build small, valid Argos Translate packages whose model translates a word list exactly.

``build_argos_package(dest, "en", "es", EN_ES)`` writes ``translate-en_es-1_0.argosmodel``:
a zip with one top folder holding ``metadata.json``, ``sentencepiece.model`` and a
CTranslate2 model in ``model/``, as argostranslate 1.11 reads it. The weights are set by
hand rather than trained, so the output is exact and the same on every run:

- Input is case-folded by the tokenizer, so output is lower case: "Hello" -> "hola".
- Each lexicon word, alone or followed by ``. , ? ! : ;``, becomes its lexicon entry and
  the punctuation is kept: "Good morning, world!" -> "buenos días, mundo!". A word right
  after an opening mark (¿ ¡ " or a parenthesis) is not translated: "¡hola" -> "¡hola".
- Everything else is copied one SentencePiece piece at a time: "Hello Ana" -> "hola ana".
  A word that merely starts with a lexicon word has that part translated ("hellos" ->
  "holas"). Characters the tokenizer never saw (outside a-z, 0-9, the lexicon's letters
  and the punctuation) come out as ``<unk>``; ``replace_unknowns=True`` (as argostranslate
  passes it) turns that back into the source piece. Assert only on lexicon words and the
  punctuation above.
- One output word per input word, in order: a word-for-word dictionary, no grammar.
- Exact with greedy and beam search, at ``compute_type`` float32 and int8; every other
  beam hypothesis ends with the source too, scoring about -20 against 0.
- At most ``MAX_SOURCE_PIECES`` pieces per sentence; ctranslate2 raises beyond that.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece as spm
from ctranslate2.converters import Converter
from ctranslate2.specs import TransformerSpec

from interp.languages import get_language

EN_ES = {
    "hello": "hola",
    "world": "mundo",
    "good": "buenos",
    "morning": "días",
    "thank": "gracias",
    "you": "tú",
    "water": "agua",
    "help": "ayuda",
    "doctor": "médico",
    "school": "escuela",
    "house": "casa",
    "where": "dónde",
    "is": "está",
    "the": "el",
    "i": "yo",
    "need": "necesito",
    "form": "formulario",
    "today": "hoy",
    "tomorrow": "mañana",
    "yes": "sí",
    "no": "no",
}
ES_EN = {
    "hola": "hello",
    "mundo": "world",
    "buenos": "good",
    "días": "morning",
    "gracias": "thanks",
    "necesito": "need",
    "ayuda": "help",
    "agua": "water",
    "médico": "doctor",
    "dónde": "where",
    "está": "is",
    "el": "the",
    "hoy": "today",
    "mañana": "tomorrow",
    "sí": "yes",
    "no": "no",
}
EN_FR = {
    "hello": "bonjour",
    "world": "monde",
    "good": "bon",
    "morning": "matin",
    "thanks": "merci",
    "need": "besoin",
    "help": "aide",
    "water": "eau",
    "doctor": "médecin",
    "where": "où",
    "is": "est",
    "the": "le",
    "tomorrow": "demain",
    "yes": "oui",
    "no": "non",
}

# Kept as pieces of their own and copied to the output.
PUNCTUATION = (".", ",", "?", "!", ":", ";")
# Longest input, in SentencePiece pieces; longer input makes ctranslate2 raise.
MAX_SOURCE_PIECES = 255
# Least gaps, in logits, between the intended choice and every other one; e^-30 is
# below float32 resolution next to 1, so attention and output are one-hot.
_ATTENTION_MARGIN = 30.0
_OUTPUT_MARGIN = 30.0


def package_name(from_code: str, to_code: str, version: str = "1.0") -> str:
    """The top folder inside the archive, and the archive's name without ``.argosmodel``."""
    return f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"


def build_argos_package(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    lexicon: Mapping[str, str],
    *,
    version: str = "1.0",
    from_name: str | None = None,
    to_name: str | None = None,
) -> Path:
    """Write ``translate-<from>_<to>-<version>.argosmodel`` into ``dest_dir`` and return its path.

    ``lexicon`` maps lower-case source words to lower-case target words, one word each.
    """
    _check_lexicon(lexicon)
    name = package_name(from_code, to_code, version)
    metadata = {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": from_name or _english_name(from_code),
        "to_code": to_code,
        "to_name": to_name or _english_name(to_code),
        "type": "translate",
        "links": [],
    }
    tokenizer = _train_tokenizer(lexicon)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "model"
        _LexiconConverter(tokenizer, lexicon).convert(str(model_dir))
        files = {
            "metadata.json": json.dumps(metadata, indent=2).encode("utf-8"),
            "sentencepiece.model": tokenizer.serialized_model_proto(),
        }
        for path in sorted(model_dir.iterdir()):
            files[f"model/{path.name}"] = path.read_bytes()
    archive = Path(dest_dir) / f"{name}.argosmodel"
    _write_zip(archive, name, files)
    return archive


def _english_name(code: str) -> str:
    language = get_language(code)
    return language.english_name if language else code


def _check_lexicon(lexicon: Mapping[str, str]) -> None:
    if not lexicon:
        raise ValueError("the lexicon is empty")
    for source, target in lexicon.items():
        for word in (source, target):
            if not word or word != word.lower() or any(c.isspace() for c in word):
                raise ValueError(f"lexicon words must be single lower-case words: {word!r}")
            if any(c in PUNCTUATION for c in word):
                raise ValueError(f"lexicon words must not contain punctuation: {word!r}")


def _train_tokenizer(lexicon: Mapping[str, str]) -> spm.SentencePieceProcessor:
    """A BPE model in which every lexicon word, source or target, is one piece."""
    words = sorted(set(lexicon) | set(lexicon.values()))
    # Every word in every position, next to each punctuation mark, three times over: BPE
    # then merges each word whole. The alphabet and digits come along so that other text
    # splits into known pieces instead of <unk>.
    lines = [" ".join(words[i:] + words[:i]) for i in range(len(words))]
    lines += [f"{word}{mark}" for word in words for mark in PUNCTUATION]
    lines.append(" ".join("abcdefghijklmnopqrstuvwxyz0123456789'-"))
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines * 3),
        model_writer=model,
        model_type="bpe",
        vocab_size=4000,
        hard_vocab_limit=False,  # stop when every word is merged, below 4000
        normalization_rule_name="nmt_nfkc_cf",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    for word in words:
        pieces = processor.encode(word, out_type=str)
        if pieces != [f"▁{word}"]:
            raise ValueError(f"the tokenizer splits {word!r} into {pieces}")
    return processor


class _LexiconConverter(Converter):
    """Writes a one-layer transformer that copies each source piece, or its lexicon entry.

    The model width is ``V + P`` (vocabulary size, positions): a token block and a
    position block, each used one-hot. RMS layer norms only rescale, and each norm here
    always sees the same values, only at other places, so it multiplies by a fixed
    factor that the scales below account for.
    """

    def __init__(self, tokenizer: spm.SentencePieceProcessor, lexicon: Mapping[str, str]):
        self._pieces = [tokenizer.id_to_piece(i) for i in range(tokenizer.get_piece_size())]
        self._lexicon = lexicon

    def _load(self) -> TransformerSpec:
        pieces = self._pieces
        vocab, positions = len(pieces), MAX_SOURCE_PIECES + 1  # and the source's </s>
        width = vocab + positions
        token_block = slice(0, vocab)
        position_block = slice(vocab, width)

        spec = TransformerSpec.from_config(num_layers=1, num_heads=1, rms_norm=True)
        # The source's </s> is read like any other piece and copied, which ends decoding.
        spec.config.add_source_eos = True
        encoder, decoder = spec.encoder, spec.decoder
        encoder.scale_embeddings = False
        decoder.scale_embeddings = False
        for norm in _layer_norms(spec):
            norm.gamma = np.ones(width, dtype=np.float32)
        _zero_self_attention_and_ffn(spec, width)

        # Encoder output at source position i: one-hot(piece) + one-hot(i), normalised.
        encoder.embeddings[0].weight = _block_identity(vocab, width, token_block)
        encoder.position_encodings.encodings = _block_identity(positions, width, position_block)

        # The decoder ignores what it has written so far: step t only knows t.
        decoder.embeddings.weight = np.zeros((vocab, width), dtype=np.float32)
        decoder.position_encodings.encodings = _block_identity(positions, width, position_block)

        # Cross-attention: step t reads source position t while there is one, then the
        # final </s> (the latest position) ever after, so every hypothesis in every beam
        # ends with the source. In units of the margin, position i scores i + 1 (a query
        # bias) plus P + 1 if i == t (the query weight), which ranks t first, then the
        # latest position. The ramp sits in the bias because int8 kernels on AVX2 saturate
        # on weight rows with neighbouring nonzero entries; one per row stays exact.
        source_scale = np.sqrt(width / 2)  # encoder output entries after its RMS norm
        step_scale = np.sqrt(width)  # decoder entries after its RMS norm
        # ctranslate2 divides scores by sqrt(width): one head spans the whole width.
        unit = _ATTENTION_MARGIN * np.sqrt(width) / source_scale
        query = np.zeros((width, width), dtype=np.float32)
        match = unit * (positions + 1) / step_scale
        query[position_block, position_block] = np.eye(positions) * match
        query_bias = np.zeros(width, dtype=np.float32)
        query_bias[position_block] = unit * np.arange(1, positions + 1)
        key = np.zeros((width, width), dtype=np.float32)
        key[position_block, position_block] = np.eye(positions)
        value = np.zeros((width, width), dtype=np.float32)
        value[token_block, token_block] = np.eye(vocab)
        cross = decoder.layer[0].attention
        cross.linear[0].weight = query
        cross.linear[0].bias = query_bias
        cross.linear[1].weight = np.concatenate([key, value])
        cross.linear[2].weight = np.eye(width, dtype=np.float32)

        # Output: the decoder state is one-hot(t) + source_scale * one-hot(piece); after the
        # final norm the piece's entry is the same at every step. Each source piece votes
        # for its lexicon entry, or for itself.
        final_scale = source_scale / np.sqrt((1 + source_scale**2) / width)
        index = {piece: i for i, piece in enumerate(pieces)}
        projection = np.zeros((vocab, width), dtype=np.float32)
        for source_id, piece in enumerate(pieces):
            word = piece.removeprefix("▁")
            translated = piece.startswith("▁") and word in self._lexicon
            target = f"▁{self._lexicon[word]}" if translated else piece
            projection[index[target], source_id] = _OUTPUT_MARGIN / final_scale
        decoder.projection.weight = projection

        spec.register_source_vocabulary(pieces)
        spec.register_target_vocabulary(pieces)
        return spec


def _block_identity(rows: int, width: int, block: slice) -> np.ndarray:
    matrix = np.zeros((rows, width), dtype=np.float32)
    matrix[:, block] = np.eye(rows)
    return matrix


def _layer_norms(spec: TransformerSpec) -> list[Any]:
    encoder, decoder = spec.encoder, spec.decoder
    norms = [encoder.layer_norm, decoder.layer_norm]
    for layer in [*encoder.layer, *decoder.layer]:
        norms += [layer.self_attention.layer_norm, layer.ffn.layer_norm]
    norms += [layer.attention.layer_norm for layer in decoder.layer]
    return norms


def _zero_self_attention_and_ffn(spec: TransformerSpec, width: int) -> None:
    # Zero outputs leave the residual stream untouched: these sublayers do nothing.
    inner = 1
    for layer in [*spec.encoder.layer, *spec.decoder.layer]:
        layer.self_attention.linear[0].weight = np.zeros((3 * width, width), dtype=np.float32)
        layer.self_attention.linear[1].weight = np.zeros((width, width), dtype=np.float32)
        layer.ffn.linear_0.weight = np.zeros((inner, width), dtype=np.float32)
        layer.ffn.linear_1.weight = np.zeros((width, inner), dtype=np.float32)


def _write_zip(archive: Path, top: str, files: Mapping[str, bytes]) -> None:
    # A fixed timestamp and order make two builds of the same lexicon byte-identical.
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipf:
        zipf.writestr(zipfile.ZipInfo(f"{top}/", date_time=(2020, 1, 1, 0, 0, 0)), b"")
        for name, data in files.items():
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zipf.writestr(info, data)
