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
            for order in self._pending("fx.copy.order", limit)
        ]

    @api.model
    def ack_orders(self, records):
        """Acknowledge orders: ``[{"id": n, "status": "executed", "price": p,
        "ticket": "..."} | {"id": n, "status": "rejected", "reason": "..."}]``.
        The whole batch is checked first; nothing is written when a record is
        wrong. Re-sending an acknowledgement is harmless."""
        result, changed = self._acknowledge(
            "ack_orders",
            "fx.copy.order",
            "copy order",
            records,
            {"executed": _execution_problems, "rejected": None},
        )
        for order, rec in changed:
            if rec["status"] == "rejected" and order.action == "open":
                # nothing opened: its close (if queued) has nothing to close
                closes = order.search(
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
            for fee in self._pending("fx.copy.fee", limit)
        ]

    @api.model
    def ack_fees(self, records):
        """Acknowledge fee lines: ``[{"id": n, "status": "charged"} | {"id": n,
        "status": "rejected", "reason": "..."}]``, checked as ack_orders."""
        result, _changed = self._acknowledge(
            "ack_fees",
            "fx.copy.fee",
            "fee line",
            records,
            {"charged": None, "rejected": None},
        )
        return result

    # ------------------------------------------------------------ helpers
    def _pending(self, model, limit):
        """The pending lines of ``model`` (copy orders, fee lines) of the
        caller's companies, oldest first, for the caller of a pull."""
        self._check_caller()
        limit = self._check_limit(limit)
        return (
            self.env[model]
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

    def _acknowledge(self, method, model, noun, records, statuses):
        """Check then apply a batch of acknowledgements of ``model`` (``noun``
        in the errors): each record names a pending line of the caller's
        companies (once) and a status of ``statuses`` ({status: None or
        function(record) -> [problems]}); a rejection needs its reason.
        Nothing is written when one record is wrong; a line already in that
        status is unchanged. Returns ({status: count, "unchanged": count},
        [(line, record) changed])."""
        self._check_caller()
        Line = self.env[model].sudo()
        errors = []
        records = self._check_records(records, errors)
        ids = [r["id"] for r in records if isinstance(r.get("id"), int)]
        lines = {
            line.id: line
            for line in Line.browse(ids).exists()
            if line.company_id in self.env.user.company_ids
        }
        seen = set()
        for index, rec in enumerate(records):
            line = lines.get(rec.get("id"))
            status = rec.get("status")
            if line is None:
                errors.append(f"[{index}] id: unknown {noun} {rec.get('id')!r}")
                continue
            if line.id in seen:
                errors.append(f"[{index}] id: {noun} {line.id} twice in the batch")
            seen.add(line.id)
            if status not in statuses:
                names = " or ".join(repr(name) for name in statuses)
                errors.append(f"[{index}] status: {names}, not {status!r}")
                continue
            problems = statuses[status](rec) if statuses[status] else []
            if status == "rejected" and not (
                isinstance(rec.get("reason"), str) and rec["reason"].strip()
            ):
                problems.append(f"reason: why the {noun} was rejected is required")
            errors += [f"[{index}] {problem}" for problem in problems]
            if line.state not in ("pending", status):
                errors.append(
                    f"[{index}] status: {noun} {line.id} is {line.state} already"
                )
        self._raise_if(method, errors)
        result = dict.fromkeys((*statuses, "unchanged"), 0)
        changed = []
        now = fields.Datetime.now()
        for rec in records:
            line = lines[rec["id"]]
            if line.state == rec["status"]:
                result["unchanged"] += 1
                continue
            values = {"state": rec["status"], "acknowledged_at": now}
            if rec["status"] == "executed":
                values.update(executed_price=rec["price"], ticket=rec["ticket"].strip())
            elif rec["status"] == "rejected":
                values["reason"] = rec["reason"].strip()[:256]
            line.write(values)
            result[rec["status"]] += 1
            changed.append((line, rec))
        return result, changed

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


def _execution_problems(rec):
    """What is wrong with an "executed" acknowledgement of a copy order."""
    problems = []
    price = rec.get("price")
    if not isinstance(price, int | float) or isinstance(price, bool) or price <= 0:
        problems.append("price: a positive number is required")
    if not isinstance(rec.get("ticket"), str) or not rec["ticket"].strip():
        problems.append("ticket: the follower's ticket is required")
    return problems
