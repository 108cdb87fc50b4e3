"""The ASN.1 structures of SM2 keys (SubjectPublicKeyInfo, PKCS#8, SEC1), for keys.py.

pyca/cryptography cannot read or write SM2 keys, so their DER goes through asn1crypto; this
module is imported only when such DER is read or written, so that ``import ocrcrypto`` does not
load asn1crypto.
"""

from __future__ import annotations

from asn1crypto import core

__all__ = ["core", "AlgorithmIdentifier", "SubjectPublicKeyInfo", "PrivateKeyInfo", "EcParameters", "EcPrivateKey"]


class AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class SubjectPublicKeyInfo(core.Sequence):
    _fields = [("algorithm", AlgorithmIdentifier), ("public_key", core.OctetBitString)]


class PrivateKeyInfo(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
        ("public_key", core.Any, {"implicit": 1, "optional": True}),
    ]


class EcParameters(core.Choice):
    _alternatives = [("named", core.ObjectIdentifier), ("implicit", core.Null), ("specified", core.Sequence)]


class EcPrivateKey(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("private_key", core.OctetString),
        ("parameters", EcParameters, {"explicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"explicit": 1, "optional": True}),
    ]
