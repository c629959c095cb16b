#!/usr/bin/env python3
"""Finds (and with --rewrite replaces) machine paths in the docs, their records, the tests and the scripts: paths under
the development machine's work folder, its root home or its temporary folder (W, R and T below, spelled out in the
code), which a reader of a fresh clone cannot repeat. They become the names docs/README.md ("Paths in commands and
records") defines:

    W/shared/...                     ../shared/...   (the reference material beside the checkout)
    W/venv-tf/bin/python, ...        $PYTHON         (a Python with the packages the script's header names)
    W/corpus-trained/...             $CORPUS/trained/...
    W/corpus/...                     $CORPUS/...     (the folder the scripts under scripts/corpus/ write into)
    T/..., W/..., R/...              $RUNS/...       (a scratch folder a run wrote into)

    python3 scripts/checks/machine_paths.py             # lists them, exit 1 if there are any
    python3 scripts/checks/machine_paths.py --rewrite   # replaces them in place

The rewrite suits commands in text; a script's own defaults (a shebang, a default folder) want the environment
instead: #!/usr/bin/env python3, os.environ.get("CORPUS", "corpus"), ${CORPUS:-corpus}, ${PYTHON:-python3}. The
folders' names are assembled below rather than written out, so that this file names no machine path itself.
"""
import pathlib
import re
import sys

SELF = pathlib.Path(__file__).resolve()
ROOT = SELF.parents[2]
W, R, T = "/" + "work", "/" + "root", "/" + "tmp"
# A path that starts one of these folders: not part of a longer path (under target, say) or a URL; a shell default
# (${PYTHON:-W/...}) counts.
START = r"(?:(?<=:-)|(?<![\w./$~-]))"
MACHINE = re.compile(START + "(?:" + W + "|" + R + "|" + T + r")(/[\w.+@%-]+)+")
RULES = [
    (re.compile(START + W + r"/shared(?=[/\"'\s`)]|$)"), "../shared"),
    (re.compile(START + W + r"/(venv-tf|pyenv)/bin/python3?(?![\w.])"), "$PYTHON"),
    (re.compile(START + W + r"/corpus-trained(?=[/\"'\s`)]|$)"), "$CORPUS/trained"),
    (re.compile(START + W + r"/corpus(?=[/\"'\s`)]|$)"), "$CORPUS"),
    (re.compile(START + "(?:" + W + "|" + T + "|" + R + ")/"), "$RUNS/"),
]


def files():
    for top in ("docs", "README.md", "library/src/test", "cli/src/test", "harness/src/test", "scripts"):
        path = ROOT / top
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for p in candidates:
            if p == SELF or "__pycache__" in p.parts:
                continue
            if p.suffix in (".md", ".json", ".jsonl", ".txt", ".java", ".csv", ".adoc", ".py", ".sh"):
                yield p


def main():
    rewrite = "--rewrite" in sys.argv[1:]
    found = 0
    for p in files():
        text = p.read_text(encoding="utf-8")
        if not MACHINE.search(text):
            continue
        if rewrite:
            for pattern, name in RULES:
                text = pattern.sub(name, text)
            p.write_text(text, encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            for m in MACHINE.finditer(line):
                found += 1
                print(f"{p.relative_to(ROOT)}:{number}: {m.group(0)}")
    print(f"{found} machine paths" + (" left after the rewrite" if rewrite else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
