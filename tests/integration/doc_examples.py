#!/usr/bin/python3
"""The examples of README.md and the man pages, for tests/integration/doc-examples.sh
(which says what is done with them, and why).

doc_examples.py TOP OUT EXCLUDE RUNAS: writes into OUT
  sections.tsv  one line per section with blocks to run or parse:
                N <TAB> FILE#SECTION
  blocks.tsv    one line per block:
                ID <TAB> N <TAB> KIND <TAB> WHAT
                KIND: run (WHAT = first command), parse (WHAT = config file),
                excluded (WHAT = reason), notrun (every command "not run here"),
                unknown (neither: the test fails)
  notrun.tsv    ID <TAB> command <TAB> reason, for each command not run here
  sN.sh         section N's commands, in order, after the listed substitutions
  cN-K.conf     the configurations of section N as written (parsed)
EXCLUDE lines are FILE <TAB> START-OF-FIRST-LINE <TAB> REASON; RUNAS lines
are FILE <TAB> START-OF-FIRST-LINE: that block runs as the CI principal.
"""
import os
import re
import sys

FILES = ["README.md", "man/tufctl.1", "man/tuf-agent.8", "man/tuf-agent.conf.5"]

# Commands recorded as "not run here": (pattern, reason).
NOT_RUN = [
    (r"^sudo\b", "runs as another user"),
    (r"^systemctl\b", "needs systemd managing the installed units "
     "(tests/integration/systemd-units.sh checks them)"),
    (r"^usermod\b", "changes the host's users"),
    (r"^systemd-(sysusers|tmpfiles)\b", "changes the host's users and directories "
     "(tests/integration/install.sh installs into a DESTDIR)"),
    (r"^systemd-creds\b", "needs the host's credential key (and its TPM2)"),
    (r"^make install\b", "installs into the host (tests/integration/install.sh: DESTDIR)"),
    (r"^make (demo|check)\b", "make check runs this test; both first install Debian packages"),
]

# Substitutions in commands (the only ones).
def subst_cmd(c):
    c = re.sub(r"https://(notary|registry)\.example\.com(?![\w/.])", "$DOC_SERVER", c)
    c = re.sub(r"(?<![\w.])/srv/", "$DOC_ROOT/srv/", c)
    c = re.sub(r"(?<![\w.])/tmp/ceremony\b", "$DOC_ROOT/ceremony", c)
    if re.match(r"tufctl ceremony sign(-request)?\b", c):
        c += " <<<yes"
    m = re.match(r"tuf-agent .*--socket (\S+).*&\s*$", c)
    if m:
        c += "\ndoc_wait_socket " + m.group(1)
    return c


def unroff(s):
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
    s = s.replace("\\(dq", '"').replace("\\&", "")
    return re.sub(r"\\f[BIRP]", "", s)


def readme_blocks(path):
    """4-space indented blocks: after a blank line, 4 or more columns deeper
    than the text above them."""
    out, section, base, prev_blank, i = [], "", 0, True, 0
    lines = open(path, encoding="utf-8").read().split("\n")
    while i < len(lines):
        l = lines[i]
        ind = len(l) - len(l.lstrip(" "))
        if l.strip() == "":
            prev_blank = True
            i += 1
            continue
        if prev_blank and ind >= base + 4:
            start, blk = i, []
            while i < len(lines) and (lines[i].strip() == "" or
                                      len(lines[i]) - len(lines[i].lstrip(" ")) >= base + 4):
                blk.append(lines[i])
                i += 1
            while blk and blk[-1].strip() == "":
                blk.pop()
            cut = min(len(b) - len(b.lstrip(" ")) for b in blk if b.strip())
            out.append((start + 1, section, [b[cut:] for b in blk]))
            prev_blank = True
            continue
        m = re.match(r"^(#+)\s+(.*)", l)
        if m and ind == 0:
            section = m.group(2)
        base, prev_blank = ind, False
        i += 1
    return out


def man_blocks(path):
    out, sh, ss, blk, start = [], "", "", None, 0
    for n, l in enumerate(open(path, encoding="utf-8").read().split("\n"), 1):
        if blk is None:
            if l.startswith(".SH "):
                sh, ss = unroff(l[4:]).strip('"'), ""
            elif l.startswith(".SS "):
                ss = unroff(l[4:]).strip('"')
            elif l == ".nf":
                blk, start = [], n + 1
        elif l == ".fi":
            out.append((start, sh + (" / " + ss if ss else ""), blk))
            blk = None
        elif not l.startswith("."):
            blk.append(unroff(l))
    return out


def commands(lines):
    """(lineno offset, command, kind) for kind in cmd, file (a cat's content), prose."""
    prompted = bool(re.match(r"^[$#] ", next(l for l in lines if l.strip())))
    res, i = [], 0
    while i < len(lines):
        l = lines[i]
        if not l.strip():
            i += 1
            continue
        if prompted and not re.match(r"^[$#] ", l):
            res.append((i, l, "prose"))
            i += 1
            continue
        start = i
        c = l[2:] if prompted else l
        while (c.rstrip().endswith("\\") or c.rstrip().endswith("|")) and i + 1 < len(lines):
            i += 1
            c = c + "\n" + lines[i]
        i += 1
        m = re.match(r"^cat (\S+)$", c.strip())
        if c.strip().startswith("#"):
            res.append((start, c, "prose"))
        elif not (prompted and m):
            res.append((start, c, "cmd"))
        if prompted and m:
            body = []
            while i < len(lines) and not re.match(r"^[$#] ", lines[i]):
                body.append(lines[i])
                i += 1
            res.append((start, (m.group(1), body), "file"))
    return res


