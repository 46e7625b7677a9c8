#!/bin/sh
# Signature and key ID interop: tuf/key.c and tuf/sig.c (through sig-tool)
# against Debian's securesystemslib 0.26, run with /usr/bin/python3 (the
# python3 on PATH may be a pyenv build without Debian's packages).
#
#  (a) securesystemslib verifies our tuf signatures (ecdsa-sha2-nistp256,
#      ecdsa-sha2-nistp384, rsassa-pss-sha256, ed25519) over its own
#      encode_canonical() of the document, which must also equal the bytes
#      we signed; through keys.verify_signature() with a key dict and
#      through signer.SSlibKey.verify_signature();
#  (b) our verifier accepts signatures securesystemslib makes over its
#      canonical bytes (keys.create_signature() for ecdsa and rsa keys from
#      keys.generate_*_key(); Ed25519 with PyNaCl when installed, else with
#      securesystemslib's vendored pure-Python ed25519; P-384 with
#      pyca/cryptography, because 0.26 signs nistp256 only) and refuses
#      tampered ones;
#  (c) our key IDs: the default one equals sha256 of securesystemslib's
#      encode_canonical({keytype, scheme, keyval}) (what securesystemslib
#      >= 1.0 calls compute_default_keyid); ta_key_sslib026_id() equals 0.26's
#      keys._get_keyid() / format_metadata_to_key() and the "keyid" of
#      keys generated or imported by 0.26, both of which also hash
#      "keyid_hash_algorithms":["sha256","sha512"]; 0.26's PEM importers
#      drop the PEM's final newline, and our IDs of the text they keep
#      equal theirs.
#
# Prints one "PASS: name" / "FAIL: name" per check, or one SKIP line when
# securesystemslib is not installed.  Builds nothing.
set -u

BUILD=${BUILD:-build}
tool=$BUILD/tests/tools/sig-tool
. "$(dirname "$0")/interop_lib.sh"
interop_setup sslib-interop "$tool" 'import securesystemslib.keys, securesystemslib.signer'

"$py" - "$tool" "$tmp" <<'EOF'
import binascii, hashlib, json, os, subprocess, sys

import securesystemslib
from securesystemslib import ecdsa_keys, formats, keys
from securesystemslib.signer import Signature, SSlibKey

tool, tmp = sys.argv[1], sys.argv[2]
failed = 0


def report(ok, name, why=""):
    global failed
    print(("PASS: " if ok else "FAIL: ") + name + (" (" + why + ")" if why else ""))
    failed += 0 if ok else 1


def write(name, value):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)
    return path


def run(*args):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def modern_id(key):
    """sha256 of sslib's canonical {keytype, scheme, keyval}."""
    c = formats.encode_canonical({"keytype": key["keytype"], "scheme": key["scheme"],
                                  "keyval": key["keyval"]})
    return hashlib.sha256(c.encode("utf-8")).hexdigest()


# A document with what canonical JSON must get right: sorting, non-ASCII,
# raw control characters, HTML characters, nesting.
doc = {
    "_type": "targets", "spec_version": "1.0.31", "version": 3,
    "expires": "2030-01-01T00:00:00Z",
    "targets": {"files/\u00e9t\u00e9 & <b>.txt": {
        "length": 12345, "hashes": {"sha256": "0f" * 32},
        "custom": {"z": 1, "a": [2, 3, None, True], "\u4e2d": "\U0001f600"}}},
    "note": "line1\nline2\t\"quoted\" back\\slash \u2028",
}
doc_path = write("doc.json", doc)
canon = formats.encode_canonical(doc).encode("utf-8")

print("# securesystemslib " + securesystemslib.__version__, file=sys.stderr)

# ---- (a) and (c): our keys and signatures, checked by securesystemslib ----
ours = [("ecdsa-p256", 300), ("ecdsa-p384", 100), ("rsa-2048", 10), ("rsa-3072", 5),
        ("ed25519", 20)]
