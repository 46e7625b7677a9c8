#!/bin/sh
# Canonical JSON interop: our "tuf" flavour against securesystemslib.
#
# Generates a deterministic corpus with Debian's /usr/bin/python3 (the
# python3 on PATH may be a pyenv build without Debian's packages), computes
# securesystemslib's encode_canonical() of each document, and compares it
# byte for byte with "canon-tool tuf" (built by make check: $BUILD/tests).
# Documents that ta_json_parse() must refuse (floats, duplicate keys, 2^53+1,
# lone surrogates, \u0000, trailing data ...) are checked to be refused; the
# line says whether securesystemslib refuses them too or accepts them (then
# the refusal is our stricter policy, tuf/json.h).
#
# Prints one "PASS: name" / "FAIL: name" per document, or one SKIP line
# when securesystemslib is not installed.  Builds nothing.
set -u

BUILD=${BUILD:-build}
tool=$BUILD/tests/tools/canon-tool
. "$(dirname "$0")/interop_lib.sh"
interop_setup canonical-interop "$tool" 'from securesystemslib.formats import encode_canonical'

"$py" - "$tmp" <<'EOF' || { echo "FAIL: canonical-interop (corpus generator failed)"; exit 1; }
import json, os, random, sys
from securesystemslib.formats import encode_canonical

out = sys.argv[1]
manifest = open(os.path.join(out, "MANIFEST"), "w")

def sslib(data):
    """encode_canonical of the parsed bytes, or None when either step fails."""
    try:
        return encode_canonical(json.loads(data.decode("utf-8"))).encode("utf-8")
    except Exception:
        return None

def match(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    want = sslib(data)
    if want is None:
        raise SystemExit("securesystemslib refuses match case " + name)
    open(os.path.join(out, name + ".json"), "wb").write(data)
    open(os.path.join(out, name + ".expect"), "wb").write(want)
    manifest.write(name + " match\n")

def reject(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    open(os.path.join(out, name + ".json"), "wb").write(data)
    who = "sslib-accepts" if sslib(data) is not None else "sslib-refuses"
    manifest.write(name + " reject " + who + "\n")

def dumps(v, **kw):
    return json.dumps(v, **kw)

# Scalars and empty containers.
for i, s in enumerate(["{}", "[]", "null", "true", "false", "0", "-1", '""', '"x"',
                       "9007199254740992", "-9007199254740992", "-0", " \n{ } \t"]):
    match("scalar-%02d" % i, s)

# FORMATS 2.1's own example, and escapes of every kind.
match("formats-example", '{"b":"<&>\\u00e9\\n","a":[1,true,null]}')
match("escapes-short", r'["\"\\\/\b\f\n\r\t"]')
match("escapes-control", dumps(["".join(chr(c) for c in range(1, 32)) + "\x7f"]))
match("escapes-uppercase-hex", r'["\u00E9\u00e9\uD83D\uDE00\u20AC"]')
match("quotes-backslashes", dumps({'k"\\': 'v\\"\\\\"', "\\": "\""}))
match("html-chars", dumps({"<tag>": "a&b<c>d", "&": "</script>"}))

# Non-ASCII text, raw and escaped.
text = "Ελληνικά 中文 日本語 עברית العربية 😀 \u2028\u2029 \ufeff \uffff \U0010ffff é"
match("nonascii-raw", dumps({"t": text}, ensure_ascii=False))
match("nonascii-escaped", dumps({"t": text}, ensure_ascii=True))
match("nonascii-keys", dumps({text: 1, "é": 2, "e": 3}, ensure_ascii=False))

# Key order: code points across every UTF-8 length, prefixes, case, empty key.
keys = ["b", "a", "B", "A", "_", "aa", "a b", "ab", "a\u0001", "", " ", "~", "\x7f",
        "é", "z", "\u00ff", "\u0100", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffef",
        "\uffff", "\U00010000", "😀", "\U0010ffff", "1", "10", "9", "-", "/", "."]
match("key-order", dumps({k: i for i, k in enumerate(keys)}, ensure_ascii=False))
match("key-order-escaped", dumps({k: i for i, k in enumerate(reversed(keys))}))
match("key-order-nested", dumps({k: {k2: [k, k2] for k2 in keys[:8]} for k in keys[8:16]},
                                ensure_ascii=False))

# Many keys, long strings, pretty-printed input.
rnd = random.Random(20240601)
many = {"k%05d-%s" % (rnd.randrange(100000), chr(0x61 + i % 26)): i for i in range(3000)}
match("many-keys", dumps(many))
match("long-string", dumps({"s": "".join(chr(rnd.choice([0x41, 0xe9, 0x4e2d, 0x1f600,
                                                          0x22, 0x5c, 0x0a]))
                                         for _ in range(20000))}, ensure_ascii=False))
match("pretty", dumps({"z": [1, {"y": None}], "a": {"b": [True, False]}}, indent=4))

# Nesting up to the limit (64), arrays, objects and both.
v = 1
for _ in range(64):
    v = [v]
match("deep-arrays-64", dumps(v))
v = "leaf"
for i in range(64):
    v = {"k%d" % i: v, "a": i}
match("deep-objects-64", dumps(v))
v = None
for i in range(64):
    v = [v, i] if i % 2 else {"x": v}
match("deep-mixed-64", dumps(v))

# A TUF root with PEM keys (newlines in strings), like python-tuf writes.
pem = ("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + "A" * 56 +
       "\n" + "B" * 20 + "==\n-----END PUBLIC KEY-----\n")
root = {"signatures": [{"keyid": "ab" * 32, "sig": "30" * 35}],
        "signed": {"_type": "root", "spec_version": "1.0.31", "version": 1,
                   "expires": "2030-01-01T00:00:00Z", "consistent_snapshot": True,
                   "keys": {"ab" * 32: {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
                                        "keyval": {"public": pem}}},
                   "roles": {r: {"keyids": ["ab" * 32], "threshold": 1}
                             for r in ["root", "targets", "snapshot", "timestamp"]}}}
match("tuf-root", dumps(root, indent=1, separators=(",", ": "), sort_keys=True))
targets = {"_type": "targets", "spec_version": "1.0.31", "version": 7,
           "expires": "2030-01-01T00:00:00Z",
           "targets": {"files/\u00e9t\u00e9 & <b>.txt": {"length": 12345,
                                                        "hashes": {"sha256": "0f" * 32},
                                                        "custom": {"z": 1, "a": [2, 3]}}}}
match("tuf-targets", dumps(targets, ensure_ascii=False))

# Random documents.
alphabet = ([chr(c) for c in range(0x20, 0x7f)] + [chr(c) for c in range(1, 0x20)] +
            ["\u00e9", "\u00ff", "\u0100", "\u2028", "\u4e2d", "\ufeff", "\uffff",
             "\U0001f600", "\U0010ffff", '"', "\\", "\\u"])
def rstr():
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))
def rval(d):
    k = rnd.randrange(7 if d < 8 else 4)
    if k == 0:
        return rnd.randrange(-2**53, 2**53 + 1)
    if k == 1:
        return rnd.choice([True, False, None, 0, -1, 2**53, -2**53])
    if k in (2, 3):
        return rstr()
    if k == 4:
        return [rval(d + 1) for _ in range(rnd.randrange(0, 6))]
    return {rstr(): rval(d + 1) for _ in range(rnd.randrange(0, 6))}
