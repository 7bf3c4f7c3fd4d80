"""The API of the trading platform's bridge: pull the queued copy orders and
fee lines, acknowledge them. docs/SOCIAL_TRADING.md#bridge-api"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

DEFAULT_PULL_LIMIT = 1000
MAX_PULL_LIMIT = 10000


class FxCopyBridge(models.AbstractModel):
    _name = "fx.copy.bridge"
    _description = "Copy Trading Bridge API"

    # ------------------------------------------------------------ public API
    @api.model
    def pull_orders(self, limit=DEFAULT_PULL_LIMIT):
        """The pending copy orders, oldest first (an order stays pending,
        and is pulled again, until acknowledged)."""
        self._check_caller()
        limit = self._check_limit(limit)
        orders = (
            self.env["fx.copy.order"]
            .sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("company_id", "in", self.env.user.company_ids.ids),
                ],
                order="id",
                limit=limit,
            )
        )
        return [
            {
                "id": order.id,
                "action": order.action,
                "platform": order.account_id.platform,
                "server": order.account_id.server,
                "login": order.account_id.login,
                "symbol": order.symbol,
                "side": order.side,
                "volume": order.volume,
                "provider_ticket": order.provider_ticket,
                "open_order_id": order.open_order_id.id or False,
                "open_ticket": order.open_order_id.ticket or False,
            }
            for order in orders
        ]

    @api.model
    def ack_orders(self, records):
        """Acknowledge orders: ``[{"id": n, "status": "executed", "price": p,
        "ticket": "..."} | {"id": n, "status": "rejected", "reason": "..."}]``.
        The whole batch is checked first; nothing is written when a record is
        wrong. Re-sending an acknowledgement is harmless."""
        self._check_caller()
        Order = self.env["fx.copy.order"].sudo()
        errors = []
        records = self._check_records(records, errors)
        ids = [r["id"] for r in records if isinstance(r.get("id"), int)]
        orders = {
            o.id: o
            for o in Order.browse(ids).exists()
            if o.company_id in self.env.user.company_ids
        }
        seen = set()
        for index, rec in enumerate(records):
            order = orders.get(rec.get("id"))
            status = rec.get("status")
            if order is None:
                errors.append(f"[{index}] id: unknown copy order {rec.get('id')!r}")
                continue
            if order.id in seen:
                errors.append(f"[{index}] id: order {order.id} twice in the batch")
            seen.add(order.id)
            if status not in ("executed", "rejected"):
                errors.append(
                    f"[{index}] status: 'executed' or 'rejected', not {status!r}"
                )
                continue
            if status == "executed":
                price = rec.get("price")
                if (
                    not isinstance(price, int | float)
                    or isinstance(price, bool)
                    or price <= 0
                ):
                    errors.append(f"[{index}] price: a positive number is required")
                if not isinstance(rec.get("ticket"), str) or not rec["ticket"].strip():
                    errors.append(
                        f"[{index}] ticket: the follower's ticket is required"
                    )
            elif not isinstance(rec.get("reason"), str) or not rec["reason"].strip():
                errors.append(
                    f"[{index}] reason: why the order was rejected is required"
                )
            if order.state not in ("pending", status):
                errors.append(
                    f"[{index}] status: order {order.id} is {order.state} already"
                )
        self._raise_if("ack_orders", errors)
        result = {"executed": 0, "rejected": 0, "unchanged": 0}
        now = fields.Datetime.now()
        for rec in records:
            order = orders[rec["id"]]
            if order.state == rec["status"]:
                result["unchanged"] += 1
                continue
            values = {"state": rec["status"], "acknowledged_at": now}
            if rec["status"] == "executed":
                values.update(executed_price=rec["price"], ticket=rec["ticket"].strip())
            else:
                values["reason"] = rec["reason"].strip()[:256]
            order.write(values)
            result[rec["status"]] += 1
            if rec["status"] == "rejected" and order.action == "open":
                # nothing opened: its close (if queued) has nothing to close
                closes = Order.search(
                    [("open_order_id", "=", order.id), ("state", "=", "pending")]
                )
                closes.write(
                    {
                        "state": "cancelled",
                        "reason": self.env._("Opening order rejected"),
                    }
                )
        return result

    @api.model
    def pull_fees(self, limit=DEFAULT_PULL_LIMIT):
        """The fee lines to charge, oldest first."""
        self._check_caller()
        limit = self._check_limit(limit)
        fees = (
            self.env["fx.copy.fee"]
            .sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("company_id", "in", self.env.user.company_ids.ids),
                ],
                order="id",
                limit=limit,
            )
        )
        return [
            {
                "id": fee.id,
                "type": fee.fee_type,
                "platform": fee.account_id.platform,
                "server": fee.account_id.server,
                "login": fee.account_id.login,
                "amount": fee.amount,
                "currency": fee.currency_id.name,
                "date": fields.Date.to_string(fee.date),
                "period_start": fields.Date.to_string(fee.period_start),
                "period_end": fields.Date.to_string(fee.period_end),
                "provider_ref": fee.provider_id.ref or False,
            }
            for fee in fees
        ]

    @api.model
    def ack_fees(self, records):
        """Acknowledge fee lines: ``[{"id": n, "status": "charged"} | {"id": n,
        "status": "rejected", "reason": "..."}]``, checked as ack_orders."""
        self._check_caller()
        Fee = self.env["fx.copy.fee"].sudo()
        errors = []
        records = self._check_records(records, errors)
        ids = [r["id"] for r in records if isinstance(r.get("id"), int)]
        fees = {
            f.id: f
            for f in Fee.browse(ids).exists()
            if f.company_id in self.env.user.company_ids
        }
        seen = set()
        for index, rec in enumerate(records):
            fee = fees.get(rec.get("id"))
            status = rec.get("status")
            if fee is None:
                errors.append(f"[{index}] id: unknown fee line {rec.get('id')!r}")
                continue
            if fee.id in seen:
                errors.append(f"[{index}] id: fee line {fee.id} twice in the batch")
            seen.add(fee.id)
            if status not in ("charged", "rejected"):
                errors.append(
                    f"[{index}] status: 'charged' or 'rejected', not {status!r}"
                )
                continue
            if status == "rejected" and not (
                isinstance(rec.get("reason"), str) and rec["reason"].strip()
            ):
                errors.append(f"[{index}] reason: why the fee was rejected is required")
            if fee.state not in ("pending", status):
                errors.append(
                    f"[{index}] status: fee line {fee.id} is {fee.state} already"
                )
        self._raise_if("ack_fees", errors)
        result = {"charged": 0, "rejected": 0, "unchanged": 0}
        now = fields.Datetime.now()
        for rec in records:
            fee = fees[rec["id"]]
            if fee.state == rec["status"]:
                result["unchanged"] += 1
                continue
            values = {"state": rec["status"], "acknowledged_at": now}
            if rec["status"] == "rejected":
                values["reason"] = rec["reason"].strip()[:256]
            fee.write(values)
            result[rec["status"]] += 1
        return result

    # ------------------------------------------------------------ helpers
    def _check_caller(self):
        user = self.env.user
        if not (
            self.env.su
            or user.has_group("fx_engagement.group_fx_integration")
            or user.has_group("fx_engagement.group_fx_manager")
        ):
            raise AccessError(
                self.env._(
                    "Only members of the group 'FX Integration' (or FX managers) may "
                    "use the copy trading bridge; user %s is not one.",
                    user.login,
                )
            )

    def _check_limit(self, limit):
        if (
            not isinstance(limit, int)
            or isinstance(limit, bool)
            or not (0 < limit <= MAX_PULL_LIMIT)
        ):
            raise ValidationError(
                self.env._(
                    "limit: a whole number from 1 to %(max)s, not %(value)r",
                    max=MAX_PULL_LIMIT,
                    value=limit,
                )
            )
        return limit

    def _check_records(self, records, errors):
        if not isinstance(records, list | tuple) or not records:
            errors.append("records: a non-empty list of records is required")
            self._raise_if("acknowledgement", errors)
        if len(records) > MAX_PULL_LIMIT:
            errors.append(f"records: at most {MAX_PULL_LIMIT} per call")
        for index, rec in enumerate(records):
            if not isinstance(rec, dict):
                errors.append(f"[{index}]: a record (a dict) is required")
            elif not isinstance(rec.get("id"), int) or isinstance(rec.get("id"), bool):
                errors.append(f"[{index}] id: a whole number is required")
        return [rec if isinstance(rec, dict) else {} for rec in records]

    def _raise_if(self, method, errors):
        if errors:
            raise ValidationError(
                self.env._(
                    "%(method)s refused, nothing was written:\n%(errors)s",
                    method=method,
                    errors="\n".join(errors),
                )
            )
