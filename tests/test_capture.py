"""Reading captured pages and JSONL pairs: structure, chrome removal, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.errors import EvalkitWarning, InputError
from evalkit.read import boilerplate
from evalkit.read.boilerplate import is_summary_marker
from evalkit.read.capture import Capture, parse_capture, read_capture, read_pairs

SEED = Path(__file__).resolve().parent.parent / "references" / "seed_nyt_pow_executions.txt"

PAGE = """Council Approves New Bridge - City Gazette

AI Summary

Main Points

The council approved a new bridge over the Elm River on Tuesday. Construction starts in May.

  • The bridge will cost 40 million dollars.
  • It replaces a crossing built in 1952.

Sign in to unlock more AI features

The city council voted 7 to 2 on Tuesday to approve a new bridge over the Elm River.

Work is expected to begin in May, officials said, and the bridge will cost $40 million.

The new span replaces a crossing built in 1952 that engineers have called unsafe.

Already a subscriber? Log in.

Want all of the Gazette? Subscribe.
"""


def test_seed_structure() -> None:
    capture = read_capture(SEED)
    assert capture.title.startswith("Russia Executes P.O.W.s")
    kinds = [b.kind for b in capture.summary_blocks]
    assert kinds.count("heading") == 2
    assert kinds.count("bullet") == 2
    headings = [b.text for b in capture.summary_blocks if b.kind == "heading"]
    assert headings == ["Key Findings", "International Response and Concerns"]
    assert capture.body_paragraphs[0].startswith("On a Monday morning last fall")
    assert capture.body_paragraphs[-1].startswith("While both sides have been accused")
    body = capture.body.lower()
    for chrome in ("subscribe", "log in", "javascript", "verify access", "save articles", "paywall", "sign in"):
        assert chrome not in body, chrome


def test_seed_blocks_point_into_summary_text() -> None:
    capture = read_capture(SEED)
    for block in capture.summary_blocks:
        assert capture.summary[block.start : block.end] == block.text


def test_bullets_sit_under_their_heading() -> None:
    capture = read_capture(SEED)
    bullets = [b for b in capture.summary_blocks if b.kind == "bullet"]
    assert {b.section for b in bullets} == {"International Response and Concerns"}


def test_handmade_page_drops_chrome_in_other_words() -> None:
    capture = parse_capture(PAGE, "page.txt")
    assert capture.title == "Council Approves New Bridge - City Gazette"
    assert len(capture.body_paragraphs) == 3
    assert {d.rule for d in capture.dropped} >= {"subscription"}
    assert all("Subscribe" not in p for p in capture.body_paragraphs)


def test_crlf_line_endings_parse_the_same() -> None:
    assert parse_capture(PAGE.replace("\n", "\r\n"), "a") == parse_capture(PAGE, "a")


def test_no_bullets_and_no_headings() -> None:
    text = (
        "Title\n\nAI Summary\n\nThe mayor resigned on Friday. A vote follows in June.\n\n"
        "Sign in to unlock more AI features\n\nThe mayor resigned on Friday after a long dispute.\n"
    )
    capture = parse_capture(text, "plain.txt")
    assert [b.kind for b in capture.summary_blocks] == ["paragraph"]
    assert capture.summary_blocks[0].section == ""


def test_several_headings_give_sections() -> None:
    text = (
        "T\n\nAI Summary\n\nFirst Part\n\nAlpha happened in the town.\n\nSecond Part\n\nBeta followed a day later.\n\n"
        "Third Part\n\n- Gamma was announced.\n\nEnd of summary\n\n"
        "Alpha happened. Beta followed. Gamma was announced.\n"
    )
    capture = parse_capture(text, "sections.txt")
    sections = [(b.kind, b.section) for b in capture.summary_blocks if b.kind != "heading"]
    assert sections == [("paragraph", "First Part"), ("paragraph", "Second Part"), ("bullet", "Third Part")]
    assert capture.dropped[0].rule == "summary end marker"


def test_summary_ends_at_double_blank_line_without_markers() -> None:
    text = "T\n\nAI Summary\nThe plant closed in March.\n\n\nThe plant closed in March, the company said.\n"
    capture = parse_capture(text, "x")
    assert capture.body_paragraphs == ("The plant closed in March, the company said.",)


def test_article_sentence_mentioning_subscribers_is_kept() -> None:
    long_line = (
        "Netflix said it added nine million subscribers in the quarter, beating forecasts, as viewers signed up "
        "for its cheaper plan with advertising and the company raised prices in several markets across Europe "
        "and Latin America, according to its letter to shareholders on Tuesday, which also described plans to "
        "subscribe more households."
    )
    text = f"T\n\nAI Summary\n\nNetflix grew.\n\nSign in to unlock more AI features\n\n{long_line}\n"
    assert parse_capture(text, "x").body_paragraphs == (long_line,)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("   \n\n", "is empty"),
        ("Title\n\nJust an article with no summary.\n", "no AI summary marker"),
        ("T\n\nAI Summary\n\nKey Points\n\nSign in to unlock more AI features\n\nBody text here.\n", "no claims"),
        (
            "T\n\nAI Summary\n\nA claim about things.\n\nSign in to unlock more AI features\n\nSubscribe now.\n",
            "no article",
        ),
    ],
)
def test_bad_captures_raise_clear_errors(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as info:
        parse_capture(text, "bad.txt")
    assert str(info.value).startswith("bad.txt: ")


def test_invalid_utf8_names_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("T\n\nAI Summary\n\nCaf\xe9 opened.\n".encode("latin-1"))
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        read_capture(path)
    assert str(path) in str(info.value)


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(20_000_000)
    with pytest.raises(InputError, match="20.0 MB"):
        read_capture(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        read_capture(tmp_path / "nope.txt")


def test_jsonl_pairs_and_bad_lines_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    good = {"id": "a", "document": "The dam opened in 1990.\nIt cost a lot.", "summary": "The dam opened in 1990."}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "b", "summary": "x"}),
        "[1, 2]",
        json.dumps({"id": "c", "document": "d", "summary": "  "}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ids, items = zip(*read_pairs(path), strict=True)
    assert ids == ("a", f"{path}:2", "b", f"{path}:4", "c")
    assert isinstance(items[0], Capture) and items[0].source == "a"
    assert items[0].body_paragraphs == ("The dam opened in 1990.", "It cost a lot.")
    problems = [str(i) for i in items[1:]]
    assert all(isinstance(i, InputError) for i in items[1:])
    assert f"{path}:2" in problems[0] and "not valid JSON" in problems[0]
    assert "document" in problems[1]
    assert "not a JSON object" in problems[2]
    assert "summary is empty" in problems[3]


def test_jsonl_summary_offsets_index_the_original_summary(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    summary = "Intro line.\n- A bullet here.\n\nLast one."
    path.write_text(json.dumps({"id": "x", "document": "doc", "summary": summary}) + "\n", encoding="utf-8")
    ((_, capture),) = read_pairs(path)
    assert isinstance(capture, Capture)
    assert [summary[b.start : b.end] for b in capture.summary_blocks] == ["Intro line.", "A bullet here.", "Last one."]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
@pytest.mark.slow
def test_reader_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        capture = parse_capture(text, "fuzz.txt")
    except InputError as exc:
        assert str(exc).startswith("fuzz.txt: ")
    else:
        assert capture.body_paragraphs and capture.summary_blocks


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "AI Summary",
                "",
                "Key Points",
                "• A bullet.",
                "A sentence here.",
                "Subscribe now.",
                "Sign in to unlock more AI features",
                "---",
                "Log in",
                "Plain body paragraph text.",
            ]
        ),
        max_size=25,
    )
)
@pytest.mark.slow
def test_reader_never_crashes_on_capture_like_text(lines: list[str]) -> None:
    try:
        capture = parse_capture("\n".join(lines), "fuzz.txt")
    except InputError as exc:
        assert exc.source == "fuzz.txt"
    else:
        assert all(b.text.strip() for b in capture.summary_blocks)


def test_other_layout_plain_summary_heading_byline_and_reader_prompts() -> None:
    text = (
        "Storm Closes Schools Across the Region | Daily Post\n\n"
        "Summary\n\n"
        "- Schools in four districts closed on Monday because of the storm.\n"
        "- Officials expect them to reopen on Wednesday.\n\n"
        "Listen to this article · 3 min\n\n"
        "By Jane Doe and Sam Lee\n\n"
        "Published March 3, 2025\n\n"
        "Schools in four districts closed on Monday as a storm brought heavy snow, officials said.\n\n"
        "Photo: Daily Post\n\n"
        "District leaders said they expect classes to resume on Wednesday.\n\n"
        "Continue reading\n"
    )
    capture = parse_capture(text, "layout.txt")
    assert [b.kind for b in capture.summary_blocks] == ["bullet", "bullet"]
    assert capture.body_paragraphs == (
        "Schools in four districts closed on Monday as a storm brought heavy snow, officials said.",
        "District leaders said they expect classes to resume on Wednesday.",
    )
    assert {d.rule for d in capture.dropped} >= {"reader prompt", "byline", "dateline", "image credit"}


def test_ai_marker_wins_over_a_plain_summary_heading() -> None:
    text = (
        "T\n\nSummary\n\nThis page has two summary boxes.\n\nSummarized by AI\n\nThe dam opened in 1990.\n\n"
        "Sign in to unlock more AI features\n\nThe dam opened in 1990 after a decade of work.\n"
    )
    capture = parse_capture(text, "x")
    assert [b.text for b in capture.summary_blocks] == ["The dam opened in 1990."]


def test_chrome_on_consecutive_lines_is_dropped_line_by_line() -> None:
    """Pages stack chrome without blank lines; joining it into one paragraph would hide it from the rules."""
    text = (
        "Council approves harbour wall | Gazette\n\nSummarized by AI\n"
        "• The council approved a $40 million plan.\n\nAdvertisement\n\n"
        "By Jane Doe, Staff Writer\nUpdated March 3, 2026, 6:00 a.m. ET\n\n"
        "The council on Tuesday approved a $40 million plan to rebuild the harbour wall.\n"
        "Related: Is the sea wall in your town safe?\n\n"
        "Work starts next spring, the mayor said.\n\n"
        "Sign up for our Morning Briefing newsletter\nWe use cookies to improve your experience. Accept all\n"
        "Share this article: Facebook Twitter Email\n"
    )
    capture = parse_capture(text, "stacked.txt")
    assert capture.body_paragraphs == (
        "The council on Tuesday approved a $40 million plan to rebuild the harbour wall.",
        "Work starts next spring, the mayor said.",
    )
    assert {d.rule for d in capture.dropped} >= {"byline", "dateline", "related links", "cookie notice", "share bar"}


def test_hard_wrapped_article_lines_that_resemble_chrome_stay_joined() -> None:
    text = (
        "T\n\nAI Summary\nThe mayor spoke.\n\nEnd of summary\n\n"
        "The mayor said the plan would be finished, and she thanked everyone who had\n"
        "subscribe to the idea that the harbour could be saved, before the vote.\n\n"
        "By the end of the day, officials said.\n"
    )
    capture = parse_capture(text, "wrapped.txt")
    assert capture.body_paragraphs == (
        "The mayor said the plan would be finished, and she thanked everyone who had subscribe to the idea "
        "that the harbour could be saved, before the vote.",
        "By the end of the day, officials said.",
    )


def test_headings_directly_over_their_text_and_a_site_footer() -> None:
    text = (
        "Mars rover finds lake bed - Science Daily\n\nQuick Summary by AI:\n"
        "## What happened\n- The rover found an ancient lake bed.\n"
        "Why it matters\nThe find strengthens the case for past life.\n\n"
        "AI-generated content may contain errors.\n\n"
        "The rover found layered sediments laid down in a lake about 3.5 billion years ago.\n\n"
        "Reporting by Ann Saphir; Editing by Paul Simao\n"
        "© 2026 Science Daily. All rights reserved.\nTerms of Use | Privacy Policy | Contact Us\n"
    )
    capture = parse_capture(text, "headings.txt")
    assert [(b.kind, b.text) for b in capture.summary_blocks] == [
        ("heading", "What happened"),
        ("bullet", "The rover found an ancient lake bed."),
        ("heading", "Why it matters"),
        ("paragraph", "The find strengthens the case for past life."),
    ]
    assert capture.body_paragraphs == (
        "The rover found layered sediments laid down in a lake about 3.5 billion years ago.",
    )
    assert {d.rule for d in capture.dropped} >= {"byline", "copyright", "site links"}


@pytest.mark.parametrize(
    ("line", "opens"),
    [
        ("Quick Summary by AI:", True),
        ("Key points (AI-generated)", True),
        ("AI Overview", True),
        ("Was this AI summary helpful?", False),
        ("The AI summary feature launched in 2024, and critics say its overview often misstates facts.", False),
    ],
)
def test_summary_markers_name_a_summary_and_ai_in_a_short_line(line: str, opens: bool) -> None:
    assert is_summary_marker(line) is opens


def test_summary_written_on_its_marker_line() -> None:
    text = (
        "Council backs harbour plan\n\nTL;DR (AI): The council approved a $40 million harbour plan.\n\n"
        "The council on Tuesday approved a $40 million plan to rebuild the harbour wall.\n\nWork starts in spring.\n"
    )
    capture = parse_capture(text, "tldr.txt")
    assert [b.text for b in capture.summary_blocks] == ["The council approved a $40 million harbour plan."]
    assert len(capture.body_paragraphs) == 2


def test_ai_notes_above_and_below_the_summary_and_a_bullet_list_ending_at_the_article() -> None:
    above = (
        "T\n\nKey points\nGenerated by AI. Reviewed by our editors.\n* The council approved the plan.\n"
        "* Work starts next spring.\n\nThe council on Tuesday approved the plan to rebuild the harbour wall.\n\n"
        "Work starts next spring, the mayor said.\n"
    )
    capture = parse_capture(above, "above.txt")
    assert [b.text for b in capture.summary_blocks] == ["The council approved the plan.", "Work starts next spring."]
    assert capture.body_paragraphs[0].startswith("The council on Tuesday")
    assert ("summary note", "Generated by AI. Reviewed by our editors.") in [(d.rule, d.text) for d in capture.dropped]
    below = (
        "T\n\nAI SUMMARY\n\nThe council approved the plan.\n\n"
        "This summary was generated by AI and may contain mistakes.\n\n"
        "The council on Tuesday approved the plan to rebuild the harbour wall.\nADVERTISEMENT\nWork starts in spring.\n"
    )
    capture = parse_capture(below, "below.txt")
    assert [b.text for b in capture.summary_blocks] == ["The council approved the plan."]
    assert capture.body_paragraphs == (
        "The council on Tuesday approved the plan to rebuild the harbour wall.",
        "Work starts in spring.",
    )


def test_ai_label_under_a_plain_summary_heading_and_arrow_bullets() -> None:
    text = (
        "Title\n\nSummary\nAI-generated\n▸ The council approved the plan.\n▸ Work starts next spring.\n\n"
        "The council on Tuesday approved the plan to rebuild the wall.\n\nWork starts next spring, the mayor said.\n"
    )
    capture = parse_capture(text, "arrows.txt")
    assert [(b.kind, b.text) for b in capture.summary_blocks] == [
        ("bullet", "The council approved the plan."),
        ("bullet", "Work starts next spring."),
    ]
    assert [d.rule for d in capture.dropped] == ["summary note"]


def test_a_lone_surrogate_is_that_lines_error_and_its_neighbours_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    good = {"document": "The dam opened in 1990.", "summary": "The dam opened in 1990."}
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", **good}),
                json.dumps({"id": "b", **good, "summary": "Bad \ud800 text."}),
                json.dumps({"id": "c\udfff", **good}),
                json.dumps({"id": "d", **good}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    items = list(read_pairs(path))
    assert [id for id, _ in items] == ["a", "b", f"{path}:3", "d"]
    assert [type(item) for _, item in items] == [Capture, InputError, InputError, Capture]
    assert str(items[1][1]) == f"{path}:2: summary: contains a lone surrogate (U+D800), which is not a character"


def test_fullwidth_quote_and_backslash_in_valid_json_are_text(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    row = {"id": "w", "document": "He said \uff02yes\uff02 to C:\uff3cdata.", "summary": "He said \uff02yes\uff02."}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    ((id, capture),) = read_pairs(path)
    assert isinstance(capture, Capture)
    assert capture.body == 'He said "yes" to C:\\data.' and capture.summary == 'He said "yes".'


def test_ids_are_json_text_never_python_repr(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    rows = [{"id": {"doc": 1, "run": [True, None]}}, {"id": True}, {"id": 7}, {"id": None}, {"id": "x\x1b[2J"}]
    path.write_text("\n".join(json.dumps({**r, "document": "D.", "summary": "S."}) for r in rows), encoding="utf-8")
    ids = [id for id, _ in read_pairs(path)]
    assert ids == ['{"doc":1,"run":[true,null]}', "true", "7", f"{path}:4", "x\\x1b[2J"]


def test_html_entities_are_normalised_after_the_markup_is_parsed(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><title>T \uff1cb\uff1e</title><body><h2>AI Summary</h2><p>The dam opened in 1990 \uff1cscript\uff1e.</p>"
        "<p>End of summary</p><p>The dam opened in 1990 after years of work.</p><p>It cost a lot.</p></body></html>",
        encoding="utf-8",
    )
    capture = read_capture(page)
    assert capture.title == "T <b>" and "<script>" in capture.summary  # text, never markup


@pytest.mark.parametrize("rule_words", ["could unlock the full potential of on-device AI", "now has a newsletter"])
def test_a_summary_bullet_that_looks_like_chrome_is_still_a_claim(rule_words: str) -> None:
    """The bullet after it must be judged too, never read as the article's first paragraph."""
    page = (
        "Chip News\n\nAI Summary\n\n• Nova Semiconductor unveiled its N5 processor on Tuesday.\n"
        f"• Analysts say the chip {rule_words}.\n• The company will cut 5,000 jobs next year.\n\n"
        "Nova Semiconductor unveiled its N5 processor at an event in San Jose on Tuesday, saying the chip "
        "doubles battery life.\n"
    )
    capture = parse_capture(page, "chip.txt")
    assert [b.text for b in capture.summary_blocks][-1] == "The company will cut 5,000 jobs next year."
    assert len(capture.summary_blocks) == 3 and capture.kept and capture.kept[0].text.startswith("Analysts say")
    assert capture.body_paragraphs[0].startswith("Nova Semiconductor unveiled its N5 processor at an event")


