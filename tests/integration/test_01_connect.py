"""CONNECT: anonymous access, credentials, client ids, wills, protocol levels, takeover, keep alive."""

import time
import unittest
import uuid

from harness import (PINGREQ, PT, P_ASSIGNED_ID, P_REASON, P_RECEIVE_MAX, P_SERVER_KEEP_ALIVE, ConnectionClosed,
                     DroverdTestCase, connect_packet, disconnect_packet, publish_packet, subscribe_packet)


def cid(prefix="c01"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


class ConnectTest(DroverdTestCase):

    def test_anonymous_v5_paho(self):
        c = self.client(version=5)
        self.assertEqual(c.connack[0], 0)
        self.assertFalse(c.session_present)
        codes, _ = c.subscribe("app/demo", qos=0)
        self.assertEqual(codes, [0])
        self.assertTrue(c.wait_count(1, timeout=5))

    def test_anonymous_v311_paho(self):
        c = self.client(version=4)
        self.assertEqual(c.connack[0], 0)
        codes, _ = c.subscribe("app/demo", qos=1)
        self.assertEqual(codes, [1])
        self.assertTrue(c.wait_count(1, timeout=5))

    def test_anonymous_v5_connack_properties(self):
        r = self.raw(5)
        present, code, props = r.connect(cid())
        self.assertEqual((present, code), (0, 0))
        self.assertEqual(props.get(37), 0, "Retain Available must be 0: retained PUBLISH is refused")
        self.assertEqual(props.get(40), 1, "Wildcard Subscription Available")
        self.assertEqual(props.get(41), 1, "Subscription Identifier Available")
        self.assertEqual(props.get(42), 1, "Shared Subscription Available")
        self.assertIn(P_RECEIVE_MAX, props)
        self.assertGreater(props[P_RECEIVE_MAX], 0)
        self.assertNotIn(P_ASSIGNED_ID, props, "a client id was given, none must be assigned")

    def test_credentials_refused_v5(self):
        c = self.client(version=5, username="alice", password="secret", expect_success=False)
        self.assertEqual(c.connack[0], 0x86)
        # username alone (a token) and password alone (v5 allows it) are refused as well
        for kw in (dict(username="alice"), dict(password=b"token")):
            r = self.raw(5)
            present, code, props = r.connect(cid(), **kw)
            self.assertEqual(code, 0x86, kw)
            self.assertTrue(props.get(P_REASON), "a reason string explains the refusal")
            closed, _ = r.read_until_closed(5)
            self.assertTrue(closed, "refused connection must be closed")

    def test_credentials_refused_v311(self):
        c = self.client(version=4, username="alice", password="secret", expect_success=False)
        self.assertEqual(c.connack[0], 4)
        r = self.raw(4)
        _, code, _ = r.connect(cid(), username="alice")
        self.assertEqual(code, 4)
        self.assertTrue(r.read_until_closed(5)[0])

    def test_credentials_refused_mosquitto(self):
        res = self.mosquitto("mosquitto_sub", ["-V", "5", "-t", "app/demo", "-C", "1", "-W", "5",
                                               "-u", "alice", "-P", "secret", "-d"])
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("CONNACK (134)", res.stdout + res.stderr)
        res = self.mosquitto("mosquitto_sub", ["-V", "311", "-t", "app/demo", "-C", "1", "-W", "5",
                                               "-u", "alice", "-P", "secret", "-d"])
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("CONNACK (4)", res.stdout + res.stderr)

    def test_assigned_client_id_v5(self):
        r = self.raw(5)
        present, code, props = r.connect("")
        self.assertEqual(code, 0)
        assigned = props.get(P_ASSIGNED_ID)
        self.assertTrue(assigned, "v5 CONNACK must carry an Assigned Client Identifier")
        r2 = self.raw(5)
        _, code2, props2 = r2.connect("")
        self.assertEqual(code2, 0)
        self.assertNotEqual(assigned, props2.get(P_ASSIGNED_ID), "assigned ids must be unique")
        # and paho sees it too
        c = self.client(version=5, client_id="")
        self.assertTrue(c.connack[2].AssignedClientIdentifier)

    def test_empty_client_id_v311(self):
        r = self.raw(4)
        _, code, _ = r.connect("", clean=True)
        self.assertEqual(code, 0, "3.1.1 empty client id with clean session is allowed")
        r2 = self.raw(4)
        _, code, _ = r2.connect("", clean=False)
        self.assertEqual(code, 2, "3.1.1 empty client id without clean session: identifier rejected")
        self.assertTrue(r2.read_until_closed(5)[0])

    def test_will_topic_not_a_command_refused(self):
        r = self.raw(5)
        _, code, props = r.connect(cid(), will=dict(topic="app/demo", payload=b"fake event"))
        self.assertEqual(code, 0x90)
        self.assertTrue(props.get(P_REASON))
        self.assertTrue(r.read_until_closed(5)[0])
        r = self.raw(4)
        _, code, _ = r.connect(cid(), will=dict(topic="app/demo/device-1/state", payload=b"{}"))
        self.assertEqual(code, 5)
        self.assertTrue(r.read_until_closed(5)[0])
        c = self.client(version=5, will=("app/demo", b"x", 0), expect_success=False)
        self.assertEqual(c.connack[0], 0x90)

    def test_retained_will_refused_v5(self):
        r = self.raw(5)
        _, code, _ = r.connect(cid(), will=dict(topic="command/demo/device-1/setTemperature",
                                                payload=b'{"value": 30}', retain=True))
        self.assertEqual(code, 0x9A)

    def test_will_command_sent_on_connection_loss(self):
        watcher = self.client(version=5)
        watcher.subscribe("app/demo/device-3", qos=0)
        r = self.raw(5)
        _, code, _ = r.connect(cid(), will=dict(topic="command/demo/device-3/setTemperature",
                                                payload=b'{"value": -17.5}'))
        self.assertEqual(code, 0)
        start = watcher.count()
        r.close()  # no DISCONNECT: the will goes out
        m = watcher.wait_message(lambda m: m.json()["data"].get("targetTemperature") == -17.5, timeout=5,
                                 start=start, what="device-3 obeying the will")
        self.assertEqual(m.json()["data"].get("lastCommand"), "setTemperature")

    def test_will_discarded_on_normal_disconnect(self):
        r = self.raw(5)
        _, code, _ = r.connect(cid(), will=dict(topic="command/demo/device-2/setTemperature",
                                                payload=b'{"value": 77}'))
        self.assertEqual(code, 0)
        r.send(bytes([0xE0, 0x01, 0x00]))  # DISCONNECT, normal
        self.assertTrue(r.read_until_closed(5)[0])
        # a later command marks the log, then the log must not show the will
        c = self.client(version=5)
        acks = c.publish("command/demo/device-2/setTemperature", '{"value": 21}', qos=1)
        self.assertEqual(acks[-1][1], 0)
        self.assertNotIn("sends its will", self.d.log())

    def test_disconnect_with_will_sends_it(self):
        watcher = self.client(version=5)
        watcher.subscribe("app/demo/device-2", qos=0)
        r = self.raw(5)
        _, code, _ = r.connect(cid(), will=dict(topic="command/demo/device-2/setTemperature",
                                                payload=b'{"value": 12.75}'))
        self.assertEqual(code, 0)
        start = watcher.count()
        r.send(disconnect_packet(0x04))  # Disconnect with Will Message
        self.assertTrue(r.read_until_closed(5)[0])
        watcher.wait_message(lambda m: m.json()["data"].get("targetTemperature") == 12.75, timeout=5,
                             start=start, what="device-2 obeying the will")

    def test_request_problem_information_0(self):
        # MQTT-3.1.2-29: with Request Problem Information 0 the server must not send a Reason
        # String on anything but PUBLISH, CONNACK and DISCONNECT (here: SUBACK and PUBACK).
        r = self.raw(5)
        _, code, _ = r.connect(cid(), props=[(23, 0)])
        self.assertEqual(code, 0)
        _, codes, props = r.subscribe([("app/other", 0)])
        self.assertEqual(codes, [0x87])
        self.assertNotIn(P_REASON, props, "SUBACK carries a Reason String although the client asked for none")
        r.send(publish_packet("command/demo/device-1/bogus", "{}", qos=1))
        code, props = r.expect(PT.PUBACK).reason()
        self.assertEqual(code, 0x83)  # the demo device has no such command
        self.assertNotIn(P_REASON, props, "PUBACK carries a Reason String although the client asked for none")

    def test_protocol_level_3_refused(self):
        r = self.raw(4)
        r.send(connect_packet(cid(), version=4, protocol_name="MQIsdp", level=3))
        p = r.expect(PT.CONNACK)
        self.assertEqual(p.body[1], 1, "unacceptable protocol version")
        self.assertTrue(r.read_until_closed(5)[0])

    def test_protocol_level_6_refused(self):
        r = self.raw(4)
        r.send(connect_packet(cid(), version=4, level=6))
        p = r.expect(PT.CONNACK)
        self.assertEqual(p.body[1], 1)
        self.assertTrue(r.read_until_closed(5)[0])

    def test_first_packet_not_connect_closed(self):
        for first in (PINGREQ, subscribe_packet(1, [("app/demo", 0)], version=4),
                      publish_packet("command/demo/device-1/setTemperature", '{"value": 1}', version=4)):
            r = self.raw(4)
            r.send(first)
            closed, packets = r.read_until_closed(5)
            self.assertTrue(closed, "first packet %r must close the connection" % first[:1])
            self.assertEqual(packets, [], "nothing may be answered before CONNECT")
        self.assertServing()

    def test_second_connect_is_protocol_error(self):
        r = self.raw(5)
        r.connect(cid())
        r.send(connect_packet(cid()))
        closed, packets = r.read_until_closed(5)
        self.assertTrue(closed)
        disconnects = [p for p in packets if p.type == PT.DISCONNECT]
        self.assertEqual([p.reason()[0] for p in disconnects], [0x82])

    def test_takeover_v5(self):
        client_id = cid("takeover")
        old = self.raw(5)
        self.assertEqual(old.connect(client_id)[1], 0)
        new = self.raw(5)
        self.assertEqual(new.connect(client_id)[1], 0)
        closed, packets = old.read_until_closed(5)
        self.assertTrue(closed, "the old connection must be closed")
        disconnects = [p for p in packets if p.type == PT.DISCONNECT]
        self.assertEqual(len(disconnects), 1, packets)
        code, props = disconnects[0].reason()
        self.assertEqual(code, 0x8E)
        # the new connection works
        new.send(PINGREQ)
        self.assertEqual(new.expect(PT.PINGRESP).type, PT.PINGRESP)

    def test_takeover_v311_paho(self):
        client_id = cid("takeover311")
        old = self.client(version=4, client_id=client_id)
        new = self.client(version=4, client_id=client_id)
        old.wait_closed(5)
        codes, _ = new.subscribe("app/demo", qos=1)
        self.assertEqual(codes, [1])
        self.assertTrue(new.wait_count(1, 5))

    def test_keep_alive_expiry(self):
        r = self.raw(5)
        _, code, props = r.connect(cid(), keepalive=1)
        self.assertEqual(code, 0)
        self.assertNotIn(P_SERVER_KEEP_ALIVE, props, "keep alive 1 s is acceptable as is")
        t0 = time.monotonic()
        closed, packets = r.read_until_closed(6)
        elapsed = time.monotonic() - t0
        self.assertTrue(closed, "a silent client with keep alive 1 s must be dropped")
        self.assertGreaterEqual(elapsed, 1.4, "dropped before 1.5 x keep alive")
        self.assertLessEqual(elapsed, 3.0, "dropped later than 1.5 x keep alive + slack")
        self.d.wait_log(r"keep alive expired")

    def test_keep_alive_expiry_sends_disconnect_0x8d(self):
        # droverd means to tell a v5 client why it is dropped (DISCONNECT 0x8D, "keep alive
        # timeout") before closing; the packet must actually reach the client.
        r = self.raw(5)
        _, code, _ = r.connect(cid(), keepalive=1)
        self.assertEqual(code, 0)
        closed, packets = r.read_until_closed(6)
        self.assertTrue(closed)
        disconnects = [p.reason()[0] for p in packets if p.type == PT.DISCONNECT]
        self.assertEqual(disconnects, [0x8D], "v5 client dropped for keep alive got no DISCONNECT 0x8D")

    def test_keep_alive_ping_keeps_connection(self):
        r = self.raw(4)
        _, code, _ = r.connect(cid(), keepalive=1)
        self.assertEqual(code, 0)
        deadline = time.monotonic() + 3.5
        pongs = 0
        while time.monotonic() < deadline:
            r.send(PINGREQ)
            self.assertEqual(r.expect(PT.PINGRESP, 2).type, PT.PINGRESP)
            pongs += 1
            closed, _ = r.read_until_closed(0.5)  # the pause between pings, not an assertion
            self.assertFalse(closed, "connection closed although the client pinged")
        self.assertGreaterEqual(pongs, 5)

    def test_server_keep_alive_for_zero(self):
        r = self.raw(5)
        _, code, props = r.connect(cid(), keepalive=0)
        self.assertEqual(code, 0)
        self.assertEqual(props.get(P_SERVER_KEEP_ALIVE), 3600)

    def test_enhanced_auth_refused(self):
        r = self.raw(5)
        _, code, _ = r.connect(cid(), props=[(21, "SCRAM-SHA-1")])
        self.assertEqual(code, 0x8C)

    def test_idle_connection_does_not_block_others(self):
        # A connection that sends nothing does not block others from connecting.
        idle = self.raw(5)
        c = self.client(version=5)
        codes, _ = c.subscribe("app/demo")
        self.assertEqual(codes, [0])
        self.assertTrue(c.wait_count(1, 5))
        with self.assertRaises(ConnectionClosed):
            idle.send(PINGREQ)  # PINGREQ before CONNECT: closed
            idle.recv_packet(5)


if __name__ == "__main__":
    unittest.main()
