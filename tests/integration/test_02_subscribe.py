"""SUBSCRIBE: event formats (structured/binary), topics, aliases, narrow filters, refusals."""

import datetime
import json
import unittest
import uuid

from harness import (PINGREQ, PT, P_REASON, RFC3339_RE, DroverdTestCase, assert_same_stream, is_uuid)

STRUCTURED_CT = "application/cloudevents+json; charset=utf-8"
CE_ATTRIBUTES = ("specversion", "id", "type", "source", "subject", "time", "application", "device", "sender",
                 "partitionkey", "instance")
DATA_KEYS = {"temperature", "humidity", "targetTemperature", "interval", "sequence"}
DEVICES = {"device-1", "device-2", "device-3"}


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


class SubscribeTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "25")

    def check_event_attributes(self, ev, instance="drover"):
        """ev: dict of CloudEvents attributes (structured JSON or binary user properties)."""
        self.assertEqual(ev["specversion"], "1.0")
        self.assertTrue(is_uuid(ev["id"]), ev["id"])
        self.assertEqual(ev["type"], "io.drogue.event.v1")
        self.assertIn(ev["device"], DEVICES)
        self.assertEqual(ev["source"], "drogue://demo/%s" % ev["device"])
        self.assertEqual(ev["subject"], "state")
        self.assertRegex(ev["time"], RFC3339_RE)
        t = parse_time(ev["time"])
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - t).total_seconds()), 60, "event time %s is not now" % ev["time"])
        self.assertEqual(ev["application"], "demo")
        self.assertEqual(ev["sender"], ev["device"])
        self.assertEqual(ev["partitionkey"], "demo/%s" % ev["device"])
        self.assertEqual(ev["instance"], instance)

    def check_data(self, data):
        self.assertTrue(DATA_KEYS <= set(data), data)
        self.assertTrue(-50 <= data["temperature"] <= 100)
        self.assertIsInstance(data["sequence"], (int, float))

    # ----------------------------------------------------------------- structured

    def test_structured_v5_paho(self):
        c = self.client(version=5)
        codes, _ = c.subscribe("app/demo", qos=1)
        self.assertEqual(codes, [1])
        msgs = c.wait_count(6, timeout=5)
        ids = set()
        for m in msgs:
            self.assertEqual(m.topic, "app/demo")
            self.assertEqual(m.qos, 1)
            self.assertFalse(m.retain)
            self.assertEqual(m.properties.ContentType, STRUCTURED_CT)
            self.assertEqual(m.properties.PayloadFormatIndicator, 1)
            ev = m.json()
            self.check_event_attributes(ev)
            self.assertEqual(ev["datacontenttype"], "application/json")
            self.check_data(ev["data"])
            self.assertFalse(hasattr(m.properties, "UserProperty") and m.properties.UserProperty,
                             "structured events carry their attributes in the payload")
            ids.add(ev["id"])
        self.assertEqual(len(ids), len(msgs), "event ids must be unique")
        self.assertTrue({json.loads(m.payload)["device"] for m in c.wait_count(30, 5)} == DEVICES)

    def test_structured_v5_explicit_mode(self):
        c = self.client(version=5)
        codes, _ = c.subscribe("app/demo", qos=0, user_properties=[("content-mode", "structured")])
        self.assertEqual(codes, [0])
        m = c.wait_count(1)[0]
        self.assertEqual(m.properties.ContentType, STRUCTURED_CT)
        self.check_event_attributes(m.json())

    def test_structured_v311_paho(self):
        c = self.client(version=4)
        codes, _ = c.subscribe("app/demo", qos=1)
        self.assertEqual(codes, [1])
        for m in c.wait_count(5):
            self.assertEqual(m.topic, "app/demo")
            ev = m.json()
            self.check_event_attributes(ev)
            self.assertEqual(ev["datacontenttype"], "application/json")
            self.check_data(ev["data"])

    def test_structured_v311_mosquitto_sub(self):
        res = self.mosquitto("mosquitto_sub", ["-V", "311", "-t", "app/demo", "-C", "4", "-W", "10", "-v"])
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 4)
        for line in lines:
            topic, payload = line.split(" ", 1)
            self.assertEqual(topic, "app/demo")
            ev = json.loads(payload)
            self.check_event_attributes(ev)
            self.check_data(ev["data"])

    def test_structured_v5_mosquitto_sub(self):
        res = self.mosquitto("mosquitto_sub", ["-V", "5", "-t", "app/demo", "-C", "3", "-W", "10",
                                               "-F", "%t|%C|%p"])
        self.assertEqual(res.returncode, 0, res.stderr)
        for line in res.stdout.splitlines():
            topic, ct, payload = line.split("|", 2)
            self.assertEqual((topic, ct), ("app/demo", STRUCTURED_CT))
            self.check_event_attributes(json.loads(payload))

    # ----------------------------------------------------------------- binary

    def test_binary_v5_paho(self):
        c = self.client(version=5)
        codes, _ = c.subscribe("app/demo", qos=1, user_properties=[("content-mode", "binary")])
        self.assertEqual(codes, [1])
        for m in c.wait_count(5):
            self.assertEqual(m.topic, "app/demo")
            self.assertEqual(m.properties.ContentType, "application/json")
            up = m.properties.UserProperty
            names = [k for k, _ in up]
            self.assertEqual(sorted(names), sorted(CE_ATTRIBUTES), "every attribute once, under its plain name")
            attrs = dict(up)
            self.check_event_attributes(attrs)
            data = m.json()
            self.check_data(data)
            self.assertNotIn("specversion", data, "binary payload is the device's data only")

    def test_binary_v5_mosquitto_sub(self):
        res = self.mosquitto("mosquitto_sub", ["-V", "5", "-t", "app/demo/device-2", "-C", "3", "-W", "10",
                                               "-D", "subscribe", "user-property", "content-mode", "binary",
                                               "-F", "%t|%C|%P|%p"])
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 3)
        for line in lines:
            topic, ct, props, payload = line.split("|", 3)
            self.assertEqual(topic, "app/demo/device-2")
            self.assertEqual(ct, "application/json")
            attrs = dict(p.split(":", 1) for p in props.split(" "))
            self.assertEqual(set(attrs), set(CE_ATTRIBUTES))
            self.check_event_attributes(attrs)
            self.assertEqual(attrs["device"], "device-2")
            self.check_data(json.loads(payload))

    def test_binary_and_structured_same_events(self):
        b = self.client(version=5)
        s = self.client(version=5)
        b.subscribe("app/demo", qos=0, user_properties=[("content-mode", "binary")])
        s.subscribe("app/demo", qos=0)
        b.wait_count(20)
        s.wait_count(20)
        bin_ids = [m.event_id() for m in b.messages()]
        str_ids = [m.event_id() for m in s.messages()]
        assert_same_stream(self, bin_ids, str_ids[5:], min_common=5, what="structured vs binary")
        data_by_id = {m.event_id(): m.json() for m in b.messages()}
        for m in s.messages()[5:]:
            ev = m.json()
            if ev["id"] in data_by_id:
                self.assertEqual(ev["data"], data_by_id[ev["id"]])

    def test_bogus_content_mode_refused(self):
        c = self.client(version=5)
        codes, props = c.subscribe([("app/demo", 0), ("app/demo/device-1", 1)],
                                   user_properties=[("content-mode", "bogus")])
        self.assertEqual(codes, [0x83, 0x83])
        self.assertIn("content-mode", props.ReasonString)
        # nothing was subscribed: a reference client sees events, this one none
        ref = self.client(version=5)
        ref.subscribe("app/demo")
        ref.wait_count(20)
        self.assertEqual(c.count(), 0)

    def test_bogus_start_refused(self):
        c = self.client(version=5)
        codes, props = c.subscribe("app/demo", user_properties=[("start", "yesterday")])
        self.assertEqual(codes, [0x83])
        self.assertIn("start", props.ReasonString)

    def test_v311_events_are_structured(self):
        # 3.1.1 has no user properties: events are always structured
        res = self.mosquitto("mosquitto_sub", ["-V", "311", "-t", "app/demo", "-C", "1", "-W", "10"])
        self.assertEqual(res.returncode, 0, res.stderr)
        self.check_event_attributes(json.loads(res.stdout))

    # ----------------------------------------------------------------- subscription ids, aliases, narrow

    def test_subscription_identifier_echoed(self):
        c = self.client(version=5)
        c.subscribe("app/demo/device-1", qos=1, subscription_id=42)
        c.subscribe("app/demo/device-2", qos=0, subscription_id=7)
        c.wait_message(lambda m: m.topic == "app/demo/device-1")
        c.wait_message(lambda m: m.topic == "app/demo/device-2")
        for m in c.messages():
            expected = 42 if m.topic == "app/demo/device-1" else 7
            self.assertEqual(m.properties.SubscriptionIdentifier, [expected], m.topic)
        d = self.client(version=5)
        d.subscribe("app/demo")
        m = d.wait_count(1)[0]
        self.assertFalse(hasattr(m.properties, "SubscriptionIdentifier"), "no id given, none echoed")

    def test_aliases(self):
        for filt in ("a/demo", "application/demo", "app/demo"):
            c = self.client(version=5)
            codes, _ = c.subscribe(filt, qos=1)
            self.assertEqual(codes, [1], filt)
            for m in c.wait_count(3):
                self.assertEqual(m.topic, filt)
                self.assertEqual(m.json()["application"], "demo")

    def test_alias_with_device(self):
        c = self.client(version=4)
        self.assertEqual(c.subscribe("a/demo/device-3/state", qos=0)[0], [0])
        for m in c.wait_count(3):
            self.assertEqual(m.topic, "a/demo/device-3/state")

    def test_narrow_device_filter(self):
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=1)
        c = self.client(version=5)
        self.assertEqual(c.subscribe("app/demo/device-2", qos=1)[0], [1])
        msgs = c.wait_count(15)
        for m in msgs:
            self.assertEqual(m.topic, "app/demo/device-2")
            self.assertEqual(m.json()["device"], "device-2")
        ref.wait_message(lambda m: m.event_id() == msgs[-1].event_id(), what="reference catching up")
        ref_ids = [m.event_id() for m in ref.messages() if m.json()["device"] == "device-2"]
        assert_same_stream(self, ref_ids, [m.event_id() for m in msgs], min_common=10, what="device-2 filter")

    def test_narrow_channel_filters(self):
        cases = {
            "app/demo/device-1/state": lambda ev: "app/demo/device-1/state",
            "app/demo/+/state": lambda ev: "app/demo/%s/state" % ev["device"],
            "app/demo/#": lambda ev: "app/demo/%s/state" % ev["device"],
            "app/demo/device-3/#": lambda ev: "app/demo/device-3/state",
            "app/demo/+": lambda ev: "app/demo/%s" % ev["device"],
            "app/demo/device-2/+": lambda ev: "app/demo/device-2/state",
        }
        clients = {}
        for filt in cases:
            c = self.client(version=5)
            self.assertEqual(c.subscribe(filt, qos=0)[0], [0], filt)
            clients[filt] = c
        for filt, c in clients.items():
            msgs = c.wait_count(6)
            for m in msgs:
                ev = m.json()
                self.assertEqual(m.topic, cases[filt](ev), filt)
                if "device-1" in filt:
                    self.assertEqual(ev["device"], "device-1")
                if "device-2" in filt:
                    self.assertEqual(ev["device"], "device-2")
                if "device-3" in filt:
                    self.assertEqual(ev["device"], "device-3")
        for filt in ("app/demo/+/state", "app/demo/#", "app/demo/+"):
            clients[filt].wait(lambda c=clients[filt]: {m.json()["device"] for m in c._messages} == DEVICES,
                               10, "events of every device on %s" % filt)

    def test_narrow_filter_other_channel_gets_nothing(self):
        other = self.client(version=5)
        self.assertEqual(other.subscribe("app/demo/device-1/telemetry", qos=0)[0], [0])
        unknown = self.client(version=5)
        self.assertEqual(unknown.subscribe("app/demo/device-99", qos=0)[0], [0])
        ref = self.client(version=5)
        ref.subscribe("app/demo/device-1")
        ref.wait_count(15)
        self.assertEqual(other.count(), 0, "device-1 only has channel 'state'")
        self.assertEqual(unknown.count(), 0)

    def test_shared_delivered_on_plain_topic(self):
        c = self.client(version=5)
        self.assertEqual(c.subscribe("$share/g1/app/demo", qos=1)[0], [1])
        for m in c.wait_count(3):
            self.assertEqual(m.topic, "app/demo")
        n = self.client(version=5)
        self.assertEqual(n.subscribe("$share/g2/a/demo/device-1", qos=1)[0], [1])
        for m in n.wait_count(3):
            self.assertEqual(m.topic, "a/demo/device-1")

    def test_granted_qos(self):
        c = self.client(version=5)
        codes, _ = c.subscribe([("app/demo/device-1", 0), ("app/demo/device-2", 1), ("app/demo/device-3", 2)])
        self.assertEqual(codes, [0, 1, 1])
        c.wait_message(lambda m: m.topic == "app/demo/device-3")
        c.wait_message(lambda m: m.topic == "app/demo/device-1")
        c.wait_message(lambda m: m.topic == "app/demo/device-2")
        qos = {m.topic: m.qos for m in c.messages()}
        self.assertEqual(qos, {"app/demo/device-1": 0, "app/demo/device-2": 1, "app/demo/device-3": 1})
        v3 = self.client(version=4)
        codes, _ = v3.subscribe([("app/demo/device-1", 0), ("app/demo/device-2", 1), ("app/demo/device-3", 2)])
        self.assertEqual(codes, [0, 1, 1])

    def test_resubscribe_replaces_options(self):
        c = self.client(version=5)
        c.subscribe("app/demo", qos=0)
        c.wait_count(2)
        codes, _ = c.subscribe("app/demo", qos=1, user_properties=[("content-mode", "binary")])
        self.assertEqual(codes, [1])
        n = c.count()
        m = c.wait_message(lambda m: m.qos == 1, start=n, what="a QoS 1 binary event after re-subscribing")
        self.assertEqual(m.properties.ContentType, "application/json")
        after = c.messages()[c.messages().index(m):]
        self.assertTrue(all(x.qos == 1 for x in after), "one subscription, not two")
        ids = [x.event_id() for x in c.messages()]
        self.assertEqual(len(ids), len(set(ids)), "re-subscribing must not duplicate events")

    def test_unsubscribe_stops_delivery(self):
        for version in (5, 4):
            c = self.client(version=version)
            c.subscribe([("app/demo/device-1", 1), ("app/demo/device-2", 0)])
            c.wait_count(4)
            codes = c.unsubscribe(["app/demo/device-1", "app/demo/device-9"])
            if version == 5:
                self.assertEqual(codes, [0x00, 0x11], "UNSUBACK: success, no subscription existed")
            n = c.count()  # what was sent before UNSUBACK arrived before it
            ref = self.client(version=5)
            ref.subscribe("app/demo/device-1")
            ref.wait_count(10)
            c.wait_message(lambda m: m.topic == "app/demo/device-2", start=n, what="device-2 still delivered")
            self.assertEqual([m.topic for m in c.messages()[n:] if m.topic == "app/demo/device-1"], [],
                             "events of an unsubscribed filter after UNSUBACK")

    def test_client_maximum_packet_size_respected(self):
        # MQTT-3.1.2-24: never send a packet larger than the client's Maximum Packet Size; the
        # events that don't fit are skipped for that client, which stays connected.
        r = self.raw(5)
        r.connect("mps-%s" % uuid.uuid4().hex[:6], props=[(39, 300)])  # events are ~470 bytes
        _, codes, _ = r.subscribe([("app/demo", 0)])
        self.assertEqual(codes, [0])
        ref = self.client(version=5)
        ref.subscribe("app/demo")
        ref.wait_count(20)
        p = r.recv_packet(0.1)
        self.assertIsNone(p, "an event over the client's Maximum Packet Size was sent")
        r.send(PINGREQ)
        self.assertEqual(r.expect(PT.PINGRESP).type, PT.PINGRESP)
        self.d.wait_log("larger than its Maximum Packet Size 300")

    # ----------------------------------------------------------------- refusals

    REFUSALS_V5 = [
        ("+/demo", 0xA2), ("#", 0xA2), ("+", 0xA2), ("app/+", 0xA2), ("app/#", 0xA2), ("a/+", 0xA2),
        ("$share/g/app/+", 0xA2),
        ("foo/bar", 0x8F), ("app/demo/a/b/c", 0x8F), ("app/de+mo", 0x8F), ("app", 0x8F), ("app/", 0x8F),
        ("app/demo/#/x", 0x8F), ("app/demo/+/+/x", 0x8F), ("$share/g/foo", 0x8F), ("$share/+/app/demo", 0x8F),
        ("demo", 0x8F),
        ("app/other", 0x87), ("app/lab", 0x87), ("$share/g/app/nope", 0x87), ("a/other/device-1", 0x87),
    ]

    def test_refusal_codes_v5(self):
        r = self.raw(5)
        r.connect("refusals-v5")
        filters = [f for f, _ in self.REFUSALS_V5] + ["app/demo"]
        pid, codes, props = r.subscribe([(f, 1) for f in filters], packet_id=9)
        self.assertEqual(pid, 9)
        self.assertEqual(dict(zip(filters, codes)), dict(self.REFUSALS_V5 + [("app/demo", 1)]))
        self.assertTrue(props.get(P_REASON), "refusals come with a reason string")
        # each alone, too
        for i, (f, code) in enumerate(self.REFUSALS_V5):
            _, codes, props = r.subscribe([(f, 0)], packet_id=100 + i)
            self.assertEqual(codes, [code], f)
            self.assertTrue(props.get(P_REASON), f)

    def test_refusal_codes_v311(self):
        r = self.raw(4)
        r.connect("refusals-v311")
        filters = [f for f, _ in self.REFUSALS_V5] + ["app/demo"]
        _, codes, _ = r.subscribe([(f, 1) for f in filters], packet_id=3)
        self.assertEqual(codes, [0x80] * len(self.REFUSALS_V5) + [1])

    def test_refusal_codes_paho(self):
        c = self.client(version=5)
        codes, props = c.subscribe([("app/other", 1), ("foo/bar", 1), ("app/+", 1), ("app/demo", 1)])
        self.assertEqual(codes, [0x87, 0x8F, 0xA2, 1])
        self.assertIn("other", props.ReasonString)
        v3 = self.client(version=4)
        codes, _ = v3.subscribe([("app/other", 1), ("foo/bar", 0), ("app/demo", 0)])
        self.assertEqual(codes, [0x80, 0x80, 0])

    def test_refusal_mosquitto_sub(self):
        res = self.mosquitto("mosquitto_sub", ["-V", "5", "-t", "app/other", "-C", "1", "-W", "5", "-d"])
        out = res.stdout + res.stderr
        self.assertIn("Subscribed (mid: 1): 135", out)
        res = self.mosquitto("mosquitto_sub", ["-V", "311", "-t", "app/other", "-C", "1", "-W", "5", "-d"])
        out = res.stdout + res.stderr
        self.assertIn("Subscribed (mid: 1): 128", out)

    def test_shared_without_filter_is_invalid_filter(self):
        # '$share/<group>' without app/<application> is a filter of the wrong shape: 0x8F like
        # every other shape, not 0x87 (Not authorized).
        r = self.raw(5)
        r.connect("share-shape")
        _, codes, _ = r.subscribe([("$share/g", 0)])
        self.assertEqual(codes, [0x8F])


if __name__ == "__main__":
    unittest.main()
