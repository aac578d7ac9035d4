"""API keys and roles: `droverd keys create|list|revoke`, connecting with user name + key,
what readers, publishers, admins and anonymous clients may do per application, revoked and
expired keys, and, last, that no key or password used here reached any log or tool output."""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import (DroverdTestCase, P_REASON, _die_with_parent, find_droverd, record_output,
                     secrets_in_outputs, wait_for)

KEY_RE = re.compile(r"^drv_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")

# Every key and password this module used; the last test looks for each in everything.
SECRETS = set()

MEMBERS = """
[[application]]
name = "demo"              # the --demo devices publish here; no anonymous access

  [[application.member]]
  user = "alice"
  roles = ["%s"]

  [[application.member]]
  user = "bob"
  roles = ["publisher"]

  [[application.member]]
  user = "carol"
  roles = ["admin"]

[[application]]
name = "other"

  [[application.member]]
  user = "dave"
  roles = ["reader"]
"""


def cid():
    return "it-keys-%s" % uuid.uuid4().hex[:10]


def keys(state_dir, *args, config=None, record_stdout=True, env=None):
    """Runs `droverd keys ARGS --state-dir DIR`; returns CompletedProcess (text). Its output
    is recorded for the log grep, except the standard output of create (the key, shown
    once on purpose)."""
    cmd = [find_droverd(), "keys"] + list(args)
    if state_dir is not None:
        cmd += ["--state-dir", state_dir]
    if config is not None:
        cmd += ["--config", config]
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
                         preexec_fn=_die_with_parent, env=env)
    record_output("droverd keys %s stderr" % args[0] if args else "droverd keys stderr", res.stderr)
    if record_stdout:
        record_output("droverd keys %s stdout" % args[0] if args else "droverd keys stdout", res.stdout)
    return res


def create_key(test, state_dir, user, *extra):
    """A new key of user (asserted well-formed); returns (key, id)."""
    res = keys(state_dir, "create", "--user", user, *extra, record_stdout=False)
    test.assertEqual(res.returncode, 0, res.stderr)
    key = res.stdout.strip()
    m = KEY_RE.match(key)
    test.assertTrue(m, "not a key: %d characters" % len(key))
    SECRETS.add(key)
    SECRETS.add(key[17:])  # the secret part alone
    test.assertNotIn(key, res.stderr)
    test.assertIn("created key %s for user %s" % (m.group(1), user), res.stderr)
    return key, m.group(1)


