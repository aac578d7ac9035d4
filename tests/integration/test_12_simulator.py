"""Simulated devices as ordinary clients of the device endpoint: drover-sim against a
droverd with a lab configuration, and the --demo devices, which take the same path
in-process. Real peers: paho applications and mosquitto_pub on the integration API."""

import json
import os
import subprocess
import time
import unittest
import uuid

from harness import DroverdTestCase, find_tool, wait_for
from test_10_devices import PASSWORD, hash_password

SIM_DEVICES = ("sim-1", "sim-2", "sim-3")


def lab_config():
    h = hash_password(PASSWORD)
    devices = "".join('  [[application.device]]\n  name = "%s"\n  password-hash = "%s"\n' % (d, h)
                      for d in SIM_DEVICES)
    return '[[application]]\nname = "lab"\nanonymous = ["read", "command"]\n' + devices


def rc(acks):
    assert acks, "no acknowledgement"
    return acks[0][1]


class SimulatorTest(DroverdTestCase):
    DROVERD_ARGS = ()

    def setUp(self):
        self.DROVERD_CONFIG = lab_config()
        super().setUp()

    def sim(self, *args, password=PASSWORD, devices=3, rate=20):
        cmd = [find_tool("drover-sim"), "--url", "mqtt://127.0.0.1:%d" % self.d.device_port, "--application", "lab",
               "--device-prefix", "sim-", "--devices", str(devices), "--rate", str(rate)] + list(args)
        env = dict(os.environ, DROVER_SIM_PASSWORD=password)
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
        self._procs.append(p)
        return p

    def finish(self, p, timeout=20):
        out, err = p.communicate(timeout=timeout)
        return p.returncode, out, err

    def states(self, app, device):
        return [m.json() for m in app.messages()
                if m.json()["device"] == device and m.json()["subject"] == "state"]

    def test_devices_publish_and_obey_commands(self):
        app = self.client(version=5)
        app.subscribe("app/lab", qos=1)
        p = self.sim("--duration", "6", "--report", "1")
        for device in SIM_DEVICES:
            app.wait_message(lambda m, d=device: m.json()["device"] == d and m.json()["type"] ==
                             "io.drogue.connection.v1" and m.json()["data"] == {"connected": True},
                             what="%s connecting" % device)
            e = app.wait_message(lambda m, d=device: m.json()["device"] == d and m.json()["subject"] == "state",
                                 what="state of %s" % device).json()
            self.assertEqual(e["type"], "io.drogue.event.v1")
            self.assertEqual(e["datacontenttype"], "application/json")
            self.assertEqual(e["source"], "drogue://lab/%s" % device)
            self.assertIn("temperature", e["data"])
        # a command reaches the device; its PUBACK (after the device's) says it took it,
        # and its next events show the effect
        time.sleep(0.2)
        self.assertEqual(rc(app.publish("command/lab/sim-2/setTemperature", b'{"value": 42.5}', qos=1)), 0)
        n = app.count()
        app.wait_message(lambda m: m.json()["device"] == "sim-2" and m.json()["subject"] == "state"
                         and m.json()["data"].get("targetTemperature") == 42.5
                         and m.json()["data"].get("lastCommand") == "setTemperature", start=n,
                         what="sim-2 obeying setTemperature")
        # refusals come from the device itself, with its reason code and reason string
        acks = app.publish("command/lab/sim-1/setTemperature", b'{"value": 500}', qos=1)
        self.assertEqual(acks[0][1], 0x99)
        self.assertIn("between -50 and 100", acks[0][2])
        acks = app.publish("command/lab/sim-3/selfDestruct", b"{}", qos=1)
        self.assertEqual(acks[0][1], 0x83)
        self.assertIn("unknown command 'selfDestruct'", acks[0][2])
        # QoS 0 and 2 commands work as well
        self.assertEqual(app.publish("command/lab/sim-3/set-interval", b'{"value": 0.02}', qos=2)[0][1], 0)

        code, out, err = self.finish(p)
        self.assertEqual(code, 0, out + err)
        self.assertRegex(out, r"report t=\d")
        total = [line for line in out.splitlines() if line.startswith("total ")]
        self.assertEqual(len(total), 1, out)
        self.assertRegex(total[0], r"commands 2 obeyed, 2 refused")
        self.assertRegex(total[0], r" 0 refused, ")  # every event accepted
        published = int(total[0].split("events ")[1].split(" ")[0])
        self.assertGreater(published, 3 * 20)
        # every event the simulator counts as accepted reached the application's stream
        app.wait(lambda: sum(len(self.states(app, d)) for d in SIM_DEVICES) >= published, 5,
                 "all %d published events" % published)
        for device in SIM_DEVICES:
            seqs = [e["data"]["sequence"] for e in self.states(app, device)]
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "events of %s lost or reordered" % device)
        # they said goodbye
        app.wait_message(lambda m: m.json()["type"] == "io.drogue.connection.v1"
                         and m.json()["data"] == {"connected": False}, what="disconnection events")
        self.assertNotIn(PASSWORD, out + err + self.d.log())

    def test_mqtt311_at_qos0(self):
        app = self.client(version=5)
        app.subscribe("app/lab/sim-1", qos=0)
        p = self.sim("--mqtt-version", "3.1.1", "--qos", "0", "--duration", "2", "--report", "0", devices=1)
        app.wait_message(lambda m: m.json()["subject"] == "state", what="an event over MQTT 3.1.1")
        code, out, err = self.finish(p)
        self.assertEqual(code, 0, out + err)
        self.assertIn("(QoS 0, MQTT 3.1.1)", out)
        self.assertIn("MQTT 3.1.1", self.d.log())

    def test_refused_login_is_not_retried(self):
        wrong = "wrong-%s" % uuid.uuid4().hex[:8]
        p = self.sim("--duration", "3", "--report", "0", password=wrong, devices=2)
        code, out, err = self.finish(p)
        self.assertEqual(code, 1, out + err)
        self.assertIn("device sim-1 was refused", err)
        self.assertIn("Bad User Name or Password (0x86)", err)
        log = self.d.log()
        # each device tried once: refused credentials are not retried forever
        self.assertEqual(log.count("refused at CONNECT"), 2, log)
        self.assertNotIn(wrong, out + err + log)

    def test_load_as_fast_as_acknowledged(self):
        # rate 0: each device publishes whenever the endpoint's window has room; no timing
        # is asserted here (bench/ measures speed), only that nothing is refused or lost
        app = self.client(version=5)
        app.subscribe("app/lab", qos=0)
        p = self.sim("--duration", "2", "--report", "0", rate=0, devices=2)
        code, out, err = self.finish(p)
        self.assertEqual(code, 0, out + err)
        total = [line for line in out.splitlines() if line.startswith("total ")][0]
        published = int(total.split("events ")[1].split(" ")[0])
        accepted = int(total.split("published (")[1].split("), ")[1].split(" ")[0])
        self.assertGreater(published, 100, total)
        self.assertEqual(published, accepted, total)
        self.assertIn("0 refused", total)

    def test_usage_errors(self):
        tool = find_tool("drover-sim")
        for args, message in ((["--devices", "0", "--application", "lab"], "--devices must be"),
                              (["--application", "lab", "--url", "http://x:1"], "--url must be"),
                              (["--url", "mqtt://127.0.0.1:1"], "--application is required"),
                              (["--application", "lab", "--qos", "2"], "--qos must be 0 or 1")):
            r = subprocess.run([tool] + args, capture_output=True, text=True, timeout=10,
                               env=dict(os.environ, DROVER_SIM_PASSWORD="x"))
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(message, r.stderr)


class DemoDevicesTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "20")

    def test_demo_devices_are_clients_of_the_device_endpoint(self):
        log = self.d.wait_log(r"connected as device-3@demo").string
        for n in (1, 2, 3):
            self.assertRegex(log, r"client device-%d@demo \(in-process demo device-%d@demo\) connected as "
                                  r"device-%d@demo \(MQTT 5" % (n, n, n))
        # their connections are events like any device's; start=earliest replays them
        app = self.client(version=5)
        app.subscribe("app/demo", qos=1, user_properties=[("start", "earliest")])
        for n in (1, 2, 3):
            app.wait_message(lambda m, d="device-%d" % n: m.json()["device"] == d
                             and m.json()["type"] == "io.drogue.connection.v1", what="device-%d connecting" % n)
        # a command waits for the device's acknowledgement, which says how it went
        acks = app.publish("command/demo/device-1/setTemperature", b'{"value": 21}', qos=1)
        self.assertEqual(acks[0][1], 0)
        self.assertRegex(self.d.log(), r"device device-1 obeys setTemperature")

    def test_configured_device_of_the_same_name_is_not_simulated(self):
        # The configuration's own demo application keeps its rules and its device-1 (a real
        # board, say); the simulation leaves that name alone.
        h = hash_password(PASSWORD)
        d = self.start_droverd(("--demo", "--demo-rate", "20"), config='[[application]]\nname = "demo"\n'
                               'anonymous = ["read"]\n  [[application.device]]\n  name = "device-1"\n'
                               '  password-hash = "%s"\n' % h)
        d.wait_log(r"demo device device-1 is not simulated: application demo configures a device of that name")
        d.wait_log(r"connected as device-3@demo")
        self.assertNotIn("connected as device-1@demo", d.log())
        self.assertNotIn("anonymous clients may read and command it", d.log())
        app = self.client(version=5, port=d.port)
        app.subscribe("app/demo/device-2", qos=0)
        app.wait_message(lambda m: m.json()["subject"] == "state", what="device-2's state")
        acks = app.publish("command/demo/device-2/setTemperature", b"20", qos=1)
        self.assertEqual(acks[0][1], 0x87)  # anonymous may only read this demo application


if __name__ == "__main__":
    unittest.main()
