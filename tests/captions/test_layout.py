"""Caption blocks: two lines at most, phrase-boundary breaks, readable durations."""

from __future__ import annotations

import pytest

from interp.captions.layout import LayoutOptions, Segment, break_lines, layout, split_text

LONG = (
    "However, due to the slow communication channels, styles in the west could lag "
    "behind by 25 to 30 years, and the people of the old towns kept their customs "
    "long after the capital had moved on."
)


@pytest.mark.parametrize("max_chars", [32, 37, 42])
def test_blocks_have_at_most_two_lines_within_the_length(max_chars):
    blocks = split_text(LONG, max_chars)
    assert " ".join(" ".join(lines) for lines in blocks) == " ".join(LONG.split())
    for lines in blocks:
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= max_chars for line in lines)


def test_lines_break_after_punctuation_and_not_after_binding_words():
    words = ["And", "so,", "my", "fellow", "Americans,", "ask", "not", "what", "your", "country"]
    lines = break_lines(words, 42)
    assert lines == ["And so, my fellow Americans,", "ask not what your country"]
    for lines in split_text(LONG, 42):
        for line in lines[:-1]:
            assert line.split()[-1].lower() not in {"the", "a", "of", "to", "by"}


def test_timings_respect_minimum_maximum_and_reading_speed():
    opts = LayoutOptions(min_duration_s=1.0, max_duration_s=7.0, max_chars_per_s=17.0)
    segments = [
        Segment(0.0, 0.3, "Yes."),
        Segment(2.0, 30.0, LONG),
        Segment(40.0, 41.0, "This sentence has far too many words for one second."),
    ]
    blocks = layout(segments, opts)
    for block in blocks:
        assert block.end_s - block.start_s <= opts.max_duration_s + 1e-6
    assert blocks[0].end_s - blocks[0].start_s >= opts.min_duration_s
    # The last block stretches to be readable: nothing follows it.
    last = blocks[-1]
    assert (last.end_s - last.start_s) * opts.max_chars_per_s >= len(last.text) - 1
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert a.start_s < a.end_s <= b.start_s


def test_blocks_never_run_into_the_next_segment():
    blocks = layout([Segment(0.0, 0.5, "A rather long first remark here."),
                     Segment(0.8, 2.0, "Then a reply.")])
    assert blocks[0].end_s <= blocks[1].start_s == 0.8


def test_a_sentences_last_word_never_stands_alone():
    text = "Mr Quilter is the apostle of the middle classes, and we are glad to welcome his gospel."
    blocks = split_text(text, 42)
    assert [len(" ".join(lines).split()) > 1 for lines in blocks] == [True] * len(blocks)
    assert " ".join(blocks[-1]).endswith("his gospel.")


def test_blocks_of_real_transcripts_end_where_phrases_do():
    from tests.helpers.speech import transcripts

    for name, reference in transcripts().items():
        # The references are lower case without punctuation: give them sentences back.
        text = reference.capitalize().replace(" and ", ", and ") + "."
        blocks = split_text(text, 42)
        assert " ".join(" ".join(lines) for lines in blocks) == " ".join(text.split())
        for before, after in zip(blocks, blocks[1:], strict=False):
            last = before[-1].split()[-1].lower()
            assert last not in {"the", "a", "an", "of", "to", "by", "el", "la", "de"}, name
            # A lone word is a block only where it is a sentence of its own.
            assert len(" ".join(after).split()) > 1 or after[-1].endswith("."), name
