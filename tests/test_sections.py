"""Cutting a Markdown body into the lede and Smart Brevity sections."""
from generator.markdown.sections import Converter, axiom_slug, normalise_label


def convert(text, axioms=()):
    return Converter(axioms).convert(text)


def test_bold_lead_ins_start_sections_and_text_before_is_the_lede():
    body = convert("A short lede.\n\n**Why it matters:** Stakes.\n\n**The big picture:** Context.\n")
    assert body.lede_text == "A short lede."
    assert [(s.label, s.axiom, s.id) for s in body.sections] == [
        ("Why it matters", "why-it-matters", "why-it-matters"),
        ("The big picture", "the-big-picture", "the-big-picture")]
    assert body.sections[0].html.startswith('<p><strong class="axiom-label">Why it matters:</strong>')


def test_headings_start_sections_too():
    body = convert("Lede.\n\n## Why it matters\n\nStakes.\n\n### By the numbers\n\n- 1\n")
    assert [s.axiom for s in body.sections] == ["why-it-matters", "by-the-numbers"]
    assert body.sections[0].html.startswith('<h2 class="axiom-label">Why it matters</h2>')


def test_a_section_owns_everything_until_the_next_axiom():
    body = convert("Lede.\n\n**Driving the news:** One.\n\n- a\n- b\n\n> quoted\n\n| x |\n|---|\n| 1 |\n\n"
                   "**Go deeper:** [More](https://example.org)\n")
    news = body.sections[0].html
    assert "<ul>" in news and "<blockquote>" in news and "<table>" in news
    assert "example.org" in body.sections[1].html and "example.org" not in news


def test_matching_ignores_case_and_curly_apostrophes():
    body = convert("L.\n\n**WHAT THEY’RE SAYING:** x\n\n**what they're saying**: y\n")
    assert [s.axiom for s in body.sections] == ["what-theyre-saying", "what-theyre-saying"]


def test_repeated_axioms_get_unique_ids():
    body = convert("L.\n\n**What they're saying:** a\n\n**What they're saying:** b\n\n**What they're saying:** c\n")
    assert [s.id for s in body.sections] == ["what-theyre-saying", "what-theyre-saying-2",
                                             "what-theyre-saying-3"]


def test_unknown_lead_in_stays_a_plain_paragraph():
    body = convert("Lede.\n\n**Not a label:** text\n\n**Why it matters:** x\n\n**Also not:** y\n")
    assert body.lede_html.count("<p>") == 2 and "Not a label:" in body.lede_html
    assert len(body.sections) == 1 and "Also not:" in body.sections[0].html


def test_bold_without_colon_is_not_a_section():
    body = convert("Lede.\n\n**Why it matters** is a phrase here.\n")
    assert body.sections == ()


def test_site_axioms_extend_the_vocabulary_in_any_language():
    body = convert("Lede.\n\n**Lo esencial:** x\n\n**Our view:** y\n", axioms=("Lo esencial", "Our view"))
    assert [s.axiom for s in body.sections] == ["lo-esencial", "our-view"]


def test_slug_rules():
    assert axiom_slug("What's next") == "whats-next"
    assert axiom_slug("Yes, but") == "yes-but"
    assert axiom_slug("What we’re watching") == "what-were-watching"
    assert normalise_label("  The Big   Picture: ") == "the big picture"


def test_curly_quotes_dashes_and_ellipses():
    body = convert('"Quoted," she said -- it\'s the \'90s... `code "stays"`\n')
    assert "\u201cQuoted,\u201d she said \u2013 it\u2019s the \u201990s\u2026" in body.lede_html
    assert '<code>code "stays"</code>' in body.lede_html.replace("&quot;", '"')


def test_quote_after_inline_markup_closes():
    body = convert('He said "*really*" and left.\n')
    assert "\u201c<em>really</em>\u201d" in body.lede_html


def test_word_counts():
    body = convert("One two three.\n\n**Why it matters:** four five.\n")
    assert body.words == 8 and body.sections[0].words == 5   # the label counts


def test_links_to_markdown_files_become_page_links():
    converter = Converter()
    body = converter.convert("[a](../other.md) [b](../x/index.md#why) [c](pic.png)", "story", "story")
    assert 'href="../other/"' in body.lede_html
    assert 'href="../x/#why"' in body.lede_html
    assert 'src' not in body.lede_html and 'href="pic.png"' in body.lede_html


def test_single_file_explainer_links_resolve_from_its_page_folder():
    body = Converter().convert("![chart](images/chart.png)", "", "story")
    assert 'src="../images/chart.png"' in body.lede_html
