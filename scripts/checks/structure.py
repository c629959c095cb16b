#!/usr/bin/env python3
"""Issue 26's structure figures for the main code of the modules: library methods of 80+ lines, library parameter
lists of 9+ entries, command-line files importing library internals, and the jar check. Run from the repository root:
    python3 scripts/checks/structure.py [--list]
The Java is read as text (comments and strings blanked first), so the counts are close, not a compiler's."""
import os, re, sys, zipfile, glob

LIB = "library/src/main/java"
CLI = "cli/src/main/java/org/odf2nna/cli"
ALLOWED = {"", "api", "report", "settings", "cli", "harness"}
DECL = re.compile(r"(?:(?:public|protected|private|static|final|synchronized|abstract|default|native)\s+)*"
                  r"(?:<[^>{};]*>\s+)?(?:[\w.<>\[\], ?]+\s+)?(\w+)\s*\(")
KEYWORDS = {"if", "for", "while", "switch", "catch", "synchronized", "return", "new", "else", "try", "throw", "do",
            "assert", "case"}


def blank(src):
    """Comments, strings and chars replaced by spaces (newlines kept), so braces and commas count true."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i); j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif src.startswith('"""', i):
            j = src.find('"""', i + 3); j = n if j < 0 else j + 3
            out.append(re.sub(r"[^\n]", " ", src[i:j])); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(" " * (j + 1 - i)); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


def match(text, i, open_c, close_c):
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_c:
            depth += 1
        elif text[j] == close_c:
            depth -= 1
            if depth == 0:
                return j
    return len(text) - 1


def declarations(path):
    """(name, first line, lines, parameters) of each method, constructor and record header in the file."""
    text = blank(open(path, encoding="utf-8").read())
    found = []
    for m in DECL.finditer(text):
        name = m.group(1)
        if name in KEYWORDS:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        prefix = text[line_start:m.start()]
        if prefix.strip() and not re.fullmatch(r"\s*(@\w+(\([^)]*\))?\s*)*", prefix):
            continue  # a call or an expression, not a declaration at the start of a line
        close = match(text, m.end() - 1, "(", ")")
        params = text[m.end():close]
        rest = text[close + 1:close + 400]
        body = re.match(r"\s*(throws [\w.,\s<>]+)?\s*\{", rest)
        is_record = re.search(r"\brecord\s+" + name + r"\s*(<[^>]*>)?\s*\($", text[line_start:m.end()])
        if not body and not is_record:
            continue
        depth, parts = 0, [""]
        for ch in params:
            if ch in "<(":
                depth += 1
            elif ch in ">)":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append("")
            else:
                parts[-1] += ch
        count = 0 if not params.strip() else len(parts)
        first = text.count("\n", 0, m.start()) + 1
        lines = 0
        if body and not is_record:
            open_brace = close + 1 + body.end() - 1
            lines = text.count("\n", m.start(), match(text, open_brace, "{", "}")) + 1
        found.append((name, first, lines, count, bool(is_record)))
    return found


def java_files(root):
    return sorted(glob.glob(os.path.join(root, "**", "*.java"), recursive=True))


def main():
    listing = "--list" in sys.argv
    long_methods, long_lists, records = [], [], []
    for f in java_files(LIB):
        for name, line, lines, count, record in declarations(f):
            where = "%s:%d %s" % (os.path.relpath(f, LIB), line, name)
            if lines >= 80:
                long_methods.append((lines, where))
            if count >= 9:
                (records if record else long_lists).append((count, where))
    use = re.compile(r"(?<![\w.])org\.odf2nna\.([a-z0-9.]*?)\.?[A-Z]")
    offenders = []
    for f in java_files(CLI):
        src = re.sub(r"(?m)^package [^;]*;", "", open(f, encoding="utf-8").read())
        bad = sorted({p.split(".")[0] for p in use.findall(src) if p.split(".")[0] not in ALLOWED})
        if bad:
            offenders.append((os.path.basename(f), bad))
    print("library methods of 80+ lines: %d (target at most 4)" % len(long_methods))
    if listing:
        for n, w in sorted(long_methods, reverse=True):
            print("    %4d  %s" % (n, w))
    print("library parameter lists of 9+ entries (methods and constructors): %d (target at most 3)" % len(long_lists))
    if listing:
        for n, w in sorted(long_lists, reverse=True):
            print("    %4d  %s" % (n, w))
    print("(not counted: record headers of 9+ components, the values' fields: %d)" % len(records))
    print("command-line files importing library internals: %d of %d (target 0)"
          % (len(offenders), len(java_files(CLI))))
    if listing:
        for f, bad in offenders:
            print("    %s: %s" % (f, ", ".join(bad)))
    jars = glob.glob("library/target/odf2nna-onnx*.jar")
    jars = [j for j in jars if not re.search(r"-(tests|sources|javadoc)\.jar$", j)]
    if jars:
        names = zipfile.ZipFile(jars[0]).namelist()
        stray = [n for n in names if n.startswith(("org/odf2nna/cli/", "org/odf2nna/harness/", "picocli/"))]
        print("%s: holds api/Odf2nna.class: %s; command-line or harness classes: %d"
              % (jars[0], "org/odf2nna/api/Odf2nna.class" in names, len(stray)))
    print("repeated pairs: run `duplicates --most 200 --seconds 120` and count the rows in main code (target at most 45)")


if __name__ == "__main__":
    main()