class KeysCommandTest(DroverdTestCase):
    """`droverd keys` on its own: the state directory, the file, the listing, the exit codes."""

    START_DROVERD = False

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="drover-keys-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.state = os.path.join(self.tmp, "state")

    def test_create_list_revoke(self):
        alice, alice_id = create_key(self, self.state, "alice", "--label", "ci runner")
        bob, bob_id = create_key(self, self.state, "bob", "--expires", "30d")
        path = os.path.join(self.state, "api-keys.json")
        self.assertEqual(stat.S_IMODE(os.stat(self.state).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            content = f.read()
        for secret in (alice, alice[17:], bob, bob[17:]):
            self.assertNotIn(secret, content, "the key file holds a key")
        data = json.loads(content)
        self.assertEqual(data["version"], 1)
        self.assertEqual([k["id"] for k in data["keys"]], [alice_id, bob_id])
        self.assertTrue(all(k["hash"].startswith("$argon2id$") for k in data["keys"]))

        res = keys(self.state, "list")
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "USER", "STATE", "CREATED", "EXPIRES", "LABEL"])
        self.assertRegex(lines[1], r"^%s\s+alice\s+active\s+\S+Z\s+never\s+ci runner$" % alice_id)
        self.assertRegex(lines[2], r"^%s\s+bob\s+active\s+\S+Z\s+\S+Z$" % bob_id)
        self.assertNotIn("argon2", res.stdout)
        res = keys(self.state, "list", "--user", "bob")
        self.assertEqual(len(res.stdout.splitlines()), 2)

        res = keys(self.state, "revoke", alice_id)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("revoked key %s of user alice" % alice_id, res.stderr)
        res = keys(self.state, "revoke", alice_id)
        self.assertEqual(res.returncode, 0)
        self.assertIn("revoked already", res.stderr)
        self.assertRegex(keys(self.state, "list", "--user", "alice").stdout, r"%s\s+alice\s+revoked" % alice_id)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)

        # The whole key by mistake: its id is taken, the key never repeated.
        res = keys(self.state, "revoke", bob)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn(bob_id, res.stderr)
        self.assertNotIn(bob[17:], res.stderr + res.stdout)
        create_key(self, self.state, "carol")
        create_key(self, self.state, "carol")
        res = keys(self.state, "revoke", "--user", "carol", "--all")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("revoked 2 key(s) of user carol", res.stderr)
        self.assertNotIn("active", keys(self.state, "list").stdout)

    def test_usage_and_exit_codes(self):
        res = keys(None, "--help")
        self.assertEqual(res.returncode, 0)
        self.assertIn("droverd keys create --user NAME", res.stdout)
        for args, message in (((), "expected create, list or revoke"),
                              (("frobnicate",), "unknown command 'frobnicate'"),
                              (("create",), "create needs --user NAME"),
                              (("create", "--user", "al ice"), "whitespace"),
                              (("create", "--user", "alice", "--expires", "soon"), "--expires: expected"),
                              (("create", "--user", "alice", "--expires", "2001-01-01T00:00:00Z"),
                               "not in the future"),
                              (("create", "--user", "alice", "--expires", "2030-01-01T00:00:00"),
                               "--expires: expected"),  # no zone
                              (("revoke",), "revoke takes one key id"),
                              (("revoke", "--user", "alice"), "add --all"),
                              (("revoke", "xyz"), "12 hexadecimal digits"),
                              (("list", "--expires", "1d"), "--expires is not for list"),
                              (("create", "--user", "a", "--bogus"), "Unknown option")):
            res = keys(self.state, *args)
            self.assertEqual(res.returncode, 2, (args, res.stderr))
            self.assertIn(message, res.stderr, args)
        self.assertFalse(os.path.exists(self.state), "a usage error must not create anything")
        res = keys(self.state, "revoke", "0123456789ab")
        self.assertEqual(res.returncode, 1)
        self.assertIn("no key 0123456789ab", res.stderr)
        res = keys(self.state, "list")
        self.assertEqual((res.returncode, res.stdout), (0, ""))
        self.assertIn("no API keys in", res.stderr)
        # Only as the first argument.
        res = subprocess.run([find_droverd(), "--log-level", "info", "keys", "list"], capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(res.returncode, 2)
        self.assertIn("keys must be the first argument", res.stderr)

    def test_state_dir_from_config(self):
        config = os.path.join(self.tmp, "drover.toml")
        with open(config, "w") as f:
            f.write('state-dir = "%s"\n%s' % (self.state, MEMBERS % "reader"))
        res = keys(None, "create", "--user", "alice", config=config, record_stdout=False)
        self.assertEqual(res.returncode, 0, res.stderr)
        SECRETS.add(res.stdout.strip())
        self.assertIn(os.path.join(self.state, "api-keys.json"), res.stderr)
        self.assertNotIn("member of no application", res.stderr)
        res = keys(None, "create", "--user", "mallory", config=config, record_stdout=False)
        SECRETS.add(res.stdout.strip())
        self.assertIn("mallory is a member of no application", res.stderr)
        self.assertEqual(len(keys(None, "list", config=config).stdout.splitlines()), 3)
        # --state-dir wins over the file's.
        self.assertEqual(keys(os.path.join(self.tmp, "x"), "list", config=config).stdout, "")
        # Neither: $STATE_DIRECTORY (systemd), else $XDG_STATE_HOME/drover.
        env = {k: v for k, v in os.environ.items() if k != "STATE_DIRECTORY"}
        env["XDG_STATE_HOME"] = os.path.join(self.tmp, "xdg")
        res = keys(None, "create", "--user", "alice", record_stdout=False, env=env)
        SECRETS.add(res.stdout.strip())
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "xdg", "drover", "api-keys.json")), res.stderr)
        env["STATE_DIRECTORY"] = os.path.join(self.tmp, "systemd")
        res = keys(None, "create", "--user", "alice", record_stdout=False, env=env)
        SECRETS.add(res.stdout.strip())
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "systemd", "api-keys.json")), res.stderr)

    def test_corrupt_file_is_left_alone(self):
        os.makedirs(self.state)
        path = os.path.join(self.state, "api-keys.json")
        with open(path, "w") as f:
            f.write('{"version": 1,\n "keys": [\n')
        res = keys(self.state, "list")
        self.assertEqual(res.returncode, 1)
        self.assertIn(path + ":3:", res.stderr)
        self.assertIn("not valid JSON", res.stderr)
        res = keys(self.state, "create", "--user", "alice", record_stdout=False)
        self.assertEqual((res.returncode, res.stdout), (1, ""))
        self.assertIn("nothing changed", res.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), '{"version": 1,\n "keys": [\n')


