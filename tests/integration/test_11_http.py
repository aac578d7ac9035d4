"""The device HTTP endpoint: devices POST /v1/<channel> with basic auth <device>@<app>, the body
becomes a CloudEvent of the application, and ?ct=<seconds> long-polls for a command.

Real peers: curl as the device (python urllib where curl is awkward), paho and mosquitto_pub
as the application."""

import base64
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import DroverdTestCase, mosquitto
from test_10_devices import PASSWORD, WRONG, config


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body

    def __repr__(self):
        return "Response(%s, %r, %r)" % (self.status, self.headers, self.body[:200])


class HttpEndpointTest(DroverdTestCase):
    DROVERD_ARGS = ()

    def setUp(self):
        self.DROVERD_CONFIG = config()
        super().setUp()
        self.assertIsNotNone(self.d.http_port, "no 'listening for device HTTP' line in the log")

    # helpers
    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.d.http_port, path)

    def curl(self, path, body=b"", user="sensor-1@lab", password=PASSWORD, content_type=None, method="POST",
             timeout=20):
        """Runs curl; returns a Response with the status, headers and body bytes."""
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "body")
            with open(data, "wb") as f:
                f.write(body)
            out_headers = os.path.join(tmp, "headers")
            out_body = os.path.join(tmp, "out")
            cmd = ["curl", "-s", "-X", method, "-o", out_body, "-D", out_headers, "-w", "%{http_code}",
                   "--max-time", str(timeout)]
            if method == "POST":
                cmd += ["--data-binary", "@" + data]
            if user is not None:
                cmd += ["-u", "%s:%s" % (user, password)]
            # curl's default for --data-binary is a form type: say explicitly what we send.
            cmd += ["-H", "Content-Type:" + (" " + content_type if content_type else "")]
            r = subprocess.run(cmd + [self.url(path)], capture_output=True, timeout=timeout + 5)
            self.assertEqual(r.returncode, 0, r.stderr)
            headers = {}
            with open(out_headers, "rb") as f:
                for line in f.read().decode("latin-1").split("\r\n")[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
            with open(out_body, "rb") as f:
                return Response(int(r.stdout), headers, f.read())

    def app(self, topic="app/lab", **kw):
        c = self.client(version=5)
        c.subscribe(topic, qos=1, **kw)
        return c

    def command(self, device, name, payload):
        """An application sends a command with mosquitto_pub (QoS 1) and gets PUBACK 0."""
        r = mosquitto("mosquitto_pub", self.port, ["-d", "-V", "5", "-q", "1", "-t",
                                                   "command/lab/%s/%s" % (device, name), "-m", payload])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("received PUBACK", r.stdout)
        self.assertIn("RC:0", r.stdout)

    def assertAuthError(self, r, code):
        self.assertEqual(r.status, code, r)
        body = json.loads(r.body)
        self.assertEqual(body["code"], code)
        self.assertEqual(body["error"], "AuthenticationError")
        self.assertTrue(body["message"])

    # tests
    def test_post_becomes_cloudevent(self):
        app = self.app()
        payload = b'{"temp": 21.5, "via": "http"}'
        r = self.curl("/v1/state", payload, content_type="application/json")
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.body, b"")
        e = app.wait_message(lambda m: m.json().get("subject") == "state").json()
        self.assertEqual(e["type"], "io.drogue.event.v1")
        self.assertEqual(e["application"], "lab")
        self.assertEqual(e["device"], "sensor-1")
        self.assertEqual(e["sender"], "sensor-1")
        self.assertEqual(e["datacontenttype"], "application/json")
        self.assertEqual(e["data"], json.loads(payload))

    def test_binary_body_is_byte_exact(self):
        structured = self.app()
        binary = self.app(user_properties=[("content-mode", "binary")])
        blob = bytes(range(256)) * 4
        r = self.curl("/v1/raw/extra/levels", blob)  # extra path levels are allowed, as in Drogue
        self.assertEqual(r.status, 202, r)
        e = structured.wait_message(lambda m: m.json().get("subject") == "raw").json()
        self.assertEqual(e["datacontenttype"], "application/octet-stream")
        self.assertEqual(base64.b64decode(e["data_base64"]), blob)
        m = binary.wait_message(lambda m: m.user_properties().get("subject") == "raw")
        self.assertEqual(m.payload, blob)

    def test_declared_content_type_kept_and_bad_json_refused(self):
        app = self.app()
        r = self.curl("/v1/text", b"hello", content_type="text/plain")
        self.assertEqual(r.status, 202, r)
        e = app.wait_message(lambda m: m.json().get("subject") == "text").json()
        self.assertEqual(e["datacontenttype"], "text/plain")
        r = self.curl("/v1/bad", b"{not json", content_type="application/json")
        self.assertEqual(r.status, 406, r)
        time.sleep(0.3)
        self.assertFalse([m for m in app.messages() if m.json().get("subject") == "bad"])

    def test_gateway_as_other_device(self):
        app = self.app()
        r = self.curl("/v1/state?as=sensor-2", b'{"relayed": true}', user="gw-1@lab")
        self.assertEqual(r.status, 202, r)
        e = app.wait_message(lambda m: m.json().get("device") == "sensor-2").json()
        self.assertEqual(e["sender"], "gw-1")
        self.assertAuthError(self.curl("/v1/state?as=sensor-2", b"{}", user="sensor-1@lab"), 403)

    def test_refused_credentials_publish_nothing(self):
        app = self.app()
        self.assertAuthError(self.curl("/v1/state", b'{"x": 1}', password=WRONG), 403)
        self.assertAuthError(self.curl("/v1/state", b'{"x": 2}', user="nobody@lab"), 403)
        self.assertAuthError(self.curl("/v1/state", b'{"x": 3}', user="off@lab"), 403)  # disabled
        r = self.curl("/v1/state", b'{"x": 4}', user=None)
        self.assertAuthError(r, 401)
        self.assertEqual(r.headers.get("www-authenticate"), 'Basic realm="drover"')
        self.assertAuthError(self.curl("/v1/state", b'{"x": 5}', user="no-application"), 401)
        time.sleep(0.5)
        self.assertEqual([m for m in app.messages() if m.json().get("subject") == "state"], [])

    def test_other_paths_and_methods(self):
        self.assertEqual(self.curl("/v2/state", b"x").status, 404)
        self.assertEqual(self.curl("/v1/", b"x").status, 404)
        r = self.curl("/v1/state", method="GET")
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.headers.get("allow"), "POST")

    def test_body_over_max_packet_size_refused(self):
        r = self.curl("/v1/big", b"x" * (1024 * 1024 + 1))
        self.assertEqual(r.status, 413, r)

    def test_long_poll_receives_command(self):
        result = {}

        def poll():
            result["r"] = self.curl("/v1/state?ct=5", b'{"waiting": true}', content_type="application/json")

        app = self.app()
        t = threading.Thread(target=poll)
        t.start()
        # The event arrives once the request is accepted: only then does the wait begin.
        app.wait_message(lambda m: m.json().get("subject") == "state")
        start = time.monotonic()
        self.command("sensor-1", "x", '{"set": 42}')
        t.join(10)
        self.assertFalse(t.is_alive())
        r = result["r"]
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("command"), "x")
        self.assertEqual(r.body, b'{"set": 42}')
        self.assertLess(time.monotonic() - start, 3.0, "the command did not end the wait at once")

    def test_queued_command_returned_by_next_poll(self):
        self.command("sensor-1", "reboot", "now")  # nothing of sensor-1 is connected: queued
        r = self.curl("/v1/state?ct=5", b"{}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("command"), "reboot")
        self.assertEqual(r.body, b"now")
        # Taken: the next poll has nothing.
        start = time.monotonic()
        r = self.curl("/v1/state?ct=1", b"{}")
        self.assertEqual(r.status, 202, r)
        self.assertGreaterEqual(time.monotonic() - start, 0.9)

    def test_poll_abandoned_by_client_leaves_command_queued(self):
        # curl gives up after 1 s of a 30 s wait: the request ends with its connection, and a
        # command sent afterwards waits for the next poll instead of going to the dead one.
        r = subprocess.run(["curl", "-s", "--max-time", "1", "-u", "sensor-1@lab:" + PASSWORD, "--data-binary",
                            "{}", self.url("/v1/state?ct=30")], capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 28, r)  # curl: operation timed out
        time.sleep(0.2)
        self.command("sensor-1", "later", "payload")
        r = self.curl("/v1/state?ct=5", b"{}")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("command"), "later")
        self.assertEqual(r.body, b"payload")

    def test_poll_without_command_times_out_with_202(self):
        start = time.monotonic()
        r = self.curl("/v1/state?ct=2", b"{}")
        elapsed = time.monotonic() - start
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.body, b"")
        self.assertGreaterEqual(elapsed, 1.9)
        self.assertLess(elapsed, 5.0)

    def test_urllib_keep_alive_client(self):
        # urllib: a second, independent HTTP/1.1 client implementation.
        auth = base64.b64encode(("sensor-1@lab:%s" % PASSWORD).encode()).decode()
        req = urllib.request.Request(self.url("/v1/state"), data=b"\x00\x01", method="POST",
                                     headers={"Authorization": "Basic " + auth,
                                              "Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.status, 202)
        req = urllib.request.Request(self.url("/v1/state"), data=b"x", method="POST")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(cm.exception.code, 401)

    def test_password_never_logged(self):
        self.curl("/v1/state", b"{}")
        self.curl("/v1/state", b"{}", password=WRONG)
        self.curl("/v1/state?ct=1", b"{}")
        self.assertEqual(self.d.stop(), 0)
        log = self.d.log()
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(WRONG, log)
        self.assertNotIn(base64.b64encode(("sensor-1@lab:%s" % PASSWORD).encode()).decode(), log)


if __name__ == "__main__":
    unittest.main()
