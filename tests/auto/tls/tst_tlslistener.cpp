// MQTT over TLS, both sides, in process: our MqttClient over TcpTransport and
// WebSocketTransport with TLS against the real MqttServer behind a TlsListener and a secure
// WebSocketListener (MQTT 5 and 3.1.1); protocol versions, certificate verification on both
// sides, client certificates, certificate reload, handshakes that never come, plain clients
// on the TLS port and back-pressure over TLS. Nothing sleeps to assert: every wait is bounded
// and ends as soon as its condition holds.
#include "tlstestutil.h"

#include "backend/consumergroup.h"
#include "client/mqttclient.h"
#include "client/serveraddress.h"
#include "mqtt/packetencoder.h"
#include "session/clientsocket.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QSslSocket>

using namespace drover;
using namespace drover::mqtt;
using namespace drover::test;
using client::ClientOptions;
using client::MqttClient;
using client::PublishOutcome;
using client::ServerAddress;
using transport::TlsCredentials;

namespace {

QString hexCode(ReasonCode code)
{
    return QStringLiteral("0x%1").arg(int(code), 2, 16, QLatin1Char('0'));
}

PublishPacket message(const QByteArray &topic, const QByteArray &payload, QoS qos)
{
    PublishPacket p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    return p;
}

void addTransportAndVersionRows()
{
    QTest::addColumn<bool>("webSocket");
    QTest::addColumn<int>("version");
    QTest::newRow("mqtts-v5") << false << int(ProtocolVersion::V5);
    QTest::newRow("mqtts-v3.1.1") << false << int(ProtocolVersion::V311);
    QTest::newRow("wss-v5") << true << int(ProtocolVersion::V5);
    QTest::newRow("wss-v3.1.1") << true << int(ProtocolVersion::V311);
}

// The SHA-256 of the certificate a plain TLS client sees on `port` (empty if none).
QByteArray servedFingerprint(quint16 port, const QSslConfiguration &trust)
{
    QSslSocket socket;
    socket.setSslConfiguration(trust);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    if (!QTest::qWaitFor(
            [&] { return socket.isEncrypted() || socket.state() == QAbstractSocket::UnconnectedState; },
            Wait) ||
        !socket.isEncrypted())
        return QByteArray();
    return socket.peerCertificate().digest(QCryptographicHash::Sha256);
}

} // namespace

class TestTlsListener : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void urlAndPeerDescription();
    void connectSubscribeReceive_data() { addTransportAndVersionRows(); }
    void connectSubscribeReceive();
    void commands_data() { addTransportAndVersionRows(); }
    void commands();
    void sessionTakenOverSaysWhy_data();
    void sessionTakenOverSaysWhy();
    void minimumVersionIsEnforced();
    void tls11ClientIsRefused();
    void wrongCaIsReported_data();
    void wrongCaIsReported();
    void clientCertificates_data();
    void clientCertificates();
    void reloadKeepsConnectionsAndServesTheNewCertificate();
    void handshakeTimeoutWhileOthersConnect();
    void plainClientOnTlsPort();
    void outboundBackPressureIsBounded();

private:
    MqttClient *client(const QString &url, ProtocolVersion version, const QSslConfiguration &tls,
                       ClientOptions options = {});
    bool connectClient(MqttClient *c);
    QSslConfiguration serverConfiguration(TlsCredentials::Files files) const;

    TestPki m_pki;
    std::unique_ptr<TlsServerFixture> m_fixture;
    std::vector<std::unique_ptr<MqttClient>> m_clients;
};

void TestTlsListener::initTestCase()
{
    quietLogs();
    QVERIFY2(QSslSocket::supportsSsl(), "no TLS backend");
    QString error;
    QVERIFY2(m_pki.generate(&error), qPrintable(error));
}

QSslConfiguration TestTlsListener::serverConfiguration(TlsCredentials::Files files) const
{
    QString error;
    const std::optional<TlsCredentials> credentials = TlsCredentials::load(files, &error);
    if (!credentials)
        qFatal("%s", qPrintable(error));
    return files.clientCa.isEmpty() ? credentials->applicationConfiguration()
                                    : credentials->deviceConfiguration();
}