class KeysGatewayTest(DroverdTestCase):
    """droverd with the demo in an application that only its members may use."""

    START_DROVERD = False

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix="drover-keys-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.state = os.path.join(self.tmp, "state")
        self.key = {}
        self.key_id = {}
        for user in ("alice", "bob", "carol", "dave", "eve"):
            self.key[user], self.key_id[user] = create_key(self, self.state, user)
        self.d = self.start_droverd(("--demo", "--demo-rate", "20", "--state-dir", self.state),
                                    config=MEMBERS % "reader")
        self.d.wait_log(r"API keys: 5 keys \(5 active\) in ")

    def tearDown(self):
        try:
            self.assertNoSecretsInLogs(SECRETS)
        finally:
            super().tearDown()

    def keyed(self, user, version=5, expect_success=True, key=None):
        return self.client(version=version, username=user, password=key or self.key[user],
                           expect_success=expect_success)

    def test_reader_receives_events(self):
        for version in ("5", "311"):
            res = self.mosquitto("mosquitto_sub", ["-V", version, "-u", "alice", "-P", self.key["alice"],
                                                   "-t", "app/demo", "-C", "3", "-W", "10", "-v"])
            self.assertEqual(res.returncode, 0, res.stderr)
            lines = res.stdout.splitlines()
            self.assertEqual(len(lines), 3)
            self.assertTrue(all(line.startswith("app/demo {") for line in lines), lines)
        self.d.wait_log(r"connected as alice")

    def test_reader_cannot_read_other_nor_command(self):
        c = self.keyed("alice")
        self.assertEqual(c.subscribe("app/demo", 1)[0], [1])
        codes, props = c.subscribe("app/other", 1)
        self.assertEqual(codes, [0x87])
        acks = c.publish("command/demo/device-1/setTemperature", b'{"value": 25}', qos=1)
        self.assertEqual(acks[0][1], 0x87, acks)
        self.assertIn("not authorized to command application 'demo'", acks[0][2])
        c3 = self.keyed("alice", version=4)
        self.assertEqual(c3.subscribe("app/other", 1)[0], [0x80])
        self.assertEqual(c3.subscribe("app/demo", 1)[0], [1])
        # dave reads "other", not "demo"
        d = self.keyed("dave")
        self.assertEqual(d.subscribe("app/other", 1)[0], [1])
        self.assertEqual(d.subscribe("app/demo", 1)[0], [0x87])

    def test_publisher_and_admin(self):
        bob = self.keyed("bob")
        acks = bob.publish("command/demo/device-1/setTemperature", b'{"value": 25}', qos=1)
        self.assertEqual(acks[0][1], 0, acks)
        self.assertEqual(bob.subscribe("app/demo", 1)[0], [0x87])
        res = self.mosquitto("mosquitto_pub", ["-V", "5", "-q", "1", "-u", "bob", "-P", self.key["bob"],
                                               "-t", "command/demo/device-2/setTemperature", "-m",
                                               '{"value": 21}', "-d"])
        self.assertEqual(res.returncode, 0, res.stderr)
        carol = self.keyed("carol")
        self.assertEqual(carol.subscribe("app/demo", 1)[0], [1])
        acks = carol.publish("command/demo/device-3/setTemperature", b'{"value": 22}', qos=1)
        self.assertEqual(acks[0][1], 0, acks)
        self.assertEqual(carol.subscribe("app/other", 1)[0], [0x87])

    def test_anonymous_needs_an_opt_in(self):
        c = self.client(version=5)  # let in, as Drogue does...
        self.assertEqual(c.subscribe("app/demo", 1)[0], [0x87])  # ...but refused everything
        acks = c.publish("command/demo/device-1/setTemperature", b'{"value": 25}', qos=1)
        self.assertEqual(acks[0][1], 0x87)
        c3 = self.client(version=4)
        self.assertEqual(c3.subscribe("app/demo", 1)[0], [0x80])

    def test_user_with_no_application_refused_at_connect(self):
        r = self.raw(5)
        _, code, props = r.connect(cid(), username="eve", password=self.key["eve"])
        self.assertEqual(code, 0x87)
        self.assertIn("eve may read or command no application", props.get(P_REASON, ""))
        r3 = self.raw(4)
        self.assertEqual(r3.connect(cid(), username="eve", password=self.key["eve"])[1], 5)

    def test_bad_credentials(self):
        # A key without its user name (MQTT 5 may send a password alone): Drogue's issue #82.
        r = self.raw(5)
        _, code, props = r.connect(cid(), password=self.key["alice"])
        self.assertEqual(code, 0x86)
        self.assertIn("an API key needs its user name too", props.get(P_REASON, ""))
        self.assertTrue(r.read_until_closed(5)[0])
        # Someone else's key, a wrong secret, a made-up key: one answer for all.
        wrong = self.key["alice"][:-3] + ("AAA" if not self.key["alice"].endswith("AAA") else "BBB")
        SECRETS.add(wrong)
        for user, key in (("bob", self.key["alice"]), ("alice", wrong), ("alice", "drv_0123456789ab_" + "A" * 43),
                          ("alice", "hunter2-Passw0rd")):
            SECRETS.add(key)
            r = self.raw(5)
            _, code, props = r.connect(cid(), username=user, password=key)
            self.assertEqual((code, props.get(P_REASON)), (0x86, "bad user name or API key"), user)
            r3 = self.raw(4)
            self.assertEqual(r3.connect(cid(), username=user, password=key)[1], 4)
        res = self.mosquitto("mosquitto_sub", ["-V", "5", "-u", "bob", "-P", self.key["alice"], "-t",
                                               "app/demo", "-C", "1", "-W", "5", "-d"])
        self.assertIn("CONNACK (134)", res.stdout + res.stderr)

    def test_revoke(self):
        watcher = self.keyed("alice")
        self.assertEqual(watcher.subscribe("app/demo", 0)[0], [0])
        self.assertTrue(watcher.wait_count(1, timeout=10))
        old_client = self.keyed("alice", version=311)
        bobs = self.keyed("bob")
        res = keys(self.state, "revoke", self.key_id["alice"])
        self.assertEqual(res.returncode, 0, res.stderr)
        # Beyond Drogue (which checks only at CONNECT): droverd sees the file change without a
        # signal and ends the connections the key opened: v5 DISCONNECT 0x87 with the reason,
        # 3.1.1 closed. Other users' connections stay.
        self.assertTrue(watcher.closed.wait(10), "the connection outlived its revoked key")
        self.assertEqual(watcher.disconnect_rc, 0x87)
        reason = getattr(watcher.disconnect_props, "ReasonString", "")
        self.assertEqual(reason, "API key %s was revoked; connect again with valid credentials"
                         % self.key_id["alice"])
        self.assertTrue(old_client.closed.wait(10), "the 3.1.1 connection outlived its revoked key")
        self.d.wait_log(r"closing: API key %s was revoked \(logged in as alice\)" % self.key_id["alice"])
        self.assertFalse(bobs.closed.is_set(), "bob's connection was ended too")
        # The next CONNECT is refused.
        r = self.raw(5)
        _, code, props = r.connect(cid(), username="alice", password=self.key["alice"])
        self.assertEqual((code, props.get(P_REASON)), (0x86, "API key revoked"))
        self.assertEqual(self.raw(4).connect(cid(), username="alice", password=self.key["alice"])[1], 4)
        self.d.wait_log(r"key %s was revoked at" % self.key_id["alice"])
        # Other keys are untouched; a key made now works at once.
        self.keyed("bob")
        fresh, _ = create_key(self, self.state, "alice")
        self.keyed("alice", key=fresh)

    def test_expired_key(self):
        key, key_id = create_key(self, self.state, "alice", "--expires", "1s")
        time.sleep(2)
        r = self.raw(5)
        _, code, props = r.connect(cid(), username="alice", password=key)
        self.assertEqual((code, props.get(P_REASON)), (0x86, "API key expired"))
        self.assertEqual(self.raw(4).connect(cid(), username="alice", password=key)[1], 4)
        self.d.wait_log(r"key %s expired at" % key_id)
        self.assertRegex(keys(self.state, "list", "--user", "alice").stdout, r"%s\s+alice\s+expired" % key_id)
        # A connection made with an expiring key ends when the key expires (v5: DISCONNECT
        # 0xA0 Maximum connect time), as one made with an access token does.
        key, _ = create_key(self, self.state, "alice", "--expires", "3s")
        c = self.keyed("alice", key=key)
        self.assertTrue(c.closed.wait(10), "the connection outlived its key")
        self.assertEqual(c.disconnect_rc, 0xA0)

    def test_sighup_applies_member_changes(self):
        alice = self.keyed("alice")
        acks = alice.publish("command/demo/device-1/setTemperature", b'{"value": 25}', qos=1)
        self.assertEqual(acks[0][1], 0x87)
        with open(os.path.join(self.d.tmpdir, "drover.toml"), "w") as f:
            f.write(MEMBERS % "admin")
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"configuration reloaded")
        acks = alice.publish("command/demo/device-1/setTemperature", b'{"value": 24}', qos=1)
        self.assertEqual(acks[0][1], 0, acks)  # the open connection, too: rights count per command

    def test_broken_key_file_keeps_the_keys(self):
        path = os.path.join(self.state, "api-keys.json")
        with open(path, "w") as f:
            f.write("{ not json")
        self.keyed("alice")
        self.d.wait_log(r"API keys not reloaded, the 5 keys read before stay: .*api-keys\.json:1:")
        self.d.send_signal(signal.SIGHUP)  # a reload keeps them too
        self.keyed("bob")


class ZzNoSecretInAnyOutput(unittest.TestCase):
    """Runs last (classes run in name order): every key and password this module used, in
    every droverd log and tool output of the module."""

    def test_no_secret_in_any_log(self):
        self.assertGreaterEqual(len(SECRETS), 10, "the other tests did not run")
        found = secrets_in_outputs(SECRETS)
        self.assertFalse(found, "secrets leaked: " + "; ".join(found))


if __name__ == "__main__":
    unittest.main()
