"""What counts as an English sentence in a report a Chinese reviewer reads.

A run of three or more English words, outside code spans, in which at least one word is written
in lower case: "the buyer is not the applicant", "split it, or raise". Not counted: codes, ids,
file names and paths (they are in code spans, or are one token with digits, dots, slashes,
dashes or underscores), numbers, and names of products and vendors written as proper nouns
("Amazon Web Services", "Web 应用防火墙 WAF", "MySQL 5.7").
"""

from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"`[^`\n]*`")
_WORD = re.compile(r"[A-Za-z][A-Za-z']*[,.;:!?]?")


def english_sentences(markdown: str) -> list[str]:
    """The English sentences (as defined above) in ``markdown``, in order."""
    found = []
    for line in markdown.splitlines():
        text = _CODE_SPAN.sub(" ` ", line)
        run: list[str] = []
        for token in [*re.split(r"[\s\u3000]+|(?<=[^\x00-\x7f])|(?=[^\x00-\x7f])", text), ""]:
            if token and _WORD.fullmatch(token):
                run.append(token)
                continue
            if len(run) >= 3 and any(w.rstrip(",.;:!?").islower() and len(w) > 1 for w in run):
                found.append(" ".join(run))
            run = []
    return found
