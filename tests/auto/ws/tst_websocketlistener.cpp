// The server side of MQTT over WebSockets: WebSocketListener and WebSocketClientSocket in
// front of the real MqttServer, driven by QWebSocket clients and by a client on a bare TCP
// socket where QWebSocket won't misbehave on demand. Every wait is bounded and ends as soon
// as its condition holds.
#include "wstestutil.h"

#include "backend/consumergroup.h"
#include "transport/websocketclientsocket.h"

#include <QPointer>
#include <QSignalSpy>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

using namespace drover;
using namespace drover::mqtt;
using namespace drover::test;

namespace {

// A QWebSocket client that collects the MQTT packets of the binary frames it receives.
class WsClient : public QObject
{
public:
    explicit WsClient(const QString &url, const QStringList &protocols = {QStringLiteral("mqtt")},
                      ProtocolVersion version = ProtocolVersion::V5)
        : collector(version)
    {
        connect(&socket, &QWebSocket::binaryFrameReceived, this,
                [this](const QByteArray &frame) { collector.append(frame); });
        connect(&socket, &QWebSocket::disconnected, this, [this] { closed = true; });
        QWebSocketHandshakeOptions options;
        options.setSubprotocols(protocols);
        socket.open(QUrl(url), options);
    }
    bool waitConnected()
    {
        return QTest::qWaitFor([this] { return socket.state() == QAbstractSocket::ConnectedState; }, Wait);
    }
    bool waitPackets(PacketType type, int count = 1)
    {
        return QTest::qWaitFor([&] { return collector.count(type) >= count; }, Wait);
    }
    bool waitClosed()
    {
        return QTest::qWaitFor([this] { return closed; }, Wait);
    }

    QWebSocket socket;
    PacketCollector collector;
    bool closed = false;
};

} // namespace

class TestWebSocketListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }
    void init();
    void cleanup();

    void urlAndPeerDescription();
    void connectSplitAcrossMessages();
    void connectInFragmentedMessage();
    void connectAndSubscribeInOneFrame();
    void framesRightBehindTheHandshake();
    void rootPathAndOldSubprotocolAccepted();
    void textFrameClosesConnection();
    void wrongPathIsRefused();
    void subprotocolIsRequired();
    void serverCloseSendsLastPacketFirst();
    void oversizedFrameOrMessageIsRefused();
    void handshakeTimeoutWhileOthersConnect();
    void outboundBackPressureIsBounded();
    void inboundPauseReachesTheClient();

private:
    std::unique_ptr<WebSocketServerFixture> m_fixture;
};

void TestWebSocketListener::init()
{
    m_fixture = std::make_unique<WebSocketServerFixture>();
    QVERIFY(m_fixture->listening);
}

void TestWebSocketListener::cleanup()
{
    m_fixture.reset();
}

void TestWebSocketListener::urlAndPeerDescription()
{
    QCOMPARE(m_fixture->listener->url(), QStringLiteral("ws://127.0.0.1:%1/mqtt").arg(m_fixture->port()));
    QPointer<session::ClientSocket> accepted;
    connect(m_fixture->listener.get(), &transport::WebSocketListener::accepted, this,
            [&](session::ClientSocket *socket) { accepted = socket; });
    WsClient client(m_fixture->url());
    QVERIFY(client.waitConnected());
    QTRY_VERIFY(accepted);
    QCOMPARE(accepted->peerDescription(), QStringLiteral("ws 127.0.0.1:%1").arg(client.socket.localPort()));
    QCOMPARE(client.socket.subprotocol(), QStringLiteral("mqtt")); // MQTT-6.0.0-4
}

