"""droverd's command line, configuration file errors, exit codes and signals."""

import re
import signal
import socket
import time
import unittest
import uuid

from harness import PT, P_SERVER_KEEP_ALIVE, DroverdTestCase, RawClient, run_droverd

OPTIONS = ("--config", "--mqtt", "--demo", "--demo-rate", "--demo-devices", "--log-level", "--help", "--version")


class CommandLineTest(DroverdTestCase):
    START_DROVERD = False

    def test_help_mentions_every_option(self):
        res = run_droverd(["--help"])
        self.assertEqual(res.returncode, 0, res.stderr)
        for option in OPTIONS:
            self.assertIn(option, res.stdout, "--help does not mention %s" % option)
        for topic in ("app/<application>", "$share/<group>/app/<application>",
                      "command/<application>/<device>/<command>", "content-mode", "start="):
            self.assertIn(topic, res.stdout)

    def test_version(self):
        res = run_droverd(["--version"])
        self.assertEqual(res.returncode, 0)
        self.assertRegex(res.stdout, r"droverd \d+\.\d+\.\d+")

    def assertUsageError(self, args, pattern, config=None):
        res = run_droverd(args, config=config)
        self.assertEqual(res.returncode, 2, "droverd %s: exit %d, stderr %r" % (args, res.returncode, res.stderr))
        self.assertRegex(res.stderr, pattern)
        return res

    def test_unknown_key_in_config(self):
        config = 'instance = "it"\n\n[session]\nmax-inflight = 10\nmax-inflite = 5\n'
        res = self.assertUsageError([], r"drover\.toml:5:1: session\.max-inflite: unknown key", config)
        self.assertIn("max-inflight", res.stderr, "the message lists the allowed keys")

    def test_unknown_top_level_key(self):
        self.assertUsageError([], r"drover\.toml:2:1: colour: unknown key", '\ncolour = "blue"\n')

    def test_wrong_type_in_config(self):
        config = '[retention]\nmax-events = 10\n\n[session]\nmax-inflight = "5"\n'
        self.assertUsageError([], r"drover\.toml:5:\d+: session\.max-inflight: expected an integer", config)

    def test_out_of_range_and_bad_values_in_config(self):
        self.assertUsageError([], r"drover\.toml:2:\d+: session\.max-inflight: expected an integer from 1",
                              "[session]\nmax-inflight = 0\n")
        self.assertUsageError([], r"drover\.toml:3:\d+: application\[0\]\.anonymous\[1\]",
                              '[[application]]\nname = "lab"\nanonymous = ["read", "write"]\n')
        self.assertUsageError([], r"drover\.toml:1:\d+: listener", '[listener]\naddress = "127.0.0.1:0"\n')
        self.assertUsageError([], r"drover\.toml:1:\d+: ", "x = \n")
        self.assertUsageError([], r"application\[1\]\.name: duplicate application name \"lab\"",
                              '[[application]]\nname = "lab"\n[[application]]\nname = "lab"\n')

    def test_unreadable_config(self):
        self.assertUsageError(["--config", "/nonexistent/drover-it.toml"], r"cannot read /nonexistent/drover-it.toml")

    def test_bad_mqtt_address(self):
        for value in ("nonsense", "127.0.0.1:99999", "broker:1883", "127.1:1883", "127.0.0.1", ":1883"):
            self.assertUsageError(["--mqtt", value], r"--mqtt %s" % re.escape(value))

    def test_bad_option_values(self):
        self.assertUsageError(["--demo-rate", "0"], r"--demo-rate")
        self.assertUsageError(["--demo-rate", "fast"], r"--demo-rate")
        self.assertUsageError(["--demo-devices", "0"], r"--demo-devices")
        self.assertUsageError(["--demo-devices", "1001"], r"--demo-devices")
        self.assertUsageError(["--log-level", "loud"], r"--log-level")
        self.assertUsageError(["extra-argument"], r"unexpected argument")

    def test_unknown_option_is_usage_error(self):
        # "Exit 2 for a usage error": an unknown option, or one missing its value, is one.
        self.assertUsageError(["--bogus"], r"bogus")
        self.assertUsageError(["--mqtt"], r"mqtt")

    def test_cannot_listen_exits_1(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        self.addCleanup(blocker.close)
        port = blocker.getsockname()[1]
        res = run_droverd(["--mqtt", "127.0.0.1:%d" % port])
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("cannot listen for MQTT on 127.0.0.1:%d" % port, res.stderr)

    def test_several_listeners(self):
        d = self.start_droverd(["--mqtt", "127.0.0.1:0", "--demo"])
        ports = [int(p) for p in re.findall(r"listening for MQTT on mqtt://127\.0\.0\.1:(\d+)", d.log())]
        self.assertEqual(len(ports), 2)
        for port in ports:
            r = RawClient(port, 5)
            self.assertEqual(r.connect("multi-%d" % port)[1], 0)
            r.close()


class SignalsTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "50")

    def test_sigterm_disconnects_v5_with_0x8b_and_exits_0(self):
        v5 = self.raw(5)
        self.assertEqual(v5.connect("sig-v5")[1], 0)
        v5.subscribe([("app/demo", 1)])
        v3 = self.raw(4)
        self.assertEqual(v3.connect("sig-v3")[1], 0)
        paho = self.client(version=5)
        paho.subscribe("app/demo")
        self.d.send_signal(signal.SIGTERM)
        closed, packets = v5.read_until_closed(5)
        self.assertTrue(closed)
        self.assertEqual([p.reason()[0] for p in packets if p.type == PT.DISCONNECT], [0x8B])
        closed, packets = v3.read_until_closed(5)
        self.assertTrue(closed)
        self.assertEqual([p for p in packets if p.type != PT.PUBLISH], [])
        self.assertEqual(paho.wait_closed(5), 0x8B)
        self.assertEqual(self.d.wait_exit(5), 0)
        self.assertIn("stopped", self.d.log())

    def test_sigint_exits_0(self):
        c = self.client(version=5)
        c.subscribe("app/demo")
        c.wait_count(2)
        self.assertEqual(self.d.stop(sig=signal.SIGINT), 0)
        self.assertEqual(c.wait_closed(5), 0x8B)

    def test_sigterm_with_stuck_client_exits_0(self):
        stuck = self.raw(5, rcvbuf=4096)
        stuck.connect("sig-stuck")
        stuck.subscribe([("app/demo", 0)])  # never reads
        c = self.client(version=5)
        c.subscribe("app/demo")
        c.wait_count(200)  # the stuck connection has backed up meanwhile
        t0 = time.monotonic()
        self.assertEqual(self.d.stop(), 0)
        self.assertLess(time.monotonic() - t0, 5.0, "shutdown waited too long for a client that doesn't read")

    def test_sighup_keeps_running(self):
        c = self.client(version=5)
        c.subscribe("app/demo")
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log("SIGHUP")
        n = c.count()
        c.wait_count(n + 10)
        self.assertTrue(self.d.running())


