#!/usr/bin/env python3
"""checksrc.py - aksnet's source style and layering checker (after curl's checksrc.pl).

Usage:
    python3 scripts/checksrc.py [--root DIR]

Checks every .c and .h file under include/, src/, mocks/ and tests/ of DIR
(default: the repository holding this script), except tests/data/ and
tests/fuzz/corpus*, and prints one line per problem,

    path:line:col: message [RULE]

then "checksrc: N files, M problems".  Exit status 0 when clean, 1 when there
are problems, 2 on a usage error or a broken rule table.

Why: the compiler does not care about any of this, and reviewers should not
have to.  These are the conventions the tree already follows, written down so
that a patch cannot drift from them unnoticed, and the layering of the source
folders, so that the data flow (plan -> validate -> credential -> graph -> ARM
client -> HTTP) stays one-way and the library never grows a back door into the
mock.

The rules:

  LONGLINE       a line is at most 120 columns (a tab counts to the next
                 multiple of 8, a wide character as 2).
  TRAILINGSPACE  no blank, tab or carriage return at the end of a line.
  TABS           no tab characters: indentation is 4 spaces.
  NOEOL          the file ends with a newline.
  BRACEPOS       the opening brace of a function definition is alone on its
                 own line (K&R / Linux); the opening brace of if, for, while,
                 switch, else and do ends the line that opens the statement.
  BRACEELSE      "} else {" and "} else if (...) {" on one line, not "}" and
                 "else" on two.
  KEYWORDSPACE   "if (", "for (", "while (", "switch (": one space, not "if(".
  CPPCOMMENTS    /* */ comments only, no // (a "//" inside a string literal or
                 inside a /* */ comment is fine).
  OPENCOMMENT    the file ends inside a /* comment.
  FILECOMMENT    the first non-blank line opens a /* comment saying what the
                 file is for, and that comment has some text.
  FOLDER         the file's folder has an entry in FOLDERS and INCLUDES below.
  INCLUDE        a file includes only headers of the folders its folder may
                 include (INCLUDES below).
  INCLUDEMOCK    nothing under src/ includes a header of mocks/: the library
                 and the CLI reach the mock only through its public interface
                 (the HTTP endpoint it serves), never through its headers.
  BADCOMMAND     a "checksrc: allow" comment names no known rule.
  UNUSEDALLOW    a "checksrc: allow" comment suppresses nothing.

How includes are resolved.  Each folder is compiled with -Iinclude and
-Isrc/<folder> for the folders it may include, so internal headers are named
bare (#include "cidr.h") and public ones as "aksnet/name.h" (or "name.h" from
beside them, inside include/aksnet/).  A quoted name is looked for first
beside the including file (that is what the compiler finds first), then in
include/ and in every folder of the tree (src/*/, mocks/, tests/*/); it is a
problem only when every header it can resolve to lies in a folder that the
including file's folder may not include.  A quoted name found nowhere in the
tree (a system or third-party header) is not checked.  An angle-bracket
include is a system header, except <aksnet/...>, which is public.

Suppressing a problem: a comment /* checksrc: allow RULE */ (several rules
separated by blanks or commas) on the offending line, or alone on the line
before it, suppresses those rules for that line.  Fix the code instead where
you can; an allow that suppresses nothing is itself reported.

Python 3 standard library only.
"""

import argparse
import fnmatch
import os
import re
import signal
import sys
import unicodedata

# ---- configuration --------------------------------------------------------

MAX_COLUMNS = 120
TAB_WIDTH = 8

# Where the sources are, relative to the root, and what to leave out (fnmatch
# patterns on a directory relative to the root; a match skips its subtree).
SOURCE_DIRS = ("include", "src", "mocks", "tests")
SKIP_DIRS = ("tests/data", "tests/fuzz/corpus*")

# The folders, by name.  A pattern "a/b" is exactly that directory; "a/b/**"
# is that directory and everything below it.  When several match, the longest
# pattern wins.
FOLDERS = [
    ("public", "include/aksnet"),
    ("util", "src/util/**"),
    ("http", "src/http/**"),
    ("auth", "src/auth/**"),
    ("arm", "src/arm/**"),
    ("plan", "src/plan/**"),
    ("provision", "src/provision/**"),
    ("cli", "src/cli/**"),
    ("mocks", "mocks/**"),
    ("tests", "tests/**"),
]

