"""The console `drover` as a gateway: offscreen, it runs the embedded gateway with the demo
on the same options as droverd, so real MQTT peers on its listeners see what the console
shows. Real peers: paho and mosquitto_pub."""

import os
import socket
import subprocess
import tempfile
import time
import unittest

from harness import DroverdTestCase, find_tool, wait_for


def console(args, timeout=20, env=None):
    return subprocess.run([find_tool("drover")] + list(args), capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {})))


class ConsoleGatewayTest(DroverdTestCase):
    START_DROVERD = False

    def start_console(self, *args):
        home = tempfile.mkdtemp(prefix="drover-console-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", home]))
        # a private settings home: the console keeps its history and profiles there
        env = {"QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": home, "HOME": home}
        self.d = self.start_droverd(args, binary=find_tool("drover"), env=env, log_level="info")
        return self.d

    def test_offscreen_console_serves_the_embedded_gateway(self):
        self.start_console("--demo-rate", "10")
        self.d.wait_log(r"console ready: embedded gateway")
        app = self.client(version=5)
        self.assertEqual(app.subscribe("app/demo", qos=1)[0], [1])
        e = app.wait_message(lambda m: m.json()["subject"] == "state", what="a demo event").json()
        self.assertEqual(e["type"], "io.drogue.event.v1")
        self.assertEqual(e["application"], "demo")
        self.assertIn("temperature", e["data"])
        # commands work on its listener too, answered by the demo device
        acks = app.publish("command/demo/device-3/setTemperature", b'{"value": 18.5}', qos=1)
        self.assertEqual(acks[0][1], 0)
        n = app.count()
        app.wait_message(lambda m: m.json()["device"] == "device-3"
                         and m.json()["data"].get("targetTemperature") == 18.5, start=n, what="the effect")
        # its own window is a client of the same gateway (in-process)
        self.assertRegex(self.d.log(), r"client drover-console-\w+ \(in-process console\) connected as anonymous")

    def test_no_demo(self):
        self.start_console("--no-demo")
        self.d.wait_log(r"console ready")
        self.assertNotIn("demo application", self.d.log())
        app = self.client(version=5)
        self.assertEqual(app.subscribe("app/demo", qos=0)[0], [0x87])

    def test_taken_port_costs_only_that_listener(self):
        # a droverd (or anything) on the port already: the console runs, without that listener
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        self.addCleanup(holder.close)
        port = holder.getsockname()[1]
        d = self.start_console_raw("--mqtt", "127.0.0.1:%d" % port, "--device-mqtt", "127.0.0.1:0",
                                   "--device-http", "127.0.0.1:0")
        d.wait_log(r"cannot listen for MQTT on 127\.0\.0\.1:%d: .* - running without that listener" % port)
        d.wait_log(r"demo application demo ready")
        d.wait_log(r"console ready: embedded gateway")

    def start_console_raw(self, *args):
        """The console with exactly these listener options (no harness defaults)."""
        home = tempfile.mkdtemp(prefix="drover-console-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", home]))
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=home, HOME=home)
        p = subprocess.Popen([find_tool("drover")] + list(args) + ["--log-level", "info"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        self._procs.append(p)
        lines = []

        class Log:
            def wait_log(self_, pattern, timeout=10.0):
                import re
                import select
                rx = re.compile(pattern)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if any(rx.search(line) for line in lines):
                        return
                    ready, _, _ = select.select([p.stdout], [], [], 0.1)
                    if ready:
                        line = p.stdout.readline().decode("utf-8", "replace")
                        if line:
                            lines.append(line)
                self.fail("no log line /%s/ in:\n%s" % (pattern, "".join(lines)))
        return Log()

    def test_usage(self):
        r = console(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--mqtt", r.stdout)
        self.assertIn("--device-mqtt", r.stdout)
        self.assertIn("--config", r.stdout)
        r = console(["--bogus"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("bogus", r.stderr)
        r = console(["--mqtt", "nonsense"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--mqtt nonsense", r.stderr)

    def test_screenshot(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "console.png")
            r = console(["--mqtt", "127.0.0.1:0", "--device-mqtt", "127.0.0.1:0", "--device-http", "127.0.0.1:0",
                         "--screenshot", path, "--screenshot-after", "2"], env={"XDG_CONFIG_HOME": tmp})
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