void TestWebSocketListener::connectSplitAcrossMessages()
{
    // One CONNECT in three binary messages: frame boundaries mean nothing to MQTT.
    WsClient client(m_fixture->url());
    QVERIFY(client.waitConnected());
    const QByteArray connect = connectBytes("split");
    const qsizetype third = connect.size() / 3;
    client.socket.sendBinaryMessage(connect.left(third));
    client.socket.sendBinaryMessage(connect.mid(third, third));
    client.socket.sendBinaryMessage(connect.mid(2 * third));
    QVERIFY(client.waitPackets(PacketType::Connack));
    QCOMPARE(hexCode(client.collector.first<ConnackPacket>(PacketType::Connack)->reasonCode),
             hexCode(ReasonCode::Success));
    QVERIFY(client.collector.errors.isEmpty());
}

void TestWebSocketListener::connectInFragmentedMessage()
{
    // One message in continuation frames of 5 bytes each.
    WsClient client(m_fixture->url());
    QVERIFY(client.waitConnected());
    client.socket.setOutgoingFrameSize(5);
    client.socket.sendBinaryMessage(connectBytes("fragmented"));
    QVERIFY(client.waitPackets(PacketType::Connack));
    QCOMPARE(hexCode(client.collector.first<ConnackPacket>(PacketType::Connack)->reasonCode),
             hexCode(ReasonCode::Success));
}

void TestWebSocketListener::connectAndSubscribeInOneFrame()
{
    WsClient client(m_fixture->url());
    QVERIFY(client.waitConnected());
    client.socket.sendBinaryMessage(connectBytes("packed") + subscribeBytes("app/test", QoS::AtMostOnce));
    QVERIFY(client.waitPackets(PacketType::Suback));
    QCOMPARE(client.collector.count(PacketType::Connack), 1);
    const auto suback = client.collector.first<SubackPacket>(PacketType::Suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::Success});

    // And the subscription delivers.
    m_fixture->publishEvent("dev-1", R"({"temperature": 20})");
    QVERIFY(client.waitPackets(PacketType::Publish));
    const auto publish = client.collector.first<PublishPacket>(PacketType::Publish);
    QCOMPARE(publish->topic, QByteArray("app/test"));
    QVERIFY(publish->payload.contains(R"("temperature": 20)"));
}

void TestWebSocketListener::framesRightBehindTheHandshake()
{
    // A client that does not wait for the 101 response (RFC 6455 forbids it, some do it
    // anyway): its frames arrive with the handshake and must not be lost while the listener
    // takes the new connection over.
    RawWebSocket raw(m_fixture->port());
    QVERIFY(raw.waitConnected());
    raw.send(RawWebSocket::request() + RawWebSocket::binary(connectBytes("eager")) +
             RawWebSocket::binary(subscribeBytes("app/test", QoS::AtMostOnce)));
    QVERIFY(raw.readResponse().startsWith("HTTP/1.1 101"));
    QVERIFY(raw.waitPackets(PacketType::Suback));
    QCOMPARE(raw.packets().count(PacketType::Connack), 1);
}

void TestWebSocketListener::rootPathAndOldSubprotocolAccepted()
{
    WsClient root(m_fixture->url(QStringLiteral("/")));
    QVERIFY(root.waitConnected());
    root.socket.sendBinaryMessage(connectBytes("root"));
    QVERIFY(root.waitPackets(PacketType::Connack));

    // "mqttv3.1" is what older clients offer; mosquitto accepts it too.
    WsClient old(m_fixture->url(), {QStringLiteral("mqttv3.1")}, ProtocolVersion::V311);
    QVERIFY(old.waitConnected());
    QCOMPARE(old.socket.subprotocol(), QStringLiteral("mqttv3.1"));
    old.socket.sendBinaryMessage(connectBytes("old", ProtocolVersion::V311));
    QVERIFY(old.waitPackets(PacketType::Connack));

    // Both offered: one of them is selected (QWebSocketServer takes the client's first).
    WsClient both(m_fixture->url(), {QStringLiteral("mqtt"), QStringLiteral("mqttv3.1")});
    QVERIFY(both.waitConnected());
    QCOMPARE(both.socket.subprotocol(), QStringLiteral("mqtt"));
}

