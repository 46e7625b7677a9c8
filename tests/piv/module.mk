# tests/piv/: the virtual YubiKey test bed (tests/piv/README.md): card.py plays
# a YubiKey 5's PIV application behind pcscd's vpcd reader, vcard drives it;
# card.sh checks the card against OpenSC, ykcs11 and yubico-piv-tool.
TESTS += tests/piv/card.sh
# The agent on the card (tests/integration/piv_lib.sh): attestation through
# ykcs11, key.attest and tufctl key attest, and ceremonies that record and
# re-check it.
TESTS += tests/integration/piv-attest.sh