void TestTlsListener::init()
{
    m_fixture = std::make_unique<TlsServerFixture>(serverConfiguration(m_pki.serverFiles()));
    QVERIFY(m_fixture->listening);
}

void TestTlsListener::cleanup()
{
    m_clients.clear();
    m_fixture.reset();
}

MqttClient *TestTlsListener::client(const QString &url, ProtocolVersion version, const QSslConfiguration &tls,
                                    ClientOptions options)
{
    options.version = version;
    QString error;
    const auto address = ServerAddress::parse(url, &error);
    if (!address)
        qFatal("%s", qPrintable(error));
    auto c = std::make_unique<MqttClient>();
    c->setOptions(options);
    c->setTransportFactory(address->transportFactory(tls));
    m_clients.push_back(std::move(c));
    return m_clients.back().get();
}

bool TestTlsListener::connectClient(MqttClient *c)
{
    c->connectToServer();
    return QTest::qWaitFor([c] { return c->state() == MqttClient::State::Connected; }, Wait);
}

void TestTlsListener::urlAndPeerDescription()
{
    QCOMPARE(m_fixture->listener->url(),
             QStringLiteral("mqtts://127.0.0.1:%1").arg(m_fixture->listener->port()));
    QCOMPARE(m_fixture->webSockets->url(),
             QStringLiteral("wss://127.0.0.1:%1/mqtt").arg(m_fixture->webSockets->port()));
    QVERIFY(m_fixture->webSockets->isSecure());
    QStringList accepted;
    const auto record = [&](session::ClientSocket *socket) { accepted.append(socket->peerDescription()); };
    connect(m_fixture->listener.get(), &transport::TlsListener::accepted, this, record);
    connect(m_fixture->webSockets.get(), &transport::WebSocketListener::accepted, this, record);

    QSslSocket tls;
    tls.setSslConfiguration(m_pki.clientConfiguration());
    tls.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_fixture->listener->port());
    QTRY_COMPARE(accepted.size(), 1);
    QVERIFY(tls.isEncrypted());
    QCOMPARE(accepted.at(0), QStringLiteral("tls 127.0.0.1:%1").arg(tls.localPort()));
    // The chain the server presents: its certificate and the intermediate, to the root.
    QCOMPARE(tls.peerCertificateChain().value(0), m_pki.certificate(QStringLiteral("server.pem")));
    QCOMPARE(tls.peerCertificateChain().value(1), m_pki.certificate(QStringLiteral("intermediate.pem")));
    QCOMPARE(tls.sessionProtocol(), QSsl::TlsV1_3); // the newest both sides speak

    MqttClient *c = client(m_fixture->wssUrl(), ProtocolVersion::V5, m_pki.clientConfiguration());
    QVERIFY(connectClient(c));
    QTRY_COMPARE(accepted.size(), 2);
    QVERIFY2(accepted.at(1).startsWith(QStringLiteral("wss 127.0.0.1:")), qPrintable(accepted.at(1)));
}

void TestTlsListener::connectSubscribeReceive()
{
    QFETCH(bool, webSocket);
    QFETCH(int, version);
    ClientOptions options;
    options.clientId = "reader";
    MqttClient *c = client(webSocket ? m_fixture->wssUrl() : m_fixture->mqttsUrl(), ProtocolVersion(version),
                           m_pki.clientConfiguration(), options);
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

    for (int i = 0; i < 50; ++i)
        m_fixture->publishEvent("dev-1", QByteArray(R"({"n": )") + QByteArray::number(i) + "}");
    QTRY_COMPARE(received.size(), 50);
    for (int i = 0; i < 50; ++i) {
        const QJsonObject json = QJsonDocument::fromJson(received.at(i).payload).object();
        QCOMPARE(json.value(QStringLiteral("device")).toString(), QStringLiteral("dev-1"));
        QCOMPARE(json.value(QStringLiteral("data")).toObject().value(QStringLiteral("n")).toInt(), i);
    }

    QSignalSpy disconnected(c, &MqttClient::disconnected);
    c->disconnectFromServer();
    QCOMPARE(disconnected.count(), 1);
    QTRY_COMPARE(m_fixture->server->connectionCount(), 0);
}

