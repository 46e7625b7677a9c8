# securesystemslib's canonical JSON over the "signed" value of a metadata
# file, as python-tuf computes what it signs: prints MB/s of canonical bytes
# (parse + encode_canonical, best of 3).  Run with Debian's /usr/bin/python3.
import json
import sys
import time

from securesystemslib.formats import encode_canonical

data = open(sys.argv[1], "rb").read()
best = None
for _ in range(3):
    t0 = time.perf_counter()
    signed = json.loads(data)["signed"]
    out = encode_canonical(signed).encode("utf-8")
    dt = time.perf_counter() - t0
    best = dt if best is None or dt < best else best
print("%.1f" % (len(out) / 1e6 / best))
