"""MQTT over WebSockets (--ws, --device-ws): real clients of both kinds, MQTT.js (node,
tests/js/ws_client.mjs) and paho (transport="websockets"), against the integration API and
the device endpoint; refusals of what MQTT 6.0 does not allow, seen on a raw socket."""

import base64
import json
import os
import socket
import struct
import subprocess
import time
import unittest
import uuid

from harness import HOST, DroverdTestCase, JsClient, connect_packet, find_droverd

PASSWORD = "ws-password-%s" % uuid.uuid4().hex[:8]
HASH = None


def hash_password(password):
    out = subprocess.run([find_droverd(), "hash-password"], input=password, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def config():
    global HASH
    if HASH is None:
        HASH = hash_password(PASSWORD)
    return """
[[application]]
name = "lab"
anonymous = ["read", "command"]
  [[application.device]]
  name = "sensor-1"
  password-hash = "{h}"
""".format(h=HASH)


def rc(acks):
    """Reason code of the first acknowledgement of a paho QoS 1 publish."""
    assert acks, "no acknowledgement"
    return acks[0][1]


class RawWebSocket:
    """The handshake and frames by hand (RFC 6455), for what real clients won't send."""

    def __init__(self, port, path="/mqtt", protocol="mqtt", timeout=5.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        request = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (path, HOST, port, key))
        if protocol:
            request += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        self.sock.sendall((request + "\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise AssertionError("connection closed during the handshake")
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = head.split(b"\r\n", 1)[0].decode()
        self.headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.decode().partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n <= 125:
            header += bytes([0x80 | n])
        elif n <= 0xFFFF:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def read_frame(self, timeout=5.0):
        """(opcode, payload) of the next frame, or None when the connection closed."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 2:
                n = self.buf[1] & 0x7F
                pos = 2
                if n == 126 and len(self.buf) >= 4:
                    n, pos = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, pos = struct.unpack("!Q", self.buf[2:10])[0], 10
                if n < 126 or pos > 2:
                    if len(self.buf) >= pos + n:
                        opcode, payload = self.buf[0] & 0x0F, self.buf[pos:pos + n]
                        self.buf = self.buf[pos + n:]
                        return opcode, payload
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no frame within %s s" % timeout)
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data

    def close_frame(self, timeout=5.0):
        """(code, reason) of the server's close frame, skipping data frames before it."""
        while True:
            frame = self.read_frame(timeout)
            if frame is None:
                raise AssertionError("closed without a close frame")
            opcode, payload = frame
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0], payload[2:].decode()

    def closed(self, timeout=5.0):
        """True once the server has closed the TCP connection."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                if not self.sock.recv(65536):
                    return True
        except (socket.timeout, ConnectionResetError):
            return False
        return False

    def close(self):
        self.sock.close()


class WebSocketTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "20", "--ws", "127.0.0.1:0", "--device-ws", "127.0.0.1:0")

    def setUp(self):
        self.DROVERD_CONFIG = config()
        super().setUp()
        self.assertIsNotNone(self.d.ws_port, "no 'listening for MQTT over WebSockets' line in the log")
        self.assertIsNotNone(self.d.device_ws_port, "no 'listening for devices over WebSockets' line")

    def ws_url(self, port=None, path="/mqtt"):
        return "ws://%s:%d%s" % (HOST, port or self.d.ws_port, path)

    def js(self):
        c = JsClient()
        self._clients.append(c)
        return c

    # (a) MQTT.js

    def test_mqttjs_structured_events_and_commands(self):
        js = self.js()
        connack = js.connect(self.ws_url(), version=5, client_id="js-%s" % uuid.uuid4().hex[:8])
        self.assertEqual(connack["type"], "connack", connack)
        self.assertEqual(connack["reasonCode"], 0)
        self.assertEqual(js.subscribe("app/demo", qos=1)["granted"], [1])
        m = js.wait_message(lambda m: m["topic"] == "app/demo", what="an event of the demo")
        event = json.loads(m["payload"])
        self.assertEqual(event["specversion"], "1.0")
        self.assertEqual(event["application"], "demo")
        self.assertIn(event["device"], ("device-1", "device-2", "device-3"))
        self.assertTrue(m["contentType"].startswith("application/cloudevents+json"), m["contentType"])
        self.assertEqual(m["qos"], 1)

        # A command: PUBACK 0 once the device took it, and its effect in a later event.
        start = len(js.messages())
        ack = js.publish("command/demo/device-1/setTemperature", '{"value": 25}', qos=1)
        self.assertEqual(ack["reasonCode"], 0, ack)
        m = js.wait_message(lambda m: json.loads(m["payload"])["device"] == "device-1"
                            and json.loads(m["payload"])["data"].get("targetTemperature") == 25,
                            start=start, what="an event of device-1 with targetTemperature 25")
        self.assertEqual(json.loads(m["payload"])["data"].get("lastCommand"), "setTemperature")

        # A command for nobody: refused with its reason.
        refused = js.publish("command/demo/nobody/x", "1", qos=1)
        self.assertEqual(refused["reasonCode"], 0x87, refused)
        self.assertIn("nobody", refused["reasonString"] or "")

    def test_mqttjs_binary_content_mode(self):
        js = self.js()
        self.assertEqual(js.connect(self.ws_url(), version=5)["reasonCode"], 0)
        suback = js.subscribe("app/demo/device-2", qos=0, user_properties={"content-mode": "binary"})
        self.assertEqual(suback["granted"], [0])
        m = js.wait_message(lambda m: m["topic"] == "app/demo/device-2", what="a binary-mode event")
        up = m["userProperties"]
        self.assertEqual(up.get("specversion"), "1.0")
        self.assertEqual(up.get("device"), "device-2")
        self.assertEqual(up.get("application"), "demo")
        data = json.loads(m["payload"])  # the device's own data, not a CloudEvent
        self.assertIn("temperature", data)
        self.assertNotIn("specversion", data)

    def test_mqttjs_v311(self):
        js = self.js()
        self.assertEqual(js.connect(self.ws_url(), version=4)["reasonCode"], 0)
        self.assertEqual(js.subscribe("app/demo/+/state", qos=1)["granted"], [1])
        m = js.wait_message(lambda m: m["topic"].startswith("app/demo/"), what="an event over 3.1.1")
        self.assertEqual(json.loads(m["payload"])["subject"], "state")
        self.assertEqual(js.publish("command/demo/device-3/setTemperature", "21.5", qos=1)["reasonCode"], 0)

    def test_mqttjs_wrong_path(self):
        js = self.js()
        report = js.connect(self.ws_url(path="/nope"), version=5)
        self.assertNotEqual(report["type"], "connack", report)
        self.d.wait_log(r"ws 127\.0\.0\.1:\d+ refused: no MQTT endpoint at /nope; use /mqtt")

    # (b) paho

    def test_paho_events_and_command(self):
        for version in (5, 311):
            c = self.client(version=version, port=self.d.ws_port, transport="websockets")
            codes, _ = c.subscribe("app/demo/device-2", qos=1)
            self.assertEqual(codes, [1])
            m = c.wait_message(lambda m: m.topic == "app/demo/device-2", what="an event over paho/ws")
            self.assertEqual(m.json()["device"], "device-2")
            value = 30.5 if version == 5 else -3.25
            n = c.count()
            acks = c.publish("command/demo/device-2/setTemperature", json.dumps({"value": value}), qos=1)
            self.assertEqual(rc(acks), 0, acks)
            c.wait_message(lambda m: m.json()["data"].get("targetTemperature") == value, start=n,
                           what="an event with targetTemperature %s" % value)

    def test_paho_wrong_path_gets_no_session(self):
        c = self.client(version=5, port=self.d.ws_port, transport="websockets", ws_path="/elsewhere",
                        expect_success=False)
        self.assertTrue(c.connack is None or c.connack[0] != 0, c.connack)
        c.wait_closed()

    # (c) a device over WebSockets, an application over TCP

    def test_device_publishes_over_websockets(self):
        app = self.client(version=5)  # TCP
        app.subscribe("app/lab", qos=1)
        device = self.client(version=5, port=self.d.device_ws_port, transport="websockets",
                             username="sensor-1@lab", password=PASSWORD)
        acks = device.publish("state", json.dumps({"temperature": 21.5, "via": "ws"}), qos=1)
        self.assertEqual(rc(acks), 0, acks)
        m = app.wait_message(lambda m: m.json().get("data", {}).get("via") == "ws", what="the device's event")
        e = m.json()
        self.assertEqual(e["device"], "sensor-1")
        self.assertEqual(e["application"], "lab")
        self.assertEqual(e["subject"], "state")
        self.assertEqual(e["data"]["temperature"], 21.5)

        # And a command back to it, over its WebSocket.
        device.subscribe("command/inbox/#", qos=1)
        self.assertEqual(rc(app.publish("command/lab/sensor-1/blink", '{"times": 3}', qos=1)), 0)
        cmd = device.wait_message(lambda m: m.topic.endswith("/blink"), what="the command")
        self.assertEqual(cmd.json(), {"times": 3})

    def test_device_wrong_password_over_websockets(self):
        device = self.client(version=5, port=self.d.device_ws_port, transport="websockets",
                             username="sensor-1@lab", password="wrong", expect_success=False)
        self.assertIsNotNone(device.connack)
        self.assertEqual(device.connack[0], 0x86)

    # (d) what MQTT 6.0 does not allow

    def test_wrong_path_refused(self):
        raw = RawWebSocket(self.d.ws_port, path="/not-mqtt")
        self._clients.append(raw)
        self.assertTrue(raw.status.startswith("HTTP/1.1 101"), raw.status)
        code, reason = raw.close_frame()
        self.assertEqual(code, 1008)
        self.assertEqual(reason, "no MQTT endpoint at /not-mqtt; use /mqtt")
        self.assertTrue(raw.closed())
        self.d.wait_log(r"refused: no MQTT endpoint at /not-mqtt")

    def test_root_path_and_subprotocol(self):
        raw = RawWebSocket(self.d.ws_port, path="/")
        self._clients.append(raw)
        self.assertEqual(raw.headers.get("sec-websocket-protocol"), "mqtt")  # MQTT-6.0.0-4
        # CONNECT in one binary frame: CONNACK 0 comes back.
        raw.send_frame(0x2, connect_packet("root-%s" % uuid.uuid4().hex[:6], version=5))
        opcode, payload = raw.read_frame()
        self.assertEqual(opcode, 0x2)
        self.assertEqual(payload[0], 0x20)  # CONNACK
        self.assertEqual(payload[3], 0)

    def test_no_subprotocol_refused(self):
        raw = RawWebSocket(self.d.ws_port, protocol=None)
        self._clients.append(raw)
        code, reason = raw.close_frame()
        self.assertEqual(code, 1002)
        self.assertIn('"mqtt"', reason)

    def test_text_frame_closes(self):
        raw = RawWebSocket(self.d.device_ws_port)
        self._clients.append(raw)
        raw.send_frame(0x1, b"hello")
        code, reason = raw.close_frame()
        self.assertEqual(code, 1003)
        self.assertIn("binary frames only", reason)
        self.assertTrue(raw.closed())
        self.d.wait_log(r"sent a text frame; MQTT goes in binary frames only")
        self.assertServing()


class NoWebSocketByDefaultTest(DroverdTestCase):
    DROVERD_ARGS = ()

    def test_no_websocket_listener(self):
        self.assertIsNone(self.d.ws_port)
        self.assertIsNone(self.d.device_ws_port)
        self.assertNotIn("WebSockets", self.d.log())


if __name__ == "__main__":
    unittest.main()
