r"""Re-point the curated mutants so they survive a ``ruff format`` pass over the tree.

Formatting changes whitespace, quotes and line breaks, so the ``find`` strings of
``tests/mutation/mutants_*.py`` (exact source text, unique in their ``file``) would stop
matching. Run this tool on the UNformatted tree, *before* ``ruff format``; for every mutant
it

1. reads ``file`` (must still hold ``find`` exactly once, else the mutant is already stale
   and is reported, not touched);
2. formats the original text and the mutated text (``find`` -> ``replace``) with
   ``python -m ruff format --stdin-filename <file> -``, run from the repository root so the
   project's ``[tool.ruff.format]`` settings and excludes apply exactly as in
   ``ruff format .``;
3. if the old ``find`` is still unique in the formatted original and still plants the same
   bug there (the formatted original with ``find`` -> ``replace`` applied is, or formats to,
   the formatted mutated text) the mutant is **kept** as it is;
4. else diffs the two formatted texts line by line and takes the smallest run of whole
   lines that covers every difference as the new ``find`` (formatted original) and
   ``replace`` (formatted mutated), growing it by one line of context on each side until
   the new ``find`` is unique in the formatted file. The result is checked: applying it to
   the formatted original must give exactly the formatted mutated text. Multi-line finds
   and replacements that change the line count are handled the same way;
5. reports loudly, and leaves untouched, every mutant it cannot re-point:

   * ``stale``: ``find`` does not occur exactly once in the unformatted file;
   * ``format-error``: ruff cannot format the original or the mutated text (for example a
     mutation that is a syntax error); ruff's message is shown;
   * ``equivalent``: the original and the mutated file format to the same text -- the
     mutation only changed layout, so after formatting it plants no bug at all. Such a
     mutant must be rewritten by hand (it was never a real bug, or a weak one);
   * ``not-unique`` / ``unverified``: no unique find could be derived, or the derived pair
     does not reproduce the formatted mutated file (should not happen; reported if it does).

With ``--apply`` the ``find=``/``replace=`` string literals of the re-pointed mutants are
rewritten in place in their ``mutants_*.py`` (located with :mod:`ast`, so the rest of each
file -- comments, ``tests``, ``why``, helper constants -- stays byte for byte as it was),
each rewritten file is compiled, formatted with ruff, loaded again and compared with the
expected mutants (every key). A literal that is not a plain string (an f-string, a name, an
expression) cannot be rewritten and is reported. Without ``--apply`` nothing is written:
the plan is printed (``-v`` also prints each old/new pair).

Exit code: 0 when every mutant was kept or re-pointed (and, with ``--apply``, written and
verified); 1 when some mutant needs a hand-made fix (listed at the end); 2 on a usage error.

The procedure for the one formatting pass over the tree (run from the repository root, on
a clean checkout of the merged branch, with the project's venv active)::

    python tests/mutation/harness.py --check-only            # 0 stale before starting
    python tests/mutation/repoint_after_format.py            # dry run: the plan, problems
    python tests/mutation/repoint_after_format.py --apply    # rewrite mutants_*.py
    python -m ruff format .                                  # format the whole tree
    python tests/mutation/harness.py --check-only            # 0 stale after formatting
    python -m ruff format --check . && python -m ruff check .
    python tests/mutation/repoint_after_format.py            # now: every mutant "kept"
    python -m pytest -q -x                                   # the suite, formatted tree
    python tests/mutation/harness.py -j 2                    # optional: every mutant killed
    git commit -am "ruff format over the tree; mutants re-pointed"

Running the tool again on the formatted tree is a no-op (every mutant is "kept"), which is
the check that the ruff used by the tool and the one used for ``ruff format .`` agree.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

KEEP = "kept"
REPOINT = "re-pointed"
PROBLEMS = (
    "stale",
    "format-error",
    "equivalent",
    "not-unique",
    "unverified",
    "not-literal",
    "not-written",
)


class FormatError(RuntimeError):
    """ruff could not format a text (its stderr is the message)."""


def ruff_format(text: str, filename: str, root: Path = ROOT) -> str:
    """``text`` formatted by ``ruff format`` as if it were ``root / filename``."""
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--force-exclude",
            "--stdin-filename",
            filename,
            "-",
        ],
        input=text,
        capture_output=True,
        text=True,
        cwd=root,
    )
    if p.returncode != 0:
        raise FormatError(p.stderr.strip() or f"ruff format exit {p.returncode}")
    return p.stdout


@dataclass
class Entry:
    source: Path  # the mutants_*.py
    index: int  # position in its MUTANTS
    mutant: dict
    status: str = ""
    detail: str = ""
    new_find: str | None = None
    new_replace: str | None = None

    @property
    def id(self) -> str:
        return f"{self.source.stem[len('mutants_') :]}:{self.index}"


def load(path: Path) -> list[dict]:
    spec = importlib.util.spec_from_file_location(f"_repoint_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    entries = getattr(mod, "MUTANTS", None)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise TypeError(f"{path}: MUTANTS must be a list of dicts")
    return entries


# ----------------------------------------------------------------------------- derivation
def derive(a: str, b: str) -> tuple[str, str]:
    """A (find, replace) pair of whole lines, unique in ``a``, that turns ``a`` into ``b``.

    ``a``/``b``: the formatted original / mutated texts (``a != b``). Raises ``LookupError``
    when even the whole file is not a unique find (cannot happen for ``a != b``) or the
    pair does not reproduce ``b``."""
    al, bl = a.splitlines(keepends=True), b.splitlines(keepends=True)
    ops = [
        op
        for op in difflib.SequenceMatcher(None, al, bl, autojunk=False).get_opcodes()
        if op[0] != "equal"
    ]
    i1, i2, j1, j2 = ops[0][1], ops[-1][2], ops[0][3], ops[-1][4]
    lo, hi = i1, i2  # the lines of ``a`` in the find: al[lo:hi]
    while True:
        new_find = "".join(al[lo:hi])
        new_rep = "".join(al[lo:i1]) + "".join(bl[j1:j2]) + "".join(al[i2:hi])
        if new_find.strip() and a.count(new_find) == 1:
            break
        if lo == 0 and hi == len(al):
            raise LookupError("no unique find even with the whole file as context")
        lo, hi = max(lo - 1, 0), min(hi + 1, len(al))
    # drop the final newline when both sides end with one (a find ending in a newline
    # reads badly and is fragile against a later edit of the next line)
    if new_find.endswith("\n") and new_rep.endswith("\n"):
        shorter = new_find[:-1]
        if shorter.strip() and a.count(shorter) == 1:
            new_find, new_rep = shorter, new_rep[:-1]
    if a.count(new_find) != 1 or a.replace(new_find, new_rep, 1) != b:
        raise AssertionError("derived pair does not reproduce the formatted mutated file")
    return new_find, new_rep


def plan(e: Entry, root: Path = ROOT, cache: dict | None = None) -> None:
    """Fill ``e.status``/``detail``/``new_*`` for one mutant (nothing written)."""
    m = e.mutant
    path = root / m["file"]
    if not path.is_file():
        e.status, e.detail = "stale", f"file {m['file']} does not exist"
        return
    src = path.read_text()
    n = src.count(m["find"])
    if n != 1:
        e.status, e.detail = "stale", f"find occurs {n} times in {m['file']} before formatting"
        return
    cache = {} if cache is None else cache
    try:
        if m["file"] not in cache:
            cache[m["file"]] = ruff_format(src, m["file"], root)
        a = cache[m["file"]]
    except FormatError as exc:
        e.status, e.detail = "format-error", f"the ORIGINAL {m['file']} does not format: {exc}"
        return
    mutated = src.replace(m["find"], m["replace"], 1)
    try:
        b = ruff_format(mutated, m["file"], root)
    except FormatError as exc:
        e.status = "format-error"
        e.detail = f"the MUTATED {m['file']} does not format (syntax?): {exc}"
        return
    if a == b:
        e.status = "equivalent"
        e.detail = (
            "original and mutated file format to the SAME text: the mutation only "
            "changes layout and plants no bug once the tree is formatted"
        )
        return
    # keep the curated pair when it still plants the same bug in the formatted file
    if a.count(m["find"]) == 1:
        a_mut = a.replace(m["find"], m["replace"], 1)
        same = a_mut == b
        if not same:
            try:
                same = ruff_format(a_mut, m["file"], root) == b
            except FormatError:
                same = False
        if same:
            e.status, e.detail = KEEP, "find still unique and plants the same bug"
            return
    try:
        e.new_find, e.new_replace = derive(a, b)
    except LookupError as exc:
        e.status, e.detail = "not-unique", str(exc)
        return
    except AssertionError as exc:
        e.status, e.detail = "unverified", str(exc)
        return
    e.status = REPOINT
    e.detail = (
        f"find {m['find'].count(chr(10)) + 1} -> {e.new_find.count(chr(10)) + 1} line(s), "
        f"replace {m['replace'].count(chr(10)) + 1} -> {e.new_replace.count(chr(10)) + 1}"
    )


# ----------------------------------------------------------------------------- rewriting
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def py_literal(s: str, indent: int) -> str:
    """A Python literal for ``s``: one double-quoted string, or for a multi-line ``s`` a
    parenthesised implicit concatenation with one source line per line of ``s``."""

    def one(piece: str) -> str:
        out = []
        for ch in piece:
            if ch in _ESCAPES:
                out.append(_ESCAPES[ch])
            elif not ch.isprintable():
                out.append(ch.encode("unicode_escape").decode("ascii"))
            else:
                out.append(ch)  # non-ASCII letters (rho, sigma) stay readable
        return '"' + "".join(out) + '"'

    lines = s.splitlines(keepends=True)
    if len(lines) <= 1:
        lit = one(s)
    else:
        pad = " " * (indent + 1)
        lit = "(" + ("\n" + pad).join(one(p) for p in lines) + ")"
    if ast.literal_eval(lit) != s:  # escaping round trip: checked, never trusted
        lit = repr(s)
    return lit


def _literal_nodes(tree: ast.AST) -> list[dict]:
    """Every ``dict(find=..., replace=...)`` call or ``{"find": ..., "replace": ...}``
    display in source order, as ``{key: node}``."""
    found = []
    for node in ast.walk(tree):
        keys = {}
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "dict"
        ):
            keys = {k.arg: k.value for k in node.keywords if k.arg}
        elif isinstance(node, ast.Dict):
            keys = {
                k.value: v
                for k, v in zip(node.keys, node.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
        if "find" in keys and "replace" in keys:
            found.append(keys)
    found.sort(key=lambda k: (k["find"].lineno, k["find"].col_offset))
    return found


def _const(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _offset(lines: list[str], lineno: int, col: int) -> int:
    # ast columns are UTF-8 byte offsets
    return sum(len(x) for x in lines[: lineno - 1]) + len(lines[lineno - 1].encode()[:col].decode())


def rewrite(path: Path, entries: list[Entry], root: Path = ROOT) -> list[str]:
    """Rewrite the literals of the re-pointed ``entries`` (all from ``path``) in place;
    returns problems (empty on success). The file is only written when every check holds."""
    text = path.read_text()
    runtime = load(path)
    nodes = _literal_nodes(ast.parse(text))
    # runtime index -> AST node: by position when the literals match one to one, else by value
    pos_ok = len(nodes) == len(runtime) and all(
        _const(nd["find"]) == r["find"] and _const(nd["replace"]) == r["replace"]
        for nd, r in zip(nodes, runtime)
    )
    problems, edits = [], []
    for e in entries:
        if pos_ok:
            nd = nodes[e.index]
        else:
            cands = [
                nd
                for nd in nodes
                if _const(nd["find"]) == e.mutant["find"]
                and _const(nd["replace"]) == e.mutant["replace"]
            ]
            same = [
                r
                for r in runtime[: e.index]
                if r["find"] == e.mutant["find"] and r["replace"] == e.mutant["replace"]
            ]
            if len(cands) <= len(same):
                problems.append(
                    f"{e.id}: find/replace are not plain string literals in "
                    f"{path.name}; re-point by hand:\n    find={e.new_find!r}\n"
                    f"    replace={e.new_replace!r}"
                )
                e.status = "not-literal"
                continue
            nd = cands[len(same)]
        for key, new in (("find", e.new_find), ("replace", e.new_replace)):
            node = nd[key]
            if _const(node) is None:
                problems.append(f"{e.id}: {key}= is not a plain string literal in {path.name}")
                e.status = "not-literal"
                break
            edits.append((node, new))
    if problems:
        return problems
    lines = text.splitlines(keepends=True)
    spans = []
    for node, new in edits:
        start = _offset(lines, node.lineno, node.col_offset)
        end = _offset(lines, node.end_lineno, node.end_col_offset)
        spans.append((start, end, py_literal(new, node.col_offset)))
    for start, end, lit in sorted(spans, reverse=True):
        text = text[:start] + lit + text[end:]
    compile(text, str(path), "exec")  # valid Python, or raise before writing
    text = ruff_format(text, str(path.relative_to(root)), root)
    old = path.read_text()
    path.write_text(text)
    # loaded again: the re-pointed entries carry the new pair, every other key and entry as before
    after = load(path)
    expect = [dict(r) for r in runtime]
    for e in entries:
        expect[e.index]["find"], expect[e.index]["replace"] = e.new_find, e.new_replace
    if after != expect:
        path.write_text(old)
        return [f"{path.name}: rewritten file does not load to the expected MUTANTS; restored"]
    return []


# ----------------------------------------------------------------------------- main
def _show(s: str) -> str:
    return "\n".join("      | " + x for x in s.split("\n"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--apply",
        action="store_true",
        help="rewrite the find/replace literals of tests/mutation/mutants_*.py",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="print each old/new pair")
    ap.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="repository root (default: the one holding this file)",
    )
    args = ap.parse_args(argv)
    root = args.root.resolve()

    entries, cache = [], {}
    for path in sorted((root / "tests" / "mutation").glob("mutants_*.py")):
        for i, m in enumerate(load(path)):
            e = Entry(path, i, m)
            plan(e, root, cache)
            entries.append(e)
    w = max(len(e.id) for e in entries) if entries else 8
    for e in entries:
        print(f"{e.id:<{w}}  {e.status:<12} {e.mutant['file']}  {e.detail}")
        if args.verbose and e.status == REPOINT:
            print("    old find:\n" + _show(e.mutant["find"]))
            print("    new find:\n" + _show(e.new_find))
            print("    new replace:\n" + _show(e.new_replace))
    todo = [e for e in entries if e.status == REPOINT]
    written = []
    if args.apply and todo:
        by_file: dict = {}
        for e in todo:
            by_file.setdefault(e.source, []).append(e)
        for path, es in by_file.items():
            probs = rewrite(path, es, root)
            for p in probs:
                print("== " + p, file=sys.stderr)
            if probs:
                for e in es:
                    if e.status == REPOINT:
                        e.status = "not-written"
                        e.detail = f"{path.name} was not rewritten (see the message above)"
            else:
                written.append(path.name)
    bad = [e for e in entries if e.status in PROBLEMS]
    counts: dict = {}
    for e in entries:
        counts[e.status] = counts.get(e.status, 0) + 1
    print(f"{len(entries)} mutants: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if args.apply:
        print(f"rewritten and verified: {', '.join(written) or 'nothing'}")
    elif todo:
        print("dry run: nothing written (--apply rewrites the mutants files)")
    if bad:
        print(
            f"== {len(bad)} mutant(s) need a hand-made fix BEFORE formatting the tree:",
            file=sys.stderr,
        )
        for e in bad:
            print(f"==   {e.id} [{e.status}] {e.mutant['file']}: {e.detail}", file=sys.stderr)
            print(f"==     why: {e.mutant['why']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