def test_a_summary_sentence_that_looks_like_chrome_is_still_a_claim() -> None:
    page = (
        "T\n\nAI Summary\n\nAnalysts say the chip could unlock the full potential of on-device AI.\n\n"
        "The company will cut 5,000 jobs next year.\n\nSign in to unlock more AI features\n\n"
        "Nova Semiconductor unveiled its N5 processor at an event in San Jose on Tuesday.\n"
    )
    capture = parse_capture(page, "t.txt")
    assert capture.summary.splitlines() == [
        "Analysts say the chip could unlock the full potential of on-device AI.",
        "The company will cut 5,000 jobs next year.",
    ]


@pytest.mark.parametrize("name", [name for name, _ in boilerplate.BOILERPLATE_RULES])
def test_no_chrome_rule_shortens_a_bulleted_summary(name: str) -> None:
    """A bullet matching any rule stays in the summary, and so does every bullet after it."""
    examples = {
        name: text
        for name, text in (
            ("sign-in prompt", "Readers can sign in to vote on the plan"),
            ("subscription", "Subscribe now, the council urged residents"),
            ("javascript notice", "The site requires JavaScript to show the map"),
            ("access check", "The portal asks users to verify access before voting"),
            ("retrieval failure", "Officials had trouble loading the content of the plan"),
            ("paywall", "The plan could unlock the full budget"),
            ("reading list", "Residents can save articles about the plan"),
            ("promotion", "The council sends a newsletter about the plan"),
            ("ai feature prompt", "The app adds AI features for residents"),
            ("courtesy line", "Thank you"),
            ("advertisement", "Advertisement"),
            ("share bar", "Share"),
            ("cookie notice", "Cookies on the site need consent under the plan"),
            ("byline", "By Jane Smith"),
            ("dateline", "Updated 12 May 2024"),
            ("related links", "Related: the bridge"),
            ("site links", "Our standards: the plan"),
            ("copyright", "Copyright 2024 the council"),
            ("image credit", "Photo: the bridge"),
            ("reader prompt", "Continue reading the plan"),
        )
    }
    chrome = examples[name]
    assert boilerplate.boilerplate_rule(chrome) == name
    page = (
        f"T\n\nAI Summary\n\n• The council met.\n• {chrome}\n• The bridge opens in May.\n\nThe council met on Monday.\n"
    )
    capture = parse_capture(page, "t.txt")
    assert [b.text for b in capture.summary_blocks] == ["The council met.", chrome, "The bridge opens in May."]


