"""Test harness for droverd's integration tests.

Starts a real droverd on a free port, talks to it with real MQTT peers (paho-mqtt,
mosquitto_sub/mosquitto_pub) and with hand-built packets on raw sockets, and stops it
with SIGTERM, asserting a clean exit.

Environment:
  DROVERD            path of the droverd binary (ctest sets it); otherwise the newest
                     build/*/app/droverd/droverd of this source tree.
  DROVER_IT_KEEP=1   keep the temporary folders (droverd logs) of every test; a failed
                     test prints the tail of droverd's log either way.

Every wait here is bounded by a deadline; nothing sleeps to make an assertion.
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
HOST = "127.0.0.1"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
LISTENING_RE = re.compile(rb"listening for MQTT on mqtt://127\.0\.0\.1:(\d+)")
DEVICE_LISTENING_RE = re.compile(rb"listening for devices on mqtt://127\.0\.0\.1:(\d+)")
HTTP_LISTENING_RE = re.compile(rb"listening for device HTTP on http://127\.0\.0\.1:(\d+)")
WS_LISTENING_RE = re.compile(rb"listening for MQTT over WebSockets on ws://127\.0\.0\.1:(\d+)/mqtt")
DEVICE_WS_LISTENING_RE = re.compile(rb"listening for devices over WebSockets on ws://127\.0\.0\.1:(\d+)/mqtt")
MQTTS_LISTENING_RE = re.compile(rb"listening for MQTT over TLS on mqtts://127\.0\.0\.1:(\d+)")
DEVICE_MQTTS_LISTENING_RE = re.compile(rb"listening for devices over TLS on mqtts://127\.0\.0\.1:(\d+)")
WSS_LISTENING_RE = re.compile(rb"listening for MQTT over secure WebSockets on wss://127\.0\.0\.1:(\d+)/mqtt")
DEVICE_WSS_LISTENING_RE = re.compile(
    rb"listening for devices over secure WebSockets on wss://127\.0\.0\.1:(\d+)/mqtt")
DEMO_READY_RE = re.compile(rb"demo application \S+ ready: \d+ devices connected and listening for commands")


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if the test process dies (e.g. killed by a ctest
    timeout), so no droverd or mosquitto client outlives its test."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def find_droverd():
    path = os.environ.get("DROVERD")
    if path:
        return path
    candidates = glob.glob(os.path.join(SOURCE_ROOT, "build", "*", "app", "droverd", "droverd"))
    candidates = [c for c in candidates if os.access(c, os.X_OK)]
    if not candidates:
        raise RuntimeError("droverd not found: set DROVERD or build the droverd target under build/")
    return max(candidates, key=os.path.getmtime)


def find_tool(name):
    """Another executable of the build (drover-sim): $<NAME in upper case, - as _>, else the
    newest build/*/app/<name>/<name> of this source tree."""
    path = os.environ.get(name.upper().replace("-", "_"))
    if path:
        return path
    candidates = glob.glob(os.path.join(SOURCE_ROOT, "build", "*", "app", name, name))
    candidates = [c for c in candidates if os.access(c, os.X_OK)]
    if not candidates:
        raise RuntimeError("%s not found: set %s or build it under build/" % (name, name.upper().replace("-", "_")))
    return max(candidates, key=os.path.getmtime)


def wait_for(predicate, timeout, what="condition", interval=0.01):
    """Polls predicate until it returns a truthy value (returned) or timeout passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


# ------------------------------------------------------------------------- droverd process


class Droverd:
    """One droverd process on 127.0.0.1:<free port>, its log captured in a temp folder."""

    def __init__(self, args=(), config=None, log_level="debug", listen_arg=True, binary=None, env=None):
        self.binary = binary or find_droverd()
        self.env = env
        self.args = list(args)
        self.config = config
        self.log_level = log_level
        self.listen_arg = listen_arg
        self.tmpdir = tempfile.mkdtemp(prefix="droverd-it-")
        self.log_path = os.path.join(self.tmpdir, "droverd.log")
        self.proc = None
        self.port = None
        self.device_port = None
        self.http_port = None
        self.ws_port = None  # with --ws / --device-ws (none by default)
        self.device_ws_port = None
        self.mqtts_port = None  # with --mqtts, --device-mqtts, --wss, --device-wss (none by default)
        self.device_mqtts_port = None
        self.wss_port = None
        self.device_wss_port = None
        self.returncode = None
        self._log_file = None

    @property
    def pid(self):
        return self.proc.pid

    def command(self):
        cmd = [self.binary]
        if self.listen_arg:
            cmd += ["--mqtt", "%s:0" % HOST]
        if "--device-mqtt" not in self.args:
            cmd += ["--device-mqtt", "%s:0" % HOST]  # never the fixed default port: tests run in parallel
        if "--device-http" not in self.args:
            cmd += ["--device-http", "%s:0" % HOST]
        if self.log_level:
            cmd += ["--log-level", self.log_level]
        if self.config is not None:
            path = os.path.join(self.tmpdir, "drover.toml")
            with open(path, "w") as f:
                f.write(self.config)
            cmd += ["--config", path]
        return cmd + self.args

    def start(self):
        self._log_file = open(self.log_path, "wb")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, cwd=self.tmpdir, preexec_fn=_die_with_parent,
                                     env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            log = self.log_bytes()
            m = LISTENING_RE.search(log)
            d = DEVICE_LISTENING_RE.search(log)
            h = HTTP_LISTENING_RE.search(log)
            if m and d and h and ("--demo" not in self.command() or DEMO_READY_RE.search(log)):
                # (with --demo: once its devices listen for commands, so tests can command them)
                self.port = int(m.group(1))
                self.device_port = int(d.group(1))
                self.http_port = int(h.group(1))
                # The WebSocket listeners log before the HTTP one, so they are in by now.
                w = WS_LISTENING_RE.search(log)
                dw = DEVICE_WS_LISTENING_RE.search(log)
                self.ws_port = int(w.group(1)) if w else None
                self.device_ws_port = int(dw.group(1)) if dw else None
                # The TLS listeners too.
                for attribute, rx in (("mqtts_port", MQTTS_LISTENING_RE),
                                      ("device_mqtts_port", DEVICE_MQTTS_LISTENING_RE),
                                      ("wss_port", WSS_LISTENING_RE), ("device_wss_port", DEVICE_WSS_LISTENING_RE)):
                    found = rx.search(log)
                    setattr(self, attribute, int(found.group(1)) if found else None)
                return self
            if self.proc.poll() is not None:
                raise AssertionError("droverd exited with %s before listening; log:\n%s"
                                     % (self.proc.returncode, self.log()))
            time.sleep(0.01)
        self.kill()
        raise AssertionError("droverd did not log 'listening for MQTT on' within %s s; log:\n%s"
                             % (START_TIMEOUT, self.log()))

    def log_bytes(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def log(self):
        return self.log_bytes().decode("utf-8", "replace")

    def log_tail(self, lines=40):
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_log(self, pattern, timeout=5.0):
        """Waits for a regular expression (str) to appear in the log; returns the match."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log()), timeout, "log line /%s/" % pattern)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS for droverd")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Signals droverd and waits for it; returns its exit code, or None if it hung (then killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.returncode = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                self.returncode = None
        else:
            self.returncode = self.proc.returncode
        self._close_log()
        return self.returncode

    def wait_exit(self, timeout):
        """Waits for droverd to exit by itself; returns its exit code, or None if it still runs."""
        try:
            self.returncode = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._close_log()
        return self.returncode

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self._close_log()

    def _close_log(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self, keep=False):
        self.kill()
        if not getattr(self, "_archived", False) and self.proc is not None:
            self._archived = True
            record_output("droverd log (pid %d)" % self.proc.pid, self.log())  # for assertNoSecretsInLogs
        if not keep and not os.environ.get("DROVER_IT_KEEP"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)


def run_droverd(args, timeout=10, config=None):
    """Runs droverd to completion (for CLI tests); returns CompletedProcess (text)."""
    binary = find_droverd()
    tmpdir = tempfile.mkdtemp(prefix="droverd-cli-")
    try:
        cmd = [binary] + list(args)
        if config is not None:
            path = os.path.join(tmpdir, "drover.toml")
            with open(path, "w") as f:
                f.write(config)
            cmd += ["--config", path]
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                              cwd=tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


# ------------------------------------------------------------------------- paho clients


class Message:
    __slots__ = ("topic", "payload", "qos", "retain", "dup", "properties", "received_at", "mid")

    def __init__(self, m):
        self.topic = m.topic
        self.payload = bytes(m.payload)
        self.qos = m.qos
        self.retain = m.retain
        self.dup = bool(m.dup)
        self.properties = getattr(m, "properties", None)
        self.mid = m.mid
        self.received_at = time.time()

    def json(self):
        return json.loads(self.payload)

    def user_properties(self):
        props = self.properties
        if props is None or not hasattr(props, "UserProperty"):
            return {}
        return dict(props.UserProperty)

    def event_id(self):
        """CloudEvent id, whether structured (in the payload) or binary (user property)."""
        up = self.user_properties()
        if "id" in up:
            return up["id"]
        return self.json()["id"]

    def __repr__(self):
        return "Message(%r, %r)" % (self.topic, self.payload[:80])


class _RecordingClient(mqtt.Client):
    """paho 1.6.1 drops the reason code of PUBACK/PUBREC/PUBCOMP: keep it."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.acks = {}  # mid -> list of (packet name, reason code int, reason string)
        self.acks_cond = threading.Condition()
        self._write_lock = threading.RLock()

    def _packet_write(self):
        # publish() from the test's thread writes at once, beside the loop thread's writes
        # (PUBACKs). paho's WebSocket wrapper keeps one frame buffer for both threads, and an
        # SSL socket can't be written from two threads at once (the connection breaks), so
        # two writers would interleave: one at a time, whatever the transport.
        with self._write_lock:
            return super()._packet_write()

    def _record_ack(self, name):
        packet = self._in_packet["packet"]
        mid, = struct.unpack("!H", packet[:2])
        code, reason = 0, None
        if self._protocol == mqtt.MQTTv5 and len(packet) > 2:
            code = packet[2]
            if len(packet) > 3:
                props = decode_properties(packet[3:])[0]
                reason = props.get(31)
        with self.acks_cond:
            self.acks.setdefault(mid, []).append((name, code, reason))
            self.acks_cond.notify_all()

    def _handle_pubackcomp(self, cmd):
        self._record_ack(cmd)
        return super()._handle_pubackcomp(cmd)

    def _handle_pubrec(self):
        self._record_ack("PUBREC")
        return super()._handle_pubrec()

    graceful_close = False

    def _sock_close(self):
        # paho closes right after writing DISCONNECT; if events are still arriving, the
        # kernel answers the close with a RST and the server's kernel drops the unread
        # PUBACK/DISCONNECT bytes. A well-behaved leave half-closes and drains instead.
        sock = self._sock
        if self.graceful_close and sock is not None:
            try:
                sock.setblocking(True)
                sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + 3.0
                while time.monotonic() < deadline:
                    sock.settimeout(max(0.01, deadline - time.monotonic()))
                    if not sock.recv(65536):
                        break
            except OSError:
                pass
        return super()._sock_close()


class MqttClient:
    """A paho client driven by its own loop thread (no automatic reconnect), with every
    received message, CONNACK, SUBACK and DISCONNECT recorded for the test to wait on."""

    def __init__(self, port, client_id="", version=5, clean=True, session_expiry=None, username=None,
                 password=None, keepalive=60, receive_maximum=None, will=None, connect=True,
                 connect_timeout=5.0, expect_success=True, transport="tcp", ws_path="/mqtt", ca_certs=None):
        """transport="websockets": MQTT over WebSockets to ws://HOST:port<ws_path> (paho
        offers the subprotocol "mqtt"); leave() is for TCP only. ca_certs: TLS (mqtts, or
        wss with websockets), the server's certificate verified against that CA file."""
        self.port = port
        self.version = version
        self.client_id = client_id
        protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        if version == 5:
            self.c = _RecordingClient(client_id=client_id, protocol=protocol, transport=transport)
        else:
            self.c = _RecordingClient(client_id=client_id, clean_session=clean, protocol=protocol,
                                      transport=transport)
        if transport == "websockets":
            self.c.ws_set_options(path=ws_path)
        if ca_certs is not None:
            self.c.tls_set(ca_certs=ca_certs)
        self.clean = clean
        self.session_expiry = session_expiry
        self.keepalive = keepalive
        self.receive_maximum = receive_maximum
        if username is not None or password is not None:
            used_credentials(username, password)
            self.c.username_pw_set(username, password)
        if will is not None:
            topic, payload, qos = will
            self.c.will_set(topic, payload, qos)
        self._cond = threading.Condition()
        self._messages = []
        self._late_messages = []
        self._subacks = {}
        self.connack = None  # (reason code int, flags dict, properties)
        self.disconnect_rc = None  # int reason code / rc of the DISCONNECT or connection loss
        self.disconnect_props = None
        self.closed = threading.Event()
        self._leaving = False
        self._leave_requested = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.c.on_subscribe = self._on_subscribe
        self.c.on_disconnect = self._on_disconnect
        self.c.on_unsubscribe = self._on_unsubscribe
        self._unsubacks = {}
        if connect:
            self.connect(connect_timeout, expect_success)

    # callbacks (loop thread)
    def _on_connect(self, client, userdata, flags, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else int(rc)
        with self._cond:
            self.connack = (code, dict(flags), properties)
            self._cond.notify_all()

    def _on_message(self, client, userdata, m):
        msg = Message(m)
        with self._cond:
            (self._late_messages if self._leaving else self._messages).append(msg)
            self._cond.notify_all()

    def _on_subscribe(self, client, userdata, mid, codes, properties=None):
        if self.version == 5:
            codes = [c.value for c in codes]
        else:
            codes = list(codes)
        with self._cond:
            self._subacks[mid] = (codes, properties)
            self._cond.notify_all()

    def _on_unsubscribe(self, client, userdata, mid, properties=None, codes=None):
        if isinstance(codes, list):
            codes = [c.value for c in codes]
        elif codes is not None:
            codes = [codes.value]
        with self._cond:
            self._unsubacks[mid] = (codes, properties)
            self._cond.notify_all()

    def _on_disconnect(self, client, userdata, rc, properties=None):
        code = rc.value if hasattr(rc, "value") else int(rc)
        with self._cond:
            self.disconnect_rc = code
            self.disconnect_props = properties
            self._cond.notify_all()
        self.closed.set()

    def _run(self):
        while not self._stop.is_set():
            if self._leave_requested.is_set() and not self._leaving:
                # In the loop thread, so every PUBACK paho owes is queued before DISCONNECT
                # and every message after this point is known to have arrived too late.
                self._leaving = True
                self.c.graceful_close = True
                self.c.disconnect()
            try:
                rc = self.c.loop(timeout=0.02)
            except OSError:  # the socket was closed under the loop (connection refused or lost)
                rc = mqtt.MQTT_ERR_CONN_LOST
            if rc != mqtt.MQTT_ERR_SUCCESS:
                self.closed.set()
                break

    def connect(self, timeout=5.0, expect_success=True):
        kwargs = {}
        if self.version == 5:
            props = Properties(PacketTypes.CONNECT)
            if self.session_expiry is not None:
                props.SessionExpiryInterval = self.session_expiry
            if self.receive_maximum is not None:
                props.ReceiveMaximum = self.receive_maximum
            kwargs["clean_start"] = self.clean
            kwargs["properties"] = props
        self.c.connect(HOST, self.port, self.keepalive, **kwargs)
        self._thread = threading.Thread(target=self._run, daemon=True, name="paho-%s" % self.client_id)
        self._thread.start()
        self.wait(lambda: self.connack is not None or self.closed.is_set(), timeout, "CONNACK")
        if expect_success:
            assert self.connack is not None and self.connack[0] == 0, "CONNACK %r" % (self.connack,)
        return self.connack

    @property
    def session_present(self):
        return bool(self.connack[1].get("session present"))

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out after %.1f s waiting for %s (client %s)"
                                         % (timeout, what, self.client_id or "<auto>"))
                self._cond.wait(min(left, 0.05))
            return predicate()

    def subscribe(self, topic, qos=0, user_properties=(), subscription_id=None, timeout=5.0):
        """Subscribes (topic is a filter or a list of (filter, qos)); returns the SUBACK
        codes (list of ints) and properties (v5)."""
        props = None
        if self.version == 5:
            props = Properties(PacketTypes.SUBSCRIBE)
            for k, v in user_properties:
                props.UserProperty = (k, v)
            if subscription_id is not None:
                props.SubscriptionIdentifier = subscription_id
            if not user_properties and subscription_id is None:
                props = None
        if isinstance(topic, str):
            if self.version == 5:
                rc, mid = self.c.subscribe(topic, options=mqtt.SubscribeOptions(qos=qos), properties=props)
            else:
                rc, mid = self.c.subscribe(topic, qos)
        else:
            if self.version == 5:
                rc, mid = self.c.subscribe([(t, mqtt.SubscribeOptions(qos=q)) for t, q in topic], properties=props)
            else:
                rc, mid = self.c.subscribe(list(topic))
        assert rc == mqtt.MQTT_ERR_SUCCESS, "subscribe rc %s" % rc
        return self.wait(lambda: self._subacks.get(mid), timeout, "SUBACK for %r" % (topic,))

    def unsubscribe(self, topic, timeout=5.0):
        """Unsubscribes; returns the UNSUBACK reason codes (v5) or None (3.1.1)."""
        rc, mid = self.c.unsubscribe(topic)
        assert rc == mqtt.MQTT_ERR_SUCCESS, "unsubscribe rc %s" % rc
        return self.wait(lambda: self._unsubacks.get(mid), timeout, "UNSUBACK for %r" % (topic,))[0]

    def publish(self, topic, payload, qos=1, retain=False, timeout=5.0, wait=True):
        """Publishes; for QoS 1/2 waits for the acknowledgement and returns its list of
        (packet name, reason code, reason string)."""
        info = self.c.publish(topic, payload, qos=qos, retain=retain)
        if qos == 0 or not wait:
            return info
        c = self.c
        deadline = time.monotonic() + timeout
        with c.acks_cond:
            while True:
                acks = c.acks.get(info.mid)
                done = acks and (qos == 1 or any(a[0] == "PUBCOMP" for a in acks)
                                 or any(a[0] == "PUBREC" and a[1] >= 0x80 for a in acks))
                if done:
                    return acks
                if self.closed.is_set():
                    return acks or []
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no acknowledgement for PUBLISH to %s within %s s" % (topic, timeout))
                c.acks_cond.wait(min(left, 0.05))

    def messages(self):
        with self._cond:
            return list(self._messages)

    def late_messages(self):
        with self._cond:
            return list(self._late_messages)

    def count(self):
        with self._cond:
            return len(self._messages)

    def wait_count(self, n, timeout=10.0):
        self.wait(lambda: len(self._messages) >= n, timeout, "%d messages (have %d)" % (n, len(self._messages)))
        return self.messages()

    def wait_message(self, predicate, timeout=10.0, start=0, what="a matching message"):
        """Waits for a message at index >= start that satisfies predicate; returns it."""
        found = []

        def check():
            for m in self._messages[start:]:
                if predicate(m):
                    found.append(m)
                    return True
            return False

        self.wait(check, timeout, what)
        return found[0]

    def wait_closed(self, timeout=5.0):
        if not self.closed.wait(timeout):
            raise AssertionError("connection of %s not closed within %s s" % (self.client_id, timeout))
        return self.disconnect_rc

    def leave(self, timeout=5.0):
        """Clean DISCONNECT issued from the loop thread; returns once the connection is closed."""
        self._leave_requested.set()
        self.wait_closed(timeout)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def close(self):
        self._stop.set()
        if self._thread is not None and self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(5)
        try:
            self.c.disconnect()
        except Exception:
            pass
        try:
            self.c.loop(0.01)
        except Exception:
            pass
        sock = self.c.socket()
        if sock is not None:
            try:
                sock.close()
            except Exception:
                pass


# ------------------------------------------------------------------------- raw MQTT


class PT:
    CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
    SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15


# Property ids and their wire types (MQTT 5, 2.2.2.2).
_BYTE, _U16, _U32, _VARINT, _STR, _BIN, _PAIR = range(7)
PROPERTY_TYPES = {
    1: _BYTE, 2: _U32, 3: _STR, 8: _STR, 9: _BIN, 11: _VARINT, 17: _U32, 18: _STR, 19: _U16, 21: _STR,
    22: _BIN, 23: _BYTE, 24: _U32, 25: _BYTE, 26: _STR, 28: _STR, 31: _STR, 33: _U16, 34: _U16, 35: _U16,
    36: _BYTE, 37: _BYTE, 38: _PAIR, 39: _U32, 40: _BYTE, 41: _BYTE, 42: _BYTE,
}
P_PAYLOAD_FORMAT, P_CONTENT_TYPE, P_SUB_ID, P_SESSION_EXPIRY, P_ASSIGNED_ID = 1, 3, 11, 17, 18
P_SERVER_KEEP_ALIVE, P_REASON, P_RECEIVE_MAX, P_TOPIC_ALIAS, P_USER, P_MAX_PACKET = 19, 31, 33, 35, 38, 39


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def decode_varint(data, pos):
    value, mult = 0, 1
    for i in range(4):
        if pos + i >= len(data):
            raise ValueError("truncated variable byte integer")
        b = data[pos + i]
        value += (b & 0x7F) * mult
        if not b & 0x80:
            return value, pos + i + 1
        mult *= 128
    raise ValueError("variable byte integer longer than 4 bytes")


def mqtt_str(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(b)) + b


def encode_properties(props=()):
    """props: iterable of (id, value); value is int, str/bytes, or a (k, v) pair for 38."""
    body = bytearray()
    for pid, value in props:
        t = PROPERTY_TYPES[pid]
        body += varint(pid)
        if t == _BYTE:
            body += struct.pack("!B", value)
        elif t == _U16:
            body += struct.pack("!H", value)
        elif t == _U32:
            body += struct.pack("!I", value)
        elif t == _VARINT:
            body += varint(value)
        elif t in (_STR, _BIN):
            body += mqtt_str(value)
        else:
            body += mqtt_str(value[0]) + mqtt_str(value[1])
    return varint(len(body)) + bytes(body)


def decode_properties(data, pos=0):
    """Returns ({id: value}, end position); user properties (38) and subscription ids (11)
    are lists; strings are decoded as UTF-8."""
    length, pos = decode_varint(data, pos)
    end = pos + length
    props = {}
    while pos < end:
        pid, pos = decode_varint(data, pos)
        t = PROPERTY_TYPES.get(pid)
        if t is None:
            raise ValueError("unknown property id %d" % pid)
        if t == _BYTE:
            value = data[pos]
            pos += 1
        elif t == _U16:
            value, = struct.unpack_from("!H", data, pos)
            pos += 2
        elif t == _U32:
            value, = struct.unpack_from("!I", data, pos)
            pos += 4
        elif t == _VARINT:
            value, pos = decode_varint(data, pos)
        elif t in (_STR, _BIN):
            n, = struct.unpack_from("!H", data, pos)
            value = bytes(data[pos + 2:pos + 2 + n])
            if t == _STR:
                value = value.decode("utf-8")
            pos += 2 + n
        else:
            n, = struct.unpack_from("!H", data, pos)
            k = bytes(data[pos + 2:pos + 2 + n]).decode()
            pos += 2 + n
            n, = struct.unpack_from("!H", data, pos)
            v = bytes(data[pos + 2:pos + 2 + n]).decode()
            pos += 2 + n
            value = (k, v)
        if pid in (P_USER, P_SUB_ID):
            props.setdefault(pid, []).append(value)
        else:
            props[pid] = value
    return props, end


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + body


def connect_packet(client_id="", version=5, clean=True, keepalive=60, props=(), will=None, username=None,
                   password=None, protocol_name="MQTT", level=None):
    """will: dict(topic=, payload=, qos=0, retain=False, props=())."""
    used_credentials(username, password)
    flags = 0x02 if clean else 0
    if will is not None:
        flags |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    level = level if level is not None else (5 if version == 5 else 4)
    body = mqtt_str(protocol_name) + bytes([level, flags]) + struct.pack("!H", keepalive)
    if version == 5:
        body += encode_properties(props)
    body += mqtt_str(client_id)
    if will is not None:
        if version == 5:
            body += encode_properties(will.get("props", ()))
        body += mqtt_str(will["topic"]) + mqtt_str(will["payload"])
    if username is not None:
        body += mqtt_str(username)
    if password is not None:
        body += mqtt_str(password)
    return packet(PT.CONNECT, 0, body)


def subscribe_packet(packet_id, filters, version=5, props=()):
    """filters: list of (filter, options byte)."""
    body = struct.pack("!H", packet_id)
    if version == 5:
        body += encode_properties(props)
    for f, opts in filters:
        body += mqtt_str(f) + bytes([opts])
    return packet(PT.SUBSCRIBE, 2, body)


def publish_packet(topic, payload, qos=0, packet_id=1, retain=False, dup=False, version=5, props=()):
    flags = (qos << 1) | (1 if retain else 0) | (8 if dup else 0)
    body = mqtt_str(topic)
    if qos:
        body += struct.pack("!H", packet_id)
    if version == 5:
        body += encode_properties(props)
    body += payload if isinstance(payload, bytes) else payload.encode()
    return packet(PT.PUBLISH, flags, body)


def ack_packet(ptype, packet_id, reason=None, version=5):
    """PUBACK/PUBREC/PUBREL/PUBCOMP (PUBREL gets its required flags)."""
    body = struct.pack("!H", packet_id)
    if version == 5 and reason is not None:
        body += bytes([reason])
    return packet(ptype, 2 if ptype == PT.PUBREL else 0, body)


def disconnect_packet(reason=0, version=5, props=()):
    if version != 5:
        return packet(PT.DISCONNECT, 0, b"")
    return packet(PT.DISCONNECT, 0, bytes([reason]) + encode_properties(props))


PINGREQ = packet(PT.PINGREQ, 0, b"")


class RawPacket:
    def __init__(self, ptype, flags, body, version=5):
        self.type = ptype
        self.flags = flags
        self.body = body
        self.version = version

    def __repr__(self):
        return "RawPacket(type=%d, flags=%d, %d bytes)" % (self.type, self.flags, len(self.body))

    # decoded views
    def connack(self):
        assert self.type == PT.CONNACK, self
        present, code = self.body[0] & 1, self.body[1]
        props = decode_properties(self.body, 2)[0] if self.version == 5 and len(self.body) > 2 else {}
        return present, code, props

    def reason(self):
        """Reason code and properties of PUBACK/PUBREC/PUBCOMP/DISCONNECT (v5)."""
        if self.type == PT.DISCONNECT:
            if not self.body:
                return 0, {}
            props = decode_properties(self.body, 1)[0] if len(self.body) > 1 else {}
            return self.body[0], props
        code = self.body[2] if len(self.body) > 2 else 0
        props = decode_properties(self.body, 3)[0] if len(self.body) > 3 else {}
        return code, props

    def packet_id(self):
        return struct.unpack_from("!H", self.body, 0)[0]

    def suback(self):
        assert self.type == PT.SUBACK, self
        pid = self.packet_id()
        props, pos = ({}, 2)
        if self.version == 5:
            props, pos = decode_properties(self.body, 2)
        return pid, list(self.body[pos:]), props

    def publish(self):
        """Returns dict(topic, qos, packet_id, retain, dup, props, payload)."""
        assert self.type == PT.PUBLISH, self
        qos = (self.flags >> 1) & 3
        n, = struct.unpack_from("!H", self.body, 0)
        topic = bytes(self.body[2:2 + n]).decode()
        pos = 2 + n
        pid = None
        if qos:
            pid, = struct.unpack_from("!H", self.body, pos)
            pos += 2
        props = {}
        if self.version == 5:
            props, pos = decode_properties(self.body, pos)
        return dict(topic=topic, qos=qos, packet_id=pid, retain=bool(self.flags & 1), dup=bool(self.flags & 8),
                    props=props, payload=bytes(self.body[pos:]))


class ConnectionClosed(Exception):
    pass


class RawClient:
    """A bare TCP connection that sends bytes and reads MQTT packets with deadlines."""

    def __init__(self, port, version=5, rcvbuf=None, timeout=5.0):
        self.version = version
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((HOST, port))
        self.buf = bytearray()
        self.eof = False

    def send(self, data, tolerate_close=False):
        """Sends data. With tolerate_close, a peer that closes while we still send (it refused
        what it read so far) is not an error: what it answered is still read afterwards."""
        try:
            self.sock.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            if not tolerate_close:
                raise

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            raise ConnectionClosed()
        self.buf += data
        return True

    def _parse(self):
        if len(self.buf) < 2:
            return None
        try:
            length, pos = decode_varint(self.buf, 1)
        except ValueError:
            if len(self.buf) >= 5:
                raise
            return None
        if len(self.buf) < pos + length:
            return None
        first = self.buf[0]
        body = bytes(self.buf[pos:pos + length])
        del self.buf[:pos + length]
        return RawPacket(first >> 4, first & 0x0F, body, self.version)

    def recv_packet(self, timeout=5.0):
        """The next packet, or None at the deadline; raises ConnectionClosed at EOF."""
        deadline = time.monotonic() + timeout
        while True:
            p = self._parse()
            if p is not None:
                return p
            if self.eof:
                raise ConnectionClosed()
            if not self._fill(deadline):
                return None

    def expect(self, ptype, timeout=5.0, skip_publish=True):
        """Reads until a packet of ptype (PUBLISH packets are skipped if skip_publish)."""
        deadline = time.monotonic() + timeout
        while True:
            p = self.recv_packet(max(0.0, deadline - time.monotonic()))
            if p is None:
                raise AssertionError("no packet of type %d within %s s" % (ptype, timeout))
            if p.type == ptype:
                return p
            if p.type == PT.PUBLISH and skip_publish:
                continue
            raise AssertionError("expected packet type %d, got %r" % (ptype, p))

    def read_until_closed(self, timeout=5.0):
        """Returns (closed, packets read meanwhile)."""
        deadline = time.monotonic() + timeout
        packets = []
        try:
            while time.monotonic() < deadline:
                p = self.recv_packet(max(0.0, deadline - time.monotonic()))
                if p is not None:
                    packets.append(p)
        except ConnectionClosed:
            return True, packets
        return False, packets

    def connect(self, client_id="", timeout=5.0, **kw):
        self.send(connect_packet(client_id, version=self.version, **kw))
        return self.expect(PT.CONNACK, timeout).connack()

    def subscribe(self, filters, packet_id=1, props=(), timeout=5.0):
        if isinstance(filters, str):
            filters = [(filters, 0)]
        self.send(subscribe_packet(packet_id, filters, self.version, props))
        return self.expect(PT.SUBACK, timeout).suback()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ------------------------------------------------------------------------- JavaScript clients


JS_DIR = os.path.join(SOURCE_ROOT, "tests", "js")


class JsClient:
    """A real JavaScript MQTT client (MQTT.js, tests/js/ws_client.mjs) in a node process,
    driven by JSON lines on its stdin; every JSON report it prints is recorded for the test
    to wait on. Needs node and tests/js/node_modules (scripts/install-deps runs npm ci)."""

    def __init__(self):
        node = shutil.which("node")
        if node is None:
            raise AssertionError("node not found: install Node.js 20 (see scripts/install-deps)")
        if not os.path.isdir(os.path.join(JS_DIR, "node_modules", "mqtt")):
            raise AssertionError("tests/js/node_modules/mqtt is missing: run scripts/install-deps "
                                 "(npm ci in tests/js)")
        self.proc = subprocess.Popen([node, os.path.join(JS_DIR, "ws_client.mjs")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=JS_DIR,
                                     preexec_fn=_die_with_parent)
        self.reports = []
        self.stderr = []
        self._cond = threading.Condition()
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, True), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, False), daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, json_lines):
        for line in stream:
            text = line.decode("utf-8", "replace").strip()
            if not text:
                continue
            with self._cond:
                if json_lines:
                    try:
                        self.reports.append(json.loads(text))
                    except ValueError:
                        self.stderr.append("stdout: " + text)
                else:
                    self.stderr.append(text)
                self._cond.notify_all()

    def send(self, **op):
        self.proc.stdin.write((json.dumps(op) + "\n").encode())
        self.proc.stdin.flush()

    def wait(self, predicate, timeout=10.0, what="a report"):
        """The first report satisfying predicate (AssertionError at the deadline)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.reports:
                    if predicate(r):
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out after %.1f s waiting for %s from MQTT.js; reports %r, "
                                         "stderr %r" % (timeout, what, self.reports[-10:], self.stderr[-10:]))
                self._cond.wait(min(left, 0.05))

    def connect(self, url, version=5, client_id=None, username=None, password=None, timeout=10.0, ca=None):
        """Connects; returns the connack report ({"type": "connack", "reasonCode": ...}) or the
        error report. ca: for wss://, the CA file the server's certificate must chain to."""
        used_credentials(username, password)
        op = {"op": "connect", "url": url, "protocolVersion": version}
        for key, value in (("clientId", client_id), ("username", username), ("password", password), ("ca", ca)):
            if value is not None:
                op[key] = value
        self.send(**op)
        return self.wait(lambda r: r["type"] in ("connack", "error", "close"), timeout, "CONNACK")

    def subscribe(self, topic, qos=1, user_properties=None, timeout=10.0):
        op = {"op": "subscribe", "topic": topic, "qos": qos}
        if user_properties:
            op["userProperties"] = dict(user_properties)
        self.send(**op)
        return self.wait(lambda r: r["type"] == "suback" and r["topic"] == topic, timeout, "SUBACK")

    def publish(self, topic, payload, qos=1, timeout=10.0):
        """Publishes; for QoS 1 returns the puback report (reasonCode, reasonString)."""
        op_id = uuid.uuid4().hex
        self.send(op="publish", id=op_id, topic=topic, payload=payload, qos=qos)
        return self.wait(lambda r: r["type"] == "puback" and r["id"] == op_id, timeout, "PUBACK")

    def messages(self):
        with self._cond:
            return [r for r in self.reports if r["type"] == "message"]

    def wait_message(self, predicate, timeout=10.0, start=0, what="a matching message"):
        """A message report at index >= start (among the messages) satisfying predicate."""
        found = []

        def check(_r):
            for m in [r for r in self.reports if r["type"] == "message"][start:]:
                if predicate(m):
                    found.append(m)
                    return True
            return False

        self.wait(check, timeout, what)
        return found[0]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send(op="end")
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                self.proc.kill()
                self.proc.wait(5)
        for reader in self._readers:  # they end at EOF, now that the process is gone
            reader.join(5)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


# ------------------------------------------------------------------------- external tools


def note_tool_credentials(args):
    """used_credentials() for the -u/-P arguments of a mosquitto_sub/mosquitto_pub call."""
    args = list(args)
    value = lambda flag: args[args.index(flag) + 1] if flag in args[:-1] else None  # noqa: E731
    used_credentials(value("-u"), value("-P"))


def mosquitto(tool, port, args, timeout=15.0):
    """Runs mosquitto_sub/mosquitto_pub against droverd; returns CompletedProcess (text)."""
    cmd = [tool, "-h", HOST, "-p", str(port)] + list(args)
    note_tool_credentials(args)
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    record_output("%s output" % os.path.basename(tool), res.stdout + res.stderr)
    return res


# ------------------------------------------------------------------------- secrets in logs

# (what, text) of everything this test process saw that must hold no secret: the log of
# every droverd it stopped and the output of the tools it ran (mosquitto_sub/_pub through
# mosquitto(), and whatever a test adds with record_output). Kept in memory for the run.
_OUTPUTS = []


# The suite-wide check (test_99_secrets.py, run by ctest after every other integration
# test): each module's outputs and the secrets it used are also written below
# $DROVER_IT_ARTIFACTS (ctest sets it per module), where the last test greps every output of
# every module for every secret of every module.
_ARTIFACTS = os.environ.get("DROVER_IT_ARTIFACTS")
_SECRETS = set()
# Shorter ones ("wrong", "hunter2") are words a log may hold for other reasons.
MIN_SECRET_LENGTH = 8


def _artifact(name):
    os.makedirs(_ARTIFACTS, exist_ok=True)
    return os.path.join(_ARTIFACTS, "%d-%s" % (os.getpid(), name))


def record_output(what, text):
    """Keeps text (a log, a tool's output) for secrets_in_outputs / assertNoSecretsInLogs."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if text:
        _OUTPUTS.append((what, text))
        if _ARTIFACTS:
            with open(_artifact("outputs.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps({"what": what, "text": text}) + "\n")


def looks_like_token(text):
    return isinstance(text, str) and text.count(".") == 2 and len(text) > 40 and " " not in text


def used_secret(*secrets):
    """Notes secrets (passwords, keys, tokens) a test sent, for the suite-wide grep. The
    clients of this harness note their passwords (and user names that are tokens) themselves."""
    new = [x for x in secrets if isinstance(x, str) and len(x) >= MIN_SECRET_LENGTH and x not in _SECRETS]
    if not new:
        return
    _SECRETS.update(new)
    if _ARTIFACTS:
        with open(_artifact("secrets.jsonl"), "a", encoding="utf-8") as f:
            for secret in new:
                f.write(json.dumps(secret) + "\n")


def used_credentials(username, password):
    """A client's credentials: the password, and the user name when it is an access token."""
    used_secret(password if isinstance(password, str) else None,
                username if looks_like_token(username) else None)


def _mask(secret):
    """Enough of a secret to tell which one it was, never all of it."""
    return "%s… (%d characters)" % (secret[:6], len(secret))


def secrets_in_outputs(secrets, extra=()):
    """The places where any of secrets (str) occurs: every droverd log this process stopped,
    every recorded tool output, and extra ((what, text) pairs). Returns a list of
    "<masked secret> in <what>" strings; empty when none leaked."""
    found = []
    for what, text in list(_OUTPUTS) + list(extra):
        for secret in secrets:
            if secret and secret in text:
                found.append("%s in %s" % (_mask(secret), what))
    return found


# ------------------------------------------------------------------------- test case base


class DroverdTestCase(unittest.TestCase):
    """Starts droverd for each test (DROVERD_ARGS / DROVERD_CONFIG), stops it with SIGTERM in
    tearDown and asserts exit code 0. Clients made through the helpers are closed first."""

    DROVERD_ARGS = ("--demo", "--demo-rate", "20")
    DROVERD_CONFIG = None
    START_DROVERD = True

    def setUp(self):
        self._clients = []
        self._procs = []
        self._daemons = []
        self.d = None
        if self.START_DROVERD:
            self.d = self.start_droverd(self.DROVERD_ARGS, config=self.DROVERD_CONFIG)

    def start_droverd(self, args=(), config=None, **kw):
        d = Droverd(args, config=config, **kw)
        self._daemons.append(d)
        self.addCleanup(d.cleanup)  # safety net (setUp failed); tearDown does the orderly stop
        d.start()
        return d

    @property
    def port(self):
        return self.d.port

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        for _test, _err in list(result.errors) + list(result.failures):
            if _test is self:
                return True
        return not getattr(outcome, "success", True)

    def tearDown(self):
        for c in reversed(self._clients):
            try:
                c.close()
            except Exception:
                pass
        for p in self._procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
            for f in (p.stdout, p.stderr):
                if f is not None:
                    f.close()
        failed = self._failed()
        problems = []
        for d in self._daemons:
            if d.proc is None or d.returncode is not None:
                continue
            rc = d.stop()
            if rc != 0:
                problems.append("droverd (pid %d) exit code %r after SIGTERM (expected 0); log tail:\n%s"
                                % (d.pid, rc, d.log_tail()))
        for d in self._daemons:
            if failed or problems:
                sys.stderr.write("\n--- droverd log (pid %s), last 40 lines ---\n%s\n---\n"
                                 % (d.proc.pid if d.proc else "-", d.log_tail(40)))
            d.cleanup()
        if problems:
            self.fail("\n".join(problems))

    # helpers
    def client(self, version=5, port=None, expect_success=True, **kw):
        """A connected paho client (CONNACK 0 asserted unless expect_success=False)."""
        kw.setdefault("client_id", "it-%s" % uuid.uuid4().hex[:12])
        c = MqttClient(port or self.port, version=version, connect=False, **kw)
        self._clients.append(c)
        c.connect(5.0, expect_success=expect_success)
        return c

    def raw(self, version=5, port=None, **kw):
        r = RawClient(port or self.port, version=version, **kw)
        self._clients.append(r)
        return r

    def spawn(self, args, **kw):
        """Starts a tool (list of args) with stdout/stderr to pipes; killed in tearDown."""
        p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=_die_with_parent, **kw)
        self._procs.append(p)
        return p

    def mosquitto(self, tool, args, timeout=15.0):
        return mosquitto(tool, self.port, args, timeout)

    def assertNoSecretsInLogs(self, secrets, extra=()):
        """No key, password or token of secrets (str) in any droverd log of this process
        (running ones too) nor in any recorded tool output or extra ((what, text) pairs).
        The failure names the place and the start of the secret, never all of it."""
        used_secret(*secrets)
        live = [("droverd log (pid %d, running)" % d.pid, d.log()) for d in self._daemons
                if d.proc is not None and not getattr(d, "_archived", False)]
        found = secrets_in_outputs(secrets, live + list(extra))
        self.assertFalse(found, "secrets leaked: " + "; ".join(found))

    def assertServing(self, timeout=5.0):
        """A fresh v5 connection gets CONNACK 0: droverd still accepts and serves clients."""
        r = RawClient(self.port, 5)
        try:
            present, code, _ = r.connect("it-probe-%s" % uuid.uuid4().hex[:8], timeout=timeout)
            self.assertEqual(code, 0, "a new connection was refused")
        finally:
            r.close()


def is_uuid(s):
    try:
        uuid.UUID(s)
        return True
    except (ValueError, TypeError, AttributeError):
        return False


RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def assert_same_stream(test, reference, other, min_common=1, what="stream"):
    """other (a list of event ids) must appear in reference as one contiguous run, in order:
    nothing lost, nothing duplicated, nothing reordered over the common period. Only the
    part of other that reference has covered is compared."""
    test.assertTrue(other, "%s: no events" % what)
    test.assertIn(other[0], reference, "%s: first event %s not in the reference" % (what, other[0]))
    start = reference.index(other[0])
    common = min(len(other), len(reference) - start)
    test.assertGreaterEqual(common, min_common, "%s: only %d events in common" % (what, common))
    test.assertEqual(other[:common], reference[start:start + common], "%s differs from the reference" % what)
    return common


# ------------------------------------------------------------------------- OpenID Connect issuer


OIDC_DIR = os.path.join(SOURCE_ROOT, "tests", "oidc")
ISSUER_LISTENING_RE = re.compile(rb"issuer listening on (http://127\.0\.0\.1:(\d+))")


class OidcIssuer:
    """The real OpenID Connect issuer of the tests (tests/oidc/issuer.mjs, npm oidc-provider)
    in a node process on 127.0.0.1:<free port>, and its test endpoints: mint() asks
    /test/token for a JWT access token (any claims, algorithm or key a test wants). Every
    token minted is kept in `tokens`, for a test to look for in logs. The process ends when
    stop() closes its standard input (or the test process dies). Needs node and
    tests/oidc/node_modules (scripts/install-deps runs npm ci there)."""

    def __init__(self, access_token_ttl=300, start_timeout=30.0):
        self.access_token_ttl = access_token_ttl
        self.start_timeout = start_timeout
        self.proc = None
        self.url = None
        self.port = None
        self.tokens = []
        self.tmpdir = None
        self.log_path = None
        self._log_file = None
        # Loopback only: no proxy from the environment may stand between the test and it.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @staticmethod
    def unavailable_reason():
        """Why the issuer can't run here, or None."""
        if shutil.which("node") is None:
            return "node not found: install Node.js 20 (see scripts/install-deps)"
        if not os.path.isfile(os.path.join(OIDC_DIR, "node_modules", "oidc-provider", "package.json")):
            return "tests/oidc/node_modules is missing: run scripts/install-deps (npm ci in tests/oidc)"
        return None

    def start(self):
        reason = self.unavailable_reason()
        if reason:
            raise AssertionError(reason)
        self.tmpdir = tempfile.mkdtemp(prefix="oidc-issuer-it-")
        self.log_path = os.path.join(self.tmpdir, "issuer.log")
        self._log_file = open(self.log_path, "wb")
        env = dict(os.environ, PORT="0", ACCESS_TOKEN_TTL=str(self.access_token_ttl))
        self.proc = subprocess.Popen([shutil.which("node"), os.path.join(OIDC_DIR, "issuer.mjs")],
                                     stdin=subprocess.PIPE, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     cwd=OIDC_DIR, env=env, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            m = ISSUER_LISTENING_RE.search(self.log_bytes())
            if m:
                self.url = m.group(1).decode()
                self.port = int(m.group(2))
                return self
            if self.proc.poll() is not None:
                log = self.log()
                self.stop()
                raise AssertionError("the issuer exited with %s before listening; output:\n%s"
                                     % (self.proc.returncode, log))
            time.sleep(0.02)
        log = self.log()
        self.stop()
        raise AssertionError("the issuer did not say it listens within %s s; output:\n%s"
                             % (self.start_timeout, log))

    def log_bytes(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()
        except (FileNotFoundError, TypeError):
            return b""

    def log(self):
        return self.log_bytes().decode("utf-8", "replace")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def request(self, path, fields=None, method=None, timeout=10.0):
        """An HTTP request to the issuer (a form POST when fields is given); returns the JSON answer."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method or ("POST" if data is not None
                                                                                   else "GET"))
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        with self._opener.open(req, timeout=timeout) as reply:
            return json.loads(reply.read())

    def mint(self, **fields):
        """A JWT access token from /test/token (fields as its header comment in issuer.mjs
        says: sub, username, ttl, nbf, iat, aud, azp, iss, alg, key, kid, pad); kept in tokens."""
        answer = self.request("/test/token", {k: str(v) for k, v in fields.items()})
        token = answer.get("access_token")
        if not token:
            raise AssertionError("the issuer minted no token: %r" % (answer,))
        self.tokens.append(token)
        used_secret(token)
        return token

    def stats(self):
        """{"jwksFetches": n, "discoveryFetches": n}"""
        return self.request("/test/stats")

    def stop(self, timeout=5.0):
        """Closes the issuer's standard input (it exits), then kills it if it lingers."""
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.tmpdir is not None and not os.environ.get("DROVER_IT_KEEP"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None


def auth_packet(reason=0x19, props=()):
    """An MQTT 5 AUTH packet (reason 0x19 Re-authenticate by default)."""
    return packet(PT.AUTH, 0, bytes([reason]) + encode_properties(props))


def auth_reason(p):
    """Reason code and properties of a received AUTH packet."""
    assert p.type == PT.AUTH, p
    if not p.body:
        return 0, {}
    return p.body[0], (decode_properties(p.body, 1)[0] if len(p.body) > 1 else {})


P_AUTH_METHOD, P_AUTH_DATA = 21, 22
