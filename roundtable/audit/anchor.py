"""Signed checkpoints of the audit chain's head, so that the chain is anchored outside the database.

The chain's hashes show any edit that is not followed by recomputing every later
hash and the head; someone with write access to the database can do exactly
that, or delete the last entries and rewrite the head. A *checkpoint* is the
head at a moment, ``(seq, hash, at)``, signed with Ed25519 by a key that never
enters the database (``AUDIT_SIGNING_KEY``, 64 hex digits, or a 0600 file,
``AUDIT_KEY_FILE``, default ``instance/audit_signing_key``). Checkpoints leave
the system: ``flask audit checkpoint`` writes one for auditors to keep, and every
published resolution prints one and embeds it (``audit-checkpoint.json``), so
every PDF a department or resident holds anchors the history up to its
publication. ``flask audit verify --anchor FILE_OR_PDF`` then needs the entry
``seq`` to exist with exactly that hash: a truncated tail, a rewritten head or a
recomputed chain all fail it, and a forged checkpoint fails its signature.

Rotating the key (docs/security.md): set a new key; list the old public keys in
``AUDIT_TRUSTED_KEYS`` (comma-separated hex) so that checkpoints signed before
the rotation still verify.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy import select

from roundtable.audit.chain import HEAD_ID
from roundtable.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry, canonical_time
from roundtable.core.time import utcnow
from roundtable.extensions import db

FORMAT = "roundtable-audit-checkpoint/1"
EMBEDDED_NAME = "audit-checkpoint.json"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    public_key: str
    signature: str
    format: str = FORMAT

    def signed_part(self) -> bytes:
        return json.dumps({"format": self.format, "seq": self.seq, "hash": self.hash, "at": self.at,
                           "public_key": self.public_key}, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not an audit checkpoint")
        return cls(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["public_key"]),
                   str(data["signature"]), FORMAT)


@dataclass
class AnchorCheck:
    ok: bool
    reason: str = ""


def _key_file() -> Path:
    configured = current_app.config.get("AUDIT_KEY_FILE")
    if configured:
        return Path(configured)
    from roundtable.config import INSTANCE_DIR

    return INSTANCE_DIR / "audit_signing_key"


def signing_key() -> SigningKey:
    configured = current_app.config.get("AUDIT_SIGNING_KEY")
    if configured:
        return SigningKey(bytes.fromhex(configured))
    path = _key_file()
    if not path.exists():
        from roundtable.config import write_private_file

        try:
            write_private_file(path, secrets.token_hex(32))
        except FileExistsError:
            pass
    return SigningKey(bytes.fromhex(path.read_text().strip()))


def public_key_hex() -> str:
    return signing_key().verify_key.encode().hex()


def trusted_keys() -> set[str]:
    extra = current_app.config.get("AUDIT_TRUSTED_KEYS") or ""
    return {public_key_hex()} | {k.strip().lower() for k in extra.split(",") if k.strip()}


def head() -> tuple[int, str]:
    row = db.session.execute(
        select(AuditChainHead.length, AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID)
    ).first()
    return (row.length, row.last_hash) if row else (0, GENESIS_HASH)


def checkpoint() -> Checkpoint:
    """The chain's head now, signed."""
    seq, last_hash = head()
    key = signing_key()
    unsigned = Checkpoint(seq, last_hash, canonical_time(utcnow()), key.verify_key.encode().hex(), "")
    signature = key.sign(unsigned.signed_part()).signature.hex()
    return Checkpoint(seq, last_hash, unsigned.at, unsigned.public_key, signature)


def check_anchor(anchor: Checkpoint) -> AnchorCheck:
    """Does the chain in the database still contain the anchored head?"""
    if anchor.public_key.lower() not in trusted_keys():
        return AnchorCheck(False, "检查点的签名密钥不受信任(不是本系统的审计密钥)")
    try:
        VerifyKey(bytes.fromhex(anchor.public_key)).verify(anchor.signed_part(), bytes.fromhex(anchor.signature))
    except (BadSignatureError, ValueError):
        return AnchorCheck(False, gettext("检查点的签名无效(检查点被改动或伪造)"))
    if anchor.seq == 0:
        return AnchorCheck(True)
    entry_hash = db.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == anchor.seq))
    if entry_hash is None:
        return AnchorCheck(False, gettext("第 %(seq)s 条已不存在:审计链在检查点之后被截短", seq=anchor.seq))
    if entry_hash != anchor.hash:
        return AnchorCheck(False, gettext("第 %(seq)s 条的哈希与检查点不符:此前的历史被改写并重新计算", seq=anchor.seq))
    length, _last = head()
    if length < anchor.seq:
        return AnchorCheck(False, gettext("记录的链长 %(length)s 短于检查点的 %(seq)s:链尾被改写", length=length, seq=anchor.seq))
    return AnchorCheck(True)


def read_anchor(path: Path) -> Checkpoint:
    """A checkpoint file, or the checkpoint embedded in a published resolution PDF."""
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        from roundtable.resolutions.pdf import embedded_files

        embedded = embedded_files(data).get(EMBEDDED_NAME)
        if embedded is None:
            raise ValueError("这份 PDF 没有嵌入审计检查点")
        return Checkpoint.from_json(embedded)
    return Checkpoint.from_json(data)
