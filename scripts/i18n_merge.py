"""Rebuild an addon's <lang>.po from its freshly exported .pot, keeping the
translations already made (by msgid) and adding the given new ones.

    python scripts/i18n_merge.py addons/fx_engagement/i18n ar [extra.json]

Untranslated entries are listed on stdout (and kept with an empty msgstr)."""

import json
import pathlib
import sys

import polib


def main(folder, lang, extra=None):
    folder = pathlib.Path(folder)
    [pot_path] = folder.glob("*.pot")
    po_path = folder / f"{lang}.po"
    known = {e.msgid: e.msgstr for e in polib.pofile(str(po_path)) if e.msgstr}
    if extra:
        known.update(json.loads(pathlib.Path(extra).read_text()))
    old_metadata = polib.pofile(str(po_path)).metadata
    pot = polib.pofile(str(pot_path))
    pot.metadata["Language"] = old_metadata.get("Language", lang)
    pot.metadata["Plural-Forms"] = old_metadata.get("Plural-Forms", "")
    for entry in pot:
        entry.msgstr = known.get(entry.msgid, "")
        if not entry.msgstr:
            print("untranslated:", entry.msgid)
    pot.save(str(po_path))


if __name__ == "__main__":
    main(*sys.argv[1:])
