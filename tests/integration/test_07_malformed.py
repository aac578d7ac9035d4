"""Malformed input: bad bytes close only the offending connection (v5 after CONNECT with a
DISCONNECT carrying 0x81/0x82 first); everyone else keeps being served."""

import struct
import unittest
import uuid

from harness import (PINGREQ, PT, P_REASON, DroverdTestCase, ack_packet, connect_packet, encode_properties,
                     mqtt_str, packet, publish_packet, subscribe_packet, varint)


def cid():
    return "bad-%s" % uuid.uuid4().hex[:10]


def raw_topic_publish(topic_bytes, qos=1, version=5):
    body = struct.pack("!H", len(topic_bytes)) + topic_bytes
    if qos:
        body += struct.pack("!H", 1)
    if version == 5:
        body += encode_properties()
    return packet(PT.PUBLISH, qos << 1, body + b'{"value": 1}')


# (name, bytes sent after a v5 CONNECT, expected DISCONNECT reason code)
V5_CASES = [
    ("remaining length of 5 bytes", b"\x30\xff\xff\xff\xff\x7f", 0x81),
    ("reserved packet type 0", b"\x00\x00", 0x81),
    ("SUBSCRIBE with flags 0", packet(PT.SUBSCRIBE, 0, struct.pack("!H", 1) + encode_properties()
                                      + mqtt_str("app/demo") + b"\x00"), 0x81),
    ("PINGREQ with flags 1", b"\xc1\x00", 0x81),
    ("PUBREL with flags 0", packet(PT.PUBREL, 0, struct.pack("!H", 1)), 0x81),
    ("PUBLISH QoS 3", packet(PT.PUBLISH, 6, mqtt_str("command/demo/device-1/x") + b"\x00\x01"
                             + encode_properties() + b"x"), 0x81),
    ("PUBLISH QoS 0 with DUP", publish_packet("command/demo/device-1/x", "x", qos=0, dup=True), 0x81),
    ("invalid UTF-8 topic", raw_topic_publish(b"command/demo/\xc3\x28/setTemperature"), 0x81),
    ("UTF-16 surrogate in topic", raw_topic_publish(b"command/demo/\xed\xa0\x80/setTemperature"), 0x81),
    ("NUL in topic", raw_topic_publish(b"command/demo/a\x00b/setTemperature"), 0x81),
    ("wildcard in topic name", publish_packet("command/demo/+/setTemperature", "1", qos=1), 0x90),
    ("invalid UTF-8 topic filter", packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1) + encode_properties()
                                          + struct.pack("!H", 6) + b"app/\xc3\x28" + b"\x00"), 0x81),
    ("SUBSCRIBE without filters", packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1) + encode_properties()), 0x82),
    ("subscription options reserved bits", subscribe_packet(1, [("app/demo", 0xC0)]), 0x81),
    ("truncated property", packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1) + varint(5) + b"\x0b\x01"
                                  + mqtt_str("app/demo") + b"\x00"), 0x81),
    ("unknown property id", packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1) + varint(2) + b"\x7f\x01"
                                   + mqtt_str("app/demo") + b"\x00"), 0x81),
    ("string longer than packet", packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1) + encode_properties()
                                         + b"\x00\xff" + b"app/demo\x00"), 0x81),
    ("topic alias 0", publish_packet("command/demo/device-1/setTemperature", "1", qos=1, props=[(35, 0)]), 0x94),
    ("topic alias over maximum", publish_packet("command/demo/device-1/setTemperature", "1", qos=1,
                                                props=[(35, 33)]), 0x94),
    ("unknown topic alias", publish_packet("", "1", qos=1, props=[(35, 5)]), 0x82),
    ("second CONNECT", connect_packet("again"), 0x82),
    ("PUBREC for nothing", ack_packet(PT.PUBREC, 1, 0), 0x82),
    ("CONNACK from client", packet(PT.CONNACK, 0, b"\x00\x00\x00"), 0x82),
    ("packet over maximum packet size", publish_packet("command/demo/device-1/setTemperature",
                                                       b"x" * (1024 * 1024 + 10), qos=1), 0x95),
]


class MalformedTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "50")

    def setUp(self):
        super().setUp()
        # a bystander that must keep receiving events throughout
        self.bystander = self.client(version=5)
        self.bystander.subscribe("app/demo", qos=1)
        self.bystander.wait_count(3)

    def assertBystanderFine(self):
        n = self.bystander.count()
        self.bystander.wait_count(n + 20, timeout=5)
        self.assertFalse(self.bystander.closed.is_set(), "the bystander was disconnected")
        self.assertServing()

    def test_v5_malformed_after_connect(self):
        for name, data, code in V5_CASES:
            with self.subTest(name):
                r = self.raw(5)
                _, rc, _ = r.connect(cid())
                self.assertEqual(rc, 0)
                # droverd may refuse an oversized packet before all of it is sent
                r.send(data, tolerate_close=True)
                closed, packets = r.read_until_closed(5)
                self.assertTrue(closed, "%s: connection not closed" % name)
                disconnects = [p.reason() for p in packets if p.type == PT.DISCONNECT]
                self.assertEqual(len(disconnects), 1, "%s: DISCONNECTs %r" % (name, disconnects))
                self.assertEqual(disconnects[0][0], code, "%s: reason %s" % (name, disconnects[0][1].get(P_REASON)))
                self.assertTrue(disconnects[0][1].get(P_REASON), "%s: no reason string" % name)
                r.close()
        self.assertBystanderFine()
        self.assertIn("sent a bad packet, closing", self.d.log())

    def test_v311_malformed_after_connect(self):
        cases = [
            b"\x30\xff\xff\xff\xff\x7f",
            packet(PT.SUBSCRIBE, 0, struct.pack("!H", 1) + mqtt_str("app/demo") + b"\x00"),
            raw_topic_publish(b"command/demo/\xc3\x28/x", version=4),
            packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1)),
            packet(PT.SUBSCRIBE, 2, struct.pack("!H", 1) + mqtt_str("app/demo") + b"\x04"),  # reserved option bits
            b"\xf0\x00",  # AUTH does not exist in 3.1.1
            connect_packet("again", version=4),
        ]
        for data in cases:
            with self.subTest(data[:8]):
                r = self.raw(4)
                _, rc, _ = r.connect(cid())
                self.assertEqual(rc, 0)
                r.send(data)
                closed, packets = r.read_until_closed(5)
                self.assertTrue(closed, "3.1.1 connection not closed after %r" % data[:8])
                self.assertEqual([p for p in packets if p.type not in (PT.PUBLISH,)], [],
                                 "3.1.1 gets no answer to a bad packet")
                r.close()
        self.assertBystanderFine()

    def test_garbage_before_connect(self):
        # ("GE" reads as a PUBACK header with reserved flags and 69 bytes to follow; droverd
        # judges a packet once it is complete, so the request is long enough to complete it)
        http = b"GET / HTTP/1.1\r\nHost: example\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        self.assertGreater(len(http), 71)
        for data in (http, b"\xff" * 64, b"\x10\xff\xff\xff\xff\xff",
                     b"\x10\x05\x00\x04MQ",  # truncated CONNECT, then close
                     bytes(range(256))):
            with self.subTest(data[:8]):
                r = self.raw(5)
                r.send(data)
                if data.startswith(b"\x10\x05"):
                    r.sock.shutdown(1)
                closed, packets = r.read_until_closed(5)
                self.assertTrue(closed, "garbage %r did not close the connection" % data[:8])
                self.assertEqual(packets, [])
                r.close()
        self.assertBystanderFine()

    def test_bad_connect_packets(self):
        cases = [
            ("protocol name MQTX", connect_packet(cid(), protocol_name="MQTX")),
            ("reserved connect flag", None),
            ("will QoS 3", None),
            ("password without user name in 3.1.1", None),
            ("client id not UTF-8", None),
        ]
        # hand-built variants
        base = lambda flags, tail=b"": packet(PT.CONNECT, 0, mqtt_str("MQTT") + bytes([4, flags]) + b"\x00\x3c"
                                               + mqtt_str("x") + tail)
        built = {
            "reserved connect flag": base(0x03),
            "will QoS 3": base(0x1E, mqtt_str("command/demo/device-1/x") + mqtt_str("1")),
            "password without user name in 3.1.1": base(0x42, mqtt_str("pw")),
            "client id not UTF-8": packet(PT.CONNECT, 0, mqtt_str("MQTT") + bytes([4, 2]) + b"\x00\x3c"
                                          + b"\x00\x02\xc3\x28"),
        }
        for name, data in cases:
            data = data if data is not None else built[name]
            with self.subTest(name):
                r = self.raw(4)
                r.send(data)
                closed, packets = r.read_until_closed(5)
                self.assertTrue(closed, "%s: not closed" % name)
                accepted = [p for p in packets if p.type == PT.CONNACK and p.body[1] == 0]
                self.assertEqual(accepted, [], "%s: accepted" % name)
                r.close()
        self.assertBystanderFine()

    def test_slow_bytes_are_not_malformed(self):
        # a valid CONNECT and SUBSCRIBE trickled one byte at a time is fine
        r = self.raw(5)
        data = connect_packet(cid()) + subscribe_packet(1, [("app/demo/device-1", 1)]) + PINGREQ
        for i in range(len(data)):
            r.send(data[i:i + 1])
        self.assertEqual(r.expect(PT.CONNACK).connack()[1], 0)
        self.assertEqual(r.expect(PT.SUBACK).suback()[1], [1])
        self.assertEqual(r.expect(PT.PINGRESP).type, PT.PINGRESP)

    def test_many_bad_connections_in_a_row(self):
        for i in range(50):
            r = self.raw(5)
            r.connect(cid())
            r.send(b"\x30\xff\xff\xff\xff\x7f")
            self.assertTrue(r.read_until_closed(5)[0])
            r.close()
            self._clients.remove(r)
        self.assertBystanderFine()


if __name__ == "__main__":
    unittest.main()
