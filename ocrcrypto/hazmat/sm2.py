"""SM2 public-key encryption (GB/T 32918.4) on sm2p256v1, in pure Python.

Ciphertexts are ``04 || X || Y || C3 || C2`` (C1C3C2, uncompressed C1 with fixed 32-byte
coordinates), the order the vendor's API expects. Points use Jacobian coordinates; scalar
multiplication by G and by a public key uses a fixed-base window table (built once per key and
cached on the key object), so a warm encryption costs two short runs of mixed additions.

Side channels: decryption multiplies by the private scalar with a regular schedule (signed odd
digits, one addition per window, no skipped zero digits), so the sequence of operations does not
depend on the key's bits. Python integers themselves are not constant-time: the code makes no
constant-time claim.
"""

from __future__ import annotations

import hmac
import secrets
from typing import List, Optional, Sequence, Tuple

from cryptography.hazmat.primitives import hashes

from ..errors import DECRYPTION_FAILED, DecryptionError, EnvelopeFormatError, KeyFormatError

__all__ = [
    "P",
    "A",
    "B",
    "N",
    "G",
    "Sm2PublicKey",
    "Sm2PrivateKey",
    "encrypt",
    "decrypt",
    "decrypt_unchecked",
    "generate_private_key",
    "kdf",
    "ephemeral_points",
    "CIPHERTEXT_OVERHEAD",
]

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = P - 3
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)

CIPHERTEXT_OVERHEAD = 1 + 32 + 32 + 32
"""Bytes an SM2 ciphertext adds to its plaintext: the 04 prefix, C1's X and Y, and C3."""

_Affine = Tuple[int, int]
_Jacobian = Tuple[int, int, int]
_Table = List[List[_Affine]]

_G_WINDOW = 8
_KEY_WINDOW = 6
_VARIABLE_WINDOW = 5


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _decompressed_y(x: int, *, odd: bool) -> int:
    """The y with this parity on the curve at x (SEC 1 point decompression), for a compressed key.

    p = 3 (mod 4), so a^((p+1)/4) is a square root of a whenever a has one; squaring it back tells.
    An x outside [0, p) gets a y here and is refused by the Sm2PublicKey range check.
    """
    rhs = (x * x * x + A * x + B) % P
    y = pow(rhs, (P + 1) // 4, P)
    if y * y % P != rhs:
        raise KeyFormatError("SM2 public key: point is not on the curve sm2p256v1 (compressed X has no square root)")
    return P - y if (y & 1) != odd else y


def _double(p1: _Jacobian) -> _Jacobian:
    """Point doubling in Jacobian coordinates for a = -3 (dbl-2001-b, with Z3 = 2*Y1*Z1)."""
    x1, y1, z1 = p1
    if z1 == 0 or y1 == 0:
        return (1, 1, 0)
    delta = z1 * z1 % P
    gamma = y1 * y1 % P
    beta = x1 * gamma % P
    alpha = 3 * (x1 - delta) * (x1 + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = 2 * y1 * z1 % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add_affine(p1: _Jacobian, x2: int, y2: int) -> _Jacobian:
    """Mixed addition of a Jacobian and an affine point (madd-2007-bl), with every special case."""
    x1, y1, z1 = p1
    if z1 == 0:
        return (x2, y2, 1)
    z1z1 = z1 * z1 % P
    h = (x2 * z1z1 - x1) % P
    r = 2 * (y2 * z1 * z1z1 - y1) % P
    if h == 0:
        return _double(p1) if r == 0 else (1, 1, 0)
    hh = h * h % P
    i = 4 * hh
    j = h * i % P
    v = x1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * y1 * j) % P
    z3 = ((z1 + h) * (z1 + h) - z1z1 - hh) % P
    return (x3, y3, z3)


def _add(p1: _Jacobian, p2: _Jacobian) -> _Jacobian:
    """General Jacobian addition (add-2007-bl), with every special case."""
    x1, y1, z1 = p1
    x2, y2, z2 = p2
    if z1 == 0:
        return p2
    if z2 == 0:
        return p1
    z1z1 = z1 * z1 % P
    z2z2 = z2 * z2 % P
    u1 = x1 * z2z2 % P
    u2 = x2 * z1z1 % P
    s1 = y1 * z2 * z2z2 % P
    s2 = y2 * z1 * z1z1 % P
    h = (u2 - u1) % P
    r = 2 * (s2 - s1) % P
    if h == 0:
        return _double(p1) if r == 0 else (1, 1, 0)
    i = 4 * h * h % P
    j = h * i % P
    v = u1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * s1 * j) % P
    z3 = ((z1 + z2) * (z1 + z2) - z1z1 - z2z2) * h % P
    return (x3, y3, z3)


