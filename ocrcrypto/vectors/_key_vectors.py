"""Generation of the key vectors (``ocrcrypto-key-vectors-1``): every key form the loaders read, valid and invalid."""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, List, Optional

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ..hazmat import ciphers, sm2
from ..keys import (
    private_key_pem,
    public_key_der,
    public_key_pem,
    vendor_public_key,
)
from ._generate import _Keys
from ._common import (
    DEFAULT_SEED,
    KEY_SCHEMA,
    KEY_NOTES,
    _Stream,
    _b64,
    _int_hex,
)

# -- generation: the key vectors -----------------------------------------------------------------

_OID_EC = "1.2.840.10045.2.1"
_OID_SM2 = "1.2.156.10197.1.301"
_OID_P256 = "1.2.840.10045.3.1.7"


def _is_probable_prime(n: int) -> bool:
    """Miller-Rabin with the first 24 primes as bases (deterministic, ample for test keys)."""
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89)
    if n < 2:
        return False
    for p in small:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in small:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _small_rsa(stream: _Stream, bits: int) -> rsa.RSAPrivateKey:
    """A deterministic RSA key below the minimum size, to show that loading refuses it."""
    def prime() -> int:
        while True:
            candidate = int.from_bytes(stream.take(bits // 16), "big") | (3 << (bits // 2 - 2)) | 1
            if _is_probable_prime(candidate) and candidate % 65537 != 1:
                return candidate
    p, q = prime(), prime()
    n, e = p * q, 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n))
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def _pem_text(label: str, der: bytes, headers: str = "") -> str:
    body = _b64(der)
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{headers}{lines}\n-----END {label}-----\n"


def _encrypted_pkcs8(der: bytes, stream: _Stream) -> str:
    """PKCS#8 EncryptedPrivateKeyInfo: PBES2, PBKDF2-HMAC-SHA256 (2048 rounds), AES-256-CBC, password 'test'."""
    from asn1crypto import algos as asn1_algos, keys as asn1_keys

    salt, iv = stream.take(16), stream.take(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, 2048).derive(b"test")
    encrypted = ciphers.aes_cbc_encrypt(key, iv, der)
    info = asn1_keys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": {
            "algorithm": "pbes2",
            "parameters": {
                "key_derivation_func": {"algorithm": "pbkdf2", "parameters": {"salt": asn1_algos.Pbkdf2Salt(name="specified", value=salt), "iteration_count": 2048, "prf": {"algorithm": "sha256"}}},
                "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
            },
        },
        "encrypted_data": encrypted,
    })
    return _pem_text("ENCRYPTED PRIVATE KEY", info.dump())


def _encrypted_traditional(label: str, der: bytes, stream: _Stream) -> str:
    """OpenSSL's traditional encrypted PEM: Proc-Type 4,ENCRYPTED, AES-128-CBC, EVP_BytesToKey(MD5), password 'test'."""
    iv = stream.take(16)
    key = hashlib.md5(b"test" + iv[:8]).digest()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    pad = 16 - len(der) % 16
    encrypted = encryptor.update(der + bytes([pad]) * pad) + encryptor.finalize()
    return _pem_text(label, encrypted, f"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{iv.hex().upper()}\n\n")