void TestTlsListener::commands()
{
    QFETCH(bool, webSocket);
    QFETCH(int, version);
    const bool v5 = ProtocolVersion(version) == ProtocolVersion::V5;
    TestDevice *device = m_fixture->attachDevice(QStringLiteral("dev-1"));
    MqttClient *c = client(webSocket ? m_fixture->wssUrl() : m_fixture->mqttsUrl(), ProtocolVersion(version),
                           m_pki.clientConfiguration());
    QVERIFY(connectClient(c));

    auto outcome = std::make_shared<std::optional<PublishOutcome>>();
    c->publish(message("command/test/dev-1/setTemperature", R"({"value": 25})", QoS::AtLeastOnce), this,
               [outcome](const PublishOutcome &o) { *outcome = o; });
    QTRY_VERIFY(outcome->has_value());
    QVERIFY2((*outcome)->delivered, qPrintable((*outcome)->reasonString));
    QCOMPARE(device->received.size(), 1);
    QCOMPARE(device->received.first().name, QStringLiteral("setTemperature"));
    QCOMPARE(device->received.first().payload, QByteArray(R"({"value": 25})"));

    // Refused: v5 says why; 3.1.1 can only close, and the close is orderly over TLS too.
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    auto refused = std::make_shared<std::optional<PublishOutcome>>();
    c->publish(message("command/test/nobody/x", "1", QoS::AtLeastOnce), this,
               [refused](const PublishOutcome &o) { *refused = o; });
    QTRY_VERIFY(refused->has_value());
    QVERIFY(!(*refused)->delivered);
    if (v5) {
        QCOMPARE(hexCode((*refused)->reasonCode), hexCode(ReasonCode::NotAuthorized));
        QCOMPARE(c->state(), MqttClient::State::Connected);
    } else {
        QCOMPARE(disconnected.count(), 1);
        QTRY_COMPARE(m_fixture->server->connectionCount(), 0);
    }
}

void TestTlsListener::sessionTakenOverSaysWhy_data()
{
    QTest::addColumn<bool>("webSocket");
    QTest::newRow("mqtts") << false;
    QTest::newRow("wss") << true;
}

void TestTlsListener::sessionTakenOverSaysWhy()
{
    // The server's last packet (DISCONNECT with its reason) arrives before the connection
    // ends: the lingering close works over TLS.
    QFETCH(bool, webSocket);
    const QString url = webSocket ? m_fixture->wssUrl() : m_fixture->mqttsUrl();
    ClientOptions options;
    options.clientId = "twin";
    MqttClient *first = client(url, ProtocolVersion::V5, m_pki.clientConfiguration(), options);
    QSignalSpy disconnected(first, &MqttClient::disconnected);
    QVERIFY(connectClient(first));
    MqttClient *second = client(url, ProtocolVersion::V5, m_pki.clientConfiguration(), options);
    QVERIFY(connectClient(second));
    QTRY_COMPARE(disconnected.count(), 1);
    QVERIFY2(disconnected.at(0).at(0).toString().contains(QStringLiteral("Session taken over (0x8E)")),
             qPrintable(disconnected.at(0).at(0).toString()));
    QTRY_COMPARE(m_fixture->server->connectionCount(), 1);
}