# What each folder may include ("*": anything).  The data flow is plan ->
# validate -> credential -> graph -> ARM client -> HTTP: a folder may include
# the folders it calls into, never the ones that call it.
INCLUDES = {
    "public": ["public"],
    "util": ["public", "util"],
    "http": ["public", "util", "http"],
    "auth": ["public", "util", "http", "auth"],
    "arm": ["public", "util", "http", "auth", "arm"],
    "plan": ["public", "util", "plan"],
    "provision": ["public", "util", "plan", "http", "auth", "arm", "provision"],
    "cli": ["public", "cli"],
    "mocks": ["public", "util", "mocks"],
    "tests": ["*"],
}

# TRANSITIONAL: folders under src/ that the table may still let include
# mocks/ (check_tables refuses that for any other folder under src/).
# None is left since the move into folders.
TRANSITIONAL = set()

RULES = {
    "LONGLINE": "line longer than %d columns" % MAX_COLUMNS,
    "TRAILINGSPACE": "whitespace at the end of a line",
    "TABS": "tab character",
    "NOEOL": "no newline at the end of the file",
    "BRACEPOS": "opening brace in the wrong place",
    "BRACEELSE": "} and else on different lines",
    "KEYWORDSPACE": "no space between a keyword and its (",
    "CPPCOMMENTS": "// comment",
    "OPENCOMMENT": "file ends inside a /* comment",
    "FILECOMMENT": "file does not open with a comment saying what it is for",
    "FOLDER": "folder without include rules",
    "INCLUDE": "header from a folder this folder may not include",
    "INCLUDEMOCK": "src/ includes a header of mocks/",
    "BADCOMMAND": "checksrc: allow names an unknown rule",
    "UNUSEDALLOW": "checksrc: allow suppresses nothing",
}

# ---- the rule table, checked before use -----------------------------------


def check_tables():
    """Problems with FOLDERS/INCLUDES themselves, as strings."""
    bad = []
    names = [n for n, _ in FOLDERS]
    for n in names:
        if names.count(n) > 1:
            bad.append("folder %s defined twice" % n)
        if n not in INCLUDES:
            bad.append("folder %s has no entry in INCLUDES" % n)
    for n, allowed in INCLUDES.items():
        if n not in names:
            bad.append("INCLUDES names unknown folder %s" % n)
        for a in allowed:
            if a != "*" and a not in names:
                bad.append("INCLUDES[%s] names unknown folder %s" % (n, a))
    # Nothing under src/ may include mocks/, whatever the table says, except a
    # folder marked TRANSITIONAL.
    for n, pattern in FOLDERS:
        if pattern.split("/")[0] == "src" and n not in TRANSITIONAL:
            allowed = INCLUDES.get(n, [])
            if "*" in allowed or "mocks" in allowed:
                bad.append("INCLUDES[%s] lets src/ include mocks/" % n)
    return sorted(set(bad))


def folder_of(reldir):
    """The name of the folder holding directory reldir (relative, '/'), or None."""
    best, best_len = None, -1
    for name, pattern in FOLDERS:
        if pattern.endswith("/**"):
            base = pattern[:-3]
            hit = reldir == base or reldir.startswith(base + "/")
        else:
            base = pattern
            hit = reldir == base
        if hit and len(base) > best_len:
            best, best_len = name, len(base)
    return best


def folder_label(name, reldir):
    if name is None:
        return "%s/ (no entry in the include rules)" % reldir
    pattern = dict(FOLDERS)[name]
    return "%s (%s/)" % (name, pattern[:-3] if pattern.endswith("/**") else pattern)


def may_include(src_folder, dst_folder):
    if src_folder is None:
        return True  # reported once as FOLDER instead
    allowed = INCLUDES.get(src_folder, [])
    return "*" in allowed or dst_folder in allowed


# ---- reading C -------------------------------------------------------------


def lex(text):
    """Split C source into code and the rest.

    Returns (code, cpp_comments, open_comment):
      code          text of the same length and line structure where every
                    comment, and the inside of every string and character
                    literal, is replaced by blanks (the quotes stay);
      cpp_comments  (offset) of each // comment;
      open_comment  True when the text ends inside a /* comment.
    Backslash-newline splicing is honoured inside literals and // comments.
    """
    out = list(text)
    cpp = []
    i, n = 0, len(text)
    state = "code"
    while i < n:
        c = text[i]
        if state == "code":
            if c == "/" and i + 1 < n and text[i + 1] == "*":
                out[i] = out[i + 1] = " "
                state, i = "block", i + 2
                continue
            if c == "/" and i + 1 < n and text[i + 1] == "/":
                cpp.append(i)
                out[i] = out[i + 1] = " "
                state, i = "line", i + 2
                continue
            if c == '"':
                state = "str"
            elif c == "'":
                state = "chr"
            i += 1
        elif state == "block":
            if c == "*" and i + 1 < n and text[i + 1] == "/":
                out[i] = out[i + 1] = " "
                state, i = "code", i + 2
                continue
            if c != "\n":
                out[i] = " "
            i += 1
        elif state == "line":
            if c == "\\" and i + 1 < n and text[i + 1] == "\n":
                out[i] = " "
                i += 2
                continue
            if c == "\n":
                state = "code"
            else:
                out[i] = " "
            i += 1
        else:  # "str" or "chr"
            quote = '"' if state == "str" else "'"
            if c == "\\" and i + 1 < n:
                out[i] = " "
                if text[i + 1] != "\n":
                    out[i + 1] = " "
                i += 2
                continue
            if c == quote or c == "\n":  # an unterminated literal ends at the line
                state = "code"
            else:
                out[i] = " "
            i += 1
    return "".join(out), cpp, state == "block"