class _KeyGenerator:
    def __init__(self, seed: str) -> None:
        self.seed = seed.encode()
        self.keys = _Keys.load()
        self.cases: List[Dict[str, Any]] = []

    def stream(self, label: str) -> _Stream:
        return _Stream(self.seed, "keys|" + label)

    def add(self, operation: str, comment: str, flags: List[str], data: Any, key: Optional[Dict[str, Any]]) -> None:
        inputs = {"binary": data.hex()} if isinstance(data, bytes) else {"text": data}
        case: Dict[str, Any] = {"id": len(self.cases) + 1, "comment": comment, "flags": flags, "operation": operation, "input": inputs}
        if key is None:
            case.update(result="invalid", error="KeyFormatError")
        else:
            case.update(result="valid", key=key)
        self.cases.append(case)

    def public(self, comment: str, flags: List[str], data: Any, key: Optional[Dict[str, Any]]) -> None:
        self.add("load_public_key", comment, flags, data, key)

    def private(self, comment: str, flags: List[str], data: Any, key: Optional[Dict[str, Any]]) -> None:
        self.add("load_private_key", comment, flags, data, key)

    @staticmethod
    def rsa_expect(key: Any) -> Dict[str, Any]:
        public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
        numbers = public.public_numbers()
        out: Dict[str, Any] = {"type": "RSA", "bits": public.key_size, "n": _int_hex(numbers.n), "e": _int_hex(numbers.e)}
        if isinstance(key, rsa.RSAPrivateKey):
            out["d"] = _int_hex(key.private_numbers().d)
        return out

    @staticmethod
    def sm2_expect(key: Any) -> Dict[str, Any]:
        if isinstance(key, sm2.Sm2PrivateKey):
            return {"type": "SM2", "point": key.public_key.to_bytes().hex(), "d": key.private_bytes().hex()}
        return {"type": "SM2", "point": key.to_bytes().hex()}

    def run(self) -> Dict[str, Any]:
        from .. import _asn1 as asn1

        rsa1024 = self.keys.private["rsa-1024"]
        rsa2048 = self.keys.private["rsa-2048"]
        sm2_key = self.keys.private["sm2"]
        if not (isinstance(rsa1024, rsa.RSAPrivateKey) and isinstance(rsa2048, rsa.RSAPrivateKey) and isinstance(sm2_key, sm2.Sm2PrivateKey)):
            raise TypeError("unexpected test key types")
        rsa_pub, sm2_pub = rsa1024.public_key(), sm2_key.public_key
        r_pub, r_priv = self.rsa_expect(rsa_pub), self.rsa_expect(rsa1024)
        s_pub, s_priv = self.sm2_expect(sm2_pub), self.sm2_expect(sm2_key)
        pkcs1_der = public_key_der(rsa_pub)
        rsa_spki_der = public_key_der(rsa_pub, spki=True)
        sm2_spki_der = public_key_der(sm2_pub)
        point = sm2_pub.to_bytes()
        x, y = point[1:33], point[33:]

        # -- public keys, valid
        pub = self.public
        pub("RSA-1024, the vendor's form (base64 of PKCS#1 PEM)", ["Rsa", "Vendor", "Pkcs1"], vendor_public_key(rsa_pub), r_pub)
        pub("RSA-1024, PEM RSA PUBLIC KEY", ["Rsa", "Pem", "Pkcs1"], public_key_pem(rsa_pub), r_pub)
        pub("RSA-1024, PEM PUBLIC KEY (SubjectPublicKeyInfo)", ["Rsa", "Pem", "Spki"], public_key_pem(rsa_pub, spki=True), r_pub)
        pub("RSA-1024, binary DER PKCS#1", ["Rsa", "Der", "Pkcs1"], pkcs1_der, r_pub)
        pub("RSA-1024, binary DER SubjectPublicKeyInfo", ["Rsa", "Der", "Spki"], rsa_spki_der, r_pub)
        pub("RSA-1024, base64 DER SubjectPublicKeyInfo", ["Rsa", "Base64Der", "Spki"], _b64(rsa_spki_der), r_pub)
        pub("RSA-1024, base64 DER PKCS#1", ["Rsa", "Base64Der", "Pkcs1"], _b64(pkcs1_der), r_pub)
        vendor = vendor_public_key(rsa_pub)
        pub("RSA-1024, the vendor's form broken into 76-character lines with surrounding blanks", ["Rsa", "Vendor", "Whitespace"],
            "\n  " + "\n".join(vendor[i:i + 76] for i in range(0, len(vendor), 76)) + "\n\n", r_pub)
        pub("RSA-1024, PEM with CRLF line ends", ["Rsa", "Pem", "Crlf", "Pkcs1"], public_key_pem(rsa_pub).replace("\n", "\r\n"), r_pub)
        pub("RSA-1024, one-line PEM with literal \\n escapes", ["Rsa", "Pem", "EscapedNewlines", "Pkcs1"], public_key_pem(rsa_pub).replace("\n", "\\n"), r_pub)
        pub("RSA-1024, PEM text after U+FEFF", ["Rsa", "Pem", "Bom", "Pkcs1"], "\ufeff" + public_key_pem(rsa_pub), r_pub)
        pub("RSA-1024, PEM bytes after a UTF-8 BOM", ["Rsa", "Pem", "Bom", "Spki"], b"\xef\xbb\xbf" + public_key_pem(rsa_pub, spki=True).encode(), r_pub)
        pub("RSA-2048, PEM RSA PUBLIC KEY", ["Rsa", "Pem", "Pkcs1"], public_key_pem(rsa2048.public_key()), self.rsa_expect(rsa2048.public_key()))
        pub("SM2, the vendor's form (base64 of SPKI PEM)", ["Sm2", "Vendor", "Spki"], vendor_public_key(sm2_pub), s_pub)
        pub("SM2, PEM PUBLIC KEY", ["Sm2", "Pem", "Spki"], public_key_pem(sm2_pub), s_pub)
        pub("SM2, binary DER SubjectPublicKeyInfo", ["Sm2", "Der", "Spki"], sm2_spki_der, s_pub)
        pub("SM2, base64 DER SubjectPublicKeyInfo", ["Sm2", "Base64Der", "Spki"], _b64(sm2_spki_der), s_pub)
        pub("SM2, hex 04||X||Y", ["Sm2", "Hex"], point.hex(), s_pub)
        pub("SM2, hex 04||X||Y in capitals", ["Sm2", "Hex"], point.hex().upper(), s_pub)
        pub("SM2, hex X||Y (128 digits)", ["Sm2", "Hex"], (x + y).hex(), s_pub)
        pub("SM2, hex X||Y split by a space and a line break", ["Sm2", "Hex", "Whitespace"], f" {x.hex()}\n{y.hex()} ", s_pub)
        prefix = b"\x03" if y[-1] & 1 else b"\x02"
        pub("SM2, compressed hex 02/03||X", ["Sm2", "Hex", "Compressed"], (prefix + x).hex(), s_pub)
        other_prefix = b"\x02" if prefix == b"\x03" else b"\x03"
        pub("SM2, compressed hex with the other parity: the point -P", ["Sm2", "Hex", "Compressed"], (other_prefix + x).hex(),
            {"type": "SM2", "point": "04" + x.hex() + (sm2.P - int.from_bytes(y, "big")).to_bytes(32, "big").hex()})
        ec_alg = {"algorithm": _OID_EC, "parameters": asn1.core.ObjectIdentifier(_OID_SM2)}
        pub("SM2, SubjectPublicKeyInfo with a compressed point", ["Sm2", "Pem", "Spki", "Compressed"],
            _pem_text("PUBLIC KEY", asn1.SubjectPublicKeyInfo({"algorithm": ec_alg, "public_key": prefix + x}).dump()), s_pub)
        pub("SM2, SubjectPublicKeyInfo with the SM2 OID in the algorithm slot, no parameters", ["Sm2", "Pem", "Spki", "CurveOidInAlgorithm"],
            _pem_text("PUBLIC KEY", asn1.SubjectPublicKeyInfo({"algorithm": {"algorithm": _OID_SM2}, "public_key": point}).dump()), s_pub)
        pub("SM2, SubjectPublicKeyInfo id-ecPublicKey without parameters", ["Sm2", "Der", "Spki", "NoCurveParameters"],
            asn1.SubjectPublicKeyInfo({"algorithm": {"algorithm": _OID_EC}, "public_key": point}).dump(), s_pub)
        pub("SM2, SubjectPublicKeyInfo id-ecPublicKey with NULL parameters", ["Sm2", "Der", "Spki", "NoCurveParameters"],
            asn1.SubjectPublicKeyInfo({"algorithm": {"algorithm": _OID_EC, "parameters": asn1.core.Null()}, "public_key": point}).dump(), s_pub)

        # -- public keys, invalid
        p256 = ec.derive_private_key(int.from_bytes(self.stream("p256").take(31), "big") + 1, ec.SECP256R1())
        p256_spki = p256.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        pub("P-256 SubjectPublicKeyInfo", ["WrongCurve", "Pem", "Spki"], _pem_text("PUBLIC KEY", p256_spki), None)
        p256_point = p256.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        pub("a P-256 point as SM2 hex 04||X||Y: not on sm2p256v1", ["WrongCurve", "Hex", "OffCurve"], p256_point.hex(), None)
        off = b"\x04" + x + (int.from_bytes(y, "big") ^ 1).to_bytes(32, "big")
        pub("SM2 hex 04||X||Y with Y's last bit flipped: off the curve", ["Sm2", "Hex", "OffCurve"], off.hex(), None)
        pub("SM2 SubjectPublicKeyInfo with a point off the curve", ["Sm2", "Pem", "Spki", "OffCurve"],
            _pem_text("PUBLIC KEY", asn1.SubjectPublicKeyInfo({"algorithm": ec_alg, "public_key": off}).dump()), None)
        no_root = next(v for v in range(int.from_bytes(x, "big") + 1, sm2.P) if pow((v ** 3 + sm2.A * v + sm2.B) % sm2.P, (sm2.P - 1) // 2, sm2.P) == sm2.P - 1)
        pub("SM2 compressed hex whose X has no square root", ["Sm2", "Hex", "Compressed", "NoSquareRoot"], "02" + no_root.to_bytes(32, "big").hex(), None)
        pub("SM2 SubjectPublicKeyInfo, compressed point whose X has no square root", ["Sm2", "Der", "Spki", "Compressed", "NoSquareRoot"],
            asn1.SubjectPublicKeyInfo({"algorithm": ec_alg, "public_key": b"\x02" + no_root.to_bytes(32, "big")}).dump(), None)
        pub("SM2 hex 04||p||Y: X equal to the field prime", ["Sm2", "Hex", "CoordinateTooLarge"], "04" + sm2.P.to_bytes(32, "big").hex() + y.hex(), None)
        pub("SM2 hex 04||X||Y with two more digits (132)", ["Sm2", "Hex", "WrongHexLength"], point.hex() + "00", None)
        pub("SM2 hex 04||X||Y missing its last digit (129)", ["Sm2", "Hex", "WrongHexLength"], point.hex()[:-1], None)
        pub("SM2 hex X alone (64 digits)", ["Sm2", "Hex", "WrongHexLength"], x.hex(), None)
        pub("SM2 hex 05||X||Y: an unknown prefix", ["Sm2", "Hex", "WrongHexLength"], "05" + (x + y).hex(), None)
        pub("SM2 compressed hex with prefix 04 (66 digits)", ["Sm2", "Hex", "Compressed", "WrongHexLength"], "04" + x.hex(), None)
        pub("RSA-1024 SubjectPublicKeyInfo DER without its last byte", ["Rsa", "Der", "Truncated"], rsa_spki_der[:-1], None)
        pub("RSA-1024 PKCS#1 PEM of truncated DER", ["Rsa", "Pem", "Truncated"], _pem_text("RSA PUBLIC KEY", pkcs1_der[:-10]), None)
        pub("SM2 SubjectPublicKeyInfo DER without its last byte", ["Sm2", "Der", "Truncated"], sm2_spki_der[:-1], None)
        pub("SM2 SubjectPublicKeyInfo DER with a zero byte after it", ["Sm2", "Der", "TrailingData"], sm2_spki_der + b"\x00", None)
        pub("RSA-1024 SubjectPublicKeyInfo DER with a zero byte after it", ["Rsa", "Der", "TrailingData"], rsa_spki_der + b"\x00", None)
        pub("RSA-1024 public key under the label CERTIFICATE", ["Rsa", "Pem", "WrongLabel"], _pem_text("CERTIFICATE", rsa_spki_der), None)
        pub("SM2 public key under the label EC PUBLIC KEY", ["Sm2", "Pem", "WrongLabel"], _pem_text("EC PUBLIC KEY", sm2_spki_der), None)
        pub("an RSA private key (PKCS#8 PEM) given to the public loader", ["Rsa", "Pem", "WrongKind", "Pkcs8"], private_key_pem(rsa1024), None)
        pub("an SM2 private key (PKCS#8 DER) given to the public loader", ["Sm2", "Der", "WrongKind", "Pkcs8"], _pem_der(private_key_pem(sm2_key)), None)
        small = _small_rsa(self.stream("rsa-512"), 512)
        pub("RSA-512 PKCS#1 PEM: below 1024 bits", ["Rsa", "Pem", "SmallRsa", "Pkcs1"], public_key_pem(small.public_key()), None)
        small_1000 = _small_rsa(self.stream("rsa-1000"), 1000)
        pub("RSA-1000 SubjectPublicKeyInfo DER: below 1024 bits", ["Rsa", "Der", "SmallRsa", "Spki"], public_key_der(small_1000.public_key(), spki=True), None)
        ed = ed25519.Ed25519PrivateKey.from_private_bytes(self.stream("ed25519").take(32))
        pub("an Ed25519 SubjectPublicKeyInfo", ["OtherAlgorithm", "Pem", "Spki"],
            ed.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(), None)
        pub("PEM without its END line", ["Rsa", "Pem", "NoEndLine"], public_key_pem(rsa_pub).split("-----END")[0], None)
        pub("empty text", ["Empty"], "", None)
        pub("only whitespace", ["Empty", "Whitespace"], " \n\t\r\n", None)
        pub("text that is no key", ["Garbage"], "not a public key", None)
        pub("bytes that are neither DER nor text", ["Garbage"], b"\x00\x01\x02\xff", None)

        # -- private keys, valid
        prv = self.private
        rsa_pkcs8_pem, rsa_pkcs1_pem = private_key_pem(rsa1024), private_key_pem(rsa1024, traditional=True)
        sm2_pkcs8_pem, sm2_sec1_pem = private_key_pem(sm2_key), private_key_pem(sm2_key, traditional=True)
        prv("RSA-1024, PEM PRIVATE KEY (PKCS#8)", ["Rsa", "Pem", "Pkcs8"], rsa_pkcs8_pem, r_priv)
        prv("RSA-1024, PEM RSA PRIVATE KEY (PKCS#1)", ["Rsa", "Pem", "Pkcs1"], rsa_pkcs1_pem, r_priv)
        prv("RSA-1024, binary DER PKCS#8", ["Rsa", "Der", "Pkcs8"], _pem_der(rsa_pkcs8_pem), r_priv)
        prv("RSA-1024, binary DER PKCS#1", ["Rsa", "Der", "Pkcs1"], _pem_der(rsa_pkcs1_pem), r_priv)
        prv("RSA-1024, base64 DER PKCS#8", ["Rsa", "Base64Der", "Pkcs8"], _b64(_pem_der(rsa_pkcs8_pem)), r_priv)
        prv("RSA-1024, base64 of the PKCS#1 PEM text", ["Rsa", "Vendor", "Pkcs1"], _b64(rsa_pkcs1_pem.encode()), r_priv)
        prv("RSA-1024, PKCS#8 PEM with CRLF line ends", ["Rsa", "Pem", "Crlf", "Pkcs8"], rsa_pkcs8_pem.replace("\n", "\r\n"), r_priv)
        prv("RSA-2048, PEM PRIVATE KEY", ["Rsa", "Pem", "Pkcs8"], private_key_pem(rsa2048), self.rsa_expect(rsa2048))
        prv("SM2, PEM PRIVATE KEY (PKCS#8)", ["Sm2", "Pem", "Pkcs8"], sm2_pkcs8_pem, s_priv)
        prv("SM2, PEM EC PRIVATE KEY (SEC 1)", ["Sm2", "Pem", "Sec1"], sm2_sec1_pem, s_priv)
        prv("SM2, PEM SM2 PRIVATE KEY (SEC 1 under OpenSSL's SM2 label)", ["Sm2", "Pem", "Sec1"], sm2_sec1_pem.replace("EC PRIVATE KEY", "SM2 PRIVATE KEY"), s_priv)
        prv("SM2, binary DER PKCS#8", ["Sm2", "Der", "Pkcs8"], _pem_der(sm2_pkcs8_pem), s_priv)
        prv("SM2, binary DER SEC 1", ["Sm2", "Der", "Sec1"], _pem_der(sm2_sec1_pem), s_priv)
        prv("SM2, base64 DER PKCS#8", ["Sm2", "Base64Der", "Pkcs8"], _b64(_pem_der(sm2_pkcs8_pem)), s_priv)
        prv("SM2, one-line PKCS#8 PEM with literal \\n escapes", ["Sm2", "Pem", "EscapedNewlines", "Pkcs8"], sm2_pkcs8_pem.replace("\n", "\\n"), s_priv)
        prv("SM2, hex d (64 digits)", ["Sm2", "Hex"], sm2_key.private_bytes().hex(), s_priv)
        prv("SM2, hex d in capitals with surrounding blanks", ["Sm2", "Hex", "Whitespace"], "  " + sm2_key.private_bytes().hex().upper() + "\n", s_priv)
        short = sm2.Sm2PrivateKey(int.from_bytes(self.stream("short-d").take(30), "big") | (1 << 235))
        prv("SM2, hex d of 59 digits (leading zeros dropped)", ["Sm2", "Hex", "ShortHexD"], f"{int.from_bytes(short.private_bytes(), 'big'):x}", self.sm2_expect(short))
        one = sm2.Sm2PrivateKey(1)
        prv("SM2, hex d = 1: the public point is G", ["Sm2", "Hex", "ShortHexD"], "1", self.sm2_expect(one))
        bare = asn1.EcPrivateKey({"version": 1, "private_key": sm2_key.private_bytes()}).dump()
        prv("SM2, SEC 1 DER without parameters and public key", ["Sm2", "Der", "Sec1", "NoEmbeddedPublic"], bare, s_priv)
        pkcs8_sm2_alg = asn1.PrivateKeyInfo({"version": 0, "private_key_algorithm": {"algorithm": _OID_SM2}, "private_key": bare}).dump()
        prv("SM2, PKCS#8 with the SM2 OID in the algorithm slot", ["Sm2", "Pem", "Pkcs8", "CurveOidInAlgorithm", "NoEmbeddedPublic"],
            _pem_text("PRIVATE KEY", pkcs8_sm2_alg), s_priv)

        # -- private keys, invalid
        p256_sec1 = p256.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
        prv("P-256 EC PRIVATE KEY (SEC 1)", ["WrongCurve", "Pem", "Sec1"], _pem_text("EC PRIVATE KEY", p256_sec1), None)
        p256_pkcs8 = p256.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        prv("P-256 PKCS#8", ["WrongCurve", "Der", "Pkcs8"], p256_pkcs8, None)
        other = self.keys.private["sm2-other"]
        if not isinstance(other, sm2.Sm2PrivateKey):
            raise TypeError("sm2-other is not an SM2 key")
        mismatch = asn1.EcPrivateKey({"version": 1, "private_key": sm2_key.private_bytes(),
                                      "parameters": asn1.EcParameters(name="named", value=_OID_SM2), "public_key": other.public_key.to_bytes()}).dump()
        prv("SM2 SEC 1 whose embedded public point is another key's", ["Sm2", "Pem", "Sec1", "PublicMismatch"], _pem_text("EC PRIVATE KEY", mismatch), None)
        for label, d in (("0", 0), ("n-1", sm2.N - 1), ("n", sm2.N)):
            prv(f"SM2 hex d = {label}", ["Sm2", "Hex", "ScalarOutOfRange"], d.to_bytes(32, "big").hex(), None)
        zero_sec1 = asn1.EcPrivateKey({"version": 1, "private_key": bytes(32), "parameters": asn1.EcParameters(name="named", value=_OID_SM2)}).dump()
        prv("SM2 SEC 1 with d = 0", ["Sm2", "Der", "Sec1", "ScalarOutOfRange"], zero_sec1, None)
        prv("SM2 hex d of 65 digits", ["Sm2", "Hex", "WrongHexLength"], "0" + sm2_key.private_bytes().hex(), None)
        prv("RSA-1024 PKCS#8 DER without its last byte", ["Rsa", "Der", "Truncated", "Pkcs8"], _pem_der(rsa_pkcs8_pem)[:-1], None)
        prv("SM2 PKCS#8 PEM of truncated DER", ["Sm2", "Pem", "Truncated", "Pkcs8"], _pem_text("PRIVATE KEY", _pem_der(sm2_pkcs8_pem)[:-5]), None)
        prv("SM2 PKCS#8 DER with a zero byte after it", ["Sm2", "Der", "TrailingData", "Pkcs8"], _pem_der(sm2_pkcs8_pem) + b"\x00", None)
        prv("RSA-1024 private key under the label PUBLIC KEY", ["Rsa", "Pem", "WrongLabel"], rsa_pkcs8_pem.replace("PRIVATE KEY", "PUBLIC KEY"), None)
        prv("SM2 private key under the label OPENSSH PRIVATE KEY", ["Sm2", "Pem", "WrongLabel"], sm2_pkcs8_pem.replace("PRIVATE KEY", "OPENSSH PRIVATE KEY"), None)
        prv("an RSA public key (PKCS#1 PEM) given to the private loader", ["Rsa", "Pem", "WrongKind", "Pkcs1"], public_key_pem(rsa_pub), None)
        prv("an SM2 public key (SPKI DER) given to the private loader", ["Sm2", "Der", "WrongKind", "Spki"], sm2_spki_der, None)
        prv("an SM2 public key (hex 04||X||Y) given to the private loader", ["Sm2", "Hex", "WrongKind", "WrongHexLength"], point.hex(), None)
        prv("RSA-512 PKCS#1 PEM: below 1024 bits", ["Rsa", "Pem", "SmallRsa", "Pkcs1"], private_key_pem(small, traditional=True), None)
        prv("RSA-1000 PKCS#8 DER: below 1024 bits", ["Rsa", "Der", "SmallRsa", "Pkcs8"], _pem_der(private_key_pem(small_1000)), None)
        prv("RSA-1024 PKCS#8, password-encrypted (ENCRYPTED PRIVATE KEY)", ["Rsa", "Pem", "Encrypted", "Pkcs8"],
            _encrypted_pkcs8(_pem_der(rsa_pkcs8_pem), self.stream("enc-pkcs8-rsa")), None)
        prv("SM2 PKCS#8, password-encrypted (ENCRYPTED PRIVATE KEY)", ["Sm2", "Pem", "Encrypted", "Pkcs8"],
            _encrypted_pkcs8(_pem_der(sm2_pkcs8_pem), self.stream("enc-pkcs8-sm2")), None)
        prv("RSA-1024 PKCS#1, traditional encrypted PEM (Proc-Type: 4,ENCRYPTED)", ["Rsa", "Pem", "Encrypted", "Pkcs1"],
            _encrypted_traditional("RSA PRIVATE KEY", _pem_der(rsa_pkcs1_pem), self.stream("enc-trad-rsa")), None)
        prv("SM2 SEC 1, traditional encrypted PEM (Proc-Type: 4,ENCRYPTED)", ["Sm2", "Pem", "Encrypted", "Sec1"],
            _encrypted_traditional("EC PRIVATE KEY", _pem_der(sm2_sec1_pem), self.stream("enc-trad-sm2")), None)
        ed_pkcs8 = ed.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
        prv("an Ed25519 PKCS#8 private key", ["OtherAlgorithm", "Pem", "Pkcs8"], ed_pkcs8, None)
        prv("PEM without its END line", ["Sm2", "Pem", "NoEndLine"], sm2_pkcs8_pem.split("-----END")[0], None)
        prv("empty bytes", ["Empty"], b"", None)
        prv("text that is no key", ["Garbage"], "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n", None)
        return {
            "schema": KEY_SCHEMA,
            "generator": {"seed": self.seed.decode(), "command": f"ocrcrypto vectors generate DIR --seed {self.seed.decode()}"},
            "notes": KEY_NOTES,
            "numberOfTests": len(self.cases),
            "tests": self.cases,
        }


def _pem_der(pem: str) -> bytes:
    """The DER inside a PEM text (one block, as the key writers produce it)."""
    lines = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    return base64.b64decode("".join(lines))



def generate_key_vectors(seed: str = DEFAULT_SEED) -> Dict[str, Any]:
    """The key vector file (``ocrcrypto-key-vectors-1``) as a JSON object; deterministic from the seed."""
    return _KeyGenerator(seed).run()
