"""The key detail's Overview: what the key is, from DescribeKey (its spec, usage and
algorithms, imported material, Regions) and, for an asymmetric key, GetPublicKey's
public key as PEM with its SHA-256 fingerprint."""

from __future__ import annotations

import base64
import hashlib
import json

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from kmstui.ui.format import date, plain
from kmstui.ui.models import KeyDetail


def _value(name: str, value: object) -> str:
    if name == "ValidTo" or name.endswith("Date"):  # epoch seconds on the wire
        return f"{date(value)} UTC"  # type: ignore[arg-type]
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def overview_rows(detail: KeyDetail) -> list[tuple[str, str]]:
    """DescribeKey's members by their AWS names, with what a person asks next said
    beside them: whether an EXTERNAL key has its material and until when, which Region
    holds a multi-Region key's primary and which its replicas."""
    meta = detail.metadata
    rows: list[tuple[str, str]] = []
    for name, value in meta.items():
        if name == "MultiRegionConfiguration":
            rows += _regions(value, meta.get("Arn", ""))
            continue
        rows.append((name, _value(name, value)))
        if name == "Origin" and value == "EXTERNAL":
            rows.append(("Imported material", _imported(meta)))
    return rows


def _imported(meta: dict) -> str:
    if meta.get("KeyState") == "PendingImport":
        return "none yet (ImportKeyMaterial)"
    if meta.get("ExpirationModel") == "KEY_MATERIAL_EXPIRES" and meta.get("ValidTo"):
        return f"imported, expires {date(meta['ValidTo'])} UTC"
    return "imported, does not expire"


def _regions(config: dict, arn: str) -> list[tuple[str, str]]:
    """The related keys by Region (their ARNs differ only in it); this key marked."""

    def region(related: dict) -> str:
        name = related.get("Region", "")
        return f"{name} (this key)" if related.get("Arn") == arn else name

    replicas = [region(replica) for replica in config.get("ReplicaKeys") or ()]
    return [
        ("MultiRegionKeyType", str(config.get("MultiRegionKeyType", ""))),
        ("Primary Region", region(config.get("PrimaryKey") or {})),
        ("Replica Regions", ", ".join(replicas) or "none"),
    ]


def public_key_pem(der: bytes) -> str:
    """A DER SubjectPublicKeyInfo as PEM: base64 in lines of 64 (RFC 7468)."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join(["-----BEGIN PUBLIC KEY-----", *lines, "-----END PUBLIC KEY-----"]) + "\n"


def fingerprint(der: bytes) -> str:
    """The SHA-256 of the DER SubjectPublicKeyInfo, in hex."""
    return hashlib.sha256(der).hexdigest()


def fill_overview(table: DataTable, detail: KeyDetail) -> None:
    table.clear()
    for name, value in overview_rows(detail):
        table.add_row(plain(name), plain(value))


class PublicKeyView(Vertical):
    """An asymmetric key's public key: its fingerprint, and its PEM with a button that
    copies it (or why GetPublicKey refused)."""

    DEFAULT_CSS = """
    PublicKeyView { height: auto; margin-top: 1; }
    PublicKeyView .public-key-head { height: 1; padding: 0 1; }
    PublicKeyView .public-key-title { width: auto; margin-right: 2; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.pem = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="public-key-head"):
            yield Static("Public key (GetPublicKey)", classes="public-key-title")
            yield Button("Copy PEM", id="copy-pem", compact=True)
        yield Static("", id="public-key-fingerprint", classes="code")
        yield Static("", id="public-key-pem", classes="code")

    def show(self, detail: KeyDetail) -> None:
        der, problem = detail.public_key, detail.problems.get("public_key")
        self.display = der is not None or problem is not None
        self.pem = public_key_pem(der) if der is not None else ""
        self.query_one("#copy-pem", Button).display = der is not None
        self.query_one("#public-key-fingerprint", Static).update(
            plain(f"SHA-256  {fingerprint(der)}" if der is not None else problem or "")
        )
        self.query_one("#public-key-pem", Static).update(plain(self.pem.rstrip("\n")))

    @on(Button.Pressed, "#copy-pem")
    def _copy(self, event: Button.Pressed) -> None:
        event.stop()
        if self.pem:
            self.app.copy_to_clipboard(self.pem)
            self.notify("Public key copied (PEM)", markup=False)