void TestTlsListener::minimumVersionIsEnforced()
{
    TlsCredentials::Files files = m_pki.serverFiles();
    files.minimumProtocol = QSsl::TlsV1_3OrLater;
    m_fixture = std::make_unique<TlsServerFixture>(serverConfiguration(files));
    QVERIFY(m_fixture->listening);
    int accepted = 0;
    connect(m_fixture->listener.get(), &transport::TlsListener::accepted, this, [&] { ++accepted; });

    // A client that speaks TLS 1.2 only: the server refuses it in the handshake.
    QSslConfiguration tls12 = m_pki.clientConfiguration();
    tls12.setProtocol(QSsl::TlsV1_2);
    MqttClient *old = client(m_fixture->mqttsUrl(), ProtocolVersion::V5, tls12);
    QSignalSpy failed(old, &MqttClient::connectionFailed);
    old->connectToServer();
    QVERIFY(failed.wait(Wait));
    QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("protocol version")),
             qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(accepted, 0);
    QTRY_COMPARE(m_fixture->listener->pendingHandshakes(), 0);

    // TLS 1.3 is welcome.
    MqttClient *current = client(m_fixture->mqttsUrl(), ProtocolVersion::V5, m_pki.clientConfiguration());
    QVERIFY(connectClient(current));
    QCOMPARE(accepted, 1);
}

void TestTlsListener::tls11ClientIsRefused()
{
    // Qt's client won't speak TLS 1.1 any more; openssl s_client will, at security level 0.
    // The server (TLS 1.2 or later by default) answers with a protocol version alert.
    int accepted = 0;
    connect(m_fixture->listener.get(), &transport::TlsListener::accepted, this, [&] { ++accepted; });
    const auto sClient = [&](const QStringList &extra) {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(QStringLiteral("openssl"),
                      QStringList{QStringLiteral("s_client"), QStringLiteral("-connect"),
                                  QStringLiteral("127.0.0.1:%1").arg(m_fixture->listener->port()),
                                  QStringLiteral("-CAfile"), m_pki.path(QStringLiteral("root.pem"))} +
                          extra);
        process.closeWriteChannel(); // s_client ends at the end of its input
        // The server runs on this thread: wait with the event loop running.
        if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 2 * Wait))
            process.kill();
        return QString::fromLocal8Bit(process.readAll());
    };
    const QString old = sClient(
        {QStringLiteral("-tls1_1"), QStringLiteral("-cipher"), QStringLiteral("DEFAULT:@SECLEVEL=0")});
    QVERIFY2(old.contains(QStringLiteral("alert protocol version")), qPrintable(old));
    QCOMPARE(accepted, 0);
    // The same tool with TLS 1.2 gets through: it was the version.
    const QString current = sClient({QStringLiteral("-tls1_2")});
    QVERIFY2(current.contains(QStringLiteral("Verify return code: 0 (ok)")), qPrintable(current));
    QTRY_COMPARE(accepted, 1);
}

void TestTlsListener::wrongCaIsReported_data()
{
    QTest::addColumn<bool>("webSocket");
    QTest::newRow("mqtts") << false;
    QTest::newRow("wss") << true;
}

void TestTlsListener::wrongCaIsReported()
{
    QFETCH(bool, webSocket);
    // The client trusts another root: it refuses the server and says why.
    MqttClient *c = client(webSocket ? m_fixture->wssUrl() : m_fixture->mqttsUrl(), ProtocolVersion::V5,
                           m_pki.clientConfiguration(QStringLiteral("root2.pem")));
    QSignalSpy failed(c, &MqttClient::connectionFailed);
    c->connectToServer();
    QVERIFY(failed.wait(Wait));
    const QString reason = failed.at(0).at(0).toString();
    const QString expected = QSslError(QSslError::UnableToGetLocalIssuerCertificate).errorString();
    QVERIFY2(reason.contains(expected), qPrintable(reason));
    QCOMPARE(m_fixture->server->connectionCount(), 0);
    // The listener carries on.
    MqttClient *good = client(webSocket ? m_fixture->wssUrl() : m_fixture->mqttsUrl(), ProtocolVersion::V5,
                              m_pki.clientConfiguration());
    QVERIFY(connectClient(good));
}

