#!/usr/bin/env python3
"""tests/lib/doc_examples.py — list the shell examples of README.md, docs/*.md and docs/dtree.1.

One example per line, tab-separated: FILE, LINE, MARK, COMMAND.  An example is a command line
of a fenced block marked sh, shell, console or bash (every line), of an unmarked block whose lines start with
`dtree `, `make ` or `printf `, or of the man page's EXAMPLES section.  Comments (`# ...` at the
end) are dropped, a trailing `\\` joins lines.  MARK is "run" unless the block is preceded by a
marker comment: `<!-- example: needs-terminal -->`, `<!-- example: needs-server -->`,
`<!-- example: not-run REASON -->` (Markdown) or `.\\" example: needs-terminal` (roff), which the
suite reports instead of running.  With $DOC_EXAMPLES_DIR set, each complete tree shown in an xml
block is written there as ID.xml for the examples that use it.
"""
import os
import re
import sys

SHELLS = {"sh", "shell", "console", "bash"}
STARTS = ("dtree ", "make ", "printf ")
MARK = re.compile(r'(?:<!--|\.\\")\s*example:\s*([a-z-]+(?: [^>]*)?)\s*(?:-->)?\s*$')


def strip_comment(line):
    # a '#' after whitespace outside quotes starts a comment
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def commands(lines, first_line, every=False):
    out, buf, start = [], "", None
    for k, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if not buf and (not line or line.startswith("#")):
            continue
        if not buf and not every and not line.startswith(STARTS):
            continue
        if start is None:
            start = first_line + k
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((start, strip_comment(buf + line)))
        buf, start = "", None
    return out


def save_tree(lang, body):
    """A complete tree in an xml block becomes ID.xml in $DOC_EXAMPLES_DIR, so that the shell
    examples after it (dtree check guest-wifi.xml) find the file the text just showed."""
    out = os.environ.get("DOC_EXAMPLES_DIR")
    text = "\n".join(body) + "\n"
    m = re.search(r'<tree id="([a-z0-9-]+)"', text)
    if not out or lang != "xml" or not text.lstrip().startswith("<?xml") or not m:
        return
    path = os.path.join(out, m.group(1) + ".xml")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def markdown(path):
    text = open(path, encoding="utf-8").read().split("\n")
    mark, i = "run", 0
    while i < len(text):
        m = MARK.search(text[i])
        if m:
            mark = m.group(1).strip()
        fence = re.match(r"^\s*```+\s*([a-z]*)", text[i])
        if not fence:
            if text[i].strip() and not m:
                mark = "run"
            i += 1
            continue
        lang, j = fence.group(1), i + 1
        while j < len(text) and not re.match(r"^\s*```", text[j]):
            j += 1
        body = text[i + 1:j]
        save_tree(lang, body)
        shell = lang in SHELLS or (not lang and body and body[0].strip().startswith(STARTS))
        if shell:
            for line, cmd in commands(body, i + 2, lang in SHELLS):
                yield line, mark, cmd
        mark, i = "run", j + 1


def roff(path):
    text = open(path, encoding="utf-8").read().split("\n")
    in_ex = in_nf = False
    mark = "run"
    for n, line in enumerate(text, 1):
        if line.startswith(".SH"):
            in_ex = "EXAMPLES" in line
        m = MARK.search(line)
        if m:
            mark = m.group(1).strip()
            continue
        if not in_ex:
            continue
        if line.startswith(".nf"):
            in_nf = True
        elif line.startswith(".fi"):
            in_nf = False
        elif in_nf:
            cmd = line.replace("\\-", "-").replace("\\e", "\\")
            for _, c in commands([cmd], n):
                yield n, mark, c
            mark = "run"


for path in sys.argv[1:]:
    gen = roff(path) if path.endswith(".1") else markdown(path)
    for line, mark, cmd in gen:
        print(f"{path}\t{line}\t{mark}\t{cmd}")
