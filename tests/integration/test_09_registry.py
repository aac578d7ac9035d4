"""The device registry: `droverd hash-password`, devices in the configuration file, SIGHUP
reloads, and that no password (or hash) ever reaches droverd's log."""

import os
import pty
import re
import select
import signal
import subprocess
import time
import unittest

from harness import DroverdTestCase, _die_with_parent, find_droverd, run_droverd, wait_for

HASH_RE = re.compile(r"^\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$")
SIGHUP_RE = re.compile(r"SIGHUP: .*")
PASSWORD = "it-s3cret-Passw0rd"
GATEWAY_PASSWORD = "it-gateway-Passw0rd"


def hash_password(data, args=(), timeout=30):
    """Runs `droverd hash-password` with data (bytes) on stdin; returns CompletedProcess (bytes)."""
    return subprocess.run([find_droverd(), "hash-password"] + list(args), input=data, capture_output=True,
                          timeout=timeout, preexec_fn=_die_with_parent)


def make_hash(test, password):
    res = hash_password(password.encode() + b"\n")
    test.assertEqual(res.returncode, 0, res.stderr)
    value = res.stdout.decode().strip()
    test.assertRegex(value, HASH_RE)
    return value


def lab_config(sensor_hash, gateway_hash, extra=""):
    """Line 12 is gw's password-hash, line 13 its gateway-for; extra starts on line 14."""
    return """
[[application]]
name = "lab"
anonymous = ["read"]

  [[application.device]]
  name = "sensor-1"
  password-hash = "%s"

  [[application.device]]
  name = "gw"
  password-hash = "%s"
  gateway-for = ["sensor-1"]
%s""" % (sensor_hash, gateway_hash, extra)


class HashPasswordTest(DroverdTestCase):
    START_DROVERD = False

    def test_hash_from_stdin(self):
        for data in (PASSWORD.encode() + b"\n", PASSWORD.encode(), PASSWORD.encode() + b"\r\nsecond line\n"):
            res = hash_password(data)
            self.assertEqual(res.returncode, 0, res.stderr)
            out = res.stdout.decode()
            self.assertTrue(out.endswith("\n"))
            self.assertRegex(out.strip(), HASH_RE)
            self.assertNotIn(PASSWORD, out + res.stderr.decode())

    def test_salted(self):
        self.assertNotEqual(make_hash(self, PASSWORD), make_hash(self, PASSWORD))

    def test_empty_password_exits_2(self):
        for data in (b"", b"\n", b"\r\n"):
            res = hash_password(data)
            self.assertEqual(res.returncode, 2, "input %r" % data)
            self.assertEqual(res.stdout, b"")
            self.assertIn(b"empty password", res.stderr)

    def test_too_long_password_exits_2(self):
        res = hash_password(b"x" * 65536 + b"\n")
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"65535", res.stderr)
        self.assertEqual(res.stdout, b"")

    def test_usage(self):
        res = hash_password(b"pw\n", ["--extra"])
        self.assertEqual(res.returncode, 2)
        self.assertIn(b"unexpected argument '--extra'", res.stderr)
        res = hash_password(b"", ["--help"])
        self.assertEqual(res.returncode, 0)
        self.assertIn(b"droverd hash-password", res.stdout)
        res = run_droverd(["--help"])
        self.assertEqual(res.returncode, 0)
        self.assertIn("hash-password", res.stdout)
        self.assertIn("SIGHUP", res.stdout)
        # Only as the first argument; elsewhere it is an ordinary usage error.
        res = run_droverd(["--log-level", "info", "hash-password"])
        self.assertEqual(res.returncode, 2)
        self.assertIn("hash-password must be the first argument", res.stderr)

    def test_terminal_prompts_without_echo(self):
        master, slave = pty.openpty()
        p = subprocess.Popen([find_droverd(), "hash-password"], stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        os.close(slave)
        self.addCleanup(os.close, master)
        echoed = b""
        prompts = b""
        try:
            for prompt in (b"Password: ", b"Repeat password: "):
                deadline = time.monotonic() + 10
                while not prompts.endswith(prompt):
                    self.assertLess(time.monotonic(), deadline, "no prompt %r (got %r)" % (prompt, prompts))
                    ready, _, _ = select.select([p.stderr, master], [], [], 0.1)
                    if p.stderr in ready:
                        prompts += os.read(p.stderr.fileno(), 100)
                    if master in ready:
                        echoed += os.read(master, 100)
                # Echo is off once the prompt is out: the terminal must not show the password.
                os.write(master, PASSWORD.encode() + b"\n")
            out, err = p.communicate(timeout=30)
            deadline = time.monotonic() + 1
            while time.monotonic() < deadline and select.select([master], [], [], 0.1)[0]:
                try:
                    echoed += os.read(master, 100)
                except OSError:
                    break
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0, err)
        self.assertRegex(out.decode().strip(), HASH_RE)
        self.assertNotIn(PASSWORD.encode(), echoed, "the terminal echoed the password")
        self.assertNotIn(PASSWORD.encode(), prompts + err)


