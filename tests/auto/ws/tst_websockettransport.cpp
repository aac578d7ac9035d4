// The client side of MQTT over WebSockets: MqttClient over WebSocketTransport against the
// real MqttServer behind a WebSocketListener (MQTT 5 and 3.1.1), the transport's contract on
// its own, and ServerAddress, which makes the transports. Nothing sleeps to assert: every
// wait is bounded and ends as soon as its condition holds.
#include "wstestutil.h"

#include "client/mqttclient.h"
#include "client/serveraddress.h"
#include "client/tcptransport.h"
#include "client/websockettransport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>

using namespace drover;
using namespace drover::mqtt;
using namespace drover::test;
using client::ClientOptions;
using client::MqttClient;
using client::PublishOutcome;
using client::ServerAddress;
using client::WebSocketTransport;

Q_DECLARE_METATYPE(ServerAddress::Scheme)

namespace {

void addVersionRows()
{
    QTest::addColumn<int>("version");
    QTest::newRow("v5") << int(ProtocolVersion::V5);
    QTest::newRow("v3.1.1") << int(ProtocolVersion::V311);
}

PublishPacket message(const QByteArray &topic, const QByteArray &payload, QoS qos)
{
    PublishPacket p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    return p;
}

// What a transport emitted, in order.
struct SignalLog {
    explicit SignalLog(client::ClientTransport *t)
    {
        QObject::connect(t, &client::ClientTransport::connected, t,
                         [this] { events.append(QStringLiteral("connected")); });
        QObject::connect(t, &client::ClientTransport::errorOccurred, t, [this](const QString &message) {
            events.append(QStringLiteral("error"));
            errors.append(message);
        });
        QObject::connect(t, &client::ClientTransport::disconnected, t,
                         [this] { events.append(QStringLiteral("disconnected")); });
    }
    QStringList events;
    QStringList errors;
};

} // namespace

class TestWebSocketTransport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }
    void init();
    void cleanup();

    void connectSubscribeReceive_data() { addVersionRows(); }
    void connectSubscribeReceive();
    void binaryContentMode();
    void commands_data() { addVersionRows(); }
    void commands();
    void sessionTakenOverSaysWhy();
    void serverRefusalIsReported();
    void contractConnectAndClose();
    void contractFailures();
    void wssAgainstPlainServerFails();

    void parse_data();
    void parse();
    void constructAndFactory();

private:
    MqttClient *client(ProtocolVersion version, ClientOptions options = {}, const QString &url = QString());
    bool connectClient(MqttClient *c);

    std::unique_ptr<WebSocketServerFixture> m_fixture;
    std::vector<std::unique_ptr<MqttClient>> m_clients;
};

void TestWebSocketTransport::init()
{
    m_fixture = std::make_unique<WebSocketServerFixture>();
    QVERIFY(m_fixture->listening);
}

void TestWebSocketTransport::cleanup()
{
    m_clients.clear();
    m_fixture.reset();
}

MqttClient *TestWebSocketTransport::client(ProtocolVersion version, ClientOptions options, const QString &url)
{
    options.version = version;
    QString error;
    const auto address = ServerAddress::parse(url.isEmpty() ? m_fixture->url() : url, &error);
    if (!address)
        qFatal("%s", qPrintable(error));
    auto c = std::make_unique<MqttClient>();
    c->setOptions(options);
    c->setTransportFactory(address->transportFactory());
    m_clients.push_back(std::move(c));
    return m_clients.back().get();
}

bool TestWebSocketTransport::connectClient(MqttClient *c)
{
    c->connectToServer();
    return QTest::qWaitFor([c] { return c->state() == MqttClient::State::Connected; }, Wait);
}

