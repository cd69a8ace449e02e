"""The web-search syntax as the embedded default reads it, the way PostgreSQL's websearch_to_tsquery does."""

from insight_hub.search.query import fragments, mark_all, marks_to_html, parse


def test_it_reads_words_phrases_or_and_exclusions():
    parsed = parse('rude nurse OR doctor "waiting room" -parking -"car park"')
    groups = [[(t.words, t.negated) for t in group] for group in parsed.groups]
    assert groups == [
        [(("rude",), False)],
        [(("nurse",), False), (("doctor",), False)],
        [(("waiting", "room"), False)],
        [(("parking",), True)],
        [(("car", "park"), True)],
    ]


def test_stop_words_and_empty_quotes_are_dropped_as_postgresql_drops_them():
    assert parse('the "" a').is_empty
    assert [t.words for t in parse("the ward").positive_terms] == [("ward",)]


def test_a_query_that_only_excludes_is_recognised():
    assert parse("-parking").only_excludes
    assert not parse("food -parking").only_excludes


def test_a_word_matches_its_other_forms():
    parsed = parse("nurses")
    assert mark_all("The nurse and the nursing team", parsed) == (
        "The \ue000nurse\ue001 and the \ue000nursing\ue001 team"
    )


def test_a_phrase_is_marked_whole_and_not_its_words_apart():
    parsed = parse('"waiting room"')
    marked = mark_all("The waiting room was cold; waiting was long; the room was small.", parsed)
    assert marked == "The \ue000waiting room\ue001 was cold; waiting was long; the room was small."


def test_marks_become_html_only_after_the_text_is_escaped():
    html = marks_to_html(mark_all("<script>rude</script> staff", parse("rude")))
    assert html == "&lt;script&gt;<mark>rude</mark>&lt;/script&gt; staff"


def test_fragments_show_the_text_around_matches():
    text = " ".join(["filler"] * 100 + ["parking", "was", "awful"] + ["filler"] * 100)
    snippet = fragments(text, parse("parking"))
    assert "\ue000parking\ue001 was awful" in snippet
    assert len(snippet.split()) <= 31
