"""TLS (--mqtts, --device-mqtts, --wss, --device-wss): real clients over TLS against droverd
--demo with certificates the openssl command line makes for this module: mosquitto_sub and
mosquitto_pub (--cafile), MQTT.js over wss (tests/js/ws_client.mjs), paho over mqtts and
over WebSockets with TLS; devices over TLS and wss; client certificates; a plain client on
the TLS port; certificate reload with SIGHUP; and the startup errors of unusable files."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest
import uuid

from harness import (HOST, DroverdTestCase, JsClient, connect_packet, find_droverd, note_tool_credentials, run_droverd,
                     used_secret, wait_for)

PASSWORD = "tls-password-%s" % uuid.uuid4().hex[:8]
PASSPHRASE = "tls-passphrase-%s" % uuid.uuid4().hex[:8]
used_secret(PASSWORD, PASSPHRASE)  # for the suite-wide grep of every log (test_99_secrets)
PKI = None  # the folder of this module's certificates (setUpModule)
HASH = None


def openssl(*args, cwd):
    out = subprocess.run(["openssl"] + list(args), cwd=cwd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, "openssl %s: %s" % (" ".join(args), out.stderr)


def make_pki(folder):
    """root -> intermediate -> server (127.0.0.1, localhost; server-chain.pem = server then
    intermediate), root2 -> server2 (the reloaded one), devices-ca -> device (a client
    certificate), rogue-ca -> rogue (a client certificate of another CA); server-enc.key is
    server.key under PASSPHRASE (in passphrase.txt)."""
    ca_ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
    server_ext = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                  "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    client_ext = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"

    def key(name):
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key",
                cwd=folder)

    def root(name, cn):
        key(name)
        openssl("req", "-x509", "-new", "-key", name + ".key", "-out", name + ".pem", "-days", "2", "-subj",
                "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)

    def issue(name, cn, issuer, ext, serial):
        key(name)
        with open(os.path.join(folder, name + ".ext"), "w") as f:
            f.write(ext)
        openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=folder)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                "-set_serial", str(serial), "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem",
                cwd=folder)

    root("root", "Drover IT Root")
    issue("intermediate", "Drover IT Intermediate", "root", ca_ext, 2)
    issue("server", "localhost", "intermediate", server_ext, 3)
    with open(os.path.join(folder, "server-chain.pem"), "w") as out:
        for part in ("server.pem", "intermediate.pem"):
            with open(os.path.join(folder, part)) as f:
                out.write(f.read())
    with open(os.path.join(folder, "passphrase.txt"), "w") as f:
        f.write(PASSPHRASE + "\n")
    openssl("pkey", "-in", "server.key", "-aes256", "-passout", "pass:" + PASSPHRASE, "-out", "server-enc.key",
            cwd=folder)
    root("root2", "Drover IT Root 2")
    issue("server2", "localhost", "root2", server_ext, 4)
    root("devices-ca", "Drover IT Devices CA")
    issue("device", "sensor-1", "devices-ca", client_ext, 5)
    root("rogue-ca", "Rogue CA")
    issue("rogue", "sensor-1", "rogue-ca", client_ext, 6)


def setUpModule():
    global PKI, HASH
    PKI = tempfile.mkdtemp(prefix="drover-it-pki-")
    make_pki(PKI)
    out = subprocess.run([find_droverd(), "hash-password"], input=PASSWORD, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    HASH = out.stdout.strip()


def tearDownModule():
    if PKI and not os.environ.get("DROVER_IT_KEEP"):
        shutil.rmtree(PKI, ignore_errors=True)


def pki(name):
    return os.path.join(PKI, name)


def lab_config(tls=""):
    return """
