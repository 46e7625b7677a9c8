# tests/: how the tests are laid out (each folder's module.mk declares the
# tests of its own code; this file only what belongs to no one folder).
#   tests/unit/         cmocka programs, one or more per module (test_<module>*.c)
#   tests/integration/  shell tests of the programs against real parts: SoftHSM2,
#                       notary-server and the notary client, securesystemslib,
#                       systemd units; their libraries (test_lib.sh for all,
#                       agent_lib.sh, dct_lib.sh, interop_lib.sh, notary/ with
#                       httputil.py) and python helpers (agent_client.py)
#   tests/piv/          the virtual YubiKey test bed (its own module.mk)
#   tests/tools/        programs the tests drive: the SoftHSM2 test bed, the
#                       fault-injecting PKCS#11 module (fault-pkcs11.c and its
#                       control file, fault-ctl.c), in-memory signers,
#                       canon/meta/sig/repo/http/forge tools, a fake agent; and
#                       the fixtures unit tests link: testutil.c (temporary
#                       files, fds, printf), pinfix.c, protofix.c, configfix.c,
#                       keyfix.c, authfix.c, streamfix.c
#   tests/run-tests     runs them and prints "N passed, M failed"
# Include direction (DESIGN.md) and agent/, client/ and tuf/ without an include circle.
TESTS += tests/integration/includes.sh

# Test beds in folders of their own, which the top-level */module.mk misses.
include tests/piv/module.mk