def is_config(lines):
    for l in lines:
        if l.strip() and not l.lstrip().startswith((";", "#")):
            return bool(re.match(r"^\[(agent|token|allow)", l.strip()))
    return False


def main():
    top, out, excl_f, runas_f = sys.argv[1:5]
    excl = [l.rstrip("\n").split("\t") for l in open(excl_f) if l.strip()]
    runas = [l.rstrip("\n").split("\t") for l in open(runas_f) if l.strip()]
    used = set()
    secs, btsv, ntsv = {}, [], []
    scripts = {}
    for f in FILES:
        p = os.path.join(top, f)
        blocks = readme_blocks(p) if f.endswith(".md") else man_blocks(p)
        for line, section, lines in blocks:
            bid = "%s:%d" % (f, line)
            first = next(l for l in lines if l.strip()).strip()
            hit = [e for e in excl if e[0] == f and first.startswith(e[1])]
            if hit:
                used.add((hit[0][0], hit[0][1]))
                btsv.append((bid, "-", "excluded", hit[0][2]))
                continue
            key = f + "#" + section
            if key not in secs:
                secs[key] = len(secs) + 1
                scripts[secs[key]] = []
            n = secs[key]
            if is_config(lines):
                k = sum(1 for b in btsv if b[1] == str(n) and b[2] == "parse") + 1
                cf = os.path.join(out, "c%d-%d.conf" % (n, k))
                open(cf, "w").write("\n".join(lines) + "\n")
                btsv.append((bid, str(n), "parse", cf))
                continue
            ci = any(r[0] == f and first.startswith(r[1]) for r in runas)
            for r in runas:
                if r[0] == f and first.startswith(r[1]):
                    used.add(("runas", r[0], r[1]))
            body, ran, skipped, firstcmd = [], 0, 0, None
            for off, c, kind in commands(lines):
                where = "%s:%d" % (f, line + off)
                if kind == "prose":
                    body.append("# %s (not a command): %s" % (where, c))
                    continue
                if kind == "file":
                    k = sum(1 for b in btsv if b[1] == str(n) and b[2] == "parse") + 1
                    cf = os.path.join(out, "c%d-%d.conf" % (n, k))
                    open(cf, "w").write("\n".join(c[1]) + "\n")
                    btsv.append(("%s(cat %s)" % (bid, c[0]), str(n), "parse", cf))
                    body.append("# %s: %s holds %s (parsed; the section's agent runs it)"
                                % (where, c[0], cf))
                    continue
                reason = next((r for pat, r in NOT_RUN if re.match(pat, c.strip())), None)
                if reason:
                    skipped += 1
                    ntsv.append((where, c.replace("\n", " "), reason))
                    body.append("# %s not run here: %s" % (where, c.replace("\n", " ")))
                    continue
                ran += 1
                firstcmd = firstcmd or c.split("\n")[0]
                body.append("doc_at %s %s" % (where, "'" + c.split("\n")[0].replace("'", "'\\''") + "'"))
                body.append(subst_cmd(c))
            if ran == 0 and skipped == 0:
                btsv.append((bid, str(n), "unknown", "no command, no configuration"))
                continue
            if ran == 0:
                btsv.append((bid, str(n), "notrun", "every command is not run here"))
                scripts[n] += body
                continue
            btsv.append((bid, str(n), "run-ci" if ci else "run", firstcmd))
            if ci:
                bf = os.path.join(out, "b-%s.sh" % bid.replace("/", "_").replace(":", "_"))
                open(bf, "w").write("\n".join(body) + "\n")
                scripts[n].append("doc_as_ci %s" % bf)
            else:
                scripts[n] += body
            scripts[n].append("doc_done %s" % bid)
    with open(os.path.join(out, "sections.tsv"), "w") as o:
        for k, n in secs.items():
            o.write("%d\t%s\n" % (n, k))
    with open(os.path.join(out, "blocks.tsv"), "w") as o:
        for b in btsv:
            o.write("\t".join(b).replace("\n", " ") + "\n")
    with open(os.path.join(out, "notrun.tsv"), "w") as o:
        for t in ntsv:
            o.write("\t".join(t) + "\n")
    for n, body in scripts.items():
        open(os.path.join(out, "s%d.sh" % n), "w").write("\n".join(body) + "\n")
    # A listed exclusion that no block matches is stale.
    with open(os.path.join(out, "stale.tsv"), "w") as o:
        for e in excl:
            if (e[0], e[1]) not in used:
                o.write("exclude\t%s\t%s\n" % (e[0], e[1]))
        for r in runas:
            if ("runas", r[0], r[1]) not in used:
                o.write("runas\t%s\t%s\n" % (r[0], r[1]))


main()
