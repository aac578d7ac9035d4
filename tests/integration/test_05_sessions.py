"""Sessions: persistent sessions keep subscriptions and resume delivery after a disconnect."""

import time
import unittest
import uuid

from harness import PT, DroverdTestCase, assert_same_stream, subscribe_packet


def ids(msgs):
    return [m.event_id() for m in msgs]


class SessionsTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "30")

    def persistent(self, version, client_id, **kw):
        if version == 5:
            return self.client(version=5, client_id=client_id, clean=False, session_expiry=300, **kw)
        return self.client(version=4, client_id=client_id, clean=False, **kw)

    def check_resume(self, version):
        client_id = "sess%d-%s" % (version, uuid.uuid4().hex[:8])
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=1)
        c = self.persistent(version, client_id)
        self.assertFalse(c.session_present)
        codes, _ = c.subscribe("app/demo", qos=1)
        self.assertEqual(codes, [1])
        c.wait_count(15)
        c.leave()
        before = ids(c.messages())  # received and acknowledged before leaving
        # events published while the client is away
        ref.wait_message(lambda m: m.event_id() == before[-1], what="the reference catching up")
        n = ref.count()
        ref.wait_count(n + 60)
        ref_ids = ids(ref.messages())
        away = ref_ids[ref_ids.index(before[-1]) + 1:n + 60]
        self.assertGreaterEqual(len(away), 60)
        again = self.persistent(version, client_id)
        self.assertTrue(again.session_present, "CONNACK session present must be 1")
        # no SUBSCRIBE: the session's subscription delivers, from where the client stopped
        got = ids(again.wait_count(len(away) + 20, timeout=10))
        self.assertEqual(got[:len(away)], away, "the events published while away, in order, nothing before")
        ref.wait_message(lambda m: m.event_id() == got[-1], what="the reference catching up")
        assert_same_stream(self, ids(ref.messages()), before + got, min_common=len(before) + len(got),
                           what="session stream across the reconnect")
        for m in again.messages():
            self.assertEqual(m.topic, "app/demo")

    def test_persistent_session_resumes_v5(self):
        self.check_resume(5)

    def test_persistent_session_resumes_v311(self):
        self.check_resume(4)

    def test_persistent_session_mosquitto_sub_v311(self):
        client_id = "mosq-%s" % uuid.uuid4().hex[:8]
        first = self.mosquitto("mosquitto_sub", ["-V", "311", "-c", "-i", client_id, "-q", "1", "-t", "app/demo",
                                                 "-C", "3", "-W", "10", "-d"])
        self.assertEqual(first.returncode, 0, first.stderr)
        # reconnect without subscribing (paho): the session is there with its subscription
        again = self.client(version=4, client_id=client_id, clean=False)
        self.assertTrue(again.session_present)
        self.assertTrue(again.wait_count(5))
        for m in again.messages():
            self.assertEqual(m.topic, "app/demo")

    def test_persistent_session_mosquitto_sub_v5(self):
        client_id = "mosq5-%s" % uuid.uuid4().hex[:8]
        first = self.mosquitto("mosquitto_sub", ["-V", "5", "-c", "-x", "300", "-i", client_id, "-q", "1",
                                                 "-t", "app/demo/device-1", "-C", "2", "-W", "10"])
        self.assertEqual(first.returncode, 0, first.stderr)
        again = self.client(version=5, client_id=client_id, clean=False, session_expiry=300)
        self.assertTrue(again.session_present)
        for m in again.wait_count(3):
            self.assertEqual(m.topic, "app/demo/device-1")

    def test_clean_start_discards_subscriptions(self):
        for version in (5, 4):
            client_id = "clean%d-%s" % (version, uuid.uuid4().hex[:8])
            c = self.persistent(version, client_id)
            c.subscribe("app/demo", qos=1)
            c.wait_count(3)
            c.leave()
            if version == 5:
                fresh = self.client(version=5, client_id=client_id, clean=True, session_expiry=300)
            else:
                fresh = self.client(version=4, client_id=client_id, clean=True)
            self.assertFalse(fresh.session_present)
            ref = self.client(version=5)
            ref.subscribe("app/demo")
            ref.wait_count(30)
            self.assertEqual(fresh.count(), 0, "clean start must discard the old subscription")

    def test_session_expiry_zero_is_not_persistent(self):
        client_id = "exp0-%s" % uuid.uuid4().hex[:8]
        c = self.client(version=5, client_id=client_id, clean=False, session_expiry=0)
        c.subscribe("app/demo", qos=1)
        c.wait_count(2)
        c.leave()
        again = self.client(version=5, client_id=client_id, clean=False, session_expiry=0)
        self.assertFalse(again.session_present)

    def test_session_expires(self):
        client_id = "exp1-%s" % uuid.uuid4().hex[:8]
        c = self.client(version=5, client_id=client_id, clean=False, session_expiry=1)
        c.subscribe("app/demo", qos=1)
        c.wait_count(2)
        c.leave()
        self.d.wait_log(r'session of "%s" ended' % client_id, timeout=5)
        again = self.client(version=5, client_id=client_id, clean=False, session_expiry=1)
        self.assertFalse(again.session_present, "session with expiry 1 s still present after it ended")

    def test_session_survives_short_absence(self):
        client_id = "exp5-%s" % uuid.uuid4().hex[:8]
        c = self.client(version=5, client_id=client_id, clean=False, session_expiry=5)
        c.subscribe("app/demo", qos=1)
        c.wait_count(2)
        c.leave()
        t0 = time.monotonic()
        again = self.client(version=5, client_id=client_id, clean=False, session_expiry=5)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertTrue(again.session_present)

    def test_takeover_keeps_persistent_session(self):
        client_id = "take-%s" % uuid.uuid4().hex[:8]
        old = self.persistent(5, client_id)
        old.subscribe("app/demo/device-2", qos=1)
        old.wait_count(3)
        new = self.persistent(5, client_id)
        self.assertTrue(new.session_present)
        self.assertEqual(old.wait_closed(5), 0x8E)
        for m in new.wait_count(5):
            self.assertEqual(m.topic, "app/demo/device-2")

    def test_unacknowledged_events_redelivered(self):
        # QoS 1 events sent but not acknowledged before the connection dropped come again
        client_id = "unack-%s" % uuid.uuid4().hex[:8]
        r = self.raw(5)
        r.connect(client_id, clean=False, props=[(17, 300)])
        r.send(subscribe_packet(1, [("app/demo", 1)]))
        r.expect(PT.SUBACK)
        unacked = []
        while len(unacked) < 5:
            p = r.expect(PT.PUBLISH, skip_publish=False).publish()
            unacked.append((p["payload"], p["packet_id"]))
        r.close()
        self.d.wait_log(r"client %s .*connection lost" % client_id)
        again = self.client(version=5, client_id=client_id, clean=False, session_expiry=300)
        self.assertTrue(again.session_present)
        got = again.wait_count(5)[:5]
        self.assertEqual([(m.payload, m.mid) for m in got], unacked,
                         "unacknowledged events must come first, in order, with their packet ids (MQTT-4.4.0-1)")
        self.assertTrue(all(m.dup for m in got), "resent events must carry DUP (MQTT-3.3.1-1)")

    def test_will_delay(self):
        watcher = self.client(version=5)
        watcher.subscribe("app/demo/device-3", qos=0)
        will = dict(topic="command/demo/device-3/setTemperature", payload=b'{"value": 66.5}', props=[(24, 1)])
        # reconnecting within the delay: the will is not sent
        early = "wd-early-%s" % uuid.uuid4().hex[:6]
        r = self.raw(5)
        r.connect(early, clean=False, props=[(17, 30)], will=will)
        r.close()
        self.d.wait_log(r"client %s .*connection lost" % early)
        r2 = self.raw(5)
        _, code, _ = r2.connect(early, clean=False, props=[(17, 30)])
        self.assertEqual(code, 0)
        # not reconnecting: sent once the delay (1 s) is over
        late = "wd-late-%s" % uuid.uuid4().hex[:6]
        r3 = self.raw(5)
        r3.connect(late, clean=False, props=[(17, 30)], will=will)
        start = watcher.count()
        t0 = time.monotonic()
        r3.close()
        watcher.wait_message(lambda m: m.json()["data"].get("targetTemperature") == 66.5, timeout=5, start=start,
                             what="device-3 obeying the delayed will")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9, "the will came before its delay")
        self.assertNotIn("obeys setTemperature from %s" % early, self.d.log(),
                         "the will of a client that came back in time was sent")

    def test_session_expiry_capped(self):
        # max-session-expiry 24 h: a larger request is answered with the granted value
        from harness import P_SESSION_EXPIRY
        r = self.raw(5)
        _, code, props = r.connect("cap-%s" % uuid.uuid4().hex[:8], clean=False, props=[(17, 0xFFFFFFFF)])
        self.assertEqual(code, 0)
        self.assertEqual(props.get(P_SESSION_EXPIRY), 86400)


class RetentionTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "50")
    DROVERD_CONFIG = "[retention]\nmax-events = 40\n"

    def test_resume_is_bounded_by_retention(self):
        client_id = "ret-%s" % uuid.uuid4().hex[:8]
        c = self.client(version=5, client_id=client_id, clean=False, session_expiry=300)
        c.subscribe("app/demo", qos=1)
        c.wait_count(5)
        c.leave()
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=1)
        ref.wait_count(150)  # far more than the 40 events kept while the client is away
        again = self.client(version=5, client_id=client_id, clean=False, session_expiry=300)
        self.assertTrue(again.session_present)
        # QoS 1 events unacknowledged when the client left come first again (DUP set), then
        # the stream resumes.
        got = ids([m for m in again.wait_count(80) if not m.dup])
        last = got[59]
        ref.wait_message(lambda m: m.event_id() == last, what="the reference catching up")
        ref_ids = ids(ref.messages())
        self.assertIn(got[0], ref_ids)
        # it resumes at the oldest event still kept, then goes on without gaps
        self.assertGreaterEqual(ref_ids.index(got[0]), 150 - 40 - 5, "resumed before the retained range")
        assert_same_stream(self, ref_ids, got[:60], min_common=60, what="stream after retention loss")
        self.d.wait_log(r'client "%s" missed \d+ events' % client_id)


if __name__ == "__main__":
    unittest.main()
