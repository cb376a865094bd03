"""Rules of the domain that every door relies on."""

from __future__ import annotations

import pytest

from chatport.domain.chats import AUTO_TITLE_MAX, check_title, snippet, title_from_text
from chatport.domain.errors import InvalidInput
from chatport.domain.folders import check_color, check_folder_name
from chatport.domain.messages import CONTENT_MAX, check_content
from chatport.domain.users import check_password, check_username


def test_title_from_text_is_one_trimmed_line() -> None:
    assert title_from_text("  Explain\n\nclosures   in JS  ") == "Explain closures in JS"


def test_title_from_blank_text_is_none() -> None:
    assert title_from_text(" \n\t ") is None


def test_long_title_is_cut_at_a_word_with_an_ellipsis() -> None:
    title = title_from_text("word " * 40)
    assert title is not None
    assert len(title) <= AUTO_TITLE_MAX + 1
    assert title.endswith("word…")


def test_title_over_200_characters_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_title("x" * 201)
    assert caught.value.problems[0].path == ("title",)
    assert check_title("x" * 200) == "x" * 200


@pytest.mark.parametrize("name", ["ab", "x" * 51, "has space", "semi;colon"])
def test_bad_usernames_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_username(name)


def test_username_is_trimmed() -> None:
    assert check_username("  alice  ") == "alice"


@pytest.mark.parametrize("password", ["short", "x" * 101])
def test_password_length_is_enforced(password: str) -> None:
    with pytest.raises(InvalidInput):
        check_password(password)


def test_folder_rules() -> None:
    assert check_folder_name("  Work ") == "Work"
    assert check_color("#ff5733") == "#FF5733"
    assert check_color(None) is None
    for bad in ("red", "#FFF", "#GGGGGG"):
        with pytest.raises(InvalidInput):
            check_color(bad)
    with pytest.raises(InvalidInput):
        check_folder_name("   ")


def test_content_limit() -> None:
    assert check_content("x" * CONTENT_MAX)
    with pytest.raises(InvalidInput):
        check_content("x" * (CONTENT_MAX + 1))


def test_a_snippet_centres_on_the_match_and_marks_cuts() -> None:
    text = "alpha " * 30 + "the Needle here " + "omega " * 30
    cut = snippet(text, "needle", context=20)
    assert "the Needle here" in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= len("needle") + 2 * 20 + 2
    assert snippet("short needle", "needle") == "short needle"
    assert snippet("no match\nhere", "zzz") == "no match here"
