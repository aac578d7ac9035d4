"""OAuth2 access tokens end to end: droverd with a [[token-issuer]] that is a real OpenID
Connect issuer (tests/oidc/issuer.mjs, npm oidc-provider, on a free port), and real MQTT
peers (paho v5 and 3.1.1, mosquitto_sub, hand-built packets for what paho 1.6 can't send:
a password without a user name, enhanced authentication and AUTH).

- tokens the issuer minted log in as the user name (v5, 3.1.1, mosquitto_sub) or as the
  password alone (v5), and the events of the application flow;
- bad tokens are refused at CONNECT with 0x86 (3.1.1: 4) and droverd's log says why;
- a connection ends when its token expires (v5: DISCONNECT 0xA0), unless the client
  re-authenticates with AUTH 0x19 and a fresh token first;
- what a token's user may do comes from [[application.member]];
- last, no token used here appears in any droverd log, reason string or tool output.
"""

import base64
import json
import os
import re
import signal
import time
import unittest
import uuid

from harness import (PINGREQ, PT, P_AUTH_DATA, P_AUTH_METHOD, P_REASON, ConnectionClosed, DroverdTestCase,
                     OidcIssuer, auth_packet, auth_reason, connect_packet, record_output, secrets_in_outputs)

METHOD = "oauth2-jwt"  # CredentialAuthenticator::OAuth2JwtMethod
AUDIENCE = "urn:drover:mqtt"  # the issuer's RESOURCE: its tokens' aud

# Application A ("demo", where the --demo devices publish) has alice as a reader; B
# ("other") has bob as its admin. Neither is open to anonymous clients.
CONFIG = """
[[token-issuer]]
url = "{issuer}"
audience = ["{audience}"]

[[application]]
name = "demo"

  [[application.member]]
  user = "alice"
  roles = ["reader"]

[[application]]
name = "other"

  [[application.member]]
  user = "bob"
  roles = ["admin"]
"""

ISSUER = None
# Tokens made here from minted ones (flipped, truncated): the issuer's list has the rest.
DERIVED = set()


def setUpModule():
    global ISSUER
    ISSUER = OidcIssuer(access_token_ttl=300)
    ISSUER.start()


def tearDownModule():
    if ISSUER is not None:
        ISSUER.stop()


def all_tokens():
    """Every token this module used, and the signature of each (a token's secret part)."""
    tokens = set(DERIVED) | set(ISSUER.tokens if ISSUER else ())
    secrets = set(tokens)
    for token in tokens:
        parts = token.split(".")
        if len(parts) == 3 and len(parts[2]) >= 16:
            secrets.add(parts[2])
    return secrets


def derived(token):
    DERIVED.add(token)
    return token


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def cid(what="tok"):
    return "it-%s-%s" % (what, uuid.uuid4().hex[:10])


class TokenTestCase(DroverdTestCase):
    """droverd with the demo, accepting the module's issuer's tokens once it has its keys."""

    def setUp(self):
        self.DROVERD_CONFIG = CONFIG.format(issuer=ISSUER.url, audience=AUDIENCE)
        super().setUp()
        # Not needed for correctness (a CONNECT waits for the keys), but a test that fails
        # because the issuer is unreachable should say so here.
        self.d.wait_log(r"token issuer %s has \d+ signing keys" % re.escape(ISSUER.url), timeout=15)

    def tearDown(self):
        try:
            self.assertNoSecretsInLogs(all_tokens())
        finally:
            super().tearDown()

    def connect_raw(self, version, client_id, **kw):
        """(code, properties, client) of a raw CONNECT; the reason string is recorded."""
        r = self.raw(version)
        _, code, props = r.connect(client_id, **kw)
        record_output("CONNACK reason string (%s)" % client_id, props.get(P_REASON, ""))
        return code, props, r

    def assertEvent(self, payload, application="demo"):
        event = json.loads(payload)
        self.assertEqual(event["specversion"], "1.0")
        self.assertEqual(event["application"], application)
        self.assertRegex(event["device"], r"^device-[123]$")


