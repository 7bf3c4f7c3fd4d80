"""The faster XML-RPC decoder gives what Odoo's standard one gives, or steps aside;
and the sync API's calls go through it over HTTP."""

import random
import unittest
import xmlrpc.client
from unittest.mock import patch

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.fx_engagement.lib import rpc_decode
from odoo.addons.fx_engagement.lib.rpc_decode import Unsupported, loads

CALL = """<?xml version="1.0"?>
<methodCall><methodName>execute_kw</methodName><params>{}</params></methodCall>"""


def standard(data):
    return xmlrpc.client.loads(data, use_datetime=True)


def call(*values):
    params = "".join(f"<param>{v}</param>" for v in values)
    return CALL.format(params).encode()


class TestRpcDecode(unittest.TestCase):
    def assertSame(self, data):
        self.assertEqual(loads(data), standard(data))
        return loads(data)

    def test_values_a_client_sends(self):
        params = (
            "db",
            2,
            "0123456789abcdef",
            "fx.sync",
            "push_trades",
            [
                [
                    {
                        "login": "1001",
                        "ticket": 2147483647,
                        "volume": 0.1,
                        "profit": -1234.5e-3,
                        "swap": 0.0,
                        "flag": True,
                        "off": False,
                        "none": None,
                        "comment": "Ünïcødé & <tags> ]]> \"quoted\" 'single' \t tab",
                        "empty": "",
                        "nested": {"list": [], "dict": {}, "mixed": [1, "a", [2.5]]},
                    }
                ]
            ],
            {"context": {"tz": "UTC"}},
        )
        data = xmlrpc.client.dumps(params, "execute_kw", allow_none=True).encode()
        decoded, method = self.assertSame(data)
        self.assertEqual(method, "execute_kw")
        self.assertEqual(decoded[5][0][0]["ticket"], 2147483647)
        self.assertIsNone(decoded[5][0][0]["none"])

    def test_random_documents_decode_as_the_standard_decoder(self):
        rng = random.Random(7)
        alphabet = "aZ09 <>&'\"\t\n\u00e9\u4e2d\U0001f600]]>"

        def random_text():
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(8)))

        def random_value(depth):
            kind = rng.choice(
                ["str", "int", "float", "bool", "none", "list", "dict"][
                    : 7 if depth < 4 else 5
                ]
            )
            if kind == "str":
                return random_text()
            if kind == "int":
                return rng.randint(-(2**31), 2**31 - 1)
            if kind == "float":
                return rng.choice([0.0, -0.0, 1e-300, 1e300, rng.uniform(-1e6, 1e6)])
            if kind == "bool":
                return rng.random() < 0.5
            if kind == "none":
                return None
            if kind == "list":
                return [random_value(depth + 1) for _ in range(rng.randrange(4))]
            return {
                f"k{i}" + random_text(): random_value(depth + 1)
                for i in range(rng.randrange(4))
            }

        for _ in range(300):
            params = tuple(random_value(0) for _ in range(rng.randrange(1, 4)))
            data = xmlrpc.client.dumps(params, "m", allow_none=True).encode()
            self.assertSame(data)

    def test_other_spellings_of_the_same_values(self):
        pretty = call(
            "\n  <value>\n    <struct>\n      <member>\n        <name>a</name>\n"
            "        <value><i4> 7 </i4></value>\n      </member>\n"
            "      <member><name/><value><i8>-9</i8></value></member>\n"
            "    </struct>\n  </value>\n",
            "<value>untyped text</value>",
            "<value/>",
            "<value><string/></value>",
            "<value><string>a<![CDATA[<b>&]]>c &#x1F600; &amp;</string></value>",
            "<value><double>1e3</double></value>",
            "<value><boolean>1</boolean></value>",
            "<value><array><data>\n</data></array></value>",
            "<value><!-- ignored --><string>a<!-- split -->b</string></value>",
            "<value><struct><?pi x?><member><name>k</name><value>v</value></member>"
            "</struct></value>",
        )
        decoded, _method = self.assertSame(pretty)
        self.assertEqual(decoded[0], {"a": 7, "": -9})
        self.assertEqual(decoded[4], "a<b>&c \U0001f600 &")
        self.assertEqual(decoded[8:], ("ab", {"k": "v"}))

    def test_steps_aside_for_what_it_does_not_handle(self):
        cases = {
            "a date": "<value><dateTime.iso8601>20261124T10:00:00</dateTime.iso8601>"
            "</value>",
            "base64": "<value><base64>aGVsbG8=</base64></value>",
            "a namespaced nil": "<value><ex:nil xmlns:ex='urn:x'/></value>",
            "a bad boolean": "<value><boolean>yes</boolean></value>",
            "mixed content": "<value><string>a<b/>c</string></value>",
            "two types in a value": "<value><int>1</int><int>2</int></value>",
            "an empty int": "<value><int/></value>",
            "a member with three parts": "<value><struct><member><name>a</name>"
            "<value>1</value><value>2</value></member></struct></value>",
            "value and name swapped": "<value><struct><member><value>1</value>"
            "<name>a</name></member></struct></value>",
            "an array without data": "<value><array><value>1</value></array></value>",
            "an unknown type": "<value><float8>1</float8></value>",
            "a member without name": "<value><struct><member><value>1</value>"
            "</member></struct></value>",
        }
        for label, value in cases.items():
            with self.subTest(label), self.assertRaises(Unsupported):
                loads(call(value))
        entity = (
            b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "boom">]>'
            b"<methodCall><methodName>&e;</methodName></methodCall>"
        )
        for label, data in {
            "a DTD": entity,
            "malformed XML": b"<methodCall><methodName>x</methodCall>",
            "a response": b"<methodResponse><params/></methodResponse>",
            "no method name": b"<methodCall/>",
        }.items():
            with self.subTest(label), self.assertRaises(Unsupported):
                loads(data)