void TestWebSocketListener::textFrameClosesConnection()
{
    WsClient client(m_fixture->url());
    QVERIFY(client.waitConnected());
    client.socket.sendBinaryMessage(connectBytes("texter"));
    QVERIFY(client.waitPackets(PacketType::Connack));
    QTRY_COMPARE(m_fixture->server->connectionCount(), 1);
    client.socket.sendTextMessage(QStringLiteral("hello"));
    QVERIFY(client.waitClosed());
    QCOMPARE(client.socket.closeCode(), QWebSocketProtocol::CloseCodeDatatypeNotSupported);
    QVERIFY2(client.socket.closeReason().contains(QStringLiteral("binary frames only")),
             qPrintable(client.socket.closeReason()));
    QTRY_COMPARE(m_fixture->server->connectionCount(), 0); // the session ended too
}

void TestWebSocketListener::wrongPathIsRefused()
{
    WsClient client(m_fixture->url(QStringLiteral("/other")));
    QVERIFY(client.waitClosed());
    QCOMPARE(client.socket.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QCOMPARE(client.socket.closeReason(), QStringLiteral("no MQTT endpoint at /other; use /mqtt"));
    QCOMPARE(m_fixture->server->connectionCount(), 0);
}

void TestWebSocketListener::subprotocolIsRequired()
{
    // MQTT-6.0.0-3: the client must offer "mqtt". Like mosquitto, the server refuses a
    // client that offers no subprotocol it knows.
    for (const QStringList &offered : {QStringList(), QStringList{QStringLiteral("chat")}}) {
        WsClient client(m_fixture->url(), offered);
        QVERIFY(client.waitClosed());
        QCOMPARE(client.socket.closeCode(), QWebSocketProtocol::CloseCodeProtocolError);
        QVERIFY2(client.socket.closeReason().contains(QStringLiteral("\"mqtt\"")),
                 qPrintable(client.socket.closeReason()));
    }
    QCOMPARE(m_fixture->server->connectionCount(), 0);
}

void TestWebSocketListener::serverCloseSendsLastPacketFirst()
{
    // A second connection with the same client id takes the session over: the first one gets
    // DISCONNECT 0x8E before the close frame, even while it is still sending.
    WsClient first(m_fixture->url());
    QVERIFY(first.waitConnected());
    first.socket.sendBinaryMessage(connectBytes("same-id"));
    QVERIFY(first.waitPackets(PacketType::Connack));
    WsClient second(m_fixture->url());
    QVERIFY(second.waitConnected());
    second.socket.sendBinaryMessage(connectBytes("same-id"));
    for (int i = 0; i < 50; ++i) // pings keep coming while the server closes
        first.socket.sendBinaryMessage(PacketEncoder::encode(PingreqPacket{}, ProtocolVersion::V5));
    QVERIFY(first.waitClosed());
    const auto disconnect = first.collector.first<DisconnectPacket>(PacketType::Disconnect);
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::SessionTakenOver));
    QCOMPARE(first.socket.closeCode(), QWebSocketProtocol::CloseCodeNormal);
    QVERIFY(second.waitPackets(PacketType::Connack));
}

