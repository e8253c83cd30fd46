# SPDX-License-Identifier: GPL-2.0-or-later
"""MIGRATION images written field by field (docs/xs-state-format.md), for
tests that need an image no daemon would export: the layouts of §2 and
§4, little-endian, the CRC of END computed.  The reader checks every
rule of the format, so what is built here is well-formed unless a test
breaks it on purpose; the import's own rules are what these images
probe.
"""

import struct

T_END, T_NODE, T_WATCH, T_TXN, T_TNODE, T_RING = 0, 1, 2, 3, 4, 5
T_DOMAIN, T_QUOTA, T_INPUT, T_TEVENT, T_PARTIAL = 6, 9, 0x0a, 0x0c, 0x0d
KIND_MIGRATION = 2
NO_DOMID = 0xffffffff
R, W = 1, 2                             # permission access bits
DOM_INTRODUCED, DOM_CONNECTION = 1, 2
TNODE_EXISTS, TNODE_CHANGED = 1, 2


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82f63b78 if c & 1 else 0)
        t.append(c)
    return t


_CRC = _crc_table()


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc = _CRC[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff


assert crc32c(b"123456789") == 0xe3069283


def _s(x):
    return (x.encode() if isinstance(x, str) else x) + b"\0"


def _perms(perms):
    return b"".join(struct.pack("<II", d, a) for d, a in perms)


def node(path, perms, value=b"", gen=1):
    p = _s(path)
    return (T_NODE, struct.pack("<QIIII", gen, len(p), len(perms),
                                len(value), 0) + _perms(perms) + p + value)


def domain(domid, target=NO_DOMID, conn_id=1, next_txid=1):
    return (T_DOMAIN, struct.pack("<IIIIQIIIIii", domid, conn_id,
                                  DOM_INTRODUCED | DOM_CONNECTION, 0, 0, 0,
                                  0, target, next_txid, -1, -1))


def watch(path, token):
    p, t = _s(path), _s(token)
    return (T_WATCH, struct.pack("<IIII", NO_DOMID, 0, len(p), len(t)) +
            p + t)


def txn(tx_id):
    return (T_TXN, struct.pack("<IIII", tx_id, 0, 0, 0))


def txn_node(tx_id, path, perms, value=b"", base_gen=1, gen=1,
             flags=TNODE_EXISTS | TNODE_CHANGED):
    p = _s(path)
    return (T_TNODE, struct.pack("<IIQQIIII", tx_id, flags, base_gen, gen,
                                 len(p), len(perms), len(value), 0) +
            _perms(perms) + p + value)


def txn_event(tx_id, path, before, after):
    p = _s(path)
    return (T_TEVENT, struct.pack("<IIIIII", tx_id, 0, len(p), len(before),
                                  len(after), 0) +
            _perms(before) + _perms(after) + p)


def ring_data(data):
    return (T_RING, data)


def image(domid, recs):
    """The image of domain domid: header, recs, END."""
    img = bytearray(b"xs-state" + struct.pack(">II", 1, 0) +
                    struct.pack("<II", KIND_MIGRATION, domid) +
                    b"mig_image.py".ljust(32, b"\0") + b"\0" * 8)
    for t, body in recs:
        img += struct.pack("<II", t, len(body)) + body
        img += b"\0" * (-len(body) % 8)
    img += struct.pack("<IIII", T_END, 8, crc32c(img), 0)
    return bytes(img)


def home(domid):
    return "/local/domain/%d" % domid
