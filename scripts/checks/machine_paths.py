#!/usr/bin/env python3
"""Finds (and with --rewrite replaces) machine paths in the docs, their records, the tests and the scripts: paths under
/work, /root or /tmp of the machine a run was made on, which a reader of a fresh clone cannot repeat. They become the
names docs/README.md ("Paths in commands and records") defines:

    /work/shared/...                 ../shared/...   (the reference material beside the checkout)
    /work/venv-tf/bin/python, ...    $PYTHON         (a Python with the packages the script's header names)
    /work/corpus-trained/...         $CORPUS/trained/...
    /work/corpus/...                 $CORPUS/...     (the folder the scripts under scripts/corpus/ write into)
    /tmp/..., /work/..., /root/...   $RUNS/...       (a scratch folder a run wrote into)

    python3 scripts/checks/machine_paths.py             # lists them, exit 1 if there are any
    python3 scripts/checks/machine_paths.py --rewrite   # replaces them in place

The rewrite suits commands in text; a script's own defaults (a shebang, a default folder) want the environment
instead: #!/usr/bin/env python3, os.environ.get("CORPUS", "corpus"), ${CORPUS:-corpus}, ${PYTHON:-python3}. This file
is not scanned: its docstring and patterns name the paths on purpose.
"""
import pathlib
import re
import sys

SELF = pathlib.Path(__file__).resolve()
ROOT = SELF.parents[2]
# A path that starts one of these folders: not part of a longer path (target/tmp/...) or a URL; a shell default
# (${PYTHON:-/work/...}) counts.
START = r"(?:(?<=:-)|(?<![\w./$~-]))"
MACHINE = re.compile(START + r"/(work|root|tmp)(/[\w.+@%-]+)+")
RULES = [
    (re.compile(START + r"/work/shared(?=[/\"'\s`)]|$)"), "../shared"),
    (re.compile(START + r"/work/(venv-tf|pyenv)/bin/python3?(?![\w.])"), "$PYTHON"),
    (re.compile(START + r"/work/corpus-trained(?=[/\"'\s`)]|$)"), "$CORPUS/trained"),
    (re.compile(START + r"/work/corpus(?=[/\"'\s`)]|$)"), "$CORPUS"),
    (re.compile(START + r"/(work|tmp|root)/"), "$RUNS/"),
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
