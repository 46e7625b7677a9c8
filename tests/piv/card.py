#!/usr/bin/python3
"""A virtual YubiKey 5 (PIV application) for the tests.

The card speaks vpcd's protocol to pcscd's virtual reader (vsmartcard-vpcd):
every message is a 2-byte big-endian length and a payload; a 1-byte payload
is a control byte (0 power off, 1 power on, 2 reset, 4 get ATR, the last
answered), anything longer is a command APDU answered by a response APDU.

What it implements is NIST SP 800-73-4 part 2 (SELECT, GET DATA, PUT DATA,
VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, GENERAL AUTHENTICATE,
GENERATE ASYMMETRIC KEY PAIR, GET RESPONSE, command chaining) and Yubico's PIV
extensions (GET VERSION, GET SERIAL, GET METADATA, ATTEST, SET MGMKEY,
IMPORT KEY, SET PIN RETRIES, RESET, PIN and touch policies); see
tests/piv/README.md for what differs from a real YubiKey.

The card's state (keys, objects, PIN, PUK, counters, policies, serial,
version, the attestation CA) is one JSON file, DIR/card.json, written
atomically after every change.  Tests talk to the running card on a Unix
socket, DIR/control.sock (one line in, one line out; tests/piv/vcard does it).

Run by tests/piv/vcard; by hand: card.py --state DIR --port PORT.
Needs Debian's python3-cryptography (run it with /usr/bin/python3).
"""

import argparse
import datetime
import hmac
import json
import os
import secrets
import socket
import sys
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

# A YubiKey 5 series ATR over USB (libykpiv's YKPIV_ATR_YK5): OpenSC reads
# "YubiKey" in its historical bytes and asks for the version (INS 0xFD).
ATR = bytes.fromhex("3bfd1300008131fe158073c021c05759756269" "4b657940")
PIV_AID = bytes.fromhex("a00000030800001000")  # RID + PIX (NIST SP 800-73-4 part 1, 2.2)
READER_NAME = "Yubico YubiKey OTP+FIDO+CCID"  # ykcs11 only uses readers named "Yubico..."

DEFAULT_PIN = b"123456"
DEFAULT_PUK = b"12345678"
DEFAULT_MGM = bytes.fromhex("010203040506070801020304050607080102030405060708")
DEFAULT_SERIAL = 12345678
DEFAULT_VERSION = "5.4.3"
FORM_FACTOR_USB_A_KEYCHAIN = 0x01

# Status words (ISO 7816-4; the values a YubiKey returns).
SW_OK = 0x9000
SW_WRONG_LENGTH = 0x6700
SW_SECURITY = 0x6982       # security status not satisfied (no PIN, no auth, no touch)
SW_BLOCKED = 0x6983        # authentication method blocked
SW_CONDITIONS = 0x6985     # conditions of use not satisfied
SW_INCORRECT_DATA = 0x6A80
SW_NOT_FOUND = 0x6A82
SW_INCORRECT_P1P2 = 0x6A86
SW_REF_NOT_FOUND = 0x6A88
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

# Algorithms (P1 of GENERAL AUTHENTICATE, tag 80 of GENERATE; SP 800-78-4).
ALG_3DES, ALG_AES128, ALG_AES192, ALG_AES256 = 0x03, 0x08, 0x0A, 0x0C
ALG_RSA1024, ALG_RSA2048, ALG_P256, ALG_P384 = 0x06, 0x07, 0x11, 0x14
ASYM_ALGS = {ALG_RSA1024: "rsa1024", ALG_RSA2048: "rsa2048", ALG_P256: "eccp256", ALG_P384: "eccp384"}
ALG_NAMES = {v: k for k, v in ASYM_ALGS.items()}
SYM_KEYLEN = {ALG_3DES: 24, ALG_AES128: 16, ALG_AES192: 24, ALG_AES256: 32}

PIN_NEVER, PIN_ONCE, PIN_ALWAYS = 1, 2, 3
TOUCH_NEVER, TOUCH_ALWAYS, TOUCH_CACHED = 1, 2, 3
PIN_POLICIES = {"never": PIN_NEVER, "once": PIN_ONCE, "always": PIN_ALWAYS}
TOUCH_POLICIES = {"never": TOUCH_NEVER, "always": TOUCH_ALWAYS, "cached": TOUCH_CACHED}
TOUCH_CACHE_SECONDS = 15

SLOT_MGM, SLOT_ATTEST = 0x9B, 0xF9
KEY_SLOTS = [0x9A, 0x9C, 0x9D, 0x9E] + list(range(0x82, 0x96)) + [SLOT_ATTEST]
# The certificate object of each key slot (SP 800-73-4 part 1, table 3; F9: Yubico).
CERT_OBJECT = {0x9A: 0x5FC105, 0x9C: 0x5FC10A, 0x9D: 0x5FC10B, 0x9E: 0x5FC101, SLOT_ATTEST: 0x5FFF01}
CERT_OBJECT.update({0x82 + i: 0x5FC10D + i for i in range(20)})
OBJ_DISCOVERY, OBJ_CHUID, OBJ_CCC, OBJ_KEY_HISTORY = 0x7E, 0x5FC102, 0x5FC107, 0x5FC10C