LAB_CONFIG = """
instance = "it-instance"

[session]
max-keep-alive = 5
max-inflight = 20

[[application]]
name = "lab"
anonymous = ["read"]

[[application]]
name = "closed"

[[application]]
name = "ctl"
anonymous = ["command"]
"""


class ConfigTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "50")
    DROVERD_CONFIG = LAB_CONFIG

    def test_read_only_application(self):
        c = self.client(version=5)
        codes, props = c.subscribe([("app/lab", 1), ("app/closed", 1), ("app/ctl", 1), ("app/nope", 1),
                                    ("app/demo", 1)])
        self.assertEqual(codes, [1, 0x87, 0x87, 0x87, 1])
        acks = c.publish("command/lab/device-1/setTemperature", '{"value": 1}', qos=1)
        self.assertEqual(acks[0][1], 0x87)
        self.assertIn("not authorized", acks[0][2])
        acks = c.publish("command/closed/device-1/setTemperature", '{"value": 1}', qos=1)
        self.assertEqual(acks[0][1], 0x87)
        v3 = self.client(version=4)
        codes, _ = v3.subscribe([("app/lab", 0), ("app/closed", 0)])
        self.assertEqual(codes, [0, 0x80])

    def test_read_only_application_mosquitto(self):
        res = self.mosquitto("mosquitto_sub", ["-V", "5", "-t", "app/lab", "-C", "1", "-W", "2", "-d"])
        self.assertIn("Subscribed (mid: 1): 0", res.stdout)
        res = self.mosquitto("mosquitto_pub", ["-V", "5", "-q", "1", "-d", "-t", "command/lab/d1/setTemperature",
                                               "-m", "{}"])
        self.assertIn("received PUBACK (Mid: 1, RC:135)", res.stdout)

    def test_instance_and_session_limits(self):
        c = self.client(version=5)
        c.subscribe("app/demo")
        self.assertEqual(c.wait_count(1)[0].json()["instance"], "it-instance")
        r = self.raw(5)
        _, code, props = r.connect("cfg-%s" % uuid.uuid4().hex[:6], keepalive=0)
        self.assertEqual(props.get(P_SERVER_KEEP_ALIVE), 5)
        r.subscribe([("app/demo", 1)])
        count = 0
        deadline = time.monotonic() + 1.0  # 150 events are produced meanwhile
        while time.monotonic() < deadline:
            p = r.recv_packet(max(0.0, deadline - time.monotonic()))
            if p is not None and p.type == PT.PUBLISH:
                count += 1
        self.assertEqual(count, 20, "max-inflight = 20 must cap QoS 1 deliveries in flight")


DEMO_IN_LAB = """
[demo]
enabled = true
application = "lab"
devices = 2
rate = 40.0

[[application]]
name = "lab"
anonymous = ["read"]
"""


class DemoConfigTest(DroverdTestCase):
    DROVERD_ARGS = ()
    DROVERD_CONFIG = DEMO_IN_LAB

    def test_demo_in_configured_application(self):
        c = self.client(version=5)
        codes, _ = c.subscribe([("app/lab", 0), ("app/demo", 0)])
        self.assertEqual(codes, [0, 0x87])
        msgs = c.wait_count(20)
        self.assertEqual({m.json()["source"] for m in msgs}, {"drogue://lab/device-1", "drogue://lab/device-2"})
        # the application's own policy applies: read-only
        acks = c.publish("command/lab/device-1/setTemperature", '{"value": 1}', qos=1)
        self.assertEqual(acks[0][1], 0x87)


if __name__ == "__main__":
    unittest.main()