void TestTlsListener::clientCertificates_data()
{
    QTest::addColumn<bool>("required");
    QTest::addColumn<bool>("webSocket");
    QTest::addColumn<QString>("clientName"); // "" for none
    QTest::addColumn<bool>("accepted");
    for (const bool webSocket : {false, true}) {
        const char *transport = webSocket ? "wss" : "mqtts";
        const auto row = [&](const char *name, bool required, const char *client, bool accepted) {
            QTest::newRow(
                qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(transport), QLatin1String(name))))
                << required << webSocket << QString::fromLatin1(client) << accepted;
        };
        row("required, none", true, "", false);
        row("required, another CA's", true, "rogue-device", false);
        row("required, the devices CA's", true, "device", true);
        row("optional, none", false, "", true);
        row("optional, another CA's", false, "rogue-device", false);
        row("optional, the devices CA's", false, "device", true);
    }
}

void TestTlsListener::clientCertificates()
{
    QFETCH(bool, required);
    QFETCH(bool, webSocket);
    QFETCH(QString, clientName);
    QFETCH(bool, accepted);
    TlsCredentials::Files files = m_pki.serverFiles();
    files.clientCa = m_pki.path(QStringLiteral("devices-ca.pem"));
    files.clientCertificates = required ? TlsCredentials::ClientCertificates::Required
                                        : TlsCredentials::ClientCertificates::Optional;
    m_fixture = std::make_unique<TlsServerFixture>(serverConfiguration(files)); // a device listener's
    QVERIFY(m_fixture->listening);
    int acceptedCount = 0;
    connect(m_fixture->listener.get(), &transport::TlsListener::accepted, this, [&] { ++acceptedCount; });
    connect(m_fixture->webSockets.get(), &transport::WebSocketListener::accepted, this,
            [&] { ++acceptedCount; });

    MqttClient *c = client(webSocket ? m_fixture->wssUrl() : m_fixture->mqttsUrl(), ProtocolVersion::V5,
                           m_pki.clientConfiguration(QStringLiteral("root.pem"), clientName));
    QSignalSpy failed(c, &MqttClient::connectionFailed);
    c->connectToServer();
    QVERIFY(QTest::qWaitFor([&] { return c->state() == MqttClient::State::Connected || failed.count() > 0; },
                            Wait));
    if (accepted) {
        QCOMPARE(c->state(), MqttClient::State::Connected);
        QCOMPARE(acceptedCount, 1);
    } else {
        QCOMPARE(failed.count(), 1);
        QVERIFY(c->state() != MqttClient::State::Connected);
        QCOMPARE(acceptedCount, 0);
        QCOMPARE(m_fixture->server->connectionCount(), 0);
        QTRY_COMPARE(m_fixture->listener->pendingHandshakes() + m_fixture->webSockets->pendingHandshakes(),
                     0);
    }
}