class RegistryConfigTest(DroverdTestCase):
    START_DROVERD = False

    def test_hashed_config_starts(self):
        sensor, gateway = make_hash(self, PASSWORD), make_hash(self, GATEWAY_PASSWORD)
        d = self.start_droverd((), config=lab_config(sensor, gateway))
        d.wait_log(r"device registry: 1 applications, 2 devices")
        # A device presents its password (what the gateway answers is up to the
        # authenticator); either way the password must not reach the log.
        c = self.client(version=5, port=d.port, username="sensor-1@lab", password=PASSWORD, expect_success=False)
        c.close()
        sub = self.client(version=5, port=d.port)
        self.assertEqual(sub.subscribe("app/lab")[0], [0])
        log = d.log()
        for secret in (PASSWORD, GATEWAY_PASSWORD, sensor, gateway):
            self.assertNotIn(secret, log)

    def assertConfigError(self, config, pattern, secret=None):
        res = run_droverd(["--mqtt", "127.0.0.1:0"], config=config)
        self.assertEqual(res.returncode, 2, res.stderr)
        self.assertRegex(res.stderr, pattern)
        if secret:
            self.assertNotIn(secret, res.stderr + res.stdout)

    def test_bad_device_entries_exit_2(self):
        good = make_hash(self, PASSWORD)
        # A password where the hash belongs: refused at its line, and never echoed.
        config = lab_config(good, PASSWORD)
        self.assertConfigError(
            config, r"drover\.toml:12:19: application\[0\]\.device\[1\]\.password-hash: not an Argon2 hash",
            PASSWORD)
        self.assertConfigError(lab_config(good, good, '  [[application.device]]\n  name = "sensor-1"\n'),
                               r"drover\.toml:15:10: application\[0\]\.device\[2\]\.name: duplicate device name")
        self.assertConfigError(lab_config(good, good).replace('gateway-for = ["sensor-1"]', 'gateway-for = ["nobody"]'),
                               r"drover\.toml:13:18: application\[0\]\.device\[1\]\.gateway-for\[0\]: no device "
                               r"\"nobody\"")
        self.assertConfigError(lab_config(good, good).replace('name = "gw"', 'name = "gw@lab"'),
                               r"drover\.toml:11:10: application\[0\]\.device\[1\]\.name: .*contains '@'")
        self.assertConfigError(lab_config(good, good, "  enabled = 0\n"),
                               r"drover\.toml:14:13: application\[0\]\.device\[1\]\.enabled: expected true or false")
        self.assertConfigError(lab_config(good, good, '  password = "%s"\n' % PASSWORD),
                               r"drover\.toml:14:3: application\[0\]\.device\[1\]\.password: unknown key", PASSWORD)