def _to_affine(p1: _Jacobian) -> Optional[_Affine]:
    x, y, z = p1
    if z == 0:
        return None
    zinv = pow(z, -1, P)
    zinv2 = zinv * zinv % P
    return (x * zinv2 % P, y * zinv2 * zinv % P)


def _batch_to_affine(points: Sequence[_Jacobian]) -> List[_Affine]:
    """Convert many finite Jacobian points with one inversion (Montgomery's trick)."""
    prefix = []
    acc = 1
    for _, _, z in points:
        prefix.append(acc)
        acc = acc * z % P
    inv = pow(acc, -1, P)
    out: List[_Affine] = [(0, 0)] * len(points)
    for idx in range(len(points) - 1, -1, -1):
        x, y, z = points[idx]
        zinv = inv * prefix[idx] % P
        inv = inv * z % P
        zinv2 = zinv * zinv % P
        out[idx] = (x * zinv2 % P, y * zinv2 * zinv % P)
    return out


def _fixed_base_table(point: _Affine, window: int) -> _Table:
    """table[i][j-1] = j * 2**(window*i) * point, for every window position i and digit j >= 1."""
    positions = -(-256 // window)
    digits = (1 << window) - 1
    jacobian: List[_Jacobian] = []
    base = point
    for _ in range(positions):
        acc: _Jacobian = (base[0], base[1], 1)
        jacobian.append(acc)
        for _ in range(digits):
            acc = _add_affine(acc, base[0], base[1])
            jacobian.append(acc)
        next_base = _to_affine(jacobian.pop())
        assert next_base is not None  # the cofactor is 1: every valid point has order n > 2**256
        base = next_base
    flat = _batch_to_affine(jacobian)
    return [flat[i * digits:(i + 1) * digits] for i in range(positions)]


def _fixed_base_multiply(table: _Table, window: int, k: int) -> _Jacobian:
    """k * point from its fixed-base table: one mixed addition per non-zero window digit."""
    mask = (1 << window) - 1
    acc: _Jacobian = (1, 1, 0)
    for row in table:
        digit = k & mask
        k >>= window
        if digit:
            acc = _add_affine(acc, *row[digit - 1])
    return acc


def _regular_digits(k: int, window: int, count: int) -> List[int]:
    """Signed odd digits of an odd k, least significant first, none of them zero (Joye-Tunstall).

    Every window then costs the same doublings and one addition, so the sequence of operations
    does not depend on the scalar's bits.
    """
    digits = []
    half = 1 << window
    for _ in range(count - 1):
        digit = (k & ((half << 1) - 1)) - half
        digits.append(digit)
        k = (k - digit) >> window
    digits.append(k)
    return digits


def _variable_base_multiply(point: _Affine, k: int) -> _Jacobian:
    """k * point for a point seen once (C1 on decryption), 0 < k < n, with a regular schedule."""
    window = _VARIABLE_WINDOW
    scalar = k if k & 1 else k + N  # N is odd, so the scalar is odd and (k + N) * point = k * point
    x0, y0 = point
    twice = _double((x0, y0, 1))
    odd: List[_Jacobian] = [(x0, y0, 1)]
    for _ in range((1 << (window - 1)) - 1):
        odd.append(_add(odd[-1], twice))
    table = _batch_to_affine(odd)  # table[i] = (2i + 1) * point
    digits = _regular_digits(scalar, window, -(-257 // window) + 1)
    top = digits.pop()
    x1, y1 = table[(top - 1) >> 1]
    z1 = 1
    for digit in reversed(digits):
        for _ in range(window):  # _double, inlined: with s = 4*beta it takes fewer big-integer steps
            zz = z1 * z1 % P
            yy = y1 * y1 % P
            m = 3 * (x1 - zz) * (x1 + zz) % P
            s = 4 * x1 * yy % P
            z1 = 2 * y1 * z1 % P
            x1 = (m * m - 2 * s) % P
            y1 = (m * (s - x1) - 8 * yy * yy) % P
        x2, y2 = table[(abs(digit) - 1) >> 1]
        x1, y1, z1 = _add_affine((x1, y1, z1), x2, y2 if digit > 0 else P - y2)
    return (x1, y1, z1)


_g_table: Optional[_Table] = None


def _g_multiply(k: int) -> _Jacobian:
    global _g_table
    if _g_table is None:
        _g_table = _fixed_base_table(G, _G_WINDOW)
    return _fixed_base_multiply(_g_table, _G_WINDOW, k)


class Sm2PublicKey:
    """A validated point on sm2p256v1; its fixed-base table is built on first use and kept."""

    __slots__ = ("x", "y", "_table")

    def __init__(self, x: int, y: int) -> None:
        if not _on_curve(x, y):
            raise KeyFormatError("SM2 public key: point is not on the curve sm2p256v1")
        self.x = x
        self.y = y
        self._table: Optional[_Table] = None

    @classmethod
    def from_bytes(cls, data: bytes) -> "Sm2PublicKey":
        """Read ``04 || X || Y`` (65 bytes), ``X || Y`` (64 bytes) or compressed ``02/03 || X`` (33 bytes)."""
        if len(data) == 33 and data[0] in (2, 3):
            x = int.from_bytes(data[1:], "big")
            return cls(x, _decompressed_y(x, odd=data[0] == 3))
        if len(data) == 65 and data[0] == 4:
            data = data[1:]
        if len(data) != 64:
            raise KeyFormatError(
                "SM2 public key: expected 65 bytes (04||X||Y), 64 bytes (X||Y) or 33 bytes (02/03||X),"
                f" got {len(data)}"
            )
        return cls(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big"))

    def to_bytes(self) -> bytes:
        """The uncompressed point ``04 || X || Y``, 65 bytes."""
        return b"\x04" + self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")

    def _multiply(self, k: int) -> _Jacobian:
        if self._table is None:
            self._table = _fixed_base_table((self.x, self.y), _KEY_WINDOW)
        return _fixed_base_multiply(self._table, _KEY_WINDOW, k)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and (self.x, self.y) == (other.x, other.y)

    def __hash__(self) -> int:
        return hash((self.x, self.y))

    def __repr__(self) -> str:
        return f"Sm2PublicKey(x=0x{self.x:064x}, y=0x{self.y:064x})"


class Sm2PrivateKey:
    """A private scalar d in [1, n-2] and its public key; the repr never shows d."""

    __slots__ = ("_d", "public_key")

    def __init__(self, d: int) -> None:
        if not 1 <= d <= N - 2:
            raise KeyFormatError("SM2 private key: scalar out of range [1, n-2]")
        self._d = d
        point = _to_affine(_g_multiply(d))
        assert point is not None  # d in [1, n-2] never gives the point at infinity
        self.public_key = Sm2PublicKey(*point)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Sm2PrivateKey":
        """Read the 32-byte big-endian scalar d."""
        if len(data) != 32:
            raise KeyFormatError(f"SM2 private key: expected 32 bytes, got {len(data)}")
        return cls(int.from_bytes(data, "big"))

    def private_bytes(self) -> bytes:
        """The scalar d, 32 bytes big-endian. Key material: handle with care."""
        return self._d.to_bytes(32, "big")

    def __repr__(self) -> str:
        return f"Sm2PrivateKey(public_key={self.public_key!r})"


def generate_private_key() -> Sm2PrivateKey:
    """A new private key with d from the operating system's CSPRNG."""
    return Sm2PrivateKey(secrets.randbelow(N - 2) + 1)


def kdf(z: bytes, length: int) -> bytes:
    """The SM3-based key derivation function of GB/T 32918.4 (counter from 1, 32-bit big-endian)."""
    base = hashes.Hash(hashes.SM3())
    base.update(z)
    out = bytearray()
    counter = 1
    while len(out) < length:
        h = base.copy()
        h.update(counter.to_bytes(4, "big"))
        out += h.finalize()
        counter += 1
    return bytes(out[:length])


def _sm3(*parts: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    for part in parts:
        h.update(part)
    return h.finalize()


def ephemeral_points(public_key: Sm2PublicKey, k: int) -> Tuple[bytes, bytes]:
    """C1 = kG as ``04||X||Y`` and the shared point kP as ``x2||y2``, for a chosen k.

    For test-vector generation (finding k whose coordinates start with a zero byte); encryption
    itself never exposes k.
    """
    if not 1 <= k <= N - 1:
        raise EnvelopeFormatError("SM2 k: out of range [1, n-1]")
    c1 = _to_affine(_g_multiply(k))
    shared = _to_affine(public_key._multiply(k))
    assert c1 is not None and shared is not None
    return (
        b"\x04" + c1[0].to_bytes(32, "big") + c1[1].to_bytes(32, "big"),
        shared[0].to_bytes(32, "big") + shared[1].to_bytes(32, "big"),
    )


def encrypt(public_key: Sm2PublicKey, plaintext: bytes, *, k: Optional[int] = None) -> bytes:
    """Encrypt to ``04 || X || Y || C3 || C2``; pass k only to reproduce a known-answer vector."""
    if not isinstance(public_key, Sm2PublicKey):
        raise KeyFormatError("SM2 encryption needs an SM2 public key")
    if not plaintext:
        raise EnvelopeFormatError("SM2 plaintext: must be at least 1 byte (the KDF check is undefined for 0)")
    if k is not None and not 1 <= k <= N - 1:
        raise EnvelopeFormatError("SM2 k: out of range [1, n-1]")
    while True:
        scalar = k if k is not None else secrets.randbelow(N - 1) + 1
        c1 = _to_affine(_g_multiply(scalar))
        shared = _to_affine(public_key._multiply(scalar))
        assert c1 is not None and shared is not None  # 0 < k < n and P of order n
        x2 = shared[0].to_bytes(32, "big")
        y2 = shared[1].to_bytes(32, "big")
        t = kdf(x2 + y2, len(plaintext))
        if any(t):
            break
        if k is not None:
            raise EnvelopeFormatError("SM2 k: gives an all-zero KDF output; choose another k")
    c2 = (int.from_bytes(plaintext, "big") ^ int.from_bytes(t, "big")).to_bytes(len(plaintext), "big")
    c3 = _sm3(x2, plaintext, y2)
    return b"\x04" + c1[0].to_bytes(32, "big") + c1[1].to_bytes(32, "big") + c3 + c2


def decrypt(private_key: Sm2PrivateKey, ciphertext: bytes) -> bytes:
    """Decrypt ``04 || X || Y || C3 || C2``; every failure is the same DecryptionError."""
    plaintext, ok = decrypt_unchecked(private_key, ciphertext)
    if not ok:
        raise DecryptionError(DECRYPTION_FAILED)
    return plaintext


def decrypt_unchecked(private_key: Sm2PrivateKey, ciphertext: bytes) -> Tuple[bytes, bool]:
    """(plaintext, ok) after the same work whatever is wrong, for the service side.

    Only the layout (length and the 04 prefix, which the sender chose and knows) fails at once. A
    C1 off the curve is replaced by G and the multiplication by d, the KDF and C3 all run anyway;
    the result is then dropped.
    """
    if not isinstance(private_key, Sm2PrivateKey):
        raise KeyFormatError("SM2 decryption needs an SM2 private key")
    if len(ciphertext) <= CIPHERTEXT_OVERHEAD or ciphertext[0] != 4:
        return b"", False
    x1 = int.from_bytes(ciphertext[1:33], "big")
    y1 = int.from_bytes(ciphertext[33:65], "big")
    on_curve = _on_curve(x1, y1)
    point = (x1, y1) if on_curve else G
    c3 = ciphertext[65:97]
    c2 = ciphertext[97:]
    shared = _to_affine(_variable_base_multiply(point, private_key._d))
    assert shared is not None  # the point is on the curve, so of order n, and 0 < d < n
    x2 = shared[0].to_bytes(32, "big")
    y2 = shared[1].to_bytes(32, "big")
    t = kdf(x2 + y2, len(c2))
    plaintext = (int.from_bytes(c2, "big") ^ int.from_bytes(t, "big")).to_bytes(len(c2), "big")
    tag_ok = hmac.compare_digest(_sm3(x2, plaintext, y2), c3)
    return plaintext, on_curve & any(t) & tag_ok