void TestWebSocketListener::oversizedFrameOrMessageIsRefused()
{
    // Frames and messages are bounded by the largest packet plus 64 KiB: one larger frame,
    // or a message of smaller frames, closes the connection with 1009 (too big).
    session::ServerLimits limits;
    limits.maxPacketSize = 4096;
    m_fixture = std::make_unique<WebSocketServerFixture>(limits);
    QVERIFY(m_fixture->listening);
    {
        WsClient client(m_fixture->url());
        QVERIFY(client.waitConnected());
        client.socket.sendBinaryMessage(QByteArray(4096 + 64 * 1024 + 1, 'x'));
        QVERIFY(client.waitClosed());
        QCOMPARE(client.socket.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);
    }
    {
        // Valid packets (PINGREQs), but too many of them in one message of 16 KiB frames:
        // the session answers those it has read, until the message passes the bound.
        WsClient client(m_fixture->url());
        QVERIFY(client.waitConnected());
        client.socket.sendBinaryMessage(connectBytes("pinger"));
        QVERIFY(client.waitPackets(PacketType::Connack));
        client.socket.setOutgoingFrameSize(16 * 1024);
        const QByteArray ping = PacketEncoder::encode(PingreqPacket{}, ProtocolVersion::V5);
        client.socket.sendBinaryMessage(ping.repeated((4096 + 64 * 1024) / ping.size() + 1));
        QVERIFY(client.waitClosed());
        QCOMPARE(client.socket.closeCode(), QWebSocketProtocol::CloseCodeTooMuchData);
        QVERIFY(client.collector.count(PacketType::Pingresp) > 0);
    }
    // Just below the bound is fine.
    WsClient client(m_fixture->url());
    QVERIFY(client.waitConnected());
    client.socket.sendBinaryMessage(connectBytes("bounded"));
    QVERIFY(client.waitPackets(PacketType::Connack));
    const QByteArray ping = PacketEncoder::encode(PingreqPacket{}, ProtocolVersion::V5);
    const int count = (4096 + 64 * 1024) / ping.size();
    client.socket.sendBinaryMessage(ping.repeated(count));
    QVERIFY(client.waitPackets(PacketType::Pingresp, count));
    QCOMPARE(client.socket.state(), QAbstractSocket::ConnectedState);
}