void TestWebSocketTransport::connectSubscribeReceive()
{
    QFETCH(int, version);
    const bool v5 = ProtocolVersion(version) == ProtocolVersion::V5;
    ClientOptions options;
    options.clientId = "reader";
    MqttClient *c = client(ProtocolVersion(version), options);
    QList<PublishPacket> received;
    connect(c, &MqttClient::messageReceived, this, [&](const PublishPacket &p) { received.append(p); });
    QVERIFY(connectClient(c));
    QCOMPARE(hexCode(c->connack().reasonCode), hexCode(ReasonCode::Success));
    QTRY_COMPARE(m_fixture->server->connectionCount(), 1);

    auto suback = std::make_shared<std::optional<SubackPacket>>();
    c->subscribe({SubscriptionRequest{"app/test", QoS::AtLeastOnce, false, false, 0}}, {}, this,
                 [suback](const SubackPacket &p) { *suback = p; });
    QTRY_VERIFY(suback->has_value());
    QCOMPARE((*suback)->reasonCodes, QList<ReasonCode>{ReasonCode::GrantedQoS1});

    for (int i = 0; i < 20; ++i)
        m_fixture->publishEvent("dev-1", QByteArray(R"({"n": )") + QByteArray::number(i) + "}");
    QTRY_COMPARE(received.size(), 20);
    for (int i = 0; i < 20; ++i) {
        const QJsonObject json = QJsonDocument::fromJson(received.at(i).payload).object();
        QCOMPARE(json.value(QStringLiteral("specversion")).toString(), QStringLiteral("1.0"));
        QCOMPARE(json.value(QStringLiteral("device")).toString(), QStringLiteral("dev-1"));
        QCOMPARE(json.value(QStringLiteral("data")).toObject().value(QStringLiteral("n")).toInt(), i);
        QCOMPARE(received.at(i).qos, QoS::AtLeastOnce);
    }
    if (v5)
        QVERIFY(received.first().properties.contentType().startsWith("application/cloudevents+json"));

    QSignalSpy disconnected(c, &MqttClient::disconnected);
    c->disconnectFromServer();
    QCOMPARE(disconnected.count(), 1);
    QTRY_COMPARE(m_fixture->server->connectionCount(), 0); // DISCONNECT and close frame arrived
}

void TestWebSocketTransport::binaryContentMode()
{
    MqttClient *c = client(ProtocolVersion::V5);
    QList<PublishPacket> received;
    connect(c, &MqttClient::messageReceived, this, [&](const PublishPacket &p) { received.append(p); });
    QVERIFY(connectClient(c));
    Properties properties;
    properties.addUserProperty("content-mode", "binary");
    auto suback = std::make_shared<std::optional<SubackPacket>>();
    c->subscribe({SubscriptionRequest{"app/test/dev-2", QoS::AtMostOnce, false, false, 0}}, properties, this,
                 [suback](const SubackPacket &p) { *suback = p; });
    QTRY_VERIFY(suback->has_value());
    m_fixture->publishEvent("dev-1", R"({"ignored": true})");
    m_fixture->publishEvent("dev-2", R"({"humidity": 40})");
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.first().payload, QByteArray(R"({"humidity": 40})"));
    QCOMPARE(received.first().properties.userProperty("device"), QByteArray("dev-2"));
}

void TestWebSocketTransport::commands()
{
    QFETCH(int, version);
    const bool v5 = ProtocolVersion(version) == ProtocolVersion::V5;
    TestDevice *device = m_fixture->attachDevice(QStringLiteral("dev-1"));
    MqttClient *c = client(ProtocolVersion(version));
    QVERIFY(connectClient(c));

    auto outcome = std::make_shared<std::optional<PublishOutcome>>();
    c->publish(message("command/test/dev-1/setTemperature", R"({"value": 25})", QoS::AtLeastOnce), this,
               [outcome](const PublishOutcome &o) { *outcome = o; });
    QTRY_VERIFY(outcome->has_value());
    QVERIFY2((*outcome)->delivered, qPrintable((*outcome)->reasonString));
    QCOMPARE(hexCode((*outcome)->reasonCode), hexCode(ReasonCode::Success));
    QCOMPARE(device->received.size(), 1);
    QCOMPARE(device->received.first().name, QStringLiteral("setTemperature"));
    QCOMPARE(device->received.first().payload, QByteArray(R"({"value": 25})"));

    // A command for nobody: v5 refuses it with a reason, 3.1.1 can only close.
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    auto refused = std::make_shared<std::optional<PublishOutcome>>();
    c->publish(message("command/test/nobody/x", "1", QoS::AtLeastOnce), this,
               [refused](const PublishOutcome &o) { *refused = o; });
    QTRY_VERIFY(refused->has_value());
    QVERIFY(!(*refused)->delivered);
    if (v5) {
        QCOMPARE(hexCode((*refused)->reasonCode), hexCode(ReasonCode::NotAuthorized));
        QVERIFY2((*refused)->reasonString.contains(QStringLiteral("no device 'nobody'")),
                 qPrintable((*refused)->reasonString));
        QCOMPARE(c->state(), MqttClient::State::Connected);
    } else {
        QVERIFY2((*refused)->reasonString.startsWith(QStringLiteral("connection lost")),
                 qPrintable((*refused)->reasonString));
        QCOMPARE(disconnected.count(), 1);
    }
}