[[application]]
name = "lab"
anonymous = ["read", "command"]
  [[application.device]]
  name = "sensor-1"
  password-hash = "{h}"
{tls}
""".format(h=HASH, tls=tls)


def rc(acks):
    """Reason code of the first acknowledgement of a paho QoS 1 publish."""
    assert acks, "no acknowledgement"
    return acks[0][1]


def mosquitto_tls(tool, port, args, cafile, timeout=20.0):
    """mosquitto_sub/mosquitto_pub over TLS. The host is "localhost" (the certificate's DNS
    name): libmosquitto checks the certificate against the host as a name, never as an IP
    address."""
    cmd = [tool, "-h", "localhost", "-p", str(port), "--cafile", cafile] + list(args)
    note_tool_credentials(args)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


TLS_LISTENERS = ("--mqtts", "127.0.0.1:0", "--wss", "127.0.0.1:0", "--device-mqtts", "127.0.0.1:0",
                 "--device-wss", "127.0.0.1:0")


class TlsTest(DroverdTestCase):
    """droverd --demo with all four TLS listeners, the certificate from the command line."""

    def setUp(self):
        self.DROVERD_ARGS = ("--demo", "--demo-rate", "20") + TLS_LISTENERS + (
            "--tls-cert", pki("server-chain.pem"), "--tls-key", pki("server.key"))
        self.DROVERD_CONFIG = lab_config()
        super().setUp()
        for attribute in ("mqtts_port", "device_mqtts_port", "wss_port", "device_wss_port"):
            self.assertIsNotNone(getattr(self.d, attribute), "no listening line for %s in the log" % attribute)

    def tls_client(self, port, **kw):
        kw.setdefault("ca_certs", pki("root.pem"))
        return self.client(port=port, **kw)

    def js(self):
        c = JsClient()
        self._clients.append(c)
        return c

    # (a) mosquitto over TLS

    def test_mosquitto_sub_and_pub_over_tls(self):
        sub = mosquitto_tls("mosquitto_sub", self.d.mqtts_port, ["-V", "5", "-t", "app/demo", "-C", "3", "-W", "15"],
                            pki("root.pem"))
        self.assertEqual(sub.returncode, 0, sub.stderr)
        events = [json.loads(line) for line in sub.stdout.splitlines() if line.strip()]
        self.assertEqual(len(events), 3, sub.stdout)
        for e in events:
            self.assertEqual(e["application"], "demo")
            self.assertEqual(e["specversion"], "1.0")

        # A command over TLS: PUBACK 0, and its effect in a later event (seen over TLS too).
        watcher = self.tls_client(self.d.mqtts_port)
        watcher.subscribe("app/demo/device-1", qos=1)
        n = watcher.count()
        pub = mosquitto_tls("mosquitto_pub", self.d.mqtts_port,
                            ["-V", "5", "-q", "1", "-t", "command/demo/device-1/setTemperature", "-m",
                             '{"value": 27.5}', "-d"], pki("root.pem"))
        self.assertEqual(pub.returncode, 0, pub.stderr)
        self.assertRegex(pub.stdout, r"received PUBACK \(Mid: \d+, RC:0\)")
        watcher.wait_message(lambda m: m.json()["data"].get("targetTemperature") == 27.5, start=n,
                             what="an event with targetTemperature 27.5")
        self.d.wait_log(r"tls 127\.0\.0\.1:\d+ encrypted: TLS 1\.3, ")  # debug: version and cipher

    def test_mosquitto_with_the_wrong_ca_fails(self):
        sub = mosquitto_tls("mosquitto_sub", self.d.mqtts_port, ["-V", "5", "-t", "app/demo", "-C", "1", "-W", "5"],
                            pki("root2.pem"))
        self.assertNotEqual(sub.returncode, 0, sub.stdout)
        self.d.wait_log(r"tls 127\.0\.0\.1:\d+ TLS handshake failed: .*unknown ca")
        self.assertServing()

    # (b) MQTT.js over wss

    def test_mqttjs_over_wss(self):
        js = self.js()
        url = "wss://%s:%d/mqtt" % (HOST, self.d.wss_port)
        connack = js.connect(url, version=5, client_id="js-%s" % uuid.uuid4().hex[:8], ca=pki("root.pem"))
        self.assertEqual(connack["type"], "connack", connack)
        self.assertEqual(connack["reasonCode"], 0)
        self.assertEqual(js.subscribe("app/demo", qos=1)["granted"], [1])
        m = js.wait_message(lambda m: m["topic"] == "app/demo", what="an event of the demo over wss")
        self.assertEqual(json.loads(m["payload"])["application"], "demo")
        start = len(js.messages())
        ack = js.publish("command/demo/device-2/setTemperature", '{"value": 19}', qos=1)
        self.assertEqual(ack["reasonCode"], 0, ack)
        js.wait_message(lambda m: json.loads(m["payload"])["device"] == "device-2"
                        and json.loads(m["payload"])["data"].get("targetTemperature") == 19,
                        start=start, what="an event of device-2 with targetTemperature 19")
        self.d.wait_log(r"wss 127\.0\.0\.1:\d+ opened /mqtt with subprotocol mqtt")

    def test_mqttjs_without_the_ca_refuses_the_server(self):
        js = self.js()
        report = js.connect("wss://%s:%d/mqtt" % (HOST, self.d.wss_port), version=5)
        self.assertNotEqual(report["type"], "connack", report)

    # (c) paho over WebSockets with TLS, and over mqtts

    def test_paho_over_wss_and_mqtts(self):
        for port, transport in ((self.d.wss_port, "websockets"), (self.d.mqtts_port, "tcp")):
            for version in (5, 311):
                c = self.tls_client(port, version=version, transport=transport)
                codes, _ = c.subscribe("app/demo/device-3", qos=1)
                self.assertEqual(codes, [1])
                c.wait_message(lambda m: m.topic == "app/demo/device-3", what="an event over %s" % transport)
                value = {5: 22.5, 311: -1.5}[version] + (10 if transport == "tcp" else 0)
                n = c.count()
                acks = c.publish("command/demo/device-3/setTemperature", json.dumps({"value": value}), qos=1)
                self.assertEqual(rc(acks), 0, acks)
                c.wait_message(lambda m: m.json()["data"].get("targetTemperature") == value, start=n,
                               what="an event with targetTemperature %s" % value)
                c.close()

    # (d) a device over TLS and over wss

    def test_device_publishes_over_tls_and_wss(self):
        app = self.tls_client(self.d.mqtts_port)
        app.subscribe("app/lab", qos=1)
        pub = mosquitto_tls("mosquitto_pub", self.d.device_mqtts_port,
                            ["-V", "5", "-q", "1", "-u", "sensor-1@lab", "-P", PASSWORD, "-t", "state", "-m",
                             '{"temperature": 21.5, "via": "mqtts"}'], pki("root.pem"))
        self.assertEqual(pub.returncode, 0, pub.stderr)
        device = self.tls_client(self.d.device_wss_port, transport="websockets", username="sensor-1@lab",
                                 password=PASSWORD)
        acks = device.publish("state", json.dumps({"temperature": 22.0, "via": "wss"}), qos=1)
        self.assertEqual(rc(acks), 0, acks)
        for via in ("mqtts", "wss"):
            m = app.wait_message(lambda m, via=via: m.json().get("data", {}).get("via") == via,
                                 what="the device's event over %s" % via)
            self.assertEqual(m.json()["device"], "sensor-1")
            self.assertEqual(m.json()["application"], "lab")
        # And a command back over its secure WebSocket.
        device.subscribe("command/inbox/#", qos=1)
        self.assertEqual(rc(app.publish("command/lab/sensor-1/blink", '{"times": 2}', qos=1)), 0)
        cmd = device.wait_message(lambda m: m.topic.endswith("/blink"), what="the command over wss")
        self.assertEqual(cmd.json(), {"times": 2})

    def test_device_wrong_password_over_tls(self):
        device = self.tls_client(self.d.device_mqtts_port, username="sensor-1@lab", password="wrong",
                                 expect_success=False)
        self.assertIsNotNone(device.connack)
        self.assertEqual(device.connack[0], 0x86)

    # (e) a plain client on a TLS port

    def test_plain_client_on_tls_port_is_disconnected(self):
        for port in (self.d.mqtts_port, self.d.wss_port, self.d.device_mqtts_port):
            s = socket.create_connection((HOST, port), timeout=5)
            self._clients.append(s)
            s.sendall(connect_packet("plain-%s" % uuid.uuid4().hex[:6], version=5))
            s.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
            self.assertFalse(data.startswith(b"\x20"), "a CONNACK over plain TCP on a TLS port")
        self.d.wait_log(r"tls 127\.0\.0\.1:\d+ TLS handshake failed: ")
        self.d.wait_log(r"wss 127\.0\.0\.1:\d+ TLS handshake failed: ")
        self.assertServing()
        c = self.tls_client(self.d.mqtts_port)
        c.subscribe("app/demo", qos=0)
        c.wait_message(lambda m: True, what="an event after the plain clients")


class TlsReloadTest(DroverdTestCase):
    """SIGHUP re-reads the certificate files: new connections get the new certificate,
    established ones go on; files that can't be used leave the running certificate."""

    START_DROVERD = False

    def setUp(self):
        super().setUp()
        self.live = tempfile.mkdtemp(prefix="drover-it-live-")
        self.addCleanup(shutil.rmtree, self.live, True)
        self.install("server-chain.pem", "server.key")

    def install(self, certificate, key):
        for source, target in ((certificate, "live.pem"), (key, "live.key")):
            shutil.copyfile(pki(source), os.path.join(self.live, target))

    def served_by(self, port, ca):
        """Whether a new TLS connection to port verifies against ca."""
        sub = mosquitto_tls("mosquitto_sub", port, ["-V", "5", "-t", "app/demo", "-C", "1", "-W", "10"], ca)
        return sub.returncode == 0

    def check_reload(self, d):
        old_sub = self.client(port=d.mqtts_port, ca_certs=pki("root.pem"))
        old_sub.subscribe("app/demo", qos=1)
        old_sub.wait_message(lambda m: True, what="an event before the reload")
        old_ws = self.client(port=d.wss_port, ca_certs=pki("root.pem"), transport="websockets")
        old_ws.subscribe("app/demo", qos=1)
        self.assertTrue(self.served_by(d.mqtts_port, pki("root.pem")))

        self.install("server2.pem", "server2.key")
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"TLS certificate reloaded: CN=localhost, valid until .* - new connections get it, "
                   r"established ones keep theirs")
        # New connections verify against the new root only.
        self.assertTrue(self.served_by(d.mqtts_port, pki("root2.pem")))
        self.assertFalse(self.served_by(d.mqtts_port, pki("root.pem")))
        js = JsClient()
        self._clients.append(js)
        connack = js.connect("wss://%s:%d/mqtt" % (HOST, d.wss_port), version=5, ca=pki("root2.pem"))
        self.assertEqual(connack.get("reasonCode"), 0, connack)
        # The connections made before keep receiving.
        for c in (old_sub, old_ws):
            n = c.count()
            c.wait_message(lambda m: True, start=n, what="an event after the reload")
            self.assertFalse(c.closed.is_set())

        # A broken file: the running certificate stays, and the log says why.
        with open(os.path.join(self.live, "live.pem"), "w") as f:
            f.write("not a certificate\n")
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"TLS certificate not reloaded, the running one stays: .*live\.pem: no PEM certificate in it")
        self.assertTrue(self.served_by(d.mqtts_port, pki("root2.pem")))
        n = old_sub.count()
        old_sub.wait_message(lambda m: True, start=n, what="an event after the failed reload")

    def test_reload_from_command_line_files(self):
        d = self.start_droverd(("--demo", "--demo-rate", "20") + TLS_LISTENERS + (
            "--tls-cert", os.path.join(self.live, "live.pem"), "--tls-key", os.path.join(self.live, "live.key")))
        self.check_reload(d)

    def test_reload_from_config_file(self):
        # [tls] in the configuration file, its paths relative to the file's folder: droverd's
        # temporary folder, a sibling of self.live.
        rel = "../" + os.path.basename(self.live)
        config = lab_config('[tls]\ncertificate = "{0}/live.pem"\nprivate-key = "{0}/live.key"\n'.format(rel))
        d = self.start_droverd(("--demo", "--demo-rate", "20") + TLS_LISTENERS, config=config)
        self.check_reload(d)