void TestTlsListener::reloadKeepsConnectionsAndServesTheNewCertificate()
{
    // The files a running gateway reads: replaced on disk, then read again (as SIGHUP does).
    QString error;
    QVERIFY2(m_pki.copy(QStringLiteral("server-chain.pem"), QStringLiteral("live.pem"), &error),
             qPrintable(error));
    QVERIFY2(m_pki.copy(QStringLiteral("server.key"), QStringLiteral("live.key"), &error), qPrintable(error));
    const TlsCredentials::Files live =
        m_pki.serverFiles(QStringLiteral("live.pem"), QStringLiteral("live.key"));
    m_fixture = std::make_unique<TlsServerFixture>(serverConfiguration(live));
    QVERIFY(m_fixture->listening);
    const QSslConfiguration oldTrust = m_pki.clientConfiguration(QStringLiteral("root.pem"));
    const QSslConfiguration newTrust = m_pki.clientConfiguration(QStringLiteral("root2.pem"));

    QList<MqttClient *> subscribers;
    QList<int> received;
    for (const QString &url : {m_fixture->mqttsUrl(), m_fixture->wssUrl()}) {
        MqttClient *c = client(url, ProtocolVersion::V5, oldTrust);
        QVERIFY(connectClient(c));
        const qsizetype index = received.size();
        received.append(0);
        connect(c, &MqttClient::messageReceived, this, [&received, index] { ++received[index]; });
        auto suback = std::make_shared<std::optional<SubackPacket>>();
        c->subscribe({SubscriptionRequest{"app/test", QoS::AtLeastOnce, false, false, 0}}, {}, this,
                     [suback](const SubackPacket &p) { *suback = p; });
        QTRY_VERIFY(suback->has_value());
        subscribers.append(c);
    }
    const QByteArray oldFingerprint =
        m_pki.certificate(QStringLiteral("server.pem")).digest(QCryptographicHash::Sha256);
    const QByteArray newFingerprint =
        m_pki.certificate(QStringLiteral("server2.pem")).digest(QCryptographicHash::Sha256);
    QCOMPARE(servedFingerprint(m_fixture->listener->port(), oldTrust), oldFingerprint);

    QVERIFY2(m_pki.copy(QStringLiteral("server2.pem"), QStringLiteral("live.pem"), &error),
             qPrintable(error));
    QVERIFY2(m_pki.copy(QStringLiteral("server2.key"), QStringLiteral("live.key"), &error),
             qPrintable(error));
    m_fixture->setSslConfiguration(serverConfiguration(live));

    // New connections see the new certificate and verify against the new root...
    QCOMPARE(servedFingerprint(m_fixture->listener->port(), newTrust), newFingerprint);
    QCOMPARE(servedFingerprint(m_fixture->webSockets->port(), newTrust), newFingerprint);
    MqttClient *fresh = client(m_fixture->mqttsUrl(), ProtocolVersion::V5, newTrust);
    QVERIFY(connectClient(fresh));
    MqttClient *stale = client(m_fixture->wssUrl(), ProtocolVersion::V5, oldTrust);
    QSignalSpy staleFailed(stale, &MqttClient::connectionFailed);
    stale->connectToServer();
    QVERIFY(staleFailed.wait(Wait));
    // ...and the connections made before go on.
    for (int i = 0; i < 10; ++i)
        m_fixture->publishEvent("dev-1", R"({"after": "reload"})");
    QTRY_COMPARE(received, (QList<int>{10, 10}));
    for (MqttClient *c : subscribers)
        QCOMPARE(c->state(), MqttClient::State::Connected);
}

void TestTlsListener::handshakeTimeoutWhileOthersConnect()
{
    m_fixture->listener->setHandshakeTimeout(500);
    m_fixture->webSockets->setHandshakeTimeout(500);
    // Connect, and never say a word: no ClientHello.
    QTcpSocket silent;
    silent.connectToHost(QHostAddress::LocalHost, m_fixture->listener->port());
    QVERIFY(silent.waitForConnected(Wait));
    QTcpSocket silentWs;
    silentWs.connectToHost(QHostAddress::LocalHost, m_fixture->webSockets->port());
    QVERIFY(silentWs.waitForConnected(Wait));
    QTRY_COMPARE(m_fixture->listener->pendingHandshakes(), 1);
    QTRY_COMPARE(m_fixture->webSockets->pendingHandshakes(), 1);

    // Others connect meanwhile.
    MqttClient *quick = client(m_fixture->mqttsUrl(), ProtocolVersion::V5, m_pki.clientConfiguration());
    QVERIFY(connectClient(quick));
    MqttClient *quickWs = client(m_fixture->wssUrl(), ProtocolVersion::V5, m_pki.clientConfiguration());
    QVERIFY(connectClient(quickWs));
    QCOMPARE(silent.state(), QAbstractSocket::ConnectedState);

    QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, Wait);
    QTRY_COMPARE_WITH_TIMEOUT(silentWs.state(), QAbstractSocket::UnconnectedState, Wait);
    QCOMPARE(m_fixture->listener->pendingHandshakes(), 0);
    QCOMPARE(m_fixture->webSockets->pendingHandshakes(), 0);
    QCOMPARE(quick->state(), MqttClient::State::Connected);
    QCOMPARE(quickWs->state(), MqttClient::State::Connected);
}