void TestWebSocketTransport::sessionTakenOverSaysWhy()
{
    // The server's last packet (DISCONNECT with its reason) arrives before the close frame.
    ClientOptions options;
    options.clientId = "twin";
    MqttClient *first = client(ProtocolVersion::V5, options);
    QSignalSpy disconnected(first, &MqttClient::disconnected);
    QVERIFY(connectClient(first));
    MqttClient *second = client(ProtocolVersion::V5, options);
    QVERIFY(connectClient(second));
    QTRY_COMPARE(disconnected.count(), 1);
    QVERIFY2(disconnected.at(0).at(0).toString().contains(QStringLiteral("Session taken over (0x8E)")),
             qPrintable(disconnected.at(0).at(0).toString()));
    QVERIFY(first->serverDisconnect().has_value());
}

void TestWebSocketTransport::serverRefusalIsReported()
{
    // The listener refuses another path with a close code; the client says so.
    MqttClient *c = client(ProtocolVersion::V5, {}, m_fixture->url(QStringLiteral("/elsewhere")));
    QStringList reasons;
    connect(c, &MqttClient::connectionFailed, this, [&](const QString &reason) { reasons.append(reason); });
    c->connectToServer();
    QTRY_COMPARE(reasons.size(), 1);
    QVERIFY2(
        reasons.first().contains(QStringLiteral("closed by the server with code 1008 (no MQTT endpoint at "
                                                "/elsewhere; use /mqtt)")),
        qPrintable(reasons.first()));
    QVERIFY2(reasons.first().startsWith(QStringLiteral("ws 127.0.0.1:%1/elsewhere: ").arg(m_fixture->port())),
             qPrintable(reasons.first()));
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
}

void TestWebSocketTransport::contractConnectAndClose()
{
    auto *transport = new WebSocketTransport(QUrl(m_fixture->url()));
    std::unique_ptr<WebSocketTransport> owner(transport);
    SignalLog log(transport);
    QSignalSpy readyRead(transport, &client::ClientTransport::readyRead);
    QCOMPARE(transport->describe(), QStringLiteral("ws 127.0.0.1:%1/mqtt").arg(m_fixture->port()));
    transport->open();
    QVERIFY(log.events.isEmpty()); // nothing from inside the call
    QTRY_COMPARE(log.events, QStringList{QStringLiteral("connected")});
    QCOMPARE(transport->subprotocol(), QStringLiteral("mqtt"));

    transport->write(connectBytes("contract"));
    QTRY_VERIFY(readyRead.count() > 0);
    PacketCollector collector;
    char buffer[256];
    while (transport->bytesAvailable() > 0) {
        const qint64 n = transport->read(buffer, sizeof buffer);
        collector.append(QByteArray(buffer, int(n)));
    }
    QCOMPARE(collector.count(PacketType::Connack), 1);

    transport->write(PacketEncoder::encode(DisconnectPacket{}, ProtocolVersion::V5));
    transport->close();
    QCOMPARE(log.events.size(), 1); // disconnected() is queued
    QTRY_COMPARE(log.events, (QStringList{QStringLiteral("connected"), QStringLiteral("disconnected")}));
    QVERIFY(log.errors.isEmpty());
    QTRY_COMPARE(m_fixture->server->connectionCount(), 0);
    QTest::qWait(50);
    QCOMPARE(log.events.size(), 2); // disconnected() is the last signal
}