for i in range(40):
    v = {rstr(): rval(1) for _ in range(rnd.randrange(1, 8))}
    kw = {"ensure_ascii": bool(i % 2)}
    if i % 3 == 0:
        kw["indent"] = rnd.randrange(0, 4)
    match("random-%02d" % i, dumps(v, **kw))

# What we refuse.
reject("reject-float", '{"x":1.5}')
reject("reject-float-integral", '{"x":1.0}')
reject("reject-exponent", '[1e3]')
reject("reject-nan", '[NaN]')
reject("reject-duplicate-key", '{"a":1,"a":2}')
reject("reject-duplicate-key-deep", '{"a":[{"b":{"c":1,"c":1}}]}')
reject("reject-2p53-plus-1", '[9007199254740993]')
reject("reject-minus-2p53-minus-1", '[-9007199254740993]')
reject("reject-lone-surrogate", '["\\ud800"]')
reject("reject-nul-escape", '["a\\u0000b"]')
reject("reject-trailing", '{} x')
reject("reject-depth-65", "[" * 65 + "]" * 65)
EOF

while read -r name kind who; do
	f=$tmp/$name.json
	if [ "$kind" = match ]; then
		if ! "$tool" tuf "$f" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
			echo "FAIL: $name (canon-tool refused it: $(cat "$tmp/$name.err"))"
		elif cmp -s "$tmp/$name.out" "$tmp/$name.expect"; then
			echo "PASS: $name"
		else
			diff=$(cmp "$tmp/$name.out" "$tmp/$name.expect" 2>&1 | head -n 1)
			echo "FAIL: $name (bytes differ from securesystemslib: $diff)"
		fi
	else
		if "$tool" tuf "$f" >/dev/null 2>"$tmp/$name.err"; then
			echo "FAIL: $name (canon-tool accepted it)"
		else
			case $who in
			sslib-refuses) why="securesystemslib refuses it too" ;;
			*) why="our policy; securesystemslib accepts it" ;;
			esac
			echo "PASS: $name (refused: $why)"
		fi
	fi
done <"$tmp/MANIFEST"
