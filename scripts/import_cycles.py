#!/usr/bin/env python3
"""File-level import cycles in a Rust crate's src/ tree.

Each .rs file is a node; an edge goes from a file to every file whose module it names in a
`use` or an inline path (`crate::a::b`, `super::x`, `self::y`). A parent's `pub use` of its own
child (a facade) and `mod` declarations are not edges. Prints each strongly connected component
of more than one file and exits 1 if there is any.

Usage: scripts/import_cycles.py server/src [tui-client/src bench/src ...]
"""
import os
import re
import sys


def module_of(root, path):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib", "main"):
        rel = rel[:-1]
    return tuple(rel)


def strip(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    # Unit tests live in the file they test; their imports are not the file's.
    cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    return text[: cut.start()] if cut else text


def expand(tree):
    """`a::{b, c::{d}}` -> ['a::b', 'a::c::d']."""
    tree = tree.strip()
    depth = 0
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0 and "}" in tree:
                prefix, inner = tree[:i], tree[i + 1 : tree.rindex("}")]
                parts, cur, d = [], "", 0
                for c in inner:
                    if c == "," and d == 0:
                        parts.append(cur)
                        cur = ""
                        continue
                    d += c == "{"
                    d -= c == "}"
                    cur += c
                parts.append(cur)
                return [p for part in parts if part.strip() for p in expand(prefix + part.strip())]
            depth += 1
    return [tree.split(" as ")[0].strip()]


def resolve(here, path, modules):
    parts = [p for p in path.split("::") if p]
    if not parts:
        return None
    if parts[0] == "crate":
        base, parts = (), parts[1:]
    elif parts[0] in ("super", "self"):
        base = here
        while parts and parts[0] in ("super", "self"):
            if parts[0] == "super":
                base = base[:-1]
            parts = parts[1:]
    else:
        return None
    target = base
    best = base if base in modules else None
    for p in parts:
        target = target + (p,)
        if target in modules:
            best = target
    return best


def cycles(root):
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(".rs"):
                files[module_of(root, os.path.join(d, n))] = os.path.join(d, n)
    edges = {m: set() for m in files}
    for m, path in files.items():
        here = m
        text = strip(open(path, encoding="utf-8").read())
        paths = []
        for vis, tree in re.findall(r"(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", text):
            for p in expand(tree):
                target = resolve(here, p, files)
                facade = vis and target and target[: len(m)] == m and target != m
                if target and not facade:
                    paths.append(target)
        for p in re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text):
            target = resolve(here, p, files)
            if target:
                paths.append(target)
        edges[m].update(t for t in paths if t != m)
    # Tarjan's strongly connected components.
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(os.path.relpath(files[c], root) for c in comp))

    sys.setrecursionlimit(10000)
    for v in files:
        if v not in index:
            visit(v)
    return out


def main():
    found = False
    for root in sys.argv[1:] or ["server/src"]:
        for comp in cycles(root):
            found = True
            print(f"{root}: cycle: {' <-> '.join(comp)}")
    if not found:
        print("no file-level import cycles")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
