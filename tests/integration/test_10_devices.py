"""The device endpoint: devices log in with their registry password, publish telemetry that
applications receive as CloudEvents, and receive commands (queued while they are away).

Real peers: mosquitto_pub / mosquitto_sub as devices and applications, paho on both sides."""

import base64
import json
import os
import subprocess
import tempfile
import time
import unittest
import uuid

import struct

from harness import (PT, DroverdTestCase, MqttClient, ack_packet, encode_properties, find_droverd, mosquitto, packet,
                     wait_for)

PASSWORD = "lab-password-%s" % uuid.uuid4().hex[:8]
WRONG = "not-the-password"


def hash_password(password):
    out = subprocess.run([find_droverd(), "hash-password"], input=password, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


HASH = None


def rc(acks):
    """Reason code of the first acknowledgement of a QoS 1 publish."""
    assert acks, "no acknowledgement"
    return acks[0][1]


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
  [[application.device]]
  name = "sensor-2"
  password-hash = "{h}"
  [[application.device]]
  name = "gw-1"
  password-hash = "{h}"
  gateway-for = ["sensor-2"]
  [[application.device]]
  name = "off"
  password-hash = "{h}"
  enabled = false

[[application]]
name = "other"
anonymous = ["read"]
""".format(h=HASH)


class DeviceTestBase(DroverdTestCase):
    DROVERD_ARGS = ()

    def setUp(self):
        self.DROVERD_CONFIG = config()
        super().setUp()

    # helpers
    def device(self, name, version=5, password=PASSWORD, expect_success=True, **kw):
        kw.setdefault("client_id", "dev-%s" % uuid.uuid4().hex[:8])
        c = MqttClient(self.d.device_port, version=version, username=name, password=password, connect=False, **kw)
        self._clients.append(c)
        c.connect(5.0, expect_success=expect_success)
        return c

    def app(self, topic="app/lab", version=5, **kw):
        c = self.client(version=version)
        c.subscribe(topic, qos=1, **kw)
        return c

    def device_pub(self, args):
        return mosquitto("mosquitto_pub", self.d.device_port, args)

    def events_of(self, c, device=None, subject=None):
        out = []
        for m in c.messages():
            e = m.json()
            if (device is None or e.get("device") == device) and (subject is None or e.get("subject") == subject):
                out.append(e)
        return out



class DeviceEndpointTest(DeviceTestBase):
    def test_telemetry_v311_and_v5_becomes_cloudevent(self):
        app = self.app()
        for version in ("311", "5"):
            payload = '{"temp": 21.5, "v": "%s"}' % version
            r = self.device_pub(["-V", version, "-q", "1", "-u", "sensor-1@lab", "-P", PASSWORD, "-t", "state",
                                 "-m", payload])
            self.assertEqual(r.returncode, 0, r.stderr)
            m = app.wait_message(lambda m: m.json().get("data", {}).get("v") == version, what="event v" + version)
            e = m.json()
            self.assertEqual(e["type"], "io.drogue.event.v1")
            self.assertEqual(e["subject"], "state")
            self.assertEqual(e["application"], "lab")
            self.assertEqual(e["device"], "sensor-1")
            self.assertEqual(e["sender"], "sensor-1")
            self.assertEqual(e["source"], "drogue://lab/sensor-1")
            self.assertEqual(e["datacontenttype"], "application/json")
            self.assertEqual(e["data"], json.loads(payload))

    def test_binary_payload_is_byte_exact(self):
        structured = self.app()
        binary = self.app(user_properties=[("content-mode", "binary")])
        blob = bytes(range(256))
        with tempfile.NamedTemporaryFile() as f:
            f.write(blob)
            f.flush()
            r = self.device_pub(["-V", "5", "-q", "1", "-u", "sensor-1@lab", "-P", PASSWORD, "-t", "raw",
                                 "-f", f.name])
        self.assertEqual(r.returncode, 0, r.stderr)
        e = structured.wait_message(lambda m: m.json().get("subject") == "raw").json()
        self.assertEqual(e["datacontenttype"], "application/octet-stream")
        self.assertEqual(base64.b64decode(e["data_base64"]), blob)
        m = binary.wait_message(lambda m: m.user_properties().get("subject") == "raw")
        self.assertEqual(m.payload, blob)

    def test_gateway_publishes_on_behalf_of_another_device(self):
        app = self.app()
        gw = self.device("gw-1@lab")
        self.assertEqual(rc(gw.publish("state/sensor-2", b'{"relayed": true}', qos=1)), 0)
        e = app.wait_message(lambda m: m.json().get("device") == "sensor-2").json()
        self.assertEqual(e["sender"], "gw-1")
        self.assertEqual(e["data"], {"relayed": True})
        # not a gateway for sensor-1: refused, nothing reaches the stream
        self.assertEqual(rc(gw.publish("state/sensor-1", b'{"forged": true}', qos=1)), 0x87)
        self.assertEqual(rc(gw.publish("a/b/c", b'1', qos=1)), 0x90)
        time.sleep(0.3)
        self.assertFalse([m for m in app.messages() if b"forged" in m.payload])

    def test_json_content_type_with_bad_payload_refused(self):
        app = self.app()
        dev = self.device("sensor-1@lab")
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties
        props = Properties(PacketTypes.PUBLISH)
        props.ContentType = "application/json"
        info = dev.c.publish("state", b"not json", qos=1, properties=props)
        acks = wait_for(lambda: dev.c.acks.get(info.mid), 5, "PUBACK")
        self.assertEqual(acks[0][1], 0x99)
        time.sleep(0.3)
        self.assertFalse([m for m in app.messages() if m.json().get("subject") == "state"])

    def test_refused_logins(self):
        app = self.app()
        cases = [("sensor-1@lab", WRONG, 0x86, 4), ("nobody@lab", PASSWORD, 0x86, 4),
                 ("sensor-1@other", PASSWORD, 0x86, 4), ("off@lab", PASSWORD, 0x87, 5)]
        for user, password, v5, v3 in cases:
            c5 = self.device(user, password=password, expect_success=False)
            self.assertEqual(c5.connack[0], v5, user)
            c3 = self.device(user, version=3, password=password, expect_success=False)
            self.assertEqual(c3.connack[0], v3, user)
            r = self.device_pub(["-V", "5", "-q", "1", "-u", user, "-P", password, "-t", "state", "-m", "{}"])
            self.assertNotEqual(r.returncode, 0)
        # no plain user name without the client id naming the application
        c = self.device("sensor-1", expect_success=False)
        self.assertEqual(c.connack[0], 0x86)
        # Drogue's second form: user name <device>, client id <device>@<app>
        ok = self.device("sensor-1", client_id="sensor-1@lab")
        self.assertEqual(ok.connack[0], 0)
        time.sleep(0.3)
        self.assertFalse([m for m in app.messages() if m.json().get("subject") == "state"])
        log = self.d.log()
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(WRONG, log)

    def test_connection_events(self):
        app = self.app()
        dev = self.device("sensor-1@lab")
        e = app.wait_message(lambda m: m.json().get("type") == "io.drogue.connection.v1").json()
        self.assertEqual((e["subject"], e["device"], e["data"]), ("connection", "sensor-1", {"connected": True}))
        dev.leave()
        app.wait_message(lambda m: m.json().get("type") == "io.drogue.connection.v1"
                         and m.json()["data"] == {"connected": False}, what="disconnected event")

    def test_command_reaches_connected_device(self):
        dev = self.device("sensor-1@lab")
        dev.subscribe("command/inbox/#", qos=1)
        app = self.client()
        self.assertEqual(rc(app.publish("command/lab/sensor-1/setLevel", b'{"level": 3}', qos=1)), 0)
        m = dev.wait_message(lambda m: m.topic.startswith("command/inbox/"))
        self.assertEqual(m.topic, "command/inbox//setLevel")
        self.assertEqual(m.payload, b'{"level": 3}')

    def test_mosquitto_sub_device_receives_mosquitto_pub_command(self):
        sub = subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.d.device_port), "-V", "5",
                                "-u", "sensor-2@lab", "-P", PASSWORD, "-t", "command/inbox/sensor-2/#", "-C", "1",
                                "-v", "-W", "10"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._procs.append(sub)
        self.d.wait_log(r"client .* connected as sensor-2@lab")
        time.sleep(0.2)  # the inbox attaches right after the SUBACK
        r = self.mosquitto("mosquitto_pub", ["-V", "5", "-q", "1", "-t", "command/lab/sensor-2/blink", "-m", "x2",
                                             "-d"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("RC:0", r.stdout)
        out, _ = sub.communicate(timeout=10)
        self.assertEqual(out.strip(), "command/inbox/sensor-2/blink x2")

    def test_queued_command_delivered_on_connect(self):
        app = self.client()
        self.assertEqual(rc(app.publish("command/lab/sensor-1/later", b"queued-payload", qos=1)), 0)
        dev = self.device("sensor-1@lab")
        dev.subscribe("command/inbox//#", qos=0)
        m = dev.wait_message(lambda m: m.topic == "command/inbox//later")
        self.assertEqual(m.payload, b"queued-payload")

    def raw_device(self, name, version=5):
        r = self.raw(version=version, port=self.d.device_port)
        _, code, _ = r.connect("raw-%s" % uuid.uuid4().hex[:8], username=name, password=PASSWORD)
        self.assertEqual(code, 0)
        return r

    def test_qos1_device_acknowledgement_answers_the_sender(self):
        dev = self.raw_device("sensor-1@lab")
        _, codes, _ = dev.subscribe([("command/inbox//#", 1)])
        self.assertEqual(codes, [1])  # QoS 1 granted: commands wait for the device's PUBACK
        app = self.client()
        time.sleep(0.2)  # the inbox attaches right after the SUBACK

        # accepted: the application's PUBACK comes only after the device's
        info = app.publish("command/lab/sensor-1/setLevel", b'{"level": 3}', qos=1, wait=False)
        p = dev.expect(PT.PUBLISH).publish()
        self.assertEqual((p["topic"], p["qos"], p["payload"]), ("command/inbox//setLevel", 1, b'{"level": 3}'))
        time.sleep(0.3)
        self.assertIsNone(app.c.acks.get(info.mid), "PUBACK before the device acknowledged")
        dev.send(ack_packet(PT.PUBACK, p["packet_id"], 0))
        acks = wait_for(lambda: app.c.acks.get(info.mid), 5, "PUBACK")
        self.assertEqual(acks[0][1], 0)

        # refused by the device: its reason code and reason string reach the sender
        info = app.publish("command/lab/sensor-1/selfDestruct", b"{}", qos=1, wait=False)
        p = dev.expect(PT.PUBLISH).publish()
        dev.send(packet(PT.PUBACK, 0, struct.pack("!HB", p["packet_id"], 0x83)
                        + encode_properties([(31, "no such setting")])))
        acks = wait_for(lambda: app.c.acks.get(info.mid), 5, "PUBACK")
        self.assertEqual(acks[0][1], 0x83)
        self.assertIn("no such setting", acks[0][2])
        self.assertIn("device sensor-1@lab refused command 'selfDestruct'", self.d.log())

    def test_command_not_acknowledged_before_disconnect_is_queued_again(self):
        dev = self.raw_device("sensor-1@lab")
        dev.subscribe([("command/inbox//#", 1)])
        app = self.client()
        time.sleep(0.2)
        info = app.publish("command/lab/sensor-1/reboot", b"now", qos=1, wait=False)
        p = dev.expect(PT.PUBLISH).publish()
        self.assertEqual(p["topic"], "command/inbox//reboot")
        dev.close()  # gone without a PUBACK
        acks = wait_for(lambda: app.c.acks.get(info.mid), 5, "PUBACK")
        self.assertEqual(acks[0][1], 0)  # accepted: it waits for the device again
        again = self.device("sensor-1@lab")
        again.subscribe("command/inbox//#", qos=1)
        m = again.wait_message(lambda m: m.topic == "command/inbox//reboot")
        self.assertEqual(m.payload, b"now")

    def test_v311_device_at_qos1(self):
        dev = self.raw_device("sensor-2@lab", version=4)
        _, codes, _ = dev.subscribe([("command/inbox/#", 1)])
        self.assertEqual(codes, [1])
        app = self.client()
        time.sleep(0.2)
        info = app.publish("command/lab/sensor-2/blink", b"2", qos=1, wait=False)
        p = dev.expect(PT.PUBLISH).publish()
        self.assertEqual((p["topic"], p["qos"]), ("command/inbox//blink", 1))
        dev.send(ack_packet(PT.PUBACK, p["packet_id"], version=4))
        self.assertEqual(wait_for(lambda: app.c.acks.get(info.mid), 5, "PUBACK")[0][1], 0)

    def test_commands_for_unknown_or_disabled_devices_refused(self):
        app = self.client()
        self.assertEqual(rc(app.publish("command/lab/nobody/x", b"1", qos=1)), 0x87)
        self.assertEqual(rc(app.publish("command/lab/off/x", b"1", qos=1)), 0x87)

    def test_newer_connection_takes_over(self):
        first = self.device("sensor-1@lab")
        second = self.device("sensor-1@lab")
        first.wait_closed(5)
        self.assertEqual(first.disconnect_rc, 0x8E)
        self.assertEqual(second.connack[0], 0)

    def test_will_becomes_event(self):
        app = self.app()
        dev = self.device("sensor-1@lab", will=("status", b'{"gone": true}', 0))
        dev.c._sock.close()  # no DISCONNECT: the will is due
        e = app.wait_message(lambda m: m.json().get("subject") == "status").json()
        self.assertEqual(e["data"], {"gone": True})
        self.assertEqual(e["device"], "sensor-1")



class CommandTtlTest(DeviceTestBase):
    """[commands] ttl: a queued command that waited longer than its TTL is not delivered."""

    def setUp(self):
        self.DROVERD_CONFIG = config() + "\n[commands]\nttl = 1\n"
        DroverdTestCase.setUp(self)

    def test_expired_command_not_delivered(self):
        app = self.client()
        self.assertEqual(rc(app.publish("command/lab/sensor-1/stale", b"too-late", qos=1)), 0)
        time.sleep(2.0)  # longer than the 1 s TTL
        dev = self.device("sensor-1@lab")
        dev.subscribe("command/inbox/#", qos=0)
        # a command sent now still arrives, and it is the only one
        self.assertEqual(rc(app.publish("command/lab/sensor-1/fresh", b"on-time", qos=1)), 0)
        m = dev.wait_message(lambda m: m.topic.startswith("command/inbox/"))
        self.assertEqual((m.topic, m.payload), ("command/inbox//fresh", b"on-time"))
        time.sleep(0.3)
        self.assertEqual([m.topic for m in dev.messages()], ["command/inbox//fresh"])
        self.assertIn("stale", self.d.log())  # the log says which command expired



class LabExampleTest(DroverdTestCase):
    """resources/examples/lab.toml works as the README's walkthrough says."""
    DROVERD_ARGS = ()

    def setUp(self):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(root, "resources", "examples", "lab.toml")) as f:
            self.DROVERD_CONFIG = f.read()
        super().setUp()

    def test_walkthrough(self):
        app = self.client()
        app.subscribe("app/lab", qos=1)
        r = mosquitto("mosquitto_pub", self.d.device_port, ["-V", "5", "-q", "1", "-u", "sensor-1@lab",
                                                             "-P", "lab-password", "-t", "state", "-m", '{"t": 1}'])
        self.assertEqual(r.returncode, 0, r.stderr)
        e = app.wait_message(lambda m: m.json().get("subject") == "state").json()
        self.assertEqual((e["device"], e["data"]), ("sensor-1", {"t": 1}))
        self.assertNotIn("lab-password", self.d.log())


if __name__ == "__main__":
    unittest.main()
