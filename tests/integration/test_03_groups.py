"""Consumer groups: plain subscribers each get every event; $share members split one group;
start=earliest|<time> positions a new group; a client id's group resumes where it stopped."""

import collections
import json
import unittest
import uuid

from harness import PT, DroverdTestCase, assert_same_stream, wait_for


def ids(client):
    return [m.event_id() for m in client.messages()]


class GroupsTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-rate", "40")  # 120 events/s

    def test_plain_subscribers_each_get_every_event(self):
        a = self.client(version=5)
        a.subscribe("app/demo", qos=1)
        a.wait_count(5)
        b = self.client(version=4)
        b.subscribe("app/demo", qos=0)
        c = self.client(version=5)
        c.subscribe("app/demo", qos=0, user_properties=[("content-mode", "binary")])
        b.wait_count(150)
        c.wait_count(150)
        last = c.messages()[149].event_id()
        a.wait_message(lambda m: m.event_id() == last, what="a catching up")
        ref = ids(a)
        self.assertEqual(len(ref), len(set(ref)), "duplicates for a plain subscriber")
        assert_same_stream(self, ref, ids(b)[:150], min_common=150, what="second plain subscriber")
        assert_same_stream(self, ref, ids(c)[:150], min_common=150, what="third plain subscriber")

    def test_shared_members_split_without_loss_or_duplicates(self):
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=1)
        ref.wait_count(3)
        group = "g-%s" % uuid.uuid4().hex[:6]
        m1 = self.client(version=5)
        self.assertEqual(m1.subscribe("$share/%s/app/demo" % group, qos=1)[0], [1])
        m2 = self.client(version=4)
        self.assertEqual(m2.subscribe("$share/%s/app/demo" % group, qos=1)[0], [1])
        # the group is running (whether it spreads events evenly is test_shared_split_*)
        wait_for(lambda: m1.count() >= 1 and m1.count() + m2.count() >= 60, 10, "the shared group delivering")
        # m1 leaves mid-way (clean DISCONNECT; QoS 1 events it had not acknowledged go back to the group)
        m1.leave()
        left_at = len(ref.messages())
        ref.wait_count(left_at + 120)
        end = len(ref.messages())
        window_ref = ids(ref)

        members_ids = ids(m1) + ids(m2)
        positions = [window_ref.index(i) for i in members_ids if i in window_ref]
        self.assertTrue(positions)
        start = min(positions)
        expected = window_ref[start:end]

        def all_delivered():
            got = set(ids(m1)) | set(ids(m2))
            return all(i in got for i in expected)

        wait_for(all_delivered, 10, "the group to deliver every event of the reference window")
        got = ids(m1) + ids(m2)
        counts = collections.Counter(got)
        dups = [i for i, n in counts.items() if n > 1]
        self.assertEqual(dups, [], "events delivered to both members")
        missing = [i for i in expected if i not in counts]
        self.assertEqual(missing, [], "events lost by the shared group")
        # after m1 left, m2 got everything: every event after m1's last one
        self.assertIn(ids(m1)[-1], window_ref)
        tail = window_ref[window_ref.index(ids(m1)[-1]) + 1:end]
        self.assertGreaterEqual(len(tail), 100)
        m2_ids = set(ids(m2))
        self.assertTrue(all(i in m2_ids for i in tail), "remaining member must get every later event")
        # in-flight events of m1 that it never acknowledged went to m2; the ones paho saw after
        # it asked to leave are not counted for m1
        for i in [m.event_id() for m in m1.late_messages()]:
            self.assertIn(i, m2_ids, "event in flight when m1 left was not redelivered")

    def test_shared_split_between_two_live_members(self):
        group = "split-%s" % uuid.uuid4().hex[:6]
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=0)
        members = [self.client(version=5) for _ in range(2)]
        for m in members:
            self.assertEqual(m.subscribe("$share/%s/app/demo" % group, qos=0)[0], [0])
        wait_for(lambda: sum(m.count() for m in members) >= 200, 10, "200 events in the group")
        a, b = ids(members[0]), ids(members[1])
        self.assertEqual(set(a) & set(b), set(), "an event went to two members")
        # Both live members must share the load (a shared subscription exists to spread it);
        # each should get a fair part, here at least 10% of 200 events.
        self.assertGreaterEqual(len(a), 20, "member 1 got %d of %d events" % (len(a), len(a) + len(b)))
        self.assertGreaterEqual(len(b), 20, "member 2 got %d of %d events" % (len(b), len(a) + len(b)))

    def test_shared_stuck_member_does_not_block_group(self):
        # A member that never acknowledges holds at most its Receive Maximum; the rest of the
        # group's events go to the other member, and the held ones follow when it leaves.
        group = "stuck-%s" % uuid.uuid4().hex[:6]
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=1)
        stuck = self.raw(5)
        stuck.connect("stuck-" + group, props=[(33, 5)])  # Receive Maximum 5
        _, codes, _ = stuck.subscribe([("$share/%s/app/demo" % group, 1)])
        self.assertEqual(codes, [1])
        held = []
        while len(held) < 5:
            p = stuck.expect(PT.PUBLISH, timeout=5, skip_publish=False).publish()
            held.append(json.loads(p["payload"])["id"])
        other = self.client(version=5)
        other.subscribe("$share/%s/app/demo" % group, qos=1)
        other.wait_count(60)
        self.assertEqual(set(ids(other)) & set(held), set())
        extra = stuck.recv_packet(0.2)
        self.assertIsNone(extra, "a member with Receive Maximum 5 got a 6th unacknowledged event")
        stuck.close()
        other.wait(lambda: all(i in {m.event_id() for m in other._messages} for i in held), 5,
                   "the held events redelivered to the remaining member")
        got = ids(other) + held
        self.assertEqual(len(got), len(set(got)) + len(held), "only the held events may come twice")

    def test_shared_groups_are_independent(self):
        g1 = self.client(version=5)
        g1.subscribe("$share/one/app/demo", qos=0)
        g2 = self.client(version=5)
        g2.subscribe("$share/two/app/demo", qos=0)
        g1.wait_count(60)
        g2.wait_count(60)
        last = ids(g2)[59]
        g1.wait_message(lambda m: m.event_id() == last, what="group one catching up")
        assert_same_stream(self, ids(g1), ids(g2)[5:60], min_common=55, what="group two vs group one")

    def test_start_earliest_replays(self):
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=0)
        seen = ref.wait_count(10)
        before = [m.event_id() for m in seen]
        late = self.client(version=5)
        self.assertEqual(late.subscribe("app/demo", qos=1, user_properties=[("start", "earliest")])[0], [1])
        late.wait(lambda: all(i in {m.event_id() for m in late._messages} for i in before), 10,
                  "the events from before the subscription")
        # the demo devices connect (a connection event each), then publish their state
        first = late.messages()[0].json()
        self.assertEqual(first["type"], "io.drogue.connection.v1", "earliest starts at the first event kept")
        states = [m.json() for m in late.messages()[:60] if m.json()["subject"] == "state"]
        self.assertEqual(states[0]["data"]["sequence"], 1, "earliest starts at the first event kept")
        per_device = collections.defaultdict(list)
        for ev in states:
            per_device[ev["device"]].append(ev["data"]["sequence"])
        for device, seqs in per_device.items():
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "replay of %s has gaps" % device)

    def test_start_at_time(self):
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=0)
        msgs = ref.wait_count(40)
        pivot = msgs[20].json()
        later = self.client(version=5)
        codes, _ = later.subscribe("app/demo", qos=0, user_properties=[("start", pivot["time"])])
        self.assertEqual(codes, [0])
        first = later.wait_count(1)[0].json()
        self.assertEqual(first["time"], pivot["time"], "the group starts at the first event at or after the time")
        self.assertIn(pivot["id"], [m.event_id() for m in later.wait_count(40)],
                      "the event at the requested time is delivered")
        self.assertNotIn(msgs[0].event_id(), ids(later), "an event well before the time was delivered")

    def test_start_latest_is_default(self):
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=0)
        before = {m.event_id() for m in ref.wait_count(10)}
        for props in ((), (("start", "latest"),)):
            c = self.client(version=5)
            c.subscribe("app/demo", qos=0, user_properties=props)
            got = {m.event_id() for m in c.wait_count(10)}
            self.assertEqual(got & before, set(), "a new group at 'latest' replayed old events")

    def test_start_ignored_for_existing_group(self):
        group = "exist-%s" % uuid.uuid4().hex[:6]
        m1 = self.client(version=5)
        m1.subscribe("$share/%s/app/demo" % group, qos=1)
        m1.wait_count(10)
        m1.leave()
        m2 = self.client(version=5)
        m2.subscribe("$share/%s/app/demo" % group, qos=1, user_properties=[("start", "earliest")])
        m2.wait_count(10)
        self.assertEqual(set(ids(m1)) & set(ids(m2)), set(), "start=earliest must not rewind an existing group")
        self.assertNotEqual(m2.messages()[0].json()["data"].get("sequence"), 1)

    def test_client_id_group_resumes(self):
        client_id = "resume-%s" % uuid.uuid4().hex[:6]
        ref = self.client(version=5)
        ref.subscribe("app/demo", qos=1)
        c = self.client(version=5, client_id=client_id)
        c.subscribe("app/demo", qos=1)
        c.wait_count(10)
        c.leave()
        last_seen = c.messages()[-1].event_id()
        n = ref.count()
        ref.wait_count(n + 60)  # events published while away
        again = self.client(version=5, client_id=client_id)  # clean start: a new session...
        self.assertFalse(again.session_present)
        again.subscribe("app/demo", qos=1)  # ...but the group demo.<client id> resumes
        ref_ids = ids(ref)
        self.assertIn(last_seen, ref_ids)
        resume_at = ref_ids.index(last_seen) + 1
        again.wait_count(70)
        got = ids(again)
        ref.wait_message(lambda m: m.event_id() == got[59], what="the reference catching up")
        ref_ids = ids(ref)
        self.assertNotIn(last_seen, got)
        self.assertEqual(got[0], ref_ids[resume_at], "did not resume right after the last acknowledged event")
        assert_same_stream(self, ref_ids, got[:60], min_common=60, what="resumed group")


if __name__ == "__main__":
    unittest.main()
