"""18.0.1.2.0: the compliance audit trail keeps its references without foreign
keys, but the client's (fx_compliance_audit.TrailReference): drop those
constraints, their reflection, and the campaign index the (campaign, date)
index makes redundant."""

from odoo.tools import SQL

DETACHED = ("rule_set_id", "campaign_id", "step_id", "mailing_id", "user_id")


def migrate(cr, version):
    cr.execute(
        SQL(
            """
            SELECT c.conname
              FROM pg_constraint c
              JOIN pg_attribute a ON a.attrelid = c.conrelid
                                 AND a.attnum = c.conkey[1]
             WHERE c.conrelid = 'fx_compliance_audit'::regclass
               AND c.contype = 'f' AND a.attname = ANY(%s)
            """,
            list(DETACHED),
        )
    )
    names = [row[0] for row in cr.fetchall()]
    for name in names:
        cr.execute(
            SQL(
                "ALTER TABLE fx_compliance_audit DROP CONSTRAINT %s",
                SQL.identifier(name),
            )
        )
    if names:
        cr.execute(
            SQL("DELETE FROM ir_model_constraint WHERE name = ANY(%s)", names)
        )
    cr.execute("DROP INDEX IF EXISTS fx_compliance_audit__campaign_id_index")