def display_width(ch, col):
    """Columns taken by ch when it starts at 0-based display column col."""
    if ch == "\t":
        return TAB_WIDTH - col % TAB_WIDTH
    if unicodedata.combining(ch):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


ALLOW_RE = re.compile(r"/\*\s*checksrc:\s*allow\s+([A-Za-z_][A-Za-z_, \t]*?)\s*\*/")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]*)[>"]')
KEYWORD_RE = re.compile(r"(?<![\w$])(if|for|while|switch)\(")
CONTROL_RE = re.compile(r"^\s*(?:\}\s*)?(if|for|while|switch|else|do)\b")


# ---- one file ----------------------------------------------------------------


class Checker:
    def __init__(self, root):
        self.root = root
        self.problems = []  # (path, line, col, message, rule)
        self.search_dirs = []

    def report(self, path, line, col, message, rule):
        self.problems.append((path, line, col, message, rule))

    # -- the whole tree

    def collect(self):
        files, dirs = [], set()
        for top in SOURCE_DIRS:
            base = os.path.join(self.root, top)
            if not os.path.isdir(base):
                continue
            for dirpath, dirnames, filenames in os.walk(base):
                rel = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
                dirnames[:] = sorted(
                    d for d in dirnames
                    if not any(fnmatch.fnmatchcase(rel + "/" + d, p) for p in SKIP_DIRS))
                for f in sorted(filenames):
                    if f.endswith((".c", ".h")):
                        files.append(rel + "/" + f)
                        dirs.add(rel)
        # Bare names are looked up in include/ (for "aksnet/name.h") and in
        # every folder of the tree except include/aksnet itself, which the
        # compiler sees only as include/ (so a public header is "aksnet/name.h"
        # everywhere but beside it).
        self.search_dirs = ["include"] + sorted(
            d for d in dirs if not (d == "include" or d.startswith("include/")))
        return sorted(files)

    def run(self):
        files = self.collect()
        for path in files:
            self.check_file(path)
        return len(files)

    # -- a file

    def check_file(self, path):
        with open(os.path.join(self.root, path), "rb") as fh:
            raw = fh.read()
        text = raw.decode("utf-8", errors="replace")
        code, cpp, open_comment = lex(text)
        lines = text.split("\n")
        code_lines = code.split("\n")
        if lines and lines[-1] == "":  # the newline ends the last line
            lines.pop()
            code_lines.pop()
        found = []  # (line, col, message, rule), 1-based

        def add(line, col, message, rule):
            found.append((line, col, message, rule))

        self.check_text(lines, text, add)
        for off in cpp:
            line = text.count("\n", 0, off) + 1
            col = off - (text.rfind("\n", 0, off) + 1) + 1
            add(line, col, "// comment: use /* */", "CPPCOMMENTS")
        if open_comment:
            add(len(lines), 1, "the file ends inside a /* comment", "OPENCOMMENT")
        self.check_opening_comment(lines, add)
        self.check_braces(code_lines, add)
        self.check_includes(path, lines, code_lines, add)
        self.apply_allows(path, lines, code_lines, found)

    def check_text(self, lines, text, add):
        for no, line in enumerate(lines, 1):
            col = 0
            for idx, ch in enumerate(line):
                col += display_width(ch, col)
                if col > MAX_COLUMNS:
                    total = col
                    for ch2 in line[idx + 1:]:
                        total += display_width(ch2, total)
                    add(no, idx + 1, "line is %d columns, more than %d" % (total, MAX_COLUMNS), "LONGLINE")
                    break
            stripped = line.rstrip(" \t\r\f\v")
            if len(stripped) != len(line):
                what = "carriage return (CRLF line end)" if line.endswith("\r") else "whitespace at the end of the line"
                add(no, len(stripped) + 1, what, "TRAILINGSPACE")
            tab = line.find("\t")
            if tab >= 0:
                if line[:tab].strip(" ") == "":
                    add(no, tab + 1, "tab in the indentation: indent with 4 spaces", "TABS")
                else:
                    add(no, tab + 1, "tab character: use spaces (or \\t in a literal)", "TABS")
        if text and not text.endswith("\n"):
            add(len(lines), len(lines[-1]) + 1, "no newline at the end of the file", "NOEOL")

    def check_opening_comment(self, lines, add):
        first = next((i for i, l in enumerate(lines) if l.strip()), None)
        if first is None:
            add(1, 1, "empty file: open with a /* comment saying what the file is for", "FILECOMMENT")
            return
        line = lines[first]
        if not line.lstrip().startswith("/*"):
            add(first + 1, 1, "the file must open with a /* comment saying what it is for", "FILECOMMENT")
            return
        body = []
        start = line.index("/*") + 2
        for i in range(first, len(lines)):
            seg = lines[i][start:] if i == first else lines[i]
            end = seg.find("*/")
            body.append(seg if end < 0 else seg[:end])
            if end >= 0:
                break
        if not any(re.search(r"\w", b) for b in body):
            add(first + 1, 1, "the opening comment is empty: say what the file is for", "FILECOMMENT")

    def check_braces(self, code_lines, add):
        # Preprocessor lines (and their continuations) are not C statements.
        pp = [False] * len(code_lines)
        cont = False
        for i, l in enumerate(code_lines):
            pp[i] = cont or l.lstrip().startswith("#")
            cont = pp[i] and l.rstrip().endswith("\\")

        def prev_code(i):
            j = i - 1
            while j >= 0 and (pp[j] or not code_lines[j].strip()):
                j -= 1
            return j

        # Keyword spacing and } / else.
        for i, l in enumerate(code_lines):
            if pp[i]:
                continue
            for m in KEYWORD_RE.finditer(l):
                add(i + 1, m.start() + 1, "%s( without a space: write \"%s (\"" % (m.group(1), m.group(1)),
                    "KEYWORDSPACE")
            m = re.match(r"^(\s*)else\b", l)
            if m:
                j = prev_code(i)
                if j >= 0 and code_lines[j].rstrip().endswith("}"):
                    add(i + 1, len(m.group(1)) + 1, "else on the line after }: write \"} else {\" on one line",
                        "BRACEELSE")
            m = re.search(r"\}else\b|\belse\{", l)
            if m:
                add(i + 1, m.start() + 1, "write \"} else {\" with a space each side of else", "BRACEELSE")

        # Where opening braces go.  Track the braces of the file scope: a { at
        # file scope after something ending in ')' with no '=' opens a
        # function body.  extern "C" { ... } does not count as a level.
        stack = []  # kinds of the open braces: "extern" or "block"
        depth = 0
        stmt = []  # code since the last ; { } at file scope
        for i, l in enumerate(code_lines):
            if pp[i]:
                continue
            for col, ch in enumerate(l):
                if ch == "{":
                    if depth == 0:
                        s = "".join(stmt).strip()
                        stmt = []
                        if re.match(r'^extern\s*"\s*"$', s):
                            stack.append("extern")
                            continue
                        if s.endswith(")") and not re.search(r"(?<![=!<>])=(?!=)", s):
                            if l.strip() != "{":
                                add(i + 1, col + 1, "the opening brace of a function goes alone on the next line",
                                    "BRACEPOS")
                    elif l.strip() == "{":
                        j = prev_code(i)
                        if j >= 0:
                            p = code_lines[j].rstrip()
                            if (p.endswith(")") or re.search(r"\b(else|do)$", p)) and self._opens_control(code_lines,
                                                                                                     pp, j):
                                add(i + 1, col + 1, "the opening brace of a control statement ends its line (K&R)",
                                    "BRACEPOS")
                    stack.append("block")
                    depth += 1
                elif ch == "}":
                    if stack:
                        kind = stack.pop()
                        if kind == "block":
                            depth -= 1
                    if depth == 0:
                        stmt = []
                elif depth == 0:
                    if ch == ";":
                        stmt = []
                    else:
                        stmt.append(ch)
            if depth == 0:
                stmt.append("\n")

    @staticmethod
    def _opens_control(code_lines, pp, j):
        """Whether the statement ending on code line j starts with a control keyword.

        Walks back over continuation lines: a line that ends in ',', an operator
        or an open parenthesis continues onto the next.
        """
        k = j
        for _ in range(20):
            if CONTROL_RE.match(code_lines[k]):
                return True
            k -= 1
            while k >= 0 and (pp[k] or not code_lines[k].strip()):
                k -= 1
            if k < 0:
                return False
            p = code_lines[k].rstrip()
            if not p or p[-1] in ";{}:":
                return False
        return False

    def check_includes(self, path, lines, code_lines, add):
        reldir = path.rsplit("/", 1)[0]
        mine = folder_of(reldir)
        if mine is None:
            add(1, 1, "folder %s/ has no entry in FOLDERS/INCLUDES of scripts/checksrc.py" % reldir, "FOLDER")
        for i, l in enumerate(code_lines):
            if not re.match(r"^\s*#\s*include\b", l):
                continue
            m = INCLUDE_RE.match(lines[i])
            if not m:
                continue
            kind, name = m.group(1), m.group(2).strip()
            col = lines[i].index(kind) + 1
            if kind == "<":
                if name.startswith("aksnet/") and not may_include(mine, "public"):
                    add(i + 1, col, "includes <%s> from %s, which %s may not include; allowed: %s"
                        % (name, folder_label("public", "include/aksnet"), folder_label(mine, reldir),
                           ", ".join(INCLUDES[mine])), "INCLUDE")
                continue
            if name.startswith("/"):
                continue
            beside = os.path.normpath(reldir + "/" + name).replace(os.sep, "/")
            if os.path.isfile(os.path.join(self.root, beside)):
                found = [beside]
            else:
                found = []
                for d in self.search_dirs:
                    p = os.path.normpath(d + "/" + name).replace(os.sep, "/")
                    if p not in found and os.path.isfile(os.path.join(self.root, p)):
                        found.append(p)
            if not found:
                continue
            homes = [(p, p.rsplit("/", 1)[0] if "/" in p else ".") for p in found]
            if any(may_include(mine, folder_of(d)) for _, d in homes):
                continue
            mock = [(p, d) for p, d in homes if folder_of(d) == "mocks"]
            if path.startswith("src/") and mock:
                p = mock[0][0]
                add(i + 1, col, "includes %s from mocks (%s): nothing under src/ may include the mock; the library "
                    "reaches the mock only through its public interface" % (name, p), "INCLUDEMOCK")
                continue
            p, d = homes[0]
            add(i + 1, col, "includes %s from %s, which %s may not include; allowed: %s"
                % (name, folder_label(folder_of(d), d), folder_label(mine, reldir), ", ".join(INCLUDES[mine])),
                "INCLUDE")

    def apply_allows(self, path, lines, code_lines, found):
        # allows[line] = list of [rules, used-set, allow's own line, col]
        allows = {}
        for no, l in enumerate(lines, 1):
            for m in ALLOW_RE.finditer(l):
                rules = [r.upper() for r in re.split(r"[\s,]+", m.group(1)) if r]
                entry = [rules, set(), no, m.start() + 1]
                for r in rules:
                    if r not in RULES:
                        found.append((no, m.start() + 1, "checksrc: allow names unknown rule %s" % r, "BADCOMMAND"))
                allows.setdefault(no, []).append(entry)
                # Alone on its line: it also covers the next line.
                if not code_lines[no - 1].strip():
                    allows.setdefault(no + 1, []).append(entry)
        for line, col, message, rule in found:
            suppressed = False
            for entry in allows.get(line, []):
                if rule in entry[0] and rule not in ("BADCOMMAND", "UNUSEDALLOW"):
                    entry[1].add(rule)
                    suppressed = True
            if not suppressed:
                self.report(path, line, col, message, rule)
        seen = set()
        for entries in allows.values():
            for rules, used, no, col in entries:
                if id(rules) in seen:
                    continue
                seen.add(id(rules))
                for r in rules:
                    if r in RULES and r not in used:
                        self.report(path, no, col, "checksrc: allow %s suppresses nothing here" % r, "UNUSEDALLOW")


def main(argv):
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description="aksnet's source style and include layering checks.")
    ap.add_argument("--root", default=default_root, help="tree to check (default: %(default)s)")
    args = ap.parse_args(argv)
    bad = check_tables()
    if bad:
        for b in bad:
            print("checksrc: bad rule table: %s" % b, file=sys.stderr)
        return 2
    if not os.path.isdir(args.root):
        print("checksrc: %s: not a directory" % args.root, file=sys.stderr)
        return 2
    checker = Checker(os.path.abspath(args.root))
    nfiles = checker.run()
    for path, line, col, message, rule in sorted(checker.problems, key=lambda p: (p[0], p[1], p[2], p[4])):
        print("%s:%d:%d: %s [%s]" % (path, line, col, message, rule))
    print("checksrc: %d files, %d problems" % (nfiles, len(checker.problems)))
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
