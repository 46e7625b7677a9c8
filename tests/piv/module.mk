# tests/piv/: the virtual YubiKey test bed (tests/piv/README.md): card.py plays
# a YubiKey 5's PIV application behind pcscd's vpcd reader, vcard drives it;
# card.sh checks the card against OpenSC, ykcs11 and yubico-piv-tool.
TESTS += tests/piv/card.sh
# The agent on the card (tests/integration/piv_lib.sh): attestation through
# ykcs11, key.attest and tufctl key attest, and ceremonies that record and
# re-check it.
TESTS += tests/integration/piv-attest.sh
# A PIN for every signature (slot 9c, PIN policy always) through ykcs11 and
# OpenSC: file:, pinentry, unlock, pin-cache, a wrong PIN's one try, PUK.
TESTS += tests/integration/piv-pin.sh
# Touch (slot 9c, touch policy always) through ykcs11 and OpenSC: the notice
# names key and slot, "touch not received" after the card's timeout, other
# clients served meanwhile.
TESTS += tests/integration/piv-touch.sh
# The card pulled out mid-signature and put back (no restart; the PIN cache
# wiped), and pkcs11-tool beside the agent, through ykcs11 and OpenSC.
TESTS += tests/integration/piv-removal.sh
# The whole story on the card: notary init/add/publish/rotate with the root
# on slot 9c (PIN and touch always) read by the real notary client, and a
# TUF 1.0 repository rooted on another slot (PIN and touch always) read by
# tuf-js; through ykcs11 (root on 9d), then through OpenSC (root on 9a:
# OpenSC's 9d does not sign).
TESTS += tests/integration/piv-dct.sh
TESTS += tests/integration/piv-dct-opensc.sh
# Keys generated on the card through the agent (ykcs11, the management-key
# source): logged out and in again, attested, never replacing a slot's key;
# a wrong or missing management key, OpenSC's module refused by name.
TESTS += tests/integration/piv-generate.sh
