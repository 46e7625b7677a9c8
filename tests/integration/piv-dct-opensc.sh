#!/bin/bash
# piv-dct.sh through OpenSC's opensc-pkcs11.so instead of Yubico's ykcs11:
# the same Docker Content Trust and TUF 1.0 story, rooted on the virtual
# YubiKey's slot 9c, with OpenSC's labels.
PIV_DCT_MODULE=opensc
# shellcheck source=tests/integration/piv-dct.sh
. "$(dirname "$0")/piv-dct.sh"
