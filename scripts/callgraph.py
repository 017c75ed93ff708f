#!/usr/bin/env python3
"""callgraph.py - which file of a folder calls which, and no circles.

Within each folder of the library (src/util, src/http, src/auth, src/arm,
src/plan, src/provision, src/cli) and in mocks/, a file may call functions
another file of the same folder defines only if that file never calls back:
helpers sit below, the orchestrating file above, and a reader can take the
files bottom-up.  The include rules (Makefile, scripts/checksrc.py) keep the
folders in order; this keeps the files inside a folder in order.

    python3 scripts/callgraph.py            # check; exit 1 on a circle
    python3 scripts/callgraph.py --print    # also print each folder's edges

The reading is textual, as checksrc's is: a function definition is a line
starting at column 0 with a name followed by "(" and, on a later line, a
"{" at column 0; a call is the name followed by "(" anywhere else.
"""
import argparse
import os
import re
import sys

FOLDERS = ["src/util", "src/http", "src/auth", "src/arm", "src/plan", "src/provision", "src/cli", "mocks"]
DEF = re.compile(r"^(?!static\b)[A-Za-z_][^;(]*?\b([A-Za-z_][A-Za-z0-9_]*)\(")
COMMENT = re.compile(r"/\*.*?\*/", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def strip(text):
    """Comments and strings removed, newlines kept (so line starts stay)."""
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return STRING.sub('""', text)


def definitions(text):
    """Non-static functions defined in a file: a signature at column 0 whose body opens at column 0."""
    names, lines = set(), text.split("\n")
    for i, line in enumerate(lines):
        m = DEF.match(line)
        if not m:
            continue
        for nxt in lines[i:i + 6]:
            if nxt.startswith("{"):
                names.add(m.group(1))
                break
            if nxt.rstrip().endswith(";"):
                break
    return names


def folder_edges(root, folder):
    path = os.path.join(root, folder)
    files = sorted(f for f in os.listdir(path) if f.endswith(".c")) if os.path.isdir(path) else []
    texts = {f: strip(open(os.path.join(path, f), encoding="utf-8").read()) for f in files}
    defs = {f: definitions(t) for f, t in texts.items()}
    edges = {f: set() for f in files}
    for caller, text in texts.items():
        for callee, names in defs.items():
            if caller != callee and any(re.search(r"\b%s\s*\(" % re.escape(n), text) for n in names):
                edges[caller].add(callee)
    return edges


def find_cycle(edges):
    """One circle as a list of files, or None (depth-first search with colours)."""
    colour, stack = {f: 0 for f in edges}, []

    def visit(f):
        colour[f] = 1
        stack.append(f)
        for g in sorted(edges[f]):
            if colour[g] == 1:
                return stack[stack.index(g):] + [g]
            if colour[g] == 0:
                found = visit(g)
                if found:
                    return found
        stack.pop()
        colour[f] = 2
        return None

    for f in sorted(edges):
        if colour[f] == 0:
            found = visit(f)
            if found:
                return found
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--print", action="store_true", help="print every folder's edges")
    args = ap.parse_args()
    bad = 0
    for folder in FOLDERS:
        edges = folder_edges(args.root, folder)
        if args.print:
            print("%s:" % folder)
            for f in sorted(edges):
                if edges[f]:
                    print("  %s -> %s" % (f, ", ".join(sorted(edges[f]))))
        cycle = find_cycle(edges)
        if cycle:
            bad += 1
            print("%s: files call each other in a circle: %s" % (folder, " -> ".join(cycle)))
    print("callgraph: %d folders, %d with a circle" % (len(FOLDERS), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
