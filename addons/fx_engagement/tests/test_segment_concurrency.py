import psycopg2

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase


class TestSegmentRace(TransactionCase):
    def test_refresh_racing_a_push_both_succeed(self):
        """A push's refresh of its traders and the cron's full refresh add the
        same member at once: the later one gets a serialization failure (Odoo
        retries the call), never a unique violation that flags the segment as
        broken; after the retry there is one membership, opened once."""
        db = self.env.cr.dbname
        with (
            sql_db.db_connect(db).cursor() as cr_a,
            sql_db.db_connect(db).cursor() as cr_b,
        ):
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            trader = env_b["res.partner"].create(
                {"name": "Race Trader", "fx_is_trader": True}
            )
            segment = env_b["fx.segment"].create(
                {
                    "name": "Race",
                    "domain": f"[('id', '=', {trader.id})]",
                    "refresh_policy": "on_change",
                }
            )
            cr_b.commit()  # pylint: disable=invalid-commit
            try:
                cr_a.execute("SELECT 1 FROM fx_segment LIMIT 1")  # A's snapshot
                # B: the push's refresh for the trader it touched, committed
                env_b["fx.segment"]._fx_refresh_for_partners([trader.id])
                cr_b.commit()  # pylint: disable=invalid-commit
                # A: the cron's refresh, from an older snapshot
                segment_a = env_a["fx.segment"].browse(segment.id)
                with self.assertRaises(psycopg2.errors.SerializationFailure):
                    segment_a._fx_refresh_isolated()
                cr_a.rollback()
                # Odoo's retry: nothing left to add, the segment is healthy
                [result] = segment_a._fx_refresh_isolated()
                self.assertEqual(result["entered"], 0)
                self.assertEqual(result["members"], 1)
                cr_a.commit()  # pylint: disable=invalid-commit
                segment_a.invalidate_recordset()
                self.assertFalse(segment_a.is_broken)
                self.assertEqual(segment_a.member_ids.ids, [trader.id])
                memberships = env_a["fx.segment.membership"].search(
                    [("segment_id", "=", segment.id)]
                )
                self.assertEqual(len(memberships), 1)
                self.assertFalse(memberships.date_left)
            finally:
                cr_a.rollback()
                cr_b.rollback()
                cr_b.execute("DELETE FROM fx_segment WHERE id = %s", [segment.id])
                cr_b.execute("DELETE FROM res_partner WHERE id = %s", [trader.id])
                cr_b.commit()  # pylint: disable=invalid-commit