class TokenLoginTest(TokenTestCase):
    """Where a token goes in CONNECT, with real clients."""

    def test_token_as_user_name_paho_v5_and_v311(self):
        for version in (5, 4):
            with self.subTest(version=version):
                token = ISSUER.mint(sub="alice")
                c = self.client(version=version, username=token)
                self.assertEqual(c.subscribe("app/demo", 1)[0], [1])
                messages = c.wait_count(3, timeout=10)
                self.assertEqual(messages[0].topic, "app/demo")
                self.assertEvent(messages[0].payload)
                self.d.wait_log(r"client %s \(tcp [^)]*\) connected as alice \(MQTT %s, .*credentials valid until "
                                % (c.client_id, "5" if version == 5 else r"3\.1\.1"))

    def test_sighup_keeps_the_token_issuers(self):
        # The issuers of the start stay (verifications in flight hold them); the log says a
        # changed [[token-issuer]] waits for the next start, and tokens keep working.
        with open(os.path.join(self.d.tmpdir, "drover.toml"), "w") as f:
            f.write(CONFIG.format(issuer="https://login.example.com", audience=AUDIENCE))
        self.d.send_signal(signal.SIGHUP)
        self.d.wait_log(r"\[\[token-issuer\]\] changed in the configuration: the change applies at the next start")
        c = self.client(username=ISSUER.mint(sub="alice"))
        self.assertEqual(c.subscribe("app/demo", 1)[0], [1])

    def test_mosquitto_sub_v311_token_as_user_name(self):
        token = ISSUER.mint(sub="alice")
        res = self.mosquitto("mosquitto_sub", ["-V", "mqttv311", "-u", token, "-i", cid("mosq"), "-t", "app/demo",
                                               "-C", "3", "-W", "10", "-v"])
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 3, lines)
        for line in lines:
            topic, payload = line.split(" ", 1)
            self.assertEqual(topic, "app/demo")
            self.assertEvent(payload)
        self.d.wait_log(r"connected as alice \(MQTT 3\.1\.1")

    def test_token_as_password_alone_v5(self):
        # paho 1.6 and MQTT.js can't send a password without a user name: by hand.
        token = ISSUER.mint(sub="alice")
        client_id = cid("pw")
        code, props, r = self.connect_raw(5, client_id, password=token)
        self.assertEqual(code, 0, props)
        _, codes, _ = r.subscribe("app/demo")
        self.assertEqual(codes, [0])
        event = r.expect(PT.PUBLISH, timeout=10).publish()
        self.assertEqual(event["topic"], "app/demo")
        self.assertEvent(event["payload"])
        self.d.wait_log(r"client %s \(tcp [^)]*\) connected as alice \(MQTT 5" % client_id)

    def test_token_in_both_fields_is_refused(self):
        token = ISSUER.mint(sub="alice")
        code, props, r = self.connect_raw(5, cid("both"), username=token, password=token)
        self.assertEqual(code, 0x86)
        self.assertEqual(props.get(P_REASON),
                         "an access token goes in the user name or in the password, not in both")
        self.assertTrue(r.read_until_closed(5)[0], "not closed after the refusal")
        client_id = cid("both311")
        code, _, r3 = self.connect_raw(4, client_id, username=token, password=token)
        self.assertEqual(code, 4)
        self.assertTrue(r3.read_until_closed(5)[0])
        self.d.wait_log(r"client %s \(tcp [^)]*\) refused at CONNECT: an access token goes in the user name or in "
                        r"the password, not in both \(Bad User Name or Password\)" % client_id)

    def test_password_alone_in_311_is_refused(self):
        # MQTT-3.1.2-22: a 3.1.1 CONNECT may not carry a password without a user name. It is
        # a malformed packet, so (MQTT-3.1.4-1) droverd closes the connection without a
        # CONNACK; its log says why. Never accepted, never taken for an anonymous client.
        token = ISSUER.mint(sub="alice")
        r = self.raw(4)
        r.send(connect_packet(cid("pw311"), version=4, password=token), tolerate_close=True)
        closed, packets = r.read_until_closed(5)
        self.assertTrue(closed, "not closed")
        self.assertEqual(packets, [], "answered with %r" % packets)
        self.d.wait_log(r"sent a bad packet, closing: CONNECT: Password Flag set without User Name Flag")
        self.assertServing()

    def test_authentication_method_at_connect(self):
        token = ISSUER.mint(sub="alice")
        code, props, r = self.connect_raw(5, cid("method"), props=[(P_AUTH_METHOD, METHOD), (P_AUTH_DATA, token)])
        self.assertEqual(code, 0, props)
        self.assertEqual(props.get(P_AUTH_METHOD), METHOD)  # MQTT-3.2.2.3.17
        self.assertEqual(r.subscribe("app/demo")[1], [0])
        self.assertEvent(r.expect(PT.PUBLISH, timeout=10).publish()["payload"])
        # A method droverd doesn't know: 0x8C, naming the one it does.
        code, props, _ = self.connect_raw(5, cid("method"), props=[(P_AUTH_METHOD, "SCRAM-SHA-256")])
        self.assertEqual(code, 0x8C)
        self.assertIn("supported: oauth2-jwt", props.get(P_REASON, ""))
        # With the method, the token goes in the Authentication Data only.
        code, props, _ = self.connect_raw(5, cid("method"), username=token,
                                          props=[(P_AUTH_METHOD, METHOD), (P_AUTH_DATA, token)])
        self.assertEqual(code, 0x86)
        self.assertIn("Authentication Data only", props.get(P_REASON, ""))