class ClientCertificateTest(DroverdTestCase):
    """[tls] client-ca with client-certificates = "required": devices present a certificate
    of the devices CA (and still log in with their password); applications are not asked."""

    def setUp(self):
        self.DROVERD_ARGS = ("--device-mqtts", "127.0.0.1:0", "--mqtts", "127.0.0.1:0")
        self.DROVERD_CONFIG = lab_config(
            '[tls]\ncertificate = "{c}"\nprivate-key = "{k}"\nprivate-key-passphrase-file = "{p}"\n'
            'client-ca = "{ca}"\nclient-certificates = "required"\n'.format(
                c=pki("server-chain.pem"), k=pki("server-enc.key"), p=pki("passphrase.txt"), ca=pki("devices-ca.pem")))
        super().setUp()

    def device_publish(self, *cert_args):
        return mosquitto_tls("mosquitto_pub", self.d.device_mqtts_port,
                             ["-V", "5", "-q", "1", "-u", "sensor-1@lab", "-P", PASSWORD, "-t", "state", "-m",
                              '{"via": "client certificate"}'] + list(cert_args), pki("root.pem"))

    def test_client_certificates(self):
        app = self.client(port=self.d.mqtts_port, ca_certs=pki("root.pem"))  # no certificate asked
        app.subscribe("app/lab", qos=1)
        self.assertNotEqual(self.device_publish().returncode, 0)  # none
        self.assertNotEqual(self.device_publish("--cert", pki("rogue.pem"), "--key", pki("rogue.key")).returncode, 0)
        self.d.wait_log(r"tls 127\.0\.0\.1:\d+ TLS handshake failed: ")
        good = self.device_publish("--cert", pki("device.pem"), "--key", pki("device.key"))
        self.assertEqual(good.returncode, 0, good.stderr)
        m = app.wait_message(lambda m: m.json().get("data", {}).get("via") == "client certificate",
                             what="the event of the device with its certificate")
        self.assertEqual(m.json()["device"], "sensor-1")
        # The refused ones published nothing (connection state events of the good one may come too).
        published = [m for m in app.messages() if m.json().get("data", {}).get("via") == "client certificate"]
        self.assertEqual(len(published), 1, [m.json() for m in app.messages()])
        self.d.wait_log(r"TLS device listeners ask for client certificates issued by .*devices-ca\.pem \(required\)")
        self.assertNotIn(PASSPHRASE, self.d.log())