void TestWebSocketTransport::contractFailures()
{
    // Nobody listening: errorOccurred(), then disconnected(), both after open() returned.
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    {
        WebSocketTransport transport(QUrl(QStringLiteral("ws://127.0.0.1:%1/mqtt").arg(port)));
        SignalLog log(&transport);
        transport.open();
        QVERIFY(log.events.isEmpty());
        QTRY_COMPARE(log.events, (QStringList{QStringLiteral("error"), QStringLiteral("disconnected")}));
        QVERIFY2(log.errors.first().startsWith(QStringLiteral("ws 127.0.0.1:%1/mqtt: ").arg(port)),
                 qPrintable(log.errors.first()));
    }
    // Not a WebSocket URL: the same, reported from the event loop.
    {
        WebSocketTransport transport(QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port)));
        SignalLog log(&transport);
        transport.open();
        QVERIFY(log.events.isEmpty());
        QTRY_COMPARE(log.events, (QStringList{QStringLiteral("error"), QStringLiteral("disconnected")}));
        QVERIFY2(log.errors.first().contains(QStringLiteral("not a WebSocket URL")),
                 qPrintable(log.errors.first()));
    }
    // An HTTP server that is not a WebSocket server.
    {
        QTcpServer http;
        QVERIFY(http.listen(QHostAddress::LocalHost));
        connect(&http, &QTcpServer::pendingConnectionAvailable, this, [&http] {
            while (QTcpSocket *s = http.nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    s->readAll();
                    s->write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    s->disconnectFromHost();
                });
            }
        });
        WebSocketTransport transport(QUrl(QStringLiteral("ws://127.0.0.1:%1/mqtt").arg(http.serverPort())));
        SignalLog log(&transport);
        transport.open();
        QTRY_COMPARE(log.events, (QStringList{QStringLiteral("error"), QStringLiteral("disconnected")}));
        QVERIFY2(log.errors.first().contains(QStringLiteral("404")), qPrintable(log.errors.first()));
    }
    // Closed before it was ever opened, and aborted while connecting: disconnected() only.
    {
        WebSocketTransport transport(QUrl(m_fixture->url()));
        SignalLog log(&transport);
        transport.close();
        QVERIFY(log.events.isEmpty());
        QTRY_COMPARE(log.events, QStringList{QStringLiteral("disconnected")});
    }
    {
        WebSocketTransport transport(QUrl(m_fixture->url()));
        SignalLog log(&transport);
        transport.open();
        transport.abort();
        QVERIFY(log.events.isEmpty());
        QTRY_COMPARE(log.events, QStringList{QStringLiteral("disconnected")});
    }
}

void TestWebSocketTransport::wssAgainstPlainServerFails()
{
    // TLS against a plain WebSocket listener: the listener sees no HTTP request and drops
    // the connection after its handshake timeout; the TLS handshake fails, and says where.
    m_fixture->listener->setHandshakeTimeout(300);
    const ServerAddress address(ServerAddress::Scheme::Wss, QStringLiteral("127.0.0.1"), m_fixture->port());
    std::unique_ptr<client::ClientTransport> transport(address.transportFactory()());
    SignalLog log(transport.get());
    transport->open();
    QTRY_COMPARE(log.events, (QStringList{QStringLiteral("error"), QStringLiteral("disconnected")}));
    QVERIFY2(log.errors.first().startsWith(QStringLiteral("wss 127.0.0.1:%1/mqtt: ").arg(m_fixture->port())),
             qPrintable(log.errors.first()));
}

void TestWebSocketTransport::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical"); // empty: refused
    QTest::addColumn<QString>("error");     // part of the reason when refused

    QTest::newRow("mqtt") << "mqtt://127.0.0.1"
                          << "mqtt://127.0.0.1:1883"
                          << "";
    QTest::newRow("mqtt port") << "mqtt://broker.example:1884"
                               << "mqtt://broker.example:1884"
                               << "";
    QTest::newRow("mqtt slash") << "mqtt://host/"
                                << "mqtt://host:1883"
                                << "";
    QTest::newRow("mqtts") << "mqtts://broker.example"
                           << "mqtts://broker.example:8883"
                           << "";
    QTest::newRow("ws") << "ws://127.0.0.1"
                        << "ws://127.0.0.1:80/mqtt"
                        << "";
    QTest::newRow("ws port path") << "ws://127.0.0.1:8080/ws/mqtt"
                                  << "ws://127.0.0.1:8080/ws/mqtt"
                                  << "";
    QTest::newRow("ws root") << "ws://h:9001/"
                             << "ws://h:9001/"
                             << "";
    QTest::newRow("wss") << "wss://broker.example"
                         << "wss://broker.example:443/mqtt"
                         << "";
    QTest::newRow("ipv6") << "ws://[::1]:8080"
                          << "ws://[::1]:8080/mqtt"
                          << "";
    QTest::newRow("upper-case scheme") << "MQTT://Host:1"
                                       << "mqtt://host:1"
                                       << "";

    QTest::newRow("no scheme") << "127.0.0.1:1883"
                               << ""
                               << "expected SCHEME://HOST[:PORT]";
    QTest::newRow("http") << "http://127.0.0.1"
                          << ""
                          << "unknown scheme \"http\"; expected mqtt, mqtts, ws or wss";
    QTest::newRow("tcp") << "tcp://127.0.0.1:1883"
                         << ""
                         << "unknown scheme \"tcp\"";
    QTest::newRow("no host") << "mqtt://:1883"
                             << ""
                             << "missing host";
    QTest::newRow("port 0") << "mqtt://h:0"
                            << ""
                            << "port 0";
    QTest::newRow("port too big") << "ws://h:65536"
                                  << ""
                                  << "invalid server address";
    QTest::newRow("credentials") << "mqtt://user:secret@h"
                                 << ""
                                 << "user info in the address";
    QTest::newRow("path on mqtt") << "mqtt://h/x"
                                  << ""
                                  << "mqtt:// addresses have no path";
    QTest::newRow("query") << "ws://h/mqtt?token=1"
                           << ""
                           << "query or fragment";
    QTest::newRow("empty") << ""
                           << ""
                           << "expected SCHEME://HOST[:PORT]";
}

