"""Arabic: every label of fx_engagement's fields and views is translated, and the
language is right to left (the browser side: test_ui_tours, Arabic tour).

The labels checked are those of the committed template (i18n/fx_engagement.pot):
labels added later (by other work on fx_engagement) wait for the next export and
translation pass. FXCRM_I18N_STRICT=1 also fails on terms of the code missing from
the template: run it so for that pass (README, Arabic and right-to-left).
"""

import io
import os
import pathlib
import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

ARABIC = "ar_001"
LETTERS = re.compile(r"[A-Za-z]{2,}")
ARABIC_LETTERS = re.compile(r"[\u0600-\u06ff]")
# terms that stay as they are in Arabic (names, codes, symbols)
KEEP = {
    "cTrader",
    "WhatsApp",
    "FX Demo Book (demo data generator)",
}


TAGS = re.compile(r"<[^>]+>")
I18N = pathlib.Path(__file__).parent.parent / "i18n"
TEMPLATE = {entry.msgid for entry in polib.pofile(str(I18N / "fx_engagement.pot"))}


def untranslated(english, arabic):
    """A term still in English: it has Latin words (outside markup) and no
    Arabic letter."""
    return (
        english in TEMPLATE
        and bool(LETTERS.search(TAGS.sub("", english)))
        and not ARABIC_LETTERS.search(arabic or "")
    )


@tagged("post_install", "-at_install")
class TestArabic(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(ARABIC)
        cls.env["ir.module.module"]._load_module_terms(
            ["fx_engagement"], [ARABIC], overwrite=True
        )
        cls.ar = cls.env(context={"lang": ARABIC})

    def test_right_to_left(self):
        self.assertEqual(self.env["res.lang"]._lang_get(ARABIC).direction, "rtl")

    def test_field_labels_translated(self):
        fields = self.env["ir.model.fields"].search(
            [("modules", "ilike", "fx_engagement")]
        )
        fields = fields.filtered(
            lambda f: "fx_engagement" in f.modules.split(", ")
            and f.model in self.env
            and f.name in self.env[f.model]._fields
        )
        self.assertGreater(len(fields), 300)
        # selection values fx_engagement defines (other addons add their own)
        own_values = set(
            self.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "fx_engagement"),
                    ("model", "=", "ir.model.fields.selection"),
                ]
            )
            .mapped("res_id")
        )
        left = []
        for field in fields:
            model = self.env[field.model]
            english = model.fields_get([field.name], ["string", "help", "selection"])
            arabic = self.ar[field.model].fields_get(
                [field.name], ["string", "help", "selection"]
            )
            english, arabic = english[field.name], arabic[field.name]
            pairs = [(english["string"], arabic["string"])]
            if english.get("help") and field.help:
                pairs.append((english["help"], arabic.get("help")))
            if field.ttype == "selection" and field.selection_ids:
                own = {s.value for s in field.selection_ids if s.id in own_values}
                pairs += [
                    (en, ar)
                    for (value, en), (_v, ar) in zip(
                        english.get("selection") or [],
                        arabic.get("selection") or [],
                        strict=True,
                    )
                    if value in own
                ]
            left += [
                f"{field.model}.{field.name}: {en}"
                for en, ar in pairs
                if en not in KEEP and untranslated(en, ar)
            ]
        self.assertEqual(left, [])

    def test_view_labels_translated(self):
        views = self.env["ir.ui.view"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "fx_engagement"), ("model", "=", "ir.ui.view")])
            .mapped("res_id")
        )
        self.assertGreater(len(views), 30)
        terms = self.env["ir.ui.view"]._fields["arch_db"].get_trans_terms
        left = []
        for view in views:
            english = terms(view.arch_db)
            arabic = terms(view.with_context(lang=ARABIC).arch_db)
            self.assertEqual(len(english), len(arabic), view.xml_id)
            left += [
                f"{view.xml_id}: {en}"
                for en, ar in zip(english, arabic, strict=True)
                if en not in KEEP and untranslated(en, ar)
            ]
        self.assertEqual(left, [])

    def test_trader_form_in_arabic(self):
        arch = self.ar["res.partner"].get_view(
            self.env.ref("base.view_partner_form").id, "form"
        )["arch"]
        for label in ("التداول", "دورة الحياة", "صافي الإيداعات", "سجل المراحل"):
            self.assertIn(label, arch)
        self.assertEqual(
            self.ar["res.partner"].fields_get(["fx_churn_risk"])["fx_churn_risk"][
                "string"
            ],
            "خطر فقدان العميل",
        )
        partner = self.ar["res.partner"].create({"name": "X", "fx_is_trader": True})
        partner.sudo().fx_churn_factors = [
            {
                "code": "withdrawals",
                "points": 10,
                "detail": "withdrew 300.00 against 625.00 deposited in 90 days",
                "args": {"withdrawn": 300.0, "deposited": 9000.0},
            }
        ]
        self.assertIn(
            "سحب 300.00 مقابل إيداع 9,000.00 خلال 90 يوماً", partner.fx_churn_explanation
        )

    def test_po_files_complete(self):
        """The Arabic file translates every term of the template."""
        arabic = {e.msgid: e.msgstr for e in polib.pofile(str(I18N / "ar.po"))}
        self.assertGreater(len(TEMPLATE), 800)
        self.assertEqual(
            sorted(t for t in TEMPLATE if not arabic.get(t)), [], "untranslated terms"
        )

    def test_template_current(self):
        """The template holds every term of the code (exported now): strict
        mode only (the translation pass), see the module docstring."""
        buffer = io.BytesIO()
        trans_export(False, ["fx_engagement"], buffer, "po", self.env.cr)
        current = {entry.msgid for entry in polib.pofile(buffer.getvalue().decode())}
        missing = sorted(current - TEMPLATE)
        if missing and not os.environ.get("FXCRM_I18N_STRICT"):
            self.skipTest(f"{len(missing)} terms wait for the next translation pass")
        self.assertEqual(missing, [], "terms missing in the .pot")
