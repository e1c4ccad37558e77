"""Plain text split into blocks: one per line, or, when the text is
hard-wrapped, one per paragraph as its layout shows it."""

from __future__ import annotations

import pickle
import textwrap
from dataclasses import asdict

import pytest

from dedup.boilerplate.blocks import Block, is_hard_wrapped, split_text_blocks

PARAGRAPHS = [
    "The council said on Monday that the new plan for the river port would cost more than it had expected, "
    "and that the work would start in the spring after a long consultation with residents of the area.",
    "Residents of the northern district asked for a meeting with the mayor about water prices, which have "
    "risen sharply since the winter, and about the budget of the two schools in the district.",
    "The mayor said she would meet them next week, but warned that the city could not lower prices before "
    "the new treatment plant was finished, which would take at least two more years.",
]


def _blocks(text: str) -> list[str]:
    return [b.text(text) for b in split_text_blocks(text)]


def _wrapped(width: int) -> list[str]:
    return [textwrap.fill(p, width) for p in PARAGRAPHS]


@pytest.mark.parametrize("width", [50, 64, 72, 79])
def test_wrapped_paragraphs_without_blank_lines_are_one_block_each(width):
    wrapped = _wrapped(width)
    text = "\n".join(wrapped)
    assert is_hard_wrapped(text)
    assert _blocks(text) == wrapped


@pytest.mark.parametrize("width", [50, 72])
def test_wrapped_paragraphs_with_blank_lines_are_one_block_each(width):
    wrapped = _wrapped(width)
    text = "\n\n".join(wrapped)
    assert _blocks(text) == wrapped


def test_short_lines_between_wrapped_paragraphs_are_blocks_of_their_own():
    wrapped = _wrapped(66)
    lines = ["River port plan", "By Jane Smith", wrapped[0], "Advertisement", wrapped[1],
             "Read more: Schools budget cut", wrapped[2], "Share this article"]
    text = "\n".join(lines)
    assert _blocks(text) == lines


def test_indented_first_lines_and_list_items_start_blocks():
    wrapped = _wrapped(70)
    items = ["- water prices", "- school budgets", "- the river port"]
    text = "\n".join(["    " + wrapped[0], "    " + wrapped[1]] + items + ["    " + wrapped[2]])
    blocks = _blocks(text)
    assert blocks[:2] == [wrapped[0], wrapped[1]]
    assert blocks[2:5] == items
    assert blocks[5] == wrapped[2]


def test_one_paragraph_per_line_is_one_block_per_line():
    text = "\n".join(["Headline of the day"] + PARAGRAPHS + ["Share", "Privacy | Terms"])
    assert not is_hard_wrapped(text)
    assert _blocks(text) == text.split("\n")


def test_lines_of_chinese_prose_are_not_taken_for_a_wrap():
    lines = [
        "河城市政府表示，由于河水在一夜之间上涨了将近两米，该市主桥已于周二上午封闭。",
        "工程师将于周三对桥梁结构进行检查，市政府预计这座桥将在本周末之前重新开放。",
        "河边的店主说，他们已经把货物搬到了楼上。",
        "分享到微信",
        "相关阅读：市政府批准修建新的防洪堤",
        "今天早上我开车经过那座桥，水已经涨到栏杆边上了。",
        "市政府多年前就被警告过这个问题，但防洪堤一直没有修。",
    ]
    text = "\n".join(lines)
    assert _blocks(text) == lines


def test_a_menu_of_short_lines_stays_one_block_per_line():
    lines = ["Home", "World", "Business", "Sport", "Weather", "Contact us", "About"]
    text = "\n".join(lines)
    assert _blocks(text) == lines


def test_a_plain_block_is_the_block_of_its_bounds():
    made, plain = Block(3, 17), Block.plain(3, 17)
    assert plain == made and hash(plain) == hash(made) and repr(plain) == repr(made)
    assert asdict(plain) == asdict(made) == {"start": 3, "end": 17, "link_density": None, "dom_flags": 0}
    assert pickle.loads(pickle.dumps(plain)) == made
    assert plain != Block(3, 17, 0.5) and plain.text("The council said on Monday") == " council said "
    with pytest.raises(AttributeError):
        plain.start = 4