void TestTlsListener::plainClientOnTlsPort()
{
    // An MQTT client that forgot TLS: its CONNECT is no ClientHello. It is disconnected and
    // the listener serves the next client.
    for (const quint16 port : {m_fixture->listener->port(), m_fixture->webSockets->port()}) {
        QTcpSocket plain;
        plain.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(plain.waitForConnected(Wait));
        ConnectPacket connect;
        connect.version = ProtocolVersion::V5;
        connect.clientId = "plain";
        plain.write(PacketEncoder::encode(connect, ProtocolVersion::V5));
        QTRY_COMPARE_WITH_TIMEOUT(plain.state(), QAbstractSocket::UnconnectedState, Wait);
        QCOMPARE(m_fixture->server->connectionCount(), 0);
    }
    MqttClient *c = client(m_fixture->mqttsUrl(), ProtocolVersion::V5, m_pki.clientConfiguration());
    QVERIFY(connectClient(c));
    MqttClient *ws = client(m_fixture->wssUrl(), ProtocolVersion::V5, m_pki.clientConfiguration());
    QVERIFY(connectClient(ws));
}

void TestTlsListener::outboundBackPressureIsBounded()
{
    // A subscriber that stops reading: the server writes until what it holds for the socket,
    // encrypted or not, reaches the high-water mark, then stops pulling events.
    constexpr qint64 HighWater = 64 * 1024;
    session::ServerLimits limits;
    limits.socketHighWaterBytes = HighWater;
    limits.pollBatch = 4;
    m_fixture = std::make_unique<TlsServerFixture>(serverConfiguration(m_pki.serverFiles()), limits);
    QVERIFY(m_fixture->listening);
    QPointer<session::ClientSocket> serverSide;
    connect(m_fixture->listener.get(), &transport::TlsListener::accepted, this,
            [&](session::ClientSocket *socket) { serverSide = socket; });

    QSslSocket reader;
    reader.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
    reader.setSslConfiguration(m_pki.clientConfiguration());
    reader.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_fixture->listener->port());
    QTRY_VERIFY(reader.isEncrypted());
    ConnectPacket connectPacket;
    connectPacket.version = ProtocolVersion::V5;
    connectPacket.clientId = "slow-reader";
    SubscribePacket subscribe;
    subscribe.packetId = 1;
    SubscriptionRequest request;
    request.filter = "app/test";
    request.maximumQoS = QoS::AtMostOnce;
    subscribe.subscriptions = {request};
    reader.write(PacketEncoder::encode(connectPacket, ProtocolVersion::V5) +
                 PacketEncoder::encode(subscribe, ProtocolVersion::V5));
    QTRY_VERIFY(serverSide);
    QTRY_VERIFY(reader.bytesAvailable() > 0); // CONNACK, SUBACK
    reader.setReadBufferSize(4096);           // from here the reader reads (nearly) nothing
    QCoreApplication::processEvents();

    const QByteArray payload = R"({"padding": ")" + QByteArray(2000, 'x') + R"("})";
    constexpr int Events = 10000; // ~20 MB
    for (int i = 0; i < Events; ++i) {
        m_fixture->publishEvent("dev-1", payload);
        if (i % 500 == 0)
            QCoreApplication::processEvents();
    }
    backend::ConsumerGroup *group =
        m_fixture->events->log(QStringLiteral("test"))->group(QStringLiteral("test.slow-reader"), {});
    QVERIFY(group);
    const quint64 end = m_fixture->events->log(QStringLiteral("test"))->endOffset();

    QVERIFY(QTest::qWaitFor(
        [&] {
            const quint64 pulledBefore = group->nextOffset();
            const qint64 queuedBefore = serverSide ? serverSide->bytesToWrite() : -1;
            QTest::qWait(300);
            return serverSide && group->nextOffset() == pulledBefore &&
                   serverSide->bytesToWrite() == queuedBefore;
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

QTEST_GUILESS_MAIN(TestTlsListener)
#include "tst_tlslistener.moc"