# The discovery object: the PIV AID and the PIN usage policy (PIN only).
DISCOVERY = bytes.fromhex("7e124f0ba0000003080000100001005f2f024000")

# Yubico's attestation extensions (developers.yubico.com, PIV attestation).
OID_FIRMWARE = x509.ObjectIdentifier("1.3.6.1.4.1.41482.3.3")
OID_SERIAL = x509.ObjectIdentifier("1.3.6.1.4.1.41482.3.7")
OID_POLICY = x509.ObjectIdentifier("1.3.6.1.4.1.41482.3.8")
OID_FORM_FACTOR = x509.ObjectIdentifier("1.3.6.1.4.1.41482.3.9")


class CardError(Exception):
    """A command failed with status word sw."""

    def __init__(self, sw):
        super().__init__(f"{sw:04X}")
        self.sw = sw


# ---- BER-TLV -----------------------------------------------------------------

def ber_len(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def tlv(tag, value):
    t = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return t + ber_len(len(value)) + value


def parse_tlv(data):
    """[(tag, value), ...] of a BER-TLV string; CardError(6A80) when malformed."""
    out, i = [], 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:  # multi-byte tag
            while True:
                if i >= len(data):
                    raise CardError(SW_INCORRECT_DATA)
                tag = (tag << 8) | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        if i >= len(data):
            raise CardError(SW_INCORRECT_DATA)
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            if k == 0 or k > 3 or i + k > len(data):
                raise CardError(SW_INCORRECT_DATA)
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        if n > len(data) - i:
            raise CardError(SW_INCORRECT_DATA)
        out.append((tag, data[i:i + n]))
        i += n
    return out


def tlv_dict(data):
    return dict(parse_tlv(data))


# ---- keys and certificates ----------------------------------------------------

def new_key(alg):
    if alg == ALG_P256:
        return ec.generate_private_key(ec.SECP256R1())
    if alg == ALG_P384:
        return ec.generate_private_key(ec.SECP384R1())
    if alg in (ALG_RSA1024, ALG_RSA2048):
        return rsa.generate_private_key(65537, 1024 if alg == ALG_RSA1024 else 2048)
    raise CardError(SW_INCORRECT_DATA)


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def load_key(pem):
    return serialization.load_pem_private_key(pem.encode(), None)


def pubkey_tlvs(key):
    """The public key as GENERATE returns it inside 7F49 (and METADATA in 04)."""
    pub = key.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return tlv(0x86, pub.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint))
    n = pub.public_numbers()
    return tlv(0x81, n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")) + \
        tlv(0x82, n.e.to_bytes((n.e.bit_length() + 7) // 8, "big"))


def cert_object(der):
    """A certificate object's content: certificate, CertInfo (uncompressed), no LRC value."""
    return tlv(0x70, der) + tlv(0x71, b"\x00") + tlv(0xFE, b"")


def build_cert(subject_cn, pubkey, issuer_name, issuer_key, not_before, not_after,
               extensions=(), ca=False):
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
         .issuer_name(issuer_name)
         .public_key(pubkey)
         .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1 | 1)
         .not_valid_before(not_before)
         .not_valid_after(not_after))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                            critical=True)
    for oid, value in extensions:
        b = b.add_extension(x509.UnrecognizedExtension(oid, value), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def name_of(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


# ---- the card's persistent state ---------------------------------------------

def pad_pin(pin):
    return pin + b"\xff" * (8 - len(pin))


def default_pin_policy(slot):
    return {0x9C: PIN_ALWAYS, 0x9E: PIN_NEVER, SLOT_ATTEST: PIN_NEVER}.get(slot, PIN_ONCE)


def parse_version(text):
    parts = [int(p) for p in text.split(".")]
    if len(parts) != 3 or not all(0 <= p < 256 for p in parts):
        raise ValueError(f"bad version {text!r}: want MAJOR.MINOR.PATCH")
    return parts


class State:
    """card.json: everything a YubiKey keeps across power cycles."""

    def __init__(self, path, data):
        self.path = path
        self.d = data

    @classmethod
    def load(cls, statedir):
        path = os.path.join(statedir, "card.json")
        with open(path, encoding="utf-8") as f:
            return cls(path, json.load(f))

    @classmethod
    def create(cls, statedir, serial=DEFAULT_SERIAL, version=DEFAULT_VERSION):
        now = datetime.datetime(2020, 1, 1)
        end = datetime.datetime(2099, 12, 31)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = name_of("vcard test attestation CA")
        ca_cert = build_cert("vcard test attestation CA", ca_key.public_key(), ca_name, ca_key,
                             now, end, ca=True)
        st = cls(os.path.join(statedir, "card.json"), {
            "serial": serial, "version": parse_version(version),
            "attest_ca": {"key": key_pem(ca_key),
                          "cert": ca_cert.public_bytes(serialization.Encoding.PEM).decode()},
            "keys": {}, "objects": {},
        })
        st.factory_reset()
        # The factory attestation key and certificate (slot F9), issued by the CA.
        f9 = ec.generate_private_key(ec.SECP256R1())
        f9_cert = build_cert("Yubico PIV Attestation", f9.public_key(), ca_name, ca_key,
                             now, end, ca=True)
        st.set_key(SLOT_ATTEST, ALG_P256, f9, PIN_NEVER, TOUCH_NEVER, origin=2)
        st.set_object(CERT_OBJECT[SLOT_ATTEST],
                      cert_object(f9_cert.public_bytes(serialization.Encoding.DER)))
        return st

    def factory_reset(self):
        """What RESET (INS 0xFB) leaves: defaults, and only the attestation key."""
        d = self.d
        d.update({"pin": pad_pin(DEFAULT_PIN).hex(), "puk": pad_pin(DEFAULT_PUK).hex(),
                  "pin_total": 3, "pin_left": 3, "puk_total": 3, "puk_left": 3,
                  "mgm": {"alg": ALG_3DES, "key": DEFAULT_MGM.hex(), "touch": TOUCH_NEVER}})
        d["keys"] = {k: v for k, v in d["keys"].items() if int(k, 16) == SLOT_ATTEST}
        f9obj = "%06x" % CERT_OBJECT[SLOT_ATTEST]
        d["objects"] = {k: v for k, v in d["objects"].items() if k == f9obj}

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.d, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.path)

    # keys
    def key(self, slot):
        return self.d["keys"].get("%02x" % slot)

    def set_key(self, slot, alg, key, pin_policy, touch_policy, origin):
        self.d["keys"]["%02x" % slot] = {"alg": alg, "pin_policy": pin_policy,
                                         "touch_policy": touch_policy, "origin": origin,
                                         "pem": key_pem(key)}

    # data objects, by tag
    def object(self, tag):
        v = self.d["objects"].get("%06x" % tag)
        return None if v is None else bytes.fromhex(v)

    def set_object(self, tag, value):
        if value:
            self.d["objects"]["%06x" % tag] = value.hex()
        else:
            self.d["objects"].pop("%06x" % tag, None)

    def attest_ca(self):
        return load_key(self.d["attest_ca"]["key"]), \
            x509.load_pem_x509_certificate(self.d["attest_ca"]["cert"].encode())

    def provision(self, slot, alg, pin_policy=0, touch_policy=0):
        """A key generated "on the card" with a self-signed certificate beside it,
        as yubico-piv-tool -a generate -a selfsign-certificate -a import-certificate leaves it."""
        key = new_key(alg)
        self.set_key(slot, alg, key, pin_policy or default_pin_policy(slot),
                     touch_policy or TOUCH_NEVER, origin=1)
        cn = "vcard slot %02x" % slot
        cert = build_cert(cn, key.public_key(), name_of(cn), key, datetime.datetime(2020, 1, 1),
                          datetime.datetime(2099, 12, 31))
        self.set_object(CERT_OBJECT[slot], cert_object(cert.public_bytes(serialization.Encoding.DER)))
        if self.object(OBJ_CHUID) is None:
            self.set_object(OBJ_CHUID, default_chuid())
        if self.object(OBJ_CCC) is None:
            self.set_object(OBJ_CCC, default_ccc())


def default_chuid():
    """A CHUID as yubico-piv-tool -a set-chuid writes it: its FASC-N, a random GUID,
    an expiry date, an empty signature."""
    fascn = bytes.fromhex("d4e739da739ced39ce739d836858210842108421c84210c3eb")
    return tlv(0x30, fascn) + tlv(0x34, secrets.token_bytes(16)) + tlv(0x35, b"20301231") + \
        tlv(0x3E, b"") + tlv(0xFE, b"")


def default_ccc():
    return tlv(0xF0, bytes.fromhex("a000000116ff02") + secrets.token_bytes(14)) + \
        tlv(0xF1, b"\x21") + tlv(0xF2, b"\x21") + tlv(0xF3, b"") + tlv(0xF4, b"\x00") + \
        tlv(0xF5, b"\x10") + tlv(0xF6, b"") + tlv(0xF7, b"") + tlv(0xFA, b"") + \
        tlv(0xFB, b"") + tlv(0xFC, b"") + tlv(0xFD, b"") + tlv(0xFE, b"")


# ---- the card ----------------------------------------------------------------

def sym_cipher(alg, key):
    if alg == ALG_3DES:
        return Cipher(algorithms.TripleDES(key), modes.ECB())
    return Cipher(algorithms.AES(key), modes.ECB())


def sym_block(alg):
    return 8 if alg == ALG_3DES else 16


class Card:
    def __init__(self, statedir, touch_timeout=15.0, log=None):
        self.statedir = statedir
        self.st = State.load(statedir)
        self.touch_timeout = touch_timeout
        self.log = log
        self.cond = threading.Condition()
        self.touch_waiting = False
        self.touch_given = False
        self.touch_requests = 0
        self.removed = False
        self.touch_cached_until = 0.0
        self.reset_session()

    # Security status lives until the card is reset or powered off.  A cached
    # touch outlives a reset (ykcs11 and yubico-piv-tool reset the card when
    # they disconnect), not a removal.
    def reset_session(self, removed=False):
        self.pin_verified = False
        self.pin_fresh = False       # verified since the last "PIN always" signature
        self.mgm_authenticated = False
        self.mgm_witness = None
        self.chain = None            # (ins, p1, p2, data) while CLA 0x10 chaining
        self.pending = b""           # response left for GET RESPONSE
        if removed:
            self.touch_cached_until = 0.0

    # -- APDU framing: short and extended, chaining, 61xx --
    def process(self, apdu):
        try:
            return self._process(apdu)
        except CardError as e:
            return e.sw.to_bytes(2, "big")

    def _process(self, apdu):
        if len(apdu) < 4:
            raise CardError(SW_WRONG_LENGTH)
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        data, le, extended = b"", None, False
        if len(body) == 1:
            le = body[0] or 256
        elif len(body) == 3 and body[0] == 0:
            le, extended = int.from_bytes(body[1:], "big") or 65536, True
        elif len(body) > 1 and body[0] != 0:
            n = body[0]
            if len(body) == 1 + n:
                data = body[1:]
            elif len(body) == 2 + n:
                data, le = body[1:1 + n], body[1 + n] or 256
            else:
                raise CardError(SW_WRONG_LENGTH)
        elif len(body) > 3 and body[0] == 0:
            extended = True
            n = int.from_bytes(body[1:3], "big")
            if len(body) == 3 + n:
                data = body[3:]
            elif len(body) == 5 + n:
                data, le = body[3:3 + n], int.from_bytes(body[3 + n:], "big") or 65536
            else:
                raise CardError(SW_WRONG_LENGTH)
        elif body:
            raise CardError(SW_WRONG_LENGTH)
        chunk = 65536 if extended else 256

        if ins == 0xC0:  # GET RESPONSE
            if not self.pending:
                raise CardError(SW_CONDITIONS)
            return self._respond(self.pending, min(le or 256, chunk))
        self.pending = b""

        if cla & 0xEF != 0x00:
            raise CardError(SW_CLA_NOT_SUPPORTED)
        if cla & 0x10:  # command chaining: keep the data, answer 9000
            if self.chain and self.chain[:3] != (ins, p1, p2):
                self.chain = None
            prev = self.chain[3] if self.chain else b""
            self.chain = (ins, p1, p2, prev + data)
            return SW_OK.to_bytes(2, "big")
        if self.chain:
            if self.chain[:3] == (ins, p1, p2):
                data = self.chain[3] + data
            self.chain = None

        handler = self.COMMANDS.get(ins)
        if handler is None:
            raise CardError(SW_INS_NOT_SUPPORTED)
        resp = handler(self, p1, p2, data) or b""
        return self._respond(resp, chunk)

    def _respond(self, resp, chunk):
        if len(resp) <= chunk:
            self.pending = b""
            return resp + SW_OK.to_bytes(2, "big")
        self.pending = resp[chunk:]
        left = len(self.pending)
        return resp[:chunk] + bytes([0x61, left if left < 256 else 0])

    # -- commands --
    def cmd_select(self, p1, p2, data):
        if p1 != 0x04:
            raise CardError(SW_INCORRECT_P1P2)
        if not data or not PIV_AID.startswith(data[:len(PIV_AID)]) or len(data) < 5:
            raise CardError(SW_NOT_FOUND)
        # Application property template: PIX of the application, the RID as authority.
        return tlv(0x61, tlv(0x4F, PIV_AID[5:] + b"\x01\x00") + tlv(0x79, tlv(0x4F, PIV_AID[:5])))

    def object_tag(self, data):
        d = tlv_dict(data)
        tag = d.get(0x5C)
        if tag is None or len(tag) not in (1, 2, 3):
            raise CardError(SW_INCORRECT_DATA)
        return int.from_bytes(tag, "big")

    def cmd_get_data(self, p1, p2, data):
        if (p1, p2) != (0x3F, 0xFF):
            raise CardError(SW_INCORRECT_P1P2)
        tag = self.object_tag(data)
        if tag == OBJ_DISCOVERY:
            return DISCOVERY
        value = self.st.object(tag)
        if value is None:
            raise CardError(SW_NOT_FOUND)
        return tlv(0x53, value)

    def cmd_put_data(self, p1, p2, data):
        if (p1, p2) != (0x3F, 0xFF):
            raise CardError(SW_INCORRECT_P1P2)
        items = parse_tlv(data)
        if len(items) != 2 or items[0][0] != 0x5C or items[1][0] != 0x53:
            raise CardError(SW_INCORRECT_DATA)
        tag = int.from_bytes(items[0][1], "big")
        if tag == OBJ_DISCOVERY or not 1 <= len(items[0][1]) <= 3:
            raise CardError(SW_INCORRECT_DATA)
        if not self.mgm_authenticated:
            raise CardError(SW_SECURITY)
        self.st.set_object(tag, items[1][1])
        self.st.save()

    def tries_sw(self, left):
        return CardError(0x63C0 | min(left, 15))

    def check_ref(self, which, value):
        """Compare a PIN or PUK (8 bytes, padded); count a wrong one; 0x63Cx or 0x6983."""
        left_key = which + "_left"
        if self.st.d[left_key] == 0:
            raise CardError(SW_BLOCKED)
        if len(value) != 8:
            raise CardError(SW_INCORRECT_DATA)
        if hmac.compare_digest(value, bytes.fromhex(self.st.d[which])):
            self.st.d[left_key] = self.st.d[which + "_total"]
            self.st.save()
            return
        self.st.d[left_key] -= 1
        self.st.save()
        if which == "pin":
            self.pin_verified = self.pin_fresh = False
        raise self.tries_sw(self.st.d[left_key])

    def check_new_ref(self, value, min_len):
        raw = value.rstrip(b"\xff")
        if len(value) != 8 or len(raw) < min_len or b"\xff" in raw:
            raise CardError(SW_INCORRECT_DATA)

    def cmd_verify(self, p1, p2, data):
        if p2 != 0x80:
            raise CardError(SW_REF_NOT_FOUND)
        if p1 == 0xFF:  # reset the verification status
            if data:
                raise CardError(SW_INCORRECT_DATA)
            self.pin_verified = self.pin_fresh = False
            return None
        if p1 != 0x00:
            raise CardError(SW_INCORRECT_P1P2)
        if not data:  # the status: verified, or the tries left
            if self.st.d["pin_left"] == 0:
                raise CardError(SW_BLOCKED)
            if self.pin_verified:
                return None
            raise self.tries_sw(self.st.d["pin_left"])
        self.check_ref("pin", data)
        self.pin_verified = self.pin_fresh = True
        return None

    def cmd_change_reference(self, p1, p2, data):
        if p1 != 0x00 or p2 not in (0x80, 0x81):
            raise CardError(SW_INCORRECT_P1P2)
        which = "pin" if p2 == 0x80 else "puk"
        if len(data) != 16:
            raise CardError(SW_INCORRECT_DATA)
        self.check_new_ref(data[8:], 6)  # PIN and PUK: 6 to 8 bytes
        self.check_ref(which, data[:8])
        self.st.d[which] = data[8:].hex()
        self.st.save()
        if which == "pin":
            self.pin_verified = self.pin_fresh = True
        return None

    def cmd_reset_retry(self, p1, p2, data):
        if (p1, p2) != (0x00, 0x80):
            raise CardError(SW_INCORRECT_P1P2)
        if len(data) != 16:
            raise CardError(SW_INCORRECT_DATA)
        self.check_new_ref(data[8:], 6)
        self.check_ref("puk", data[:8])
        self.st.d["pin"] = data[8:].hex()
        self.st.d["pin_left"] = self.st.d["pin_total"]
        self.st.save()
        return None

    def cmd_general_authenticate(self, p1, p2, data):
        items = parse_tlv(data)
        if len(items) != 1 or items[0][0] != 0x7C:
            raise CardError(SW_INCORRECT_DATA)
        t = tlv_dict(items[0][1])
        if p2 == SLOT_MGM:
            return self.mgm_authenticate(p1, t)
        self.key_slot(p2)
        k = self.st.key(p2)
        if k is None or k["alg"] != p1:  # an empty slot, or not this algorithm
            raise CardError(SW_INCORRECT_DATA)
        if t.get(0x82) != b"" or (0x81 in t) == (0x85 in t):
            raise CardError(SW_INCORRECT_DATA)
        self.check_pin_policy(k["pin_policy"])
        self.check_touch_policy(k["touch_policy"])
        key = load_key(k["pem"])
        if 0x85 in t:  # ECDH key agreement
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise CardError(SW_INCORRECT_DATA)
            try:
                peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, t[0x85])
            except ValueError as e:
                raise CardError(SW_INCORRECT_DATA) from e
            return tlv(0x7C, tlv(0x82, key.exchange(ec.ECDH(), peer)))
        msg = t[0x81]
        if isinstance(key, ec.EllipticCurvePrivateKey):
            # The input is a hash, taken as a number: cut to the order's size, or
            # left-padded (the same number) when shorter.
            size = (key.curve.key_size + 7) // 8
            msg = msg[:size].rjust(size, b"\x00")
            h = hashes.SHA256() if size == 32 else hashes.SHA384()
            sig = key.sign(msg, ec.ECDSA(utils.Prehashed(h)))
        else:  # RSA: the raw private key operation on a block the size of the modulus
            n = key.private_numbers()
            size = (n.public_numbers.n.bit_length() + 7) // 8
            m = int.from_bytes(msg, "big")
            if len(msg) != size or m >= n.public_numbers.n:
                raise CardError(SW_INCORRECT_DATA)
            sig = pow(m, n.d, n.public_numbers.n).to_bytes(size, "big")
        return tlv(0x7C, tlv(0x82, sig))

    def check_pin_policy(self, policy):
        if policy == PIN_NEVER:
            return
        if policy == PIN_ALWAYS:
            if not self.pin_fresh:
                raise CardError(SW_SECURITY)
            self.pin_fresh = False
        elif not self.pin_verified:
            raise CardError(SW_SECURITY)

    def check_touch_policy(self, policy):
        if policy == TOUCH_NEVER:
            return
        now = time.monotonic()
        if policy == TOUCH_CACHED and now < self.touch_cached_until:
            return
        if not self.wait_for_touch():
            raise CardError(SW_SECURITY)
        self.touch_cached_until = time.monotonic() + TOUCH_CACHE_SECONDS

    def wait_for_touch(self):
        """Blink and wait for `vcard touch` or the timeout; True when touched."""
        with self.cond:
            self.touch_waiting, self.touch_given = True, False
            self.touch_requests += 1
            self.cond.notify_all()
            end = time.monotonic() + self.touch_timeout
            while not self.touch_given and not self.removed:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            touched = self.touch_given
            self.touch_waiting = self.touch_given = False
            return touched

    def touch(self, wait):
        """The user touches the key; waits up to `wait` seconds for it to blink."""
        with self.cond:
            end = time.monotonic() + wait
            while not self.touch_waiting:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            self.touch_given = True
            self.cond.notify_all()
            return True

    def mgm_authenticate(self, alg, t):
        mgm = self.st.d["mgm"]
        if alg != mgm["alg"]:
            raise CardError(SW_INCORRECT_P1P2)
        key = bytes.fromhex(mgm["key"])
        block = sym_block(alg)
        if t.get(0x80) == b"" and len(t) == 1:  # step 1: the card's witness, encrypted
            self.mgm_authenticated = False
            self.mgm_witness = secrets.token_bytes(block)
            enc = sym_cipher(alg, key).encryptor()
            return tlv(0x7C, tlv(0x80, enc.update(self.mgm_witness) + enc.finalize()))
        if 0x80 in t and 0x81 in t and len(t) == 2:  # step 2: witness back, host's challenge
            witness, self.mgm_witness = self.mgm_witness, None
            if witness is None or len(t[0x81]) != block or \
                    not hmac.compare_digest(t[0x80], witness):
                raise CardError(SW_SECURITY)
            if mgm["touch"] != TOUCH_NEVER and not self.wait_for_touch():
                raise CardError(SW_SECURITY)
            self.mgm_authenticated = True
            enc = sym_cipher(alg, key).encryptor()
            return tlv(0x7C, tlv(0x82, enc.update(t[0x81]) + enc.finalize()))
        self.mgm_witness = None
        raise CardError(SW_INCORRECT_DATA)

    def parse_policies(self, d, slot):
        pin = d.get(0xAA, b"\x00")
        touch = d.get(0xAB, b"\x00")
        if len(pin) != 1 or pin[0] > PIN_ALWAYS or len(touch) != 1 or touch[0] > TOUCH_CACHED:
            raise CardError(SW_INCORRECT_DATA)
        return pin[0] or default_pin_policy(slot), touch[0] or TOUCH_NEVER

    def key_slot(self, slot):
        if slot not in KEY_SLOTS:
            raise CardError(SW_INCORRECT_P1P2)

    def cmd_generate(self, p1, p2, data):
        if p1 != 0x00:
            raise CardError(SW_INCORRECT_P1P2)
        self.key_slot(p2)
        items = parse_tlv(data)
        if len(items) != 1 or items[0][0] != 0xAC:
            raise CardError(SW_INCORRECT_DATA)
        d = tlv_dict(items[0][1])
        alg = d.get(0x80, b"")
        if len(alg) != 1 or alg[0] not in ASYM_ALGS:
            raise CardError(SW_INCORRECT_DATA)
        pin, touch = self.parse_policies(d, p2)
        if not self.mgm_authenticated:
            raise CardError(SW_SECURITY)
        key = new_key(alg[0])
        self.st.set_key(p2, alg[0], key, pin, touch, origin=1)
        self.st.save()
        return tlv(0x7F49, pubkey_tlvs(key))

    def cmd_import_key(self, p1, p2, data):
        self.key_slot(p2)
        if p1 not in ASYM_ALGS:
            raise CardError(SW_INCORRECT_P1P2)
        d = tlv_dict(data)
        pin, touch = self.parse_policies(d, p2)
        if not self.mgm_authenticated:
            raise CardError(SW_SECURITY)
        try:
            if p1 in (ALG_P256, ALG_P384):
                curve = ec.SECP256R1() if p1 == ALG_P256 else ec.SECP384R1()
                key = ec.derive_private_key(int.from_bytes(d[0x06], "big"), curve)
            else:
                p, q = int.from_bytes(d[0x01], "big"), int.from_bytes(d[0x02], "big")
                e = 65537
                dd = pow(e, -1, (p - 1) * (q - 1))
                key = rsa.RSAPrivateNumbers(p, q, dd, int.from_bytes(d[0x03], "big"),
                                            int.from_bytes(d[0x04], "big"),
                                            int.from_bytes(d[0x05], "big"),
                                            rsa.RSAPublicNumbers(e, p * q)).private_key()
                if key.key_size != (1024 if p1 == ALG_RSA1024 else 2048):
                    raise CardError(SW_INCORRECT_DATA)
        except (KeyError, ValueError) as e:
            raise CardError(SW_INCORRECT_DATA) from e
        self.st.set_key(p2, p1, key, pin, touch, origin=2)
        self.st.save()

    def cmd_get_version(self, p1, p2, data):
        return bytes(self.st.d["version"])

    def cmd_get_serial(self, p1, p2, data):
        return self.st.d["serial"].to_bytes(4, "big")

    def cmd_get_metadata(self, p1, p2, data):
        d = self.st.d
        if p2 in (0x80, 0x81):
            which = "pin" if p2 == 0x80 else "puk"
            default = pad_pin(DEFAULT_PIN if which == "pin" else DEFAULT_PUK).hex()
            return tlv(0x01, b"\xff") + tlv(0x05, bytes([d[which] == default])) + \
                tlv(0x06, bytes([d[which + "_total"], d[which + "_left"]]))
        if p2 == SLOT_MGM:
            mgm = d["mgm"]
            return tlv(0x01, bytes([mgm["alg"]])) + tlv(0x02, bytes([0, mgm["touch"]])) + \
                tlv(0x05, bytes([mgm["key"] == DEFAULT_MGM.hex()]))
        self.key_slot(p2)
        k = self.st.key(p2)
        if k is None:
            raise CardError(SW_REF_NOT_FOUND)
        return tlv(0x01, bytes([k["alg"]])) + \
            tlv(0x02, bytes([k["pin_policy"], k["touch_policy"]])) + \
            tlv(0x03, bytes([k["origin"]])) + tlv(0x04, pubkey_tlvs(load_key(k["pem"])))

    def cmd_attest(self, p1, p2, data):
        self.key_slot(p1)
        k = self.st.key(p1)
        if k is None:
            raise CardError(SW_REF_NOT_FOUND)
        if k["origin"] != 1 or p1 == SLOT_ATTEST:  # only keys made on the card
            raise CardError(SW_INCORRECT_DATA)
        f9 = self.st.key(SLOT_ATTEST)
        f9_obj = self.st.object(CERT_OBJECT[SLOT_ATTEST])
        if f9 is None or f9_obj is None:
            raise CardError(SW_REF_NOT_FOUND)
        f9_cert = x509.load_der_x509_certificate(tlv_dict(f9_obj)[0x70])
        version = bytes(self.st.d["version"])
        serial = self.st.d["serial"]
        serial_der = tlv(0x02, serial.to_bytes(serial.bit_length() // 8 + 1, "big"))
        cert = build_cert("YubiKey PIV Attestation %02x" % p1, load_key(k["pem"]).public_key(),
                          f9_cert.subject, load_key(f9["pem"]),
                          f9_cert.not_valid_before, f9_cert.not_valid_after,
                          extensions=[(OID_FIRMWARE, version), (OID_SERIAL, serial_der),
                                      (OID_POLICY, bytes([k["pin_policy"], k["touch_policy"]])),
                                      (OID_FORM_FACTOR, bytes([FORM_FACTOR_USB_A_KEYCHAIN]))])
        return cert.public_bytes(serialization.Encoding.DER)

    def cmd_set_mgmkey(self, p1, p2, data):
        if p1 != 0xFF or p2 not in (0xFE, 0xFF):
            raise CardError(SW_INCORRECT_P1P2)
        if len(data) < 3 or data[1] != SLOT_MGM or data[0] not in SYM_KEYLEN or \
                data[2] != SYM_KEYLEN[data[0]] or len(data) != 3 + data[2]:
            raise CardError(SW_INCORRECT_DATA)
        if not self.mgm_authenticated:
            raise CardError(SW_SECURITY)
        self.st.d["mgm"] = {"alg": data[0], "key": data[3:].hex(),
                            "touch": TOUCH_ALWAYS if p2 == 0xFE else TOUCH_NEVER}
        self.st.save()

    def cmd_set_pin_retries(self, p1, p2, data):
        if not self.mgm_authenticated or not self.pin_verified:
            raise CardError(SW_SECURITY)
        if p1 == 0 or p2 == 0:
            raise CardError(SW_INCORRECT_P1P2)
        d = self.st.d
        d.update({"pin_total": p1, "pin_left": p1, "puk_total": p2, "puk_left": p2,
                  "pin": pad_pin(DEFAULT_PIN).hex(), "puk": pad_pin(DEFAULT_PUK).hex()})
        self.st.save()

    def cmd_reset(self, p1, p2, data):
        if self.st.d["pin_left"] or self.st.d["puk_left"]:
            raise CardError(SW_CONDITIONS)
        self.st.factory_reset()
        self.st.save()
        self.reset_session()

    COMMANDS = {
        0xA4: cmd_select, 0xCB: cmd_get_data, 0xDB: cmd_put_data, 0x20: cmd_verify,
        0x24: cmd_change_reference, 0x2C: cmd_reset_retry, 0x87: cmd_general_authenticate,
        0x47: cmd_generate, 0xFE: cmd_import_key, 0xFD: cmd_get_version,
        0xF8: cmd_get_serial, 0xF7: cmd_get_metadata, 0xF9: cmd_attest,
        0xFF: cmd_set_mgmkey, 0xFA: cmd_set_pin_retries, 0xFB: cmd_reset,
    }


# ---- vpcd connection and control socket ----------------------------------------

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        # vpcd writes the length and the payload separately: acknowledge at
        # once, or its Nagle and our delayed ACK cost 40 ms a message.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        part = sock.recv(n - len(buf))
        if not part:
            raise ConnectionError("vpcd closed the connection")
        buf += part
    return buf


class Runner:
    """Connects the card to vpcd (as long as it is inserted) and serves control.sock."""

    def __init__(self, card, port, statedir, debug=False):
        self.card = card
        self.port = port
        self.statedir = statedir
        self.debug = debug
        self.sock = None
        self.connected = False
        self.stopping = False
        self.lock = threading.Lock()

    def log(self, msg):
        if self.debug:
            print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)

    def serve_vpcd(self):
        while not self.stopping:
            with self.card.cond:
                while self.card.removed and not self.stopping:
                    self.card.cond.wait(1)
            if self.stopping:
                break
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            except OSError:
                time.sleep(0.2)
                continue
            s.settimeout(None)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.sock = s
                if self.card.removed:  # pulled out while connecting
                    s.close()
                    self.sock = None
                    continue
            self.card.reset_session()
            self.log("inserted: connected to vpcd")
            try:
                while True:
                    n = int.from_bytes(recv_exact(s, 2), "big")
                    msg = recv_exact(s, n)
                    self.connected = True
                    if n == 1:
                        if msg[0] in (0, 2):  # power off, reset
                            self.card.reset_session()
                        elif msg[0] == 1:
                            self.card.reset_session()
                        elif msg[0] == 4:
                            s.sendall(len(ATR).to_bytes(2, "big") + ATR)
                        continue
                    self.log("> " + msg.hex())
                    resp = self.card.process(msg)
                    self.log("< " + resp.hex())
                    s.sendall(len(resp).to_bytes(2, "big") + resp)
            except OSError as e:
                self.log(f"disconnected: {e}")
            finally:
                with self.lock:
                    self.sock = None
                    self.connected = False
                s.close()
                self.card.reset_session(removed=True)
        time.sleep(0.2)  # let the control thread answer "stop"

    def remove(self):
        with self.card.cond:
            self.card.removed = True
            self.card.cond.notify_all()
        with self.lock:
            if self.sock is not None:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def insert(self):
        with self.card.cond:
            self.card.removed = False
            self.card.cond.notify_all()

    def status(self):
        st = self.card.st.d
        return {"connected": self.connected, "removed": self.card.removed,
                "waiting_for_touch": self.card.touch_waiting,
                "touch_requests": self.card.touch_requests,
                "pin_tries": st["pin_left"], "puk_tries": st["puk_left"],
                "serial": st["serial"], "version": ".".join(map(str, st["version"]))}

    def control(self, line):
        words = line.split()
        if not words:
            return "error empty command"
        cmd = words[0]
        if cmd == "touch":
            wait = float(words[1]) if len(words) > 1 else 20.0
            return "ok" if self.card.touch(wait) else "error the key is not waiting for a touch"
        if cmd == "remove":
            self.remove()
            return "ok"
        if cmd == "insert":
            self.insert()
            return "ok"
        if cmd == "status":
            return "ok " + json.dumps(self.status(), sort_keys=True)
        if cmd == "stop":
            self.stopping = True
            self.remove()
            return "ok"
        return f"error unknown command {cmd}"

    def serve_control(self, path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        os.chmod(path, 0o600)
        srv.listen(8)
        while not self.stopping:
            conn, _ = srv.accept()
            threading.Thread(target=self.serve_control_conn, args=(conn,), daemon=True).start()

    def serve_control_conn(self, conn):
        with conn:
            try:
                f = conn.makefile("rw", encoding="utf-8")
                line = f.readline()
                f.write(self.control(line) + "\n")
                f.flush()
            except (OSError, ValueError) as e:
                self.log(f"control: {e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", required=True, help="the card's directory (card.json)")
    ap.add_argument("--port", type=int, required=True, help="vpcd's port on 127.0.0.1")
    ap.add_argument("--touch-timeout", type=float, default=15.0)
    ap.add_argument("--debug", action="store_true", help="log every APDU on stderr")
    args = ap.parse_args()
    card = Card(args.state, touch_timeout=args.touch_timeout)
    runner = Runner(card, args.port, args.state, debug=args.debug)
    threading.Thread(target=runner.serve_control, args=(os.path.join(args.state, "control.sock"),),
                     daemon=True).start()
    runner.serve_vpcd()
    return 0


if __name__ == "__main__":
    sys.exit(main())
