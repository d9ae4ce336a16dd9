"""What page chrome looks like: the data the capture reader uses to tell it from article text.

Rules are data, not scattered ifs: to teach evalkit a new site's notices, add a pattern here.
A paragraph is boilerplate only when a rule matches *and* it is short, so an article sentence
that happens to mention "subscribers" or "log in" is not thrown away.
"""

from __future__ import annotations

import re

# Longest paragraph (in words) that a boilerplate rule may remove.
MAX_BOILERPLATE_WORDS = 45

# A line that starts the embedded summary ("AI Summary", "AI-generated summary", "Summary by AI").
SUMMARY_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\W*(?:ai|a\.i\.)[\s-]*(?:generated\s+)?summary\b", re.I),
    re.compile(r"^\W*summary\s+(?:by|from)\s+ai\b", re.I),
    re.compile(r"^\W*(?:key\s+takeaways|tl;?dr)\s*\(?ai", re.I),
    re.compile(r"^\W*summari[sz]ed\s+(?:by|with|using)\s+(?:ai|a\.i\.)\b", re.I),
    # Any short line naming both a summary and AI: "Quick Summary by AI:", "Key points (AI-generated)".
    re.compile(
        r"^(?=.{0,60}$)(?=.*\b(?:summary|summari[sz]ed|overview|takeaways|key\s+points|highlights|tl;?dr)\b)"
        r"(?=.*\b(?:ai|a\.i\.|artificial\s+intelligence)\b)(?!\W*(?:was|is|how|rate)\b)",
        re.I,
    ),
)

# Used only when no line names AI: a standalone heading that introduces a summary box.
FALLBACK_SUMMARY_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\W*(?:summary|key\s+(?:takeaways|points)|tl;?\s*dr|in\s+brief|at\s+a\s+glance)\W*$", re.I),
)

# Lines that close the summary without being part of it (the body follows).
SUMMARY_END_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^\W*(?:hide|collapse|close)\s+(?:ai\s+)?(?:generated\s+)?summary\W*$", re.I),
    re.compile(r"^\W*end\s+of\s+(?:ai\s+)?summary\W*$", re.I),
    re.compile(r"^\W*was\s+this\s+summary\s+(?:helpful|useful)", re.I),
    re.compile(r"^\W*ai[\s-]generated\s+(?:content|summaries)\s+(?:may|can)\b", re.I),
    re.compile(r"^\s*(?:-{3,}|\*\s*\*\s*\*|_{3,}|={3,})\s*$"),
)