class TokenRefusalTest(TokenTestCase):
    """Tokens droverd must not take, each refused at CONNECT with the reason in the log."""

    def cases(self):
        good = ISSUER.mint(sub="alice")
        header, payload, signature = good.split(".")
        flipped = signature[:10] + ("B" if signature[10] == "A" else "A") + signature[11:]
        return [
            ("expired", ISSUER.mint(ttl=-120), "token expired at "),
            ("not yet valid", ISSUER.mint(nbf=300), "token not valid before "),
            ("wrong issuer", ISSUER.mint(iss="https://login.example.com"),
             'token from an unknown issuer "https://login.example.com"'),
            ("wrong audience", ISSUER.mint(aud="urn:someone:else"),
             'token not for this gateway (audience "urn:someone:else"; expected %s)' % AUDIENCE),
            ("bad signature", derived("%s.%s.%s" % (header, payload, flipped)), 'bad signature (kid "'),
            ("unknown key", ISSUER.mint(key="rogue"), 'unknown signing key (kid "'),
            ("alg none", ISSUER.mint(alg="none"), "unsigned token (alg none)"),
            ("HS256 keyed with the public key", ISSUER.mint(alg="HS256"), "HMAC-signed token (alg HS256)"),
            ("truncated signature", derived(good[:-20]), 'bad signature (kid "'),
            ("truncated in half", derived(good[:len(good) // 2]), "not a JWT"),
        ]

    def test_refused_at_connect(self):
        for name, token, reason in self.cases():
            with self.subTest(name):
                # MQTT 5: 0x86 Bad User Name or Password, and why, without the token.
                client_id = cid("bad")
                code, props, r = self.connect_raw(5, client_id, username=token)
                self.assertEqual(code, 0x86, (name, props))
                text = props.get(P_REASON, "")
                self.assertIn(reason, text)
                self.assertNotIn(token, text)
                self.assertTrue(r.read_until_closed(5)[0], "%s: not closed after the refusal" % name)
                self.d.wait_log(r"client %s \(tcp [^)]*\) refused at CONNECT: %s.*\(Bad User Name or Password\)"
                                % (client_id, re.escape(reason)))
                # MQTT 3.1.1: return code 4; the log has the reason all the same.
                client_id = cid("bad311")
                code, _, r3 = self.connect_raw(4, client_id, username=token)
                self.assertEqual(code, 4, name)
                self.assertTrue(r3.read_until_closed(5)[0])
                self.d.wait_log(r"client %s \(tcp [^)]*\) refused at CONNECT: %s" % (client_id, re.escape(reason)))
        # The unknown key made droverd consider fetching the issuer's keys again (a rotation?);
        # and a good token still works after all that.
        self.d.wait_log(r"signed with an unknown key \(kid \"[0-9a-f]+\"\)")
        self.client(version=5, username=ISSUER.mint(sub="alice"))

    def test_rogue_key_under_the_issuers_kid(self):
        # Signed by a key nobody published, claiming the kid of the issuer's real key.
        header = ISSUER.mint().split(".")[0]
        kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
        token = ISSUER.mint(key="rogue", kid=kid)
        code, props, _ = self.connect_raw(5, cid("rogue"), username=token)
        self.assertEqual(code, 0x86)
        self.assertIn('bad signature (kid "%s" of issuer %s)' % (kid, ISSUER.url), props.get(P_REASON, ""))


class TokenExpiryTest(TokenTestCase):
    """A session outlives its token only by re-authenticating (MQTT 5 AUTH)."""

    TTL = 6  # seconds: enough to connect, subscribe and re-authenticate under load

    def connect_subscribed(self, version, client_id, **kw):
        code, props, r = self.connect_raw(version, client_id, **kw)
        self.assertEqual(code, 0, props)
        self.assertEqual(r.subscribe("app/demo")[1], [0])
        return r, props

    def test_expiry_ends_session_unless_reauthenticated(self):
        plain_token = ISSUER.mint(sub="alice", ttl=self.TTL)
        reauth_token = ISSUER.mint(sub="alice", ttl=self.TTL)
        v311_token = ISSUER.mint(sub="alice", ttl=self.TTL)
        expires = min(claims_of(t)["exp"] for t in (plain_token, reauth_token, v311_token))

        plain_id, reauth_id, v311_id = cid("plain"), cid("reauth"), cid("plain311")
        plain, _ = self.connect_subscribed(5, plain_id, username=plain_token)
        v311, _ = self.connect_subscribed(4, v311_id, username=v311_token)
        # Re-authentication needs the method agreed at CONNECT, the token as Authentication Data.
        reauth, props = self.connect_subscribed(5, reauth_id,
                                                props=[(P_AUTH_METHOD, METHOD), (P_AUTH_DATA, reauth_token)])
        self.assertEqual(props.get(P_AUTH_METHOD), METHOD)
        self.d.wait_log(r"client %s \(tcp [^)]*\) connected as alice .*credentials valid until .*"
                        r"re-authentication with oauth2-jwt" % reauth_id)

        # A fresh token before the first one expires: AUTH 0x19, answered by AUTH 0x00.
        fresh = ISSUER.mint(sub="alice", ttl=300)
        self.assertLess(time.time(), expires - 1, "too slow to re-authenticate before the expiry")
        reauth.send(auth_packet(0x19, [(P_AUTH_METHOD, METHOD), (P_AUTH_DATA, fresh)]))
        code, props = auth_reason(reauth.expect(PT.AUTH, timeout=5))
        self.assertEqual(code, 0)
        self.assertEqual(props.get(P_AUTH_METHOD), METHOD)
        self.d.wait_log(r"client %s \(tcp [^)]*\) re-authenticated as alice \(credentials valid until"
                        % reauth_id)

        # Read all three until well past the first tokens' expiry.
        watch_until = expires + 4
        state = {c: {"events": [], "end": None, "closed_at": None} for c in (plain, v311, reauth)}
        while time.time() < watch_until:
            for c, s in state.items():
                if s["closed_at"] is not None:
                    continue
                try:
                    p = c.recv_packet(0.02)
                except ConnectionClosed:
                    s["closed_at"] = time.time()
                    continue
                if p is None:
                    continue
                if p.type == PT.PUBLISH:
                    s["events"].append(time.time())
                elif p.type == PT.DISCONNECT:
                    s["end"] = (p.reason(), time.time())
                else:
                    self.fail("unexpected packet %r" % p)

        # MQTT 5 without re-authentication: DISCONNECT 0xA0 (Maximum connect time) once the
        # token has expired, not before, saying why; then the connection closes.
        s = state[plain]
        self.assertTrue(s["events"], "the plain client saw no event while its token was valid")
        self.assertIsNotNone(s["end"], "the plain v5 client got no DISCONNECT (closed at %s, expiry %s)"
                             % (s["closed_at"], expires))
        (code, props), at = s["end"]
        self.assertEqual(code, 0xA0)
        self.assertIn("the access token expired at", props.get(P_REASON, ""))
        record_output("DISCONNECT reason string", props.get(P_REASON, ""))
        self.assertGreaterEqual(at, expires - 0.25, "disconnected before the token expired")
        self.assertIsNotNone(s["closed_at"], "the plain v5 client's connection was not closed")
        self.d.wait_log(r"client %s \(tcp [^)]*\) credentials of alice expired at .* without re-authentication, "
                        r"closing" % plain_id)
        # MQTT 3.1.1 has no DISCONNECT to send: the connection closes.
        s = state[v311]
        self.assertTrue(s["events"])
        self.assertIsNone(s["end"])
        self.assertIsNotNone(s["closed_at"], "the 3.1.1 client outlived its token")
        self.assertGreaterEqual(s["closed_at"], expires - 0.25)
        # Re-authenticated: still connected, still receiving events after the first expiry.
        s = state[reauth]
        self.assertIsNone(s["end"], "the re-authenticated client was disconnected: %r" % (s["end"],))
        self.assertIsNone(s["closed_at"], "the re-authenticated client's connection closed")
        late = [t for t in s["events"] if t > expires + 1]
        self.assertGreaterEqual(len(late), 10, "events after the first token's expiry: %d" % len(late))
        reauth.send(PINGREQ)
        self.assertEqual(reauth.expect(PT.PINGRESP, timeout=5).type, PT.PINGRESP)

    def test_reauthentication_refusals(self):
        # Another user's token can't take a connection over; an expired one ends it. Both
        # with DISCONNECT 0x87 and a reason.
        for name, token, reason in (
                ("another user", ISSUER.mint(sub="bob"), "re-authentication as bob refused: this connection "
                                                         "belongs to alice"),
                ("expired", ISSUER.mint(sub="alice", ttl=-120), "re-authentication refused: token expired at")):
            with self.subTest(name):
                r, _ = self.connect_subscribed(5, cid("reauth"), props=[(P_AUTH_METHOD, METHOD),
                                                                        (P_AUTH_DATA, ISSUER.mint(sub="alice"))])
                r.send(auth_packet(0x19, [(P_AUTH_METHOD, METHOD), (P_AUTH_DATA, token)]))
                code, props = r.expect(PT.DISCONNECT, timeout=5).reason()
                self.assertEqual(code, 0x87)
                self.assertIn(reason, props.get(P_REASON, ""))
                record_output("DISCONNECT reason string", props.get(P_REASON, ""))
                self.assertTrue(r.read_until_closed(5)[0])
        # AUTH on a connection that agreed no method at CONNECT: a protocol error.
        code, _, r = self.connect_raw(5, cid("nomethod"), username=ISSUER.mint(sub="alice"))
        self.assertEqual(code, 0)
        r.send(auth_packet(0x19, [(P_AUTH_METHOD, METHOD), (P_AUTH_DATA, ISSUER.mint(sub="alice"))]))
        self.assertEqual(r.expect(PT.DISCONNECT, timeout=5).reason()[0], 0x82)


class TokenAuthorizationTest(TokenTestCase):
    """What a token's user may do comes from the applications' members."""

    def test_reader_of_one_application(self):
        # The user is the token's preferred_username, not its subject.
        token = ISSUER.mint(sub="4b1d6a1e-0c7b-4f55-9a51-0d3f6f1a2b3c", username="alice")
        c = self.client(version=5, username=token)
        self.d.wait_log(r"client %s \(tcp [^)]*\) connected as alice " % c.client_id)
        self.assertEqual(c.subscribe("app/demo", 1)[0], [1])
        self.assertEvent(c.wait_count(1, timeout=10)[0].payload)
        codes, props = c.subscribe("app/other", 1)
        self.assertEqual(codes, [0x87])
        acks = c.publish("command/demo/device-1/setTemperature", b'{"value": 25}', qos=1)
        self.assertEqual(acks[0][1], 0x87, acks)
        self.assertIn("not authorized to command application 'demo'", acks[0][2])
        # 3.1.1: SUBACK 0x80 for B, A as before.
        c3 = self.client(version=4, username=ISSUER.mint(sub="alice"))
        self.assertEqual(c3.subscribe("app/other", 1)[0], [0x80])
        self.assertEqual(c3.subscribe("app/demo", 1)[0], [1])
        c3.wait_count(1, timeout=10)

    def test_admin_of_the_other_application(self):
        bob = self.client(version=5, username=ISSUER.mint(sub="bob"))
        self.assertEqual(bob.subscribe("app/other", 1)[0], [1])
        self.assertEqual(bob.subscribe("app/demo", 1)[0], [0x87])
        acks = bob.publish("command/demo/device-1/setTemperature", b'{"value": 25}', qos=1)
        self.assertEqual(acks[0][1], 0x87, acks)

    def test_user_of_no_application_refused_at_connect(self):
        token = ISSUER.mint(sub="mallory")
        code, props, _ = self.connect_raw(5, cid("mallory"), username=token)
        self.assertEqual(code, 0x87)
        self.assertEqual(props.get(P_REASON), "user mallory may read or command no application here")
        self.assertEqual(self.connect_raw(4, cid("mallory"), username=token)[0], 5)
        self.d.wait_log(r"refused at CONNECT: user mallory may read or command no application here "
                        r"\(Not authorized\)")


class ZzNoTokenInAnyOutput(unittest.TestCase):
    """Runs last (classes run in name order): every token this module minted or made, and
    each one's signature, in every droverd log, reason string and tool output of the module."""

    def test_no_token_in_any_output(self):
        secrets = all_tokens()
        self.assertGreaterEqual(len(ISSUER.tokens), 25, "the other tests did not run")
        found = secrets_in_outputs(secrets)
        self.assertFalse(found, "tokens leaked: " + "; ".join(found))


if __name__ == "__main__":
    unittest.main()
