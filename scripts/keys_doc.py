"""Write docs/keys.md, the console's one table of keys, from its bindings."""

from __future__ import annotations

from pathlib import Path

from kmstui.ui.keys import keys_markdown

TARGET = Path(__file__).resolve().parent.parent / "docs" / "keys.md"


def main() -> None:
    TARGET.write_text(keys_markdown(), encoding="utf-8")
    print(TARGET)


if __name__ == "__main__":
    main()