void TestWebSocketTransport::parse()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    QFETCH(QString, error);
    QString reason;
    const std::optional<ServerAddress> address = ServerAddress::parse(text, &reason);
    if (canonical.isEmpty()) {
        QVERIFY2(!address, qPrintable(address ? address->toString() : QString()));
        QVERIFY2(reason.contains(error), qPrintable(reason));
        QVERIFY2(!reason.contains(QStringLiteral("secret")) || text.contains(QStringLiteral("secret")),
                 "only the text given is quoted");
        return;
    }
    QVERIFY2(address, qPrintable(reason));
    QCOMPARE(address->toString(), canonical);
    // The canonical form reads back as the same address.
    const auto again = ServerAddress::parse(address->toString());
    QVERIFY(again);
    QVERIFY(*again == *address);
}

void TestWebSocketTransport::constructAndFactory()
{
    const ServerAddress mqtt(ServerAddress::Scheme::Mqtt, QStringLiteral("127.0.0.1"));
    QCOMPARE(mqtt.port(), quint16(1883));
    QVERIFY(mqtt.path().isEmpty());
    QVERIFY(!mqtt.isTls() && !mqtt.isWebSocket());
    QVERIFY(mqtt.webSocketUrl().isEmpty());
    const ServerAddress wss(ServerAddress::Scheme::Wss, QStringLiteral("broker.example"));
    QCOMPARE(wss.port(), quint16(443));
    QCOMPARE(wss.path(), QStringLiteral("/mqtt"));
    QVERIFY(wss.isTls() && wss.isWebSocket());
    QCOMPARE(wss.webSocketUrl(), QUrl(QStringLiteral("wss://broker.example:443/mqtt")));

    const auto describe = [](const QString &text) {
        std::unique_ptr<client::ClientTransport> t(ServerAddress::parse(text)->transportFactory()());
        return t->describe();
    };
    QCOMPARE(describe(QStringLiteral("mqtt://127.0.0.1")), QStringLiteral("tcp 127.0.0.1:1883"));
    QCOMPARE(describe(QStringLiteral("mqtts://broker.example")), QStringLiteral("tls broker.example:8883"));
    QCOMPARE(describe(QStringLiteral("ws://127.0.0.1:8080")), QStringLiteral("ws 127.0.0.1:8080/mqtt"));
    QCOMPARE(describe(QStringLiteral("wss://[::1]/x")), QStringLiteral("wss [::1]:443/x"));
    std::unique_ptr<client::ClientTransport> ws(
        ServerAddress::parse(QStringLiteral("ws://h"))->transportFactory()());
    QVERIFY(qobject_cast<WebSocketTransport *>(ws.get()));
    std::unique_ptr<client::ClientTransport> tcp(
        ServerAddress::parse(QStringLiteral("mqtts://h"))->transportFactory()());
    QVERIFY(qobject_cast<client::TcpTransport *>(tcp.get()));
}

QTEST_MAIN(TestWebSocketTransport)
#include "tst_websockettransport.moc"
