"""Back-pressure: subscribers that stop reading or acknowledging must neither slow the others
nor make droverd's memory grow without bound."""

import os
import json
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import PT, DroverdTestCase, ack_packet, wait_for

DEVICES = 10
RATE = 200                       # events/s per device: 2000 events/s in all
NOMINAL = DEVICES * RATE
WINDOW = 8.0                     # seconds measured
STUCK = 3                        # subscribers that never read
# The embedded log keeps 4000 events (2 s worth), so its memory stops growing during warm-up
# and any growth during the window is what the sessions keep for the stuck subscribers.
# Each may keep at most socket-high-water (512 KiB) plus one poll batch (64 events,
# ~32 KiB) in droverd: ~1.7 MiB for three; 8 MiB leaves room for allocator noise. Buffering
# without bound would add ~2000 events/s x ~470 bytes x 8 s = ~7.5 MB per stuck subscriber,
# ~22 MiB for three.
CONFIG = """
[retention]
max-events = 4000
"""
RSS_GROWTH_LIMIT_KIB = 8 * 1024


def server_send_queue(port, peer_port):
    """Bytes in droverd's kernel send queue towards 127.0.0.1:peer_port (from ss)."""
    out = subprocess.run(["ss", "-tnH", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True, timeout=5).stdout
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[3].endswith(":%d" % peer_port):
            return int(fields[1])
    return None


class BackpressureTest(DroverdTestCase):
    DROVERD_ARGS = ("--demo", "--demo-devices", str(DEVICES), "--demo-rate", str(RATE))
    DROVERD_CONFIG = CONFIG

    def test_stuck_subscriber_does_not_slow_others_or_grow_memory(self):
        out = tempfile.NamedTemporaryFile(mode="w+", prefix="reader-", suffix=".txt")
        self.addCleanup(out.close)
        self.spawn(["sh", "-c", 'exec mosquitto_sub -h 127.0.0.1 -p %d -V 5 -q 0 -t app/demo '
                                         '-F "%%U %%p" > %s' % (self.port, out.name)])

        def lines():
            with open(out.name) as f:
                return f.read().splitlines()

        # warm-up: the log fills to its retention limit, the reader is streaming
        wait_for(lambda: len(lines()) >= 5000, 15, "the reader streaming 5000 events")
        baseline = self.d.rss_kib()

        stuck = []
        for i in range(STUCK):
            r = self.raw(5, rcvbuf=4096)
            r.connect("stuck-%d-%s" % (i, uuid.uuid4().hex[:6]))
            r.subscribe([("app/demo", 0)])  # ... and never reads again
            stuck.append(r)
        for r in stuck:
            peer = r.sock.getsockname()[1]
            wait_for(lambda: (server_send_queue(self.port, peer) or 0) > 256 * 1024, 10,
                     "the stuck subscriber's connection to back up")

        t1 = time.time()
        peak = baseline
        while time.time() - t1 < WINDOW:
            peak = max(peak, self.d.rss_kib())
            time.sleep(0.25)  # sampling period of the measurement
        t2 = time.time()
        peak = max(peak, self.d.rss_kib())

        # let the reader get the events produced up to t2, then count
        def parsed():
            result = []
            for line in lines():
                stamp, payload = line.split(" ", 1)
                ev = json.loads(payload)
                result.append((float(stamp), ev["device"], ev["data"]["sequence"], ev["time"]))
            return result

        end_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t2 + 1))
        wait_for(lambda: len({e[1] for e in parsed() if e[3] > end_iso}) == DEVICES, 10,
                 "the reader to receive events of every device from after the window")
        events = parsed()
        start_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t1))
        stop_iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t2))
        produced = 0
        for device in {e[1] for e in events}:
            seqs = [(e[3], e[2]) for e in events if e[1] == device]
            before = max((s for t, s in seqs if t < start_iso), default=None)
            upto = max((s for t, s in seqs if t < stop_iso), default=None)
            self.assertIsNotNone(before, device)
            produced += upto - before
        secs = len(range(int(t1), int(t2)))  # whole seconds between start_iso and stop_iso
        received = sum(1 for e in events if int(t1) <= e[0] < int(t2))
        growth = peak - baseline
        print("\n  produced %d events in %d s (%.0f/s, nominal %d/s); reader got %d (%.1f%%); "
              "RSS baseline %d KiB, peak %d KiB (+%d KiB)"
              % (produced, secs, produced / secs, NOMINAL, received, 100.0 * received / produced, baseline,
                 peak, growth))
        self.assertGreaterEqual(produced, 0.5 * NOMINAL * secs, "the load was not generated")
        self.assertGreaterEqual(received, 0.8 * produced, "the reading subscriber was slowed down")
        if os.environ.get("DROVER_SANITIZED"):
            return  # ASan's quarantine keeps freed memory: RSS is no measure of buffering there
        self.assertLess(growth, RSS_GROWTH_LIMIT_KIB, "droverd's memory grew by %d KiB" % growth)
        # the stuck subscribers are still connected (back-pressure, not disconnection)
        for r in stuck:
            self.assertIsNotNone(server_send_queue(self.port, r.sock.getsockname()[1]))

    def test_qos1_window_is_receive_maximum(self):
        r = self.raw(5)
        r.connect("rm10-%s" % uuid.uuid4().hex[:6], props=[(33, 10)])  # Receive Maximum 10
        _, codes, _ = r.subscribe([("app/demo", 1)])
        self.assertEqual(codes, [1])
        got = []
        deadline = time.monotonic() + 1.5  # 3000 events are produced meanwhile
        while time.monotonic() < deadline:
            p = r.recv_packet(max(0.0, deadline - time.monotonic()))
            if p is not None:
                self.assertEqual(p.type, PT.PUBLISH)
                got.append(p.publish())
        self.assertEqual(len(got), 10, "unacknowledged QoS 1 PUBLISHes beyond Receive Maximum 10")
        self.assertEqual(len({g["packet_id"] for g in got}), 10, "packet ids in flight must differ")
        for g in got[:3]:
            r.send(ack_packet(PT.PUBACK, g["packet_id"]))
        deadline = time.monotonic() + 1.0
        more = []
        while time.monotonic() < deadline:
            p = r.recv_packet(max(0.0, deadline - time.monotonic()))
            if p is not None:
                more.append(p.publish())
        self.assertEqual(len(more), 3, "3 acknowledgements must let exactly 3 more through")
        self.assertEqual({g["packet_id"] for g in more} & {g["packet_id"] for g in got[3:]}, set())

    def test_qos1_window_capped_at_1000(self):
        r = self.raw(5)
        r.connect("rmmax-%s" % uuid.uuid4().hex[:6])  # no Receive Maximum: 65535
        r.subscribe([("app/demo", 1)])
        count = 0
        deadline = time.monotonic() + 2.0  # 4000 events are produced meanwhile
        while time.monotonic() < deadline:
            p = r.recv_packet(max(0.0, deadline - time.monotonic()))
            if p is not None and p.type == PT.PUBLISH:
                count += 1
        self.assertEqual(count, 1000, "QoS 1 deliveries in flight must be capped at max-inflight 1000")

    def test_v311_qos1_window(self):
        r = self.raw(4)
        r.connect("v3win-%s" % uuid.uuid4().hex[:6])
        r.subscribe([("app/demo", 1)])
        count = 0
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            p = r.recv_packet(max(0.0, deadline - time.monotonic()))
            if p is not None and p.type == PT.PUBLISH:
                count += 1
        self.assertEqual(count, 1000, "3.1.1 QoS 1 deliveries in flight must be capped at 1000")


if __name__ == "__main__":
    unittest.main()