# (name, pattern) pairs; the name is what `evalkit show` prints for each dropped paragraph.
BOILERPLATE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("sign-in prompt", r"\b(?:sign|log)\s*(?:in|into|up)\b(?!\s+(?:to\s+)?(?:the\s+)?(?:war|fight))"),
        ("sign-in prompt", r"\bcreate\s+(?:a|an|your)\s+(?:free\s+)?account\b"),
        (
            "subscription",
            r"(?:^|[.?!:]\s*)subscribe\b|\bsubscribe\s+(?:now|today|for|to\s+(?:continue|read|keep|unlock))"
            r"|\balready\s+a\s+(?:subscriber|member)\b|\bsubscriber[s]?[-\s]only\b",
        ),
        ("subscription", r"\bfor\s+all\s+of\s+the\s+\w+|\bwant\s+all\s+of\b|\bunlimited\s+(?:digital\s+)?access\b"),
        (
            "javascript notice",
            r"\b(?:enable|turn\s+on|requires?)\s+javascript\b|\bjavascript\s+is\s+(?:disabled|off)\b",
        ),
        ("access check", r"\bverify(?:ing)?\s+(?:your\s+)?access\b|\bare\s+you\s+a\s+robot\b|\bcaptcha\b"),
        ("access check", r"\bexit\s+reader\s+mode\b|\breader\s+mode\b|\bad[\s-]?blocker\b"),
        ("retrieval failure", r"\btrouble\s+(?:retrieving|loading)\s+(?:the\s+)?(?:article|content|page)\b"),
        ("paywall", r"\bpaywall\b|\bpremium\s+(?:articles?|content|features?)\b|\bunlock\s+(?:more|this|the|full)\b"),
        ("reading list", r"\bsave\s+(?:articles?|stories|this\s+article)\b|\breading\s+lists?\b"),
        ("reading list", r"\bsync\s+them\s+across\b|\baccess\s+them\s+on\s+any\s+device\b|\bbookmark\b"),
        ("promotion", r"\bpro\s+tip\b|\bconsider\s+supporting\s+us\b|\bfound\s+this\s+app\s+useful\b"),
        ("promotion", r"\bskip\s+the\s+extension\b|\b(?:our|the)\s+(?:app|extension|tool)\b.*\b(?:use|install)\b"),
        ("promotion", r"\bnewsletter\b|\bdigest\s+of\b|\bin\s+your\s+inbox\b|\bget\s+access\s+to\s+our\b"),
        ("promotion", r"^\W*(?:go\s+to|try|download|get)\s+(?:the\s+|our\s+)?\w+(?:\s+\w+){0,3}\s+(?:tool|app)\W*$"),
        ("ai feature prompt", r"\bai\s+features?\b"),
        ("courtesy line", r"^\W*thank\s+you(?:\s+for\s+(?:your\s+patience|reading))?\W*$"),
        ("advertisement", r"^\W*(?:skip\s+)?advertisement\W*$|^\W*sponsored(?:\s+content)?\W*$"),
        (
            "share bar",
            r"^\W*(?:share|share\s+(?:this|full)\s+(?:article|story)|print|save|comments?|listen)\W*"
            r"(?:(?:facebook|twitter|x|email|e-mail|linkedin|whatsapp|reddit|copy\s+link|print)\W*)*$",
        ),
        ("cookie notice", r"\bcookies?\b.*\b(?:accept|consent|policy|preferences)\b"),
        ("byline", r"^\W*by\s+(?-i:[A-Z][\w.'’-]+(?:,?\s+(?:[A-Z][\w.'’-]+|and))*)\W*$"),
        (
            "dateline",
            r"^\W*(?:published|updated|posted|last\s+modified)(?:\s+on)?\s*:?\s*(?:[A-Za-z]{3,9}\.?,?\s+)?\d{1,4}\b.{0,60}$"
            r"|\b\d+\s+min(?:ute)?s?\s+read\b",
        ),
        (
            "related links",
            r"^\W*(?:related(?:\s+(?:articles?|stories|coverage|content|reading))?|see\s+also|more\s+on\s+this"
            r"(?:\s+story)?|recommended(?:\s+for\s+you)?|most\s+(?:read|popular)|trending(?:\s+now)?"
            r"|you\s+may\s+also\s+like)\s*(?::|$)",
        ),
        ("byline", r"^\W*(?:(?:additional\s+)?reporting|writing|editing|compiled|produced)\s+by\s+(?-i:[A-Z])"),
        ("site links", r"^\W*(?:our\s+standards|editorial\s+(?:standards|guidelines)|corrections\s+policy)\s*:"),
        ("copyright", r"^\W*(?:©|\(c\)\s*\d|copyright\b)|\ball\s+rights\s+reserved\W*$"),
        (
            "site links",
            r"^\W*(?:(?:terms\s+(?:of\s+(?:use|service)|&\s+conditions)|privacy(?:\s+(?:policy|notice))?|cookie\s+"
            r"(?:policy|settings)|contact(?:\s+us)?|about(?:\s+us)?|help|accessibility|sitemap|careers"
            r"|advertise(?:\s+with\s+us)?)\W*){2,}$",
        ),
        ("image credit", r"^\W*(?:photo|image|picture|video)(?:\s+credit)?s?\s*:|^\W*credit\s*:"),
        (
            "reader prompt",
            r"^\W*(?:listen\s+to\s+(?:this\s+)?(?:article|story)|continue\s+reading|read\s+(?:more|the\s+full\s+"
            r"(?:article|story))|show\s+(?:more|less)|rate\s+this\s+summary|give\s+feedback|feedback)\b.{0,40}$",
        ),
    )
)


# Chrome that sits between article paragraphs; every other rule marks where the page's footer starts.
INLINE_RULES = frozenset(
    {
        "advertisement",
        "share bar",
        "cookie notice",
        "byline",
        "dateline",
        "image credit",
        "reader prompt",
        "related links",
    }
)


def boilerplate_rule(paragraph: str) -> str | None:
    """Name the rule that marks `paragraph` as page chrome, or None for article text."""
    if len(paragraph.split()) > MAX_BOILERPLATE_WORDS:
        return None
    for name, pattern in BOILERPLATE_RULES:
        if pattern.search(paragraph):
            return name
    return None


def is_summary_marker(line: str, fallback: bool = False) -> bool:
    """Does `line` open the summary? `fallback` accepts plain "Summary"-style headings too."""
    return any(p.search(line) for p in (FALLBACK_SUMMARY_MARKERS if fallback else SUMMARY_MARKERS))


def is_summary_end(line: str) -> bool:
    return any(p.search(line) for p in SUMMARY_END_MARKERS)