def test_short_paragraphs_between_chrome_and_more_article_are_kept_and_a_big_loss_is_said(
    recwarn: pytest.WarningsRecorder,
) -> None:
    article = "\n\n".join(f"Word{n}." for n in range(300))
    long = "The council voted on Tuesday to approve the new bridge over the river after a long debate " * 2
    page = f"T\n\nAI Summary\n\nThe council met.\n\nSign in to unlock more AI features\n\n{long}\n\nSubscribe now.\n\n"
    kept = parse_capture(page + article + f"\n\n{long.replace('Tuesday', 'Friday')}\n", "t.txt")
    assert len(kept.body_paragraphs) == 302 and not recwarn.list  # the short ones sit before more article
    with pytest.warns(EvalkitWarning, match=r"t.txt: most of the article \(309 words\) was dropped"):
        parse_capture(page + article + "\n", "t.txt")


def test_capture_says_how_summary_and_article_were_found() -> None:
    capture = parse_capture(PAGE, "page.txt")
    assert capture.summary_by == (
        "marker line 'AI Summary'; ends at: chrome line 'Sign in to unlock more AI features' (sign-in prompt)"
    )
    assert capture.article_by == "text rules"
    ended = parse_capture(PAGE.replace("Sign in to unlock more AI features", "End of summary"), "page.txt")
    assert ended.summary_by == "marker line 'AI Summary'; ends at: end marker 'End of summary'"


