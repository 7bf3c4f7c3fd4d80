from odoo.tests import TransactionCase


class TestSegmentExport(TransactionCase):
    """The mailing list a segment keeps is written in SQL (tools.sync_mailing_list):
    Odoo's own mass-mailing behaviour must hold on it as on a list filled by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"].with_context(tracking_disable=True)
        cls.ann, cls.bob, cls.cem, cls.dia = Partner.create(
            [
                {
                    "name": n,
                    "email": f"{n.lower()}@export.example",
                    "fx_is_trader": True,
                }
                for n in ("Ann", "Bob", "Cem", "Dia")
            ]
        )
        # two traders sharing one address are one subscriber
        cls.ann2 = Partner.create(
            {"name": "Ann (2)", "email": "ANN@export.example", "fx_is_trader": True}
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "Export"})
        members = cls.ann | cls.ann2 | cls.bob | cls.cem
        cls.segment = cls.env["fx.segment"].create(
            {
                "name": "Export",
                "domain": f"[('id', 'in', {members.ids})]",
                "tag_id": cls.tag.id,
            }
        )
        cls.segment.action_create_mailing_list()
        cls.segment.action_refresh()
        cls.mailing_list = cls.segment.mailing_list_id

    def test_counters_blacklist_and_opt_out_hold(self):
        lst = self.mailing_list
        self.assertEqual(lst.contact_count, 3)
        self.assertEqual(
            sorted(lst.contact_ids.mapped("email_normalized")),
            ["ann@export.example", "bob@export.example", "cem@export.example"],
        )
        # the blacklist applies through the normalized e-mail
        self.env["mail.blacklist"]._add("bob@export.example")
        cem = lst.subscription_ids.filtered(
            lambda s: s.contact_id.email_normalized == "cem@export.example"
        )
        cem.opt_out = True
        lst.invalidate_recordset()
        self.assertEqual(lst.contact_count_blacklisted, 1)
        self.assertEqual(lst.contact_count_opt_out, 1)
        self.assertTrue(
            lst.contact_ids.filtered(
                lambda c: c.email == "bob@export.example"
            ).is_blacklisted
        )
        # mass mailing's opt-out list names the subscriber who opted out
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Export",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": self.env.ref("mass_mailing.model_mailing_list").id,
                "contact_list_ids": [(6, 0, lst.ids)],
            }
        )
        self.assertEqual(mailing._get_opt_out_list(), {"cem@export.example"})
        # the opt-out survives the next refresh; a member who leaves is removed
        self.segment.write({"domain": f"[('id', 'in', {(self.ann | self.cem).ids})]"})
        self.segment.action_refresh()
        lst.invalidate_recordset()
        self.assertEqual(
            sorted(
                (s.contact_id.email_normalized, s.opt_out) for s in lst.subscription_ids
            ),
            [("ann@export.example", False), ("cem@export.example", True)],
        )
        self.assertEqual(lst.contact_count, 2)

    def test_tag_written_through_the_orm(self):
        members = self.ann | self.ann2 | self.bob | self.cem
        self.assertEqual(self.tag.partner_ids, members)
        self.assertIn(self.tag, self.bob.category_id)
        # a tag given by hand to a non-member is taken back at the next refresh
        # (the tag is the segment's), a member who leaves loses it
        self.dia.category_id = [(4, self.tag.id)]
        self.segment.write({"domain": f"[('id', 'in', {self.ann.ids})]"})
        self.segment.action_refresh()
        self.assertEqual(self.tag.partner_ids, self.ann)
        self.assertNotIn(self.tag, self.bob.category_id)