class ReloadTest(DroverdTestCase):
    START_DROVERD = False

    def write_config(self, d, text):
        # Replaced as a whole (rename), as editors and configuration tools do.
        path = os.path.join(d.tmpdir, "drover.toml")
        with open(path + ".new", "w") as f:
            f.write(text)
        os.replace(path + ".new", path)

    def sighup(self):
        """Sends SIGHUP and returns droverd's answer: the next "SIGHUP: ..." log line."""
        before = len(SIGHUP_RE.findall(self.d.log()))
        self.d.send_signal(signal.SIGHUP)
        lines = wait_for(lambda: SIGHUP_RE.findall(self.d.log())[before:], 5.0, "droverd's answer to SIGHUP")
        return lines[0]

    def test_sighup_reloads_devices_and_applications(self):
        sensor, gateway = make_hash(self, PASSWORD), make_hash(self, GATEWAY_PASSWORD)
        self.d = self.start_droverd(("--demo", "--demo-rate", "20"), config=lab_config(sensor, gateway))
        # lab's two devices and the demo's three simulated ones, which log in like any other
        self.d.wait_log(r"device registry: 2 applications, 5 devices")
        c = self.client(version=5)
        self.assertEqual(c.subscribe([("app/lab", 0), ("app/plant", 0), ("app/demo", 0)])[0], [0, 0x87, 0])

        # A broken file: droverd says where, keeps running and keeps its registry. The
        # broken entry is a password where the hash belongs: it must not be logged.
        broken = lab_config(sensor, PASSWORD)
        self.write_config(self.d, broken)
        self.assertRegex(self.sighup(), r"SIGHUP: configuration not reloaded, the running one stays: "
                                        r"\S*drover\.toml:12:19: application\[0\]\.device\[1\]\.password-hash: ")
        self.assertTrue(self.d.running())
        self.assertServing()

        # Syntax errors and an unreadable file are no different.
        self.write_config(self.d, broken + "\n[[application\n")
        self.assertRegex(self.sighup(), r"configuration not reloaded, the running one stays: \S*drover\.toml:15:\d+: ")
        os.unlink(os.path.join(self.d.tmpdir, "drover.toml"))
        self.assertRegex(self.sighup(), r"configuration not reloaded, the running one stays: cannot read \S*drover\.toml")
        self.assertTrue(self.d.running())
        self.assertNotIn("configuration reloaded", self.d.log())
        self.assertEqual(c.subscribe([("app/lab", 0), ("app/plant", 0)])[0], [0, 0x87])

        # A good file with one more application and device is taken over; the connection stays.
        plant = '\n[[application]]\nname = "plant"\nanonymous = ["read"]\n  [[application.device]]\n  name = "p1"\n'
        self.write_config(self.d, lab_config(sensor, gateway, plant))
        self.assertRegex(self.sighup(), r"SIGHUP: reloading \S*drover\.toml - only the device registry, the "
                                        r"application list \(members too\), the API keys and the TLS certificate "
                                        r"are reloaded")
        self.d.wait_log(r"configuration reloaded: 3 applications, 6 devices")
        self.assertFalse(c.closed.is_set(), "the reload dropped a connection")
        self.assertEqual(c.subscribe([("app/plant", 0), ("app/lab", 0), ("app/demo", 0)])[0], [0, 0, 0])

        # Taking rights and applications away applies to new subscriptions; the demo
        # application (from --demo, not the file) stays.
        self.write_config(self.d, lab_config(sensor, gateway).replace('anonymous = ["read"]', "anonymous = []"))
        self.assertRegex(self.sighup(), r"SIGHUP: reloading")
        self.d.wait_log(r"configuration reloaded: 2 applications, 5 devices")
        self.assertEqual(c.subscribe([("app/plant", 0), ("app/lab", 0), ("app/demo", 0)])[0], [0x87, 0x87, 0])
        self.assertServing()
        # The demo devices kept their connections and their credentials through every reload.
        n = c.count()
        c.wait_message(lambda m: m.json()["subject"] == "state", start=n, what="demo events after the reloads")
        self.assertFalse([m for m in c.messages() if m.json()["type"] == "io.drogue.connection.v1"
                          and m.json()["data"] == {"connected": False}], "a demo device lost its connection")

        log = self.d.log()
        for secret in (PASSWORD, GATEWAY_PASSWORD, sensor, gateway):
            self.assertNotIn(secret, log, "a password or hash reached the log")

    def test_sighup_ends_sessions_of_changed_devices(self):
        # Beyond Drogue: a device whose password changes, or that is disabled or removed,
        # loses the connection its old credentials opened; the other devices keep theirs.
        sensor, gateway = make_hash(self, PASSWORD), make_hash(self, GATEWAY_PASSWORD)
        self.d = self.start_droverd(("--demo", "--demo-rate", "20"), config=lab_config(sensor, gateway))
        watcher = self.client(version=5)
        watcher.subscribe("app/demo", 0)
        device = self.client(version=5, port=self.d.device_port, username="sensor-1@lab", password=PASSWORD)
        gw = self.client(version=4, port=self.d.device_port, username="gw@lab", password=GATEWAY_PASSWORD)
        new_password = "it-new-Passw0rd-%d" % os.getpid()
        self.write_config(self.d, lab_config(make_hash(self, new_password), gateway))
        self.assertRegex(self.sighup(), r"SIGHUP: reloading")
        self.assertTrue(device.closed.wait(10), "sensor-1 kept the connection of its old password")
        self.assertEqual(device.disconnect_rc, 0x87)
        self.assertEqual(getattr(device.disconnect_props, "ReasonString", ""),
                         "device sensor-1@lab was removed, disabled or given a new password; "
                         "connect again with valid credentials")
        self.d.wait_log(r"closing: device sensor-1@lab was removed, disabled or given a new password "
                        r"\(logged in as sensor-1@lab\)")
        self.assertFalse(gw.closed.is_set(), "gw lost its connection, though nothing of it changed")
        # The new password works, the old one doesn't.
        self.client(version=5, port=self.d.device_port, username="sensor-1@lab", password=new_password)
        old = self.client(version=5, port=self.d.device_port, username="sensor-1@lab", password=PASSWORD,
                          expect_success=False)
        self.assertEqual(old.connack[0], 0x86)
        # Removed: a 3.1.1 device's connection is closed (3.1.1 has no DISCONNECT from the server).
        self.write_config(self.d, lab_config(make_hash(self, new_password), gateway).split("  [[application.device]]\n  name = \"gw\"")[0])
        self.assertRegex(self.sighup(), r"SIGHUP: reloading")
        self.assertTrue(gw.closed.wait(10), "gw kept its connection after it was removed")
        # The demo devices (not in the file) were never touched.
        self.assertFalse([m for m in watcher.messages() if m.json()["type"] == "io.drogue.connection.v1"
                          and m.json()["data"] == {"connected": False}], "a demo device lost its connection")

    def test_sighup_without_config(self):
        self.d = self.start_droverd(("--demo",))
        self.assertIn("SIGHUP: droverd runs without --config, so there is nothing to reload", self.sighup())
        self.assertTrue(self.d.running())
        self.assertServing()


if __name__ == "__main__":
    unittest.main()