void TestWebSocketListener::handshakeTimeoutWhileOthersConnect()
{
    m_fixture->listener->setHandshakeTimeout(500);
    RawWebSocket slow(m_fixture->port());
    QVERIFY(slow.waitConnected());
    slow.send("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // and nothing more
    QTRY_COMPARE(m_fixture->listener->pendingHandshakes(), 1);

    // The listener keeps accepting and upgrading while the slow handshake is pending.
    WsClient quick(m_fixture->url());
    QVERIFY(quick.waitConnected());
    quick.socket.sendBinaryMessage(connectBytes("quick"));
    QVERIFY(quick.waitPackets(PacketType::Connack));
    QCOMPARE(slow.socket.state(), QAbstractSocket::ConnectedState);

    QVERIFY(slow.waitClosed());
    QCOMPARE(m_fixture->listener->pendingHandshakes(), 0);
    QVERIFY(quick.socket.state() == QAbstractSocket::ConnectedState);
}

void TestWebSocketListener::outboundBackPressureIsBounded()
{
    // A subscriber that stops reading: the server writes until its socket holds the
    // high-water mark, then stops pulling events; the rest stays in the log.
    constexpr qint64 HighWater = 64 * 1024;
    session::ServerLimits limits;
    limits.socketHighWaterBytes = HighWater;
    limits.pollBatch = 4; // a session writes at most one batch beyond the mark
    m_fixture = std::make_unique<WebSocketServerFixture>(limits);
    QVERIFY(m_fixture->listening);
    QPointer<session::ClientSocket> serverSide;
    connect(m_fixture->listener.get(), &transport::WebSocketListener::accepted, this,
            [&](session::ClientSocket *socket) { serverSide = socket; });

    RawWebSocket reader(m_fixture->port(), 4096);
    QVERIFY(reader.waitConnected());
    reader.send(RawWebSocket::request() + RawWebSocket::binary(connectBytes("slow-reader")) +
                RawWebSocket::binary(subscribeBytes("app/test", QoS::AtMostOnce)));
    QVERIFY(reader.readResponse().startsWith("HTTP/1.1 101"));
    QVERIFY(reader.waitPackets(PacketType::Suback));
    QVERIFY(serverSide);
    // From here the reader reads nothing.

    const QByteArray payload = R"({"padding": ")" + QByteArray(2000, 'x') + R"("})";
    constexpr int Events = 10000; // ~20 MB: far beyond what kernel buffers hold
    for (int i = 0; i < Events; ++i) {
        m_fixture->publishEvent("dev-1", payload);
        if (i % 500 == 0)
            QCoreApplication::processEvents();
    }
    backend::ConsumerGroup *group =
        m_fixture->events->log(QStringLiteral("test"))->group(QStringLiteral("test.slow-reader"), {});
    const quint64 end = m_fixture->events->log(QStringLiteral("test"))->endOffset();

    // Delivery stops: nothing moves for a while, with the socket at the high-water mark.
    QVERIFY(QTest::qWaitFor(
        [&] {
            const quint64 pulledBefore = group->nextOffset();
            const qint64 queuedBefore = serverSide->bytesToWrite();
            QTest::qWait(300);
            return group->nextOffset() == pulledBefore && serverSide->bytesToWrite() == queuedBefore;
        },
        20000));
    const quint64 pulled = group->nextOffset();
    const qint64 queued = serverSide->bytesToWrite();
    QVERIFY2(queued >= HighWater - 4096, qPrintable(QString::number(queued)));
    QVERIFY2(queued < HighWater + limits.pollBatch * (payload.size() + 1024),
             qPrintable(QString::number(queued)));
    QVERIFY2(end - pulled > Events / 2, qPrintable(QStringLiteral("%1 of %2 pulled").arg(pulled).arg(end)));
    QCOMPARE(m_fixture->server->connectionCount(), 1);
}

void TestWebSocketListener::inboundPauseReachesTheClient()
{
    // MQTT 3.1.1 has no Receive Maximum: with that many commands unacknowledged the session
    // stops reading. Over WebSockets that must reach the client as TCP flow control, not as
    // a buffer that grows on the server.
    session::ServerLimits limits;
    limits.receiveMaximum = 5;
    m_fixture = std::make_unique<WebSocketServerFixture>(limits);
    QVERIFY(m_fixture->listening);
    TestDevice *device = m_fixture->attachDevice(QStringLiteral("dev-1"));
    device->hold = true;

    WsClient client(m_fixture->url(), {QStringLiteral("mqtt")}, ProtocolVersion::V311);
    QVERIFY(client.waitConnected());
    client.socket.sendBinaryMessage(connectBytes("sender", ProtocolVersion::V311));
    QVERIFY(client.waitPackets(PacketType::Connack));

    constexpr int Commands = 4000;
    const QByteArray payload(8 * 1024, 'c'); // ~32 MB in all
    for (int i = 0; i < Commands; ++i) {
        PublishPacket publish;
        publish.topic = "command/test/dev-1/fill";
        publish.payload = payload;
        publish.qos = QoS::AtLeastOnce;
        publish.packetId = quint16(i + 1);
        client.socket.sendBinaryMessage(PacketEncoder::encode(publish, ProtocolVersion::V311));
    }
    QTRY_COMPARE(device->held.size(), 5);
    // The server takes no more: most of the commands wait on the client's side.
    QTest::qWait(500);
    QCOMPARE(device->held.size(), 5);
    QVERIFY2(client.socket.bytesToWrite() > 16 * 1024 * 1024,
             qPrintable(QString::number(client.socket.bytesToWrite())));

    // Acknowledged, they all come through, in order.
    device->hold = false;
    device->releaseAll();
    QVERIFY2(
        QTest::qWaitFor([&] { return client.collector.count(PacketType::Puback) == Commands; }, 30000),
        qPrintable(QStringLiteral("%1 PUBACKs, %2 commands received, %3 bytes to write, errors %4, closed %5")
                       .arg(client.collector.count(PacketType::Puback))
                       .arg(device->received.size())
                       .arg(client.socket.bytesToWrite())
                       .arg(client.collector.errors.join(QLatin1Char(';')))
                       .arg(client.closed)));
    QCOMPARE(device->received.size(), Commands);
    QCOMPARE(client.collector.count(PacketType::Puback), Commands);
}

QTEST_MAIN(TestWebSocketListener)
#include "tst_websocketlistener.moc"