@tagged("post_install", "-at_install")
class TestSyncOverXmlRpc(HttpCase):
    def test_sync_calls_decoded_fast_with_standard_behaviour(self):
        user = new_test_user(
            self.env,
            login="fx_rpc_bridge",
            password="fx_rpc_bridge_pw",
            groups="base.group_user,fx_engagement.group_fx_integration",
        )
        proxy = self.xmlrpc_object  # Odoo's test client, on the test's transaction
        db = self.env.cr.dbname
        account = {
            "platform": "mt5",
            "server": "RPC",
            "login": "501",
            "client_ref": "RPC501",
            "currency": "USD",
        }
        # a spy on our decoder (not a mock: it runs) shows the call went through it
        with patch.object(rpc_decode, "loads", wraps=rpc_decode.loads) as spy:
            self.assertEqual(
                proxy.execute_kw(
                    db,
                    user.id,
                    "fx_rpc_bridge_pw",
                    "fx.sync",
                    "push_accounts",
                    [[account]],
                ),
                {"created": 1, "updated": 0, "unchanged": 0},
            )
            # other models keep Odoo's own decoder
            proxy.execute_kw(
                db, user.id, "fx_rpc_bridge_pw", "res.partner", "search", [[]]
            )
        self.assertEqual(spy.call_count, 1)
        trade = {
            "platform": "mt5",
            "server": "RPC",
            "login": 501,
            "ticket": 1,
            "symbol": "eurusd",
            "side": "buy",
            "volume": 0.5,
            "open_time": "2026-11-20T10:00:00Z",
            "comment": "Ünïcødé & <ok>",
        }
        self.assertEqual(
            proxy.execute_kw(
                db, user.id, "fx_rpc_bridge_pw", "fx.sync", "push_trades", [[trade]]
            ),
            {"created": 1, "updated": 0, "unchanged": 0},
        )
        pushed = self.env["fx.trade"].search([("ticket", "=", "1")])
        self.assertRecordValues(
            pushed, [{"symbol": "EURUSD", "volume": 0.5, "comment": "Ünïcødé & <ok>"}]
        )
        # a date-time value: Odoo's own decoder takes over, the API refuses it
        dated = dict(
            trade, ticket=2, open_time=xmlrpc.client.DateTime("20261120T10:00:00")
        )
        with self.assertRaisesRegex(
            xmlrpc.client.Fault, "record 0, field 'open_time': expected an ISO 8601"
        ):
            proxy.execute_kw(
                db, user.id, "fx_rpc_bridge_pw", "fx.sync", "push_trades", [[dated]]
            )
        # a wrong password is refused as before
        with self.assertRaisesRegex(xmlrpc.client.Fault, "Access Denied"):
            proxy.execute_kw(db, user.id, "wrong", "fx.sync", "push_trades", [[trade]])
        # a plain internal user is refused
        plain = new_test_user(
            self.env, login="fx_rpc_plain", password="fx_rpc_plain_pw"
        )
        with self.assertRaisesRegex(xmlrpc.client.Fault, "FX Integration"):
            proxy.execute_kw(
                db, plain.id, "fx_rpc_plain_pw", "fx.sync", "push_trades", [[trade]]
            )