for type_name, count in ours:
    rc, out, err = run("sign", "tuf", type_name, str(count), doc_path)
    if rc != 0:
        report(False, "sign-" + type_name, err)
        continue
    res = json.loads(out)
    key, keyid = res["key"], res["keyid"]
    name = type_name + "/" + key["scheme"]
    report(bytes.fromhex(res["canonical_hex"]) == canon, "canonical-bytes-" + type_name,
           "our canonical bytes are sslib's encode_canonical()")

    # keys.verify_signature() with a classic key dict.
    keydict = {"keyid": keyid, "keytype": key["keytype"], "scheme": key["scheme"],
               "keyval": key["keyval"]}
    bad = [i for i, s in enumerate(res["signatures"])
           if not keys.verify_signature(keydict, s, canon)]
    report(not bad, "sslib-verifies-" + name,
           "%d signatures, keys.verify_signature" % count + (", bad: %s" % bad[:5] if bad else ""))
    # The Signer API's key class.
    sk = SSlibKey.from_dict(keyid, dict(key))
    try:
        for s in res["signatures"]:
            sk.verify_signature(Signature.from_dict(dict(s)), canon)
        report(True, "sslib-signer-api-verifies-" + name, "SSlibKey.verify_signature")
    except Exception as e:  # pylint: disable=broad-except
        report(False, "sslib-signer-api-verifies-" + name, repr(e))
    # A tampered signature and a tampered message are refused.
    s0 = dict(res["signatures"][0])
    s0["sig"] = s0["sig"][:-2] + ("00" if s0["sig"][-2:] != "00" else "01")
    report(not keys.verify_signature(keydict, s0, canon),
           "sslib-refuses-tampered-sig-" + name)
    report(not keys.verify_signature(keydict, res["signatures"][0], canon + b" "),
           "sslib-refuses-other-message-" + name)

    # (c) key IDs.
    report(keyid == modern_id(key), "keyid-default-" + type_name,
           "sha256(encode_canonical({keytype,scheme,keyval}))")
    legacy = keys._get_keyid(key["keytype"], key["scheme"], key["keyval"])
    report(res["keyid_sslib026"] == legacy, "keyid-sslib026-" + type_name,
           "keys._get_keyid, with keyid_hash_algorithms")
    report(keys.format_metadata_to_key(dict(key))[0]["keyid"] == legacy,
           "keyid-format-metadata-to-key-" + type_name)
    # 0.26's import_*_from_public_pem() drop a PEM's final newline (its
    # extract_pem), which gives the same key another, documented, ID: our
    # IDs of the text it keeps must equal its.
    importer = {"ecdsa-p256": keys.import_ecdsakey_from_public_pem,
                "rsa-2048": keys.import_rsakey_from_public_pem}.get(type_name)
    if importer is not None:
        pem = key["keyval"]["public"]
        imported = importer(pem)
        stripped = dict(key, keyval={"public": imported["keyval"]["public"]})
        rc2, out2, err2 = run("keyid", "tuf", write(type_name + "-stripped.json", stripped))
        ok = (pem.endswith("\n") and imported["keyval"]["public"] == pem[:-1] and rc2 == 0
              and out2.split()[1] == imported["keyid"] and out2.split()[0] == modern_id(stripped))
        report(ok, "keyid-import-pem-" + type_name, "0.26 drops the final newline; our IDs "
               "of the text it keeps equal its" if ok else out2 + err2)

# ---- (b): securesystemslib's signatures, checked by us --------------------


def check_ours(name, meta, sigs, want_keyid):
    key_path = write(name + "-key.json", meta)
    rc, out, err = run("verify", "tuf", key_path, write(name + "-sigs.json", sigs), doc_path)
    report(rc == 0 and out == "ok %d" % len(sigs), "ours-verifies-sslib-" + name,
           "%d signatures" % len(sigs) if rc == 0 else err)
    bad = dict(sigs[0])
    bad["sig"] = bad["sig"][:-2] + ("00" if bad["sig"][-2:] != "00" else "01")
    rc, out, err = run("verify", "tuf", key_path, write(name + "-bad.json", bad), doc_path)
    report(rc == 1 and err.startswith("sig 0: TA_ERR_VERIFY"), "ours-refuses-tampered-sslib-" + name,
           err.splitlines()[0] if err else "accepted")
    rc, out, err = run("keyid", "tuf", key_path)
    ids = out.split()
    report(rc == 0 and ids[1] == want_keyid and ids[0] == modern_id(meta),
           "keyid-of-sslib-key-" + name, "0.26 keyid " + want_keyid[:12] + "...")


def sslib_key(k, count):
    meta = keys.format_keyval_to_metadata(k["keytype"], k["scheme"], k["keyval"])
    return meta, [keys.create_signature(k, canon) for _ in range(count)]


k = keys.generate_ecdsa_key()
meta, sigs = sslib_key(k, 300)
check_ours("ecdsa-p256", meta, sigs, k["keyid"])

k = keys.generate_rsa_key(2048)
meta, sigs = sslib_key(k, 10)
check_ours("rsa-2048", meta, sigs, k["keyid"])
k = keys.generate_rsa_key(3072, scheme="rsa-pkcs1v15-sha256")
meta, sigs = sslib_key(k, 3)
check_ours("rsa-3072-pkcs1v15", meta, sigs, k["keyid"])

try:
    k = keys.generate_ed25519_key()
    meta, sigs = sslib_key(k, 20)
    how = "pynacl"
except securesystemslib.exceptions.UnsupportedLibraryError:
    # No PyNaCl: sign with securesystemslib's vendored pure-Python ed25519.
    from securesystemslib._vendor.ed25519 import ed25519 as pyed
    seed = os.urandom(32)
    pub = pyed.publickey_unsafe(seed)
    kv = {"public": binascii.hexlify(pub).decode()}
    meta = keys.format_keyval_to_metadata("ed25519", "ed25519", kv)
    legacy = keys._get_keyid("ed25519", "ed25519", kv)
    sigs = [{"keyid": legacy, "sig": binascii.hexlify(pyed.signature_unsafe(canon, seed, pub))
             .decode()} for _ in range(3)]
    k = {"keyid": legacy}
    how = "vendored ed25519"
check_ours("ed25519-" + how.replace(" ", "-"), meta, sigs, k["keyid"])

# P-384: 0.26 verifies ecdsa-sha2-nistp384 but cannot sign it; sign with
# pyca/cryptography, its backend, and let 0.26 confirm the signatures first.
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
priv = ec.generate_private_key(ec.SECP384R1())
pem = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()
kv = {"public": pem}
meta = keys.format_keyval_to_metadata("ecdsa", "ecdsa-sha2-nistp384", kv)
legacy = keys._get_keyid("ecdsa", "ecdsa-sha2-nistp384", kv)
sigs = [{"keyid": legacy, "sig": priv.sign(canon, ec.ECDSA(hashes.SHA384())).hex()}
        for _ in range(100)]
keydict = dict(meta, keyid=legacy)
report(all(keys.verify_signature(keydict, s, canon) for s in sigs),
       "sslib-verifies-cryptography-p384")
check_ours("ecdsa-p384-cryptography", meta, sigs, legacy)

sys.exit(1 if failed else 0)
EOF