# A page copied from a news site whose article is all short paragraphs (as bbc.com writes them), under
# the site's header links: none of the article may be taken for trailing page chrome.
SHORT_PARAGRAPHS = """Storm closes harbour road - City News

AI Summary

A storm closed the harbour road on Monday night.

End of summary

Skip to content

Home

News

Accessibility Help

Login

Subscribe

The harbour road was closed on Monday night after waves broke over the sea wall.

Police said no one was hurt.

Council workers cleared stones from the road on Tuesday morning.

It is expected to reopen on Wednesday, the council said.

© 2026 City News. All rights reserved.

Terms of Use Privacy Policy Cookies
"""


def test_header_links_above_the_article_never_start_the_trailing_chrome_cut() -> None:
    capture = parse_capture(SHORT_PARAGRAPHS, "storm.txt")
    assert capture.body_paragraphs[3:] == (
        "The harbour road was closed on Monday night after waves broke over the sea wall.",
        "Police said no one was hurt.",
        "Council workers cleared stones from the road on Tuesday morning.",
        "It is expected to reopen on Wednesday, the council said.",
    )
    dropped = {d.text: d.rule for d in capture.dropped}
    assert dropped["Accessibility Help"] == "site links" and dropped["Login"] == "sign-in prompt"
    assert dropped["Subscribe"] == "subscription" and "© 2026 City News. All rights reserved." in dropped
    assert dropped["Terms of Use Privacy Policy Cookies"] == "trailing page chrome"


def test_chrome_after_the_article_still_starts_the_trailing_cut() -> None:
    """The tail after a footer line stays chrome: 'Most read' headlines are not the article."""
    page = SHORT_PARAGRAPHS.replace("Terms of Use", "Most read\n\nSchool reopens after fire\n\nTerms of Use")
    capture = parse_capture(page, "storm.txt")
    assert "School reopens after fire" not in capture.body_paragraphs
    assert ("trailing page chrome", "School reopens after fire") in {(d.rule, d.text) for d in capture.dropped}


def test_a_real_page_of_short_paragraphs_keeps_its_whole_article() -> None:
    """bbc.com's text under its header links (a trimmed copy of a benchmark page, MIT licence: see
    tests/fixtures/pages): every paragraph people marked as the article is kept, none dropped as chrome."""
    pages = Path(__file__).resolve().parent / "fixtures" / "pages"
    truth = json.loads((pages / "bbc_newsbeat.article.json").read_text(encoding="utf-8"))["article"]
    capture = read_capture(pages / "bbc_newsbeat.txt")
    assert [p for p in truth if p not in capture.body_paragraphs] == []
    assert not any(d.text in truth for d in capture.dropped)
