"""Import key material into a key of origin EXTERNAL, as AWS's console walks it:

1. choose the wrapping algorithm and wrapping key spec (only those GetParametersForImport
   takes for the key's spec), and download the wrapping public key and the import
   token to files (0600, the paths shown);
2. wrap the material with that public key outside kmstui, then import the wrapped
   material from its file with ImportKeyMaterial (expiring at ValidTo, or not).

The dialog also deletes the key's imported material (DeleteImportedKeyMaterial, after
confirmation). Refusals are shown as AWS names them, over the dialog, which stays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from kmstui.model.wrapping import (
    EXPIRATION_MODELS,
    WRAPPING_ALGORITHMS,
    WRAPPING_KEY_SPECS,
    wrapping_refusal,
)
from kmstui.store.storage import atomic_write_bytes
from kmstui.ui.dialogs.base import Dialog
from kmstui.ui.format import date, plain
from kmstui.ui.host import InConsole

DAY = 86400.0
# ImportKeyMaterial's ImportType: left out, KMS takes new material for a key that never
# had any and the same material again after.
IMPORT_TYPE_CHOICES = [
    ("KMS decides: first or the same material", ""),
    ("NEW_KEY_MATERIAL: rotate to it on demand", "NEW_KEY_MATERIAL"),
    ("EXISTING_KEY_MATERIAL: the same again", "EXISTING_KEY_MATERIAL"),
]


def wrapping_algorithms(spec: str) -> list[str]:
    """The wrapping algorithms GetParametersForImport takes for a key of ``spec``."""
    return [a for a in WRAPPING_ALGORITHMS if wrapping_key_specs(spec, a)]


def wrapping_key_specs(spec: str, algorithm: str) -> list[str]:
    """The wrapping key specs it takes with ``algorithm`` for a key of ``spec``."""
    return [w for w in WRAPPING_KEY_SPECS if wrapping_refusal(spec, algorithm, w) is None]


def parameter_files(folder: Path, key_id: str) -> tuple[Path, Path]:
    """Where the wrapping public key and the import token are written."""
    return folder / f"WrappingPublicKey-{key_id}.bin", folder / f"ImportToken-{key_id}.bin"


def download_parameters(call, key_id: str, algorithm: str, wrapping_spec: str, folder: Path):
    """GetParametersForImport, its PublicKey (DER) and ImportToken written to files
    readable by their owner only: (public key path, token path, ParametersValidTo)."""
    response = call(
        "GetParametersForImport",
        {"KeyId": key_id, "WrappingAlgorithm": algorithm, "WrappingKeySpec": wrapping_spec},
    )
    public_path, token_path = parameter_files(folder, key_id)
    atomic_write_bytes(public_path, response["PublicKey"], 0o600)
    atomic_write_bytes(token_path, response["ImportToken"], 0o600)
    return public_path, token_path, response["ParametersValidTo"]


def parse_valid_to(text: str) -> float:
    """``2027-01-15`` or ``2027-01-15 08:00`` (UTC) as epoch seconds; ValueError says
    what is expected."""
    text = text.strip()
    for layout in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise ValueError(f"ValidTo: write a UTC date as 2027-01-15 or 2027-01-15 08:00, not {text!r}")


def read_file(label: str, text: str) -> bytes:
    path = Path(text.strip()).expanduser()
    if not text.strip():
        raise ValueError(f"{label}: name a file.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{label}: cannot read {path}: {exc.strerror or exc}") from None


class ImportMaterialScreen(InConsole, Dialog[dict]):
    """Dismisses with ImportKeyMaterial's or DeleteImportedKeyMaterial's response."""

    DEFAULT_CSS = """
    ImportMaterialScreen #import-form { height: auto; }
    /* 24 rows: the form scrolls so its buttons stay on screen */
    ImportMaterialScreen.-short #import-form { height: 14; }
    ImportMaterialScreen Grid {
        layout: grid;
        grid-size: 2;
        grid-columns: 19 1fr;
        grid-rows: auto;
        grid-gutter: 0 1;
        height: auto;
    }
    ImportMaterialScreen Grid Label { color: $text-muted; }
    ImportMaterialScreen .step { text-style: bold; }
    ImportMaterialScreen #downloaded { color: $text-muted; height: auto; margin-bottom: 1; }
    ImportMaterialScreen Select { width: 1fr; }
    ImportMaterialScreen .download-row { height: 1; align-horizontal: right; }
    """

    def __init__(self, metadata: dict, folder: Path, now: float):
        super().__init__()
        self.metadata = metadata
        self.key_id = metadata["KeyId"]
        self.spec = metadata["KeySpec"]
        self.folder = folder
        self.now = now
        # new material for rotation: single-Region symmetric keys only
        self.takes_new_material = self.spec == "SYMMETRIC_DEFAULT" and not metadata.get(
            "MultiRegion"
        )

    def compose(self) -> ComposeResult:
        algorithms = wrapping_algorithms(self.spec)
        has_material = self.metadata.get("KeyState") != "PendingImport"
        with Vertical(classes="box wide"):
            yield Label(plain(f"Import key material into {self.key_id}"), classes="dialog-title")
            with VerticalScroll(id="import-form"):
                yield Label(
                    plain(f"1. Wrapping public key and import token for {self.spec}"),
                    classes="step",
                )
                with Grid():
                    yield Label("Wrapping algorithm")
                    yield Select(
                        [(a, a) for a in algorithms],
                        allow_blank=False,
                        compact=True,
                        id="wrapping-algorithm",
                    )
                    yield Label("Wrapping key spec")
                    specs = wrapping_key_specs(self.spec, algorithms[0])
                    yield Select(
                        [(w, w) for w in specs], allow_blank=False, compact=True, id="wrapping-spec"
                    )
                    yield Label("Save them in")
                    yield Input(str(self.folder), compact=True, id="folder")
                with Horizontal(classes="download-row"):
                    yield Button("Download", compact=True, id="download")
                yield Static("Not downloaded yet.", id="downloaded")
                yield Label("2. Wrapped key material", classes="step")
                with Grid():
                    yield Label("Material file")
                    yield Input(compact=True, id="material", placeholder="EncryptedKeyMaterial.bin")
                    yield Label("Import token file")
                    yield Input(compact=True, id="token", placeholder="from step 1")
                    if self.takes_new_material:
                        yield Label("Import type")
                        yield Select(
                            IMPORT_TYPE_CHOICES, allow_blank=False, compact=True, id="import-type"
                        )
                    yield Label("Expiration")
                    yield Select(
                        [(m, m) for m in reversed(EXPIRATION_MODELS)],
                        allow_blank=False,
                        compact=True,
                        id="expiration",
                    )
                    yield Label("ValidTo (UTC)")
                    yield Input(
                        date(self.now + 365 * DAY), compact=True, id="valid-to", disabled=True
                    )
                yield Static("", id="problem", classes="problem")
            with Horizontal(classes="buttons"):
                if has_material:
                    yield Button("Delete material", id="delete", variant="error")
                yield Button("Cancel", id="cancel")
                yield Button("Import", id="import", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#wrapping-algorithm", Select).focus()

    def _select(self, name: str) -> str:
        return str(self.query_one(f"#{name}", Select).value)

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(plain(f"✕ {text}" if text else ""))

    @on(Select.Changed, "#wrapping-algorithm")
    def _algorithm_changed(self) -> None:
        specs = wrapping_key_specs(self.spec, self._select("wrapping-algorithm"))
        select = self.query_one("#wrapping-spec", Select)
        current = self._select("wrapping-spec")
        select.set_options([(w, w) for w in specs])
        select.value = current if current in specs else specs[0]

    @on(Select.Changed, "#expiration")
    def _expiration_changed(self) -> None:
        expires = self._select("expiration") == "KEY_MATERIAL_EXPIRES"
        self.query_one("#valid-to", Input).disabled = not expires

    # -- step 1 -----------------------------------------------------------------------
    @on(Button.Pressed, "#download")
    def download(self) -> None:
        folder = Path(self._text("folder").strip() or ".").expanduser()
        if not folder.is_dir():
            self._problem(f"Save them in: {folder} is not a folder.")
            return
        self._problem("")
        key, algorithm, spec = (
            self.key_id,
            self._select("wrapping-algorithm"),
            self._select("wrapping-spec"),
        )
        self.app.perform(
            "GetParametersForImport",
            lambda call: download_parameters(call, key, algorithm, spec, folder),
            then=self._downloaded,
        )

    def _downloaded(self, result: tuple[Path, Path, float]) -> None:
        public_path, token_path, valid_to = result
        self.query_one("#downloaded", Static).update(
            plain(
                f"Wrapping public key (DER): {public_path}\nImport token: {token_path}\n"
                f"Both 0600; valid until {date(valid_to)} UTC. Wrap the material with the "
                "public key, then import it."
            )
        )
        self.query_one("#token", Input).value = str(token_path)
        self.query_one("#material", Input).focus()

    # -- step 2 -----------------------------------------------------------------------
    def import_params(self) -> dict[str, Any]:
        """The ImportKeyMaterial request from the form; ValueError names the bad field."""
        params: dict[str, Any] = {
            "KeyId": self.key_id,
            "EncryptedKeyMaterial": read_file("Material file", self._text("material")),
            "ImportToken": read_file("Import token file", self._text("token")),
            "ExpirationModel": self._select("expiration"),
        }
        if params["ExpirationModel"] == "KEY_MATERIAL_EXPIRES":
            params["ValidTo"] = parse_valid_to(self._text("valid-to"))
        if self.takes_new_material and self._select("import-type"):
            params["ImportType"] = self._select("import-type")
        return params

    @on(Button.Pressed, "#import")
    @on(Input.Submitted, "#material, #token, #valid-to")
    def import_material(self) -> None:
        try:
            params = self.import_params()
        except ValueError as exc:
            self._problem(str(exc))
            return
        self._problem("")
        self.app.perform(
            "ImportKeyMaterial",
            lambda call: call("ImportKeyMaterial", params),
            then=self.closed,
            success=f"Key material imported into {self.key_id}",
        )

    @on(Input.Submitted, "#folder")
    def _folder_submitted(self) -> None:
        self.download()

    @on(Button.Pressed, "#delete")
    def delete_material(self) -> None:
        from kmstui.ui.dialogs.confirm import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.submit(
                    "DeleteImportedKeyMaterial",
                    {"KeyId": self.key_id},
                    then=self.closed,
                    success=f"Imported key material deleted from {self.key_id}",
                )

        self.app.push_screen(
            ConfirmScreen(
                "Delete the imported key material?",
                f"{self.key_id} becomes PendingImport: every cryptographic operation with "
                "it fails until the same material is imported again.",
                confirm="Delete",
            ),
            confirmed,
        )

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