class TlsStartupErrorsTest(unittest.TestCase):
    """Unusable TLS files are configuration errors: droverd exits with status 2 and names the
    file; a TLS listener without a certificate is refused where it is given."""

    def run_droverd(self, args, config=None):
        return run_droverd(["--mqtt", "127.0.0.1:0", "--device-mqtt", "127.0.0.1:0", "--device-http",
                            "127.0.0.1:0"] + list(args), config=config)

    def test_cli_listener_without_certificate(self):
        out = self.run_droverd(["--mqtts", "127.0.0.1:0"])
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("droverd: --mqtts 127.0.0.1:0: a TLS listener needs a certificate and its private key: "
                      "give --tls-cert FILE and --tls-key FILE", out.stderr)

    def test_file_listener_without_certificate(self):
        out = self.run_droverd([], config='[[listener]]\nkind = "device-wss"\naddress = "127.0.0.1:0"\n')
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertRegex(out.stderr, r"drover\.toml:2:8: listener\[0\]\.kind: \"device-wss\" listens with TLS: "
                                     r"set certificate and private-key in \[tls\]")

    def test_missing_certificate_file(self):
        out = self.run_droverd(["--wss", "127.0.0.1:0", "--tls-cert", pki("nope.pem"), "--tls-key", pki("server.key")])
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("droverd: cannot use the TLS certificate: cannot read %s: " % pki("nope.pem"), out.stderr)

    def test_key_of_another_certificate(self):
        out = self.run_droverd(["--mqtts", "127.0.0.1:0", "--tls-cert", pki("server-chain.pem"), "--tls-key",
                                pki("server2.key")])
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("droverd: cannot use the TLS certificate: %s: the private key does not belong to the "
                      "certificate in %s (CN=localhost)" % (pki("server2.key"), pki("server-chain.pem")), out.stderr)

    def test_encrypted_key_without_passphrase(self):
        out = self.run_droverd(["--mqtts", "127.0.0.1:0", "--tls-cert", pki("server-chain.pem"), "--tls-key",
                                pki("server-enc.key")])
        self.assertEqual(out.returncode, 2, out.stderr)
        self.assertIn("the private key is encrypted", out.stderr)
        self.assertNotIn("BEGIN", out.stderr)


if __name__ == "__main__":
    unittest.main()
