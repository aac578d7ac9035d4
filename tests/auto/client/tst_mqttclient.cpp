// MqttClient against the real session layer: an MqttServer on the embedded backend (event
// log, command bus, credential authenticator, access policy), over TCP and the in-process
// link, MQTT 3.1.1 and 5 (initTestCase_data). Nothing sleeps to assert: every wait is
// bounded and ends as soon as its condition holds.
#include "clienttestutil.h"

#include "auth/accesspolicy.h"
#include "auth/credentialauthenticator.h"
#include "backend/commandreceiver.h"
#include "backend/embeddedcommandbus.h"
#include "backend/embeddedeventlog.h"
#include "cloudevents/deviceeventfactory.h"
#include "session/mqttserver.h"
#include "transport/tcplistener.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QTimer>

using namespace drover;
using namespace drover::mqtt;
using namespace drover::test;
using client::ClientOptions;
using client::MqttClient;
using client::PublishOutcome;

namespace {

// A device attached to the command bus: takes every command at once, or holds the
// acknowledgements until the test releases them.
class TestDevice : public backend::CommandReceiver
{
public:
    void receiveCommand(const backend::Command &command, Done done) override
    {
        received.append(command);
        if (hold)
            held.append(std::move(done));
        else
            done(backend::CommandResult{});
    }
    void releaseOne() { held.takeFirst()(backend::CommandResult{}); }

    bool hold = false;
    QList<backend::Command> received;
    QList<Done> held;
};

} // namespace

class TestMqttClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void init();
    void cleanup();

    void connectsAndDisconnects();
    void serverAssignsClientId();
    void refusedCredentialsAreNotRetried();
    void subscribeReceivesEvents();
    void binaryContentMode();
    void commandAcceptedByDevice();
    void commandForUnknownDevice();
    void commandQoS2();
    void qos0AndLocalRefusals();
    void receiveMaximumWindow();
    void keepAliveKeepsIdleConnection();
    void reconnectsAndSubscribesAgain();
    void tlsHandshakeFailureIsReported();
    void sessionTakenOverIsNotRetried();

private:
    void startServer(const session::ServerLimits &limits = {});
    void stopServer();
    MqttClient::TransportFactory serverFactory();
    MqttClient *client(ClientOptions options, MqttClient::TransportFactory factory = {});
    bool connectClient(MqttClient *c);
    Result<SubackPacket> subscribe(MqttClient *c, const QByteArray &filter, QoS qos,
                                   const Properties &properties = {});
    Result<PublishOutcome> publish(MqttClient *c, const PublishPacket &packet);
    void publishEvent(const QByteArray &device, const QByteArray &json);
    TestDevice *attachDevice(const QString &device);
    bool v5() const { return m_version == ProtocolVersion::V5; }

    ProtocolVersion m_version = ProtocolVersion::V5;
    bool m_tcp = true;

    std::unique_ptr<backend::EmbeddedEventLog> m_events;
    std::unique_ptr<backend::EmbeddedCommandBus> m_commands;
    std::unique_ptr<auth::CredentialAuthenticator> m_authenticator;
    std::unique_ptr<auth::AccessPolicy> m_policy;
    std::unique_ptr<session::MqttServer> m_server;
    std::unique_ptr<transport::TcpListener> m_listener;
    quint16 m_port = 0;
    std::vector<std::pair<QString, std::unique_ptr<TestDevice>>> m_devices;
    std::vector<std::unique_ptr<MqttClient>> m_clients;
};

void TestMqttClient::initTestCase_data()
{
    addTransportAndVersionRows();
}

void TestMqttClient::init()
{
    QFETCH_GLOBAL(bool, tcp);
    QFETCH_GLOBAL(int, version);
    m_tcp = tcp;
    m_version = ProtocolVersion(version);
    m_events = std::make_unique<backend::EmbeddedEventLog>(backend::RetentionLimits{});
    m_commands = std::make_unique<backend::EmbeddedCommandBus>();
    m_authenticator = std::make_unique<auth::CredentialAuthenticator>();
    m_policy = std::make_unique<auth::AccessPolicy>();
    m_policy->setApplication(QStringLiteral("test"), {true, true}); // anonymous read and command
    m_port = 0;
    startServer();
}

void TestMqttClient::cleanup()
{
    m_clients.clear();
    for (auto &[name, device] : m_devices)
        m_commands->detach(QStringLiteral("test"), name, device.get());
    m_devices.clear();
    stopServer();
    m_commands.reset();
    m_events.reset();
    m_policy.reset();
    m_authenticator.reset();
}

void TestMqttClient::startServer(const session::ServerLimits &limits)
{
    session::ServerContext context;
    context.events = m_events.get();
    context.commands = m_commands.get();
    context.authenticator = m_authenticator.get();
    context.policy = m_policy.get();
    context.limits = limits;
    m_server = std::make_unique<session::MqttServer>(context);
    m_listener = std::make_unique<transport::TcpListener>(m_server.get());
    QString error;
    QVERIFY2(m_listener->listen(QHostAddress::LocalHost, m_port, &error), qPrintable(error));
    m_port = m_listener->port(); // kept across restarts: clients reconnect to the same port
}

void TestMqttClient::stopServer()
{
    m_listener.reset();
    m_server.reset();
}

MqttClient::TransportFactory TestMqttClient::serverFactory()
{
    if (m_tcp)
        return [port = m_port] { return new client::TcpTransport(QStringLiteral("127.0.0.1"), port); };
    // The server of the moment: tests restart it.
    return [this] { return transport::InProcessLink::connector(m_server.get(), QStringLiteral("test"))(); };
}

MqttClient *TestMqttClient::client(ClientOptions options, MqttClient::TransportFactory factory)
{
    options.version = m_version;
    auto c = std::make_unique<MqttClient>();
    c->setOptions(options);
    c->setTransportFactory(factory ? std::move(factory) : serverFactory());
    m_clients.push_back(std::move(c));
    return m_clients.back().get();
}

bool TestMqttClient::connectClient(MqttClient *c)
{
    c->connectToServer();
    return QTest::qWaitFor([c] { return c->state() == MqttClient::State::Connected; }, Wait);
}

Result<SubackPacket> TestMqttClient::subscribe(MqttClient *c, const QByteArray &filter, QoS qos,
                                               const Properties &properties)
{
    auto result = makeResult<SubackPacket>();
    SubscriptionRequest request;
    request.filter = filter;
    request.maximumQoS = qos;
    c->subscribe({request}, properties, this, [result](const SubackPacket &suback) { *result = suback; });
    (void)QTest::qWaitFor([result] { return result->has_value(); }, Wait); // callers check the result
    return result;
}

Result<PublishOutcome> TestMqttClient::publish(MqttClient *c, const PublishPacket &packet)
{
    auto result = makeResult<PublishOutcome>();
    c->publish(packet, this, [result](const PublishOutcome &outcome) { *result = outcome; });
    (void)QTest::qWaitFor([result] { return result->has_value(); }, Wait); // callers check the result
    return result;
}

void TestMqttClient::publishEvent(const QByteArray &device, const QByteArray &json)
{
    const cloudevents::DeviceEventFactory factory("test-instance");
    const auto event = factory.create({"test", device, {}, "state", json, "application/json"});
    QVERIFY(event);
    m_events->publish(*event, this, [](const backend::PublishResult &result) {
        if (!result.accepted())
            qWarning("event refused: %s", qPrintable(result.message));
    });
}

TestDevice *TestMqttClient::attachDevice(const QString &device)
{
    m_devices.emplace_back(device, std::make_unique<TestDevice>());
    m_commands->attach(QStringLiteral("test"), device, m_devices.back().second.get());
    return m_devices.back().second.get();
}

void TestMqttClient::connectsAndDisconnects()
{
    ClientOptions options;
    options.clientId = "plain";
    MqttClient *c = client(options);
    QSignalSpy states(c, &MqttClient::stateChanged);
    int connectedCount = 0;
    connect(c, &MqttClient::connected, this, [&](const ConnackPacket &connack) {
        ++connectedCount;
        QCOMPARE(hexCode(connack.reasonCode), hexCode(ReasonCode::Success));
    });
    QSignalSpy readyToSend(c, &MqttClient::readyToSend);
    c->connectToServer();
    QCOMPARE(c->state(), MqttClient::State::Connecting);
    QVERIFY(m_server->connectionCount() == 0 || !m_tcp); // nothing happens inside the call
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);
    QCOMPARE(connectedCount, 1);
    QVERIFY(!c->connack().sessionPresent);
    QCOMPARE(c->clientId(), QByteArray("plain"));
    QCOMPARE(c->serverReceiveMaximum(), v5() ? 100 : 65535); // ServerLimits' default, or none
    QCOMPARE(c->serverMaximumPacketSize(), v5() ? 1024u * 1024u : 268435460u);
    QTRY_COMPARE(m_server->connectionCount(), 1);
    QVERIFY(c->hasRoom());
    QCOMPARE(readyToSend.count(), 1);

    QSignalSpy disconnected(c, &MqttClient::disconnected);
    c->disconnectFromServer();
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
    QCOMPARE(disconnected.count(), 1);
    QCOMPARE(disconnected.at(0).at(0).toString(), QStringLiteral("disconnected by the client"));
    QVERIFY(!c->hasRoom());
    QTRY_COMPARE(m_server->connectionCount(), 0);
    QCOMPARE(states.count(), 3);
    QCOMPARE(states.at(0).at(0).value<MqttClient::State>(), MqttClient::State::Connecting);
    QCOMPARE(states.at(1).at(0).value<MqttClient::State>(), MqttClient::State::Connected);
    QCOMPARE(states.at(2).at(0).value<MqttClient::State>(), MqttClient::State::Disconnected);

    // And again, on a new transport.
    QVERIFY(connectClient(c));
    QTRY_COMPARE(m_server->connectionCount(), 1);
}

void TestMqttClient::serverAssignsClientId()
{
    MqttClient *c = client({});
    QVERIFY(connectClient(c));
    if (v5()) {
        QVERIFY(c->connack().properties.has(Properties::AssignedClientIdentifier));
        QVERIFY(!c->clientId().isEmpty());
        QCOMPARE(c->clientId(), c->connack().properties.bytes(Properties::AssignedClientIdentifier));
    } else {
        QVERIFY(c->clientId().isEmpty()); // 3.1.1 never says which one it assigned
    }
}

void TestMqttClient::refusedCredentialsAreNotRetried()
{
    ClientOptions options;
    options.clientId = "intruder";
    options.username = QByteArray("someone");
    options.password = QByteArray("not-a-secret");
    options.autoReconnect = true;
    options.reconnectMinMs = 20;
    auto attempts = std::make_shared<int>(0);
    MqttClient *c = client(options, [attempts, factory = serverFactory()] {
        ++*attempts;
        return factory();
    });
    QStringList reasons;
    QList<ReasonCode> codes;
    connect(c, &MqttClient::connectionFailed, this, [&](const QString &reason, ReasonCode code) {
        reasons.append(reason);
        codes.append(code);
    });
    c->connectToServer();
    QTRY_COMPARE(codes.size(), 1);
    QCOMPARE(hexCode(codes.first()), hexCode(ReasonCode::BadUserNameOrPassword));
    QVERIFY2(reasons.first().contains(QStringLiteral("Bad User Name or Password (0x86)")),
             qPrintable(reasons.first()));
    QCOMPARE(hexCode(c->connack().reasonCode), hexCode(ReasonCode::BadUserNameOrPassword));
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
    // No reconnect loop: ten backoff periods pass without another attempt.
    QVERIFY(!QTest::qWaitFor([&] { return *attempts > 1; }, 400));
    QCOMPARE(codes.size(), 1);
}

void TestMqttClient::subscribeReceivesEvents()
{
    ClientOptions options;
    options.clientId = "reader";
    MqttClient *c = client(options);
    QList<PublishPacket> received;
    connect(c, &MqttClient::messageReceived, this, [&](const PublishPacket &p) { received.append(p); });
    QVERIFY(connectClient(c));

    const auto suback = subscribe(c, "app/test", QoS::AtLeastOnce);
    QVERIFY(suback->has_value());
    QCOMPARE((*suback)->reasonCodes.size(), 1);
    QCOMPARE(hexCode((*suback)->reasonCodes.first()), hexCode(ReasonCode::GrantedQoS1));
    QCOMPARE(c->subscriptions().size(), 1);
    QCOMPARE(c->subscriptions().first().filter, QByteArray("app/test"));

    publishEvent("dev-1", R"({"temperature": 21.5})");
    QTRY_COMPARE(received.size(), 1);
    const PublishPacket &event = received.first();
    QCOMPARE(event.topic, QByteArray("app/test"));
    QCOMPARE(event.qos, QoS::AtLeastOnce);
    const QJsonObject json = QJsonDocument::fromJson(event.payload).object(); // structured mode
    QCOMPARE(json.value(QStringLiteral("specversion")).toString(), QStringLiteral("1.0"));
    QCOMPARE(json.value(QStringLiteral("application")).toString(), QStringLiteral("test"));
    QCOMPARE(json.value(QStringLiteral("device")).toString(), QStringLiteral("dev-1"));
    QCOMPARE(json.value(QStringLiteral("subject")).toString(), QStringLiteral("state"));
    QCOMPARE(json.value(QStringLiteral("data")).toObject().value(QStringLiteral("temperature")).toDouble(),
             21.5);
    if (v5())
        QVERIFY(event.properties.contentType().startsWith("application/cloudevents+json"));

    // A refused filter is reported per filter and not remembered.
    const auto refused = subscribe(c, "app/other", QoS::AtMostOnce);
    QVERIFY(refused->has_value());
    QVERIFY(isError((*refused)->reasonCodes.first()));
    QCOMPARE(c->subscriptions().size(), 1);

    auto unsuback = makeResult<UnsubackPacket>();
    c->unsubscribe({"app/test"}, this, [unsuback](const UnsubackPacket &p) { *unsuback = p; });
    QTRY_VERIFY(unsuback->has_value());
    if (v5())
        QCOMPARE((*unsuback)->reasonCodes, QList<ReasonCode>{ReasonCode::Success});
    QVERIFY(c->subscriptions().isEmpty());
    QVERIFY(c->inflightCount() == 0 && c->queuedCount() == 0);
}

void TestMqttClient::binaryContentMode()
{
    if (!v5())
        QSKIP("binary content mode is an MQTT 5 subscription option");
    MqttClient *c = client({});
    QList<PublishPacket> received;
    connect(c, &MqttClient::messageReceived, this, [&](const PublishPacket &p) { received.append(p); });
    QVERIFY(connectClient(c));
    Properties properties;
    properties.addUserProperty("content-mode", "binary");
    const auto suback = subscribe(c, "app/test/dev-2", QoS::AtMostOnce, properties);
    QVERIFY(suback->has_value() && !isError((*suback)->reasonCodes.first()));
    publishEvent("dev-1", R"({"ignored": true})");
    publishEvent("dev-2", R"({"humidity": 40})");
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.first().topic, QByteArray("app/test/dev-2"));
    QCOMPARE(received.first().payload, QByteArray(R"({"humidity": 40})"));
    QCOMPARE(received.first().properties.userProperty("specversion"), QByteArray("1.0"));
    QCOMPARE(received.first().properties.userProperty("device"), QByteArray("dev-2"));
}

void TestMqttClient::commandAcceptedByDevice()
{
    TestDevice *device = attachDevice(QStringLiteral("dev-1"));
    MqttClient *c = client({});
    QVERIFY(connectClient(c));
    PublishPacket command =
        message("command/test/dev-1/setTemperature", R"({"value": 25})", QoS::AtLeastOnce);
    if (v5())
        command.properties.setBytes(Properties::ContentType, "application/json");
    const auto outcome = publish(c, command);
    QVERIFY(outcome->has_value());
    QVERIFY2((*outcome)->delivered, qPrintable((*outcome)->reasonString));
    QCOMPARE(hexCode((*outcome)->reasonCode), hexCode(ReasonCode::Success));
    QCOMPARE(device->received.size(), 1);
    QCOMPARE(device->received.first().name, QStringLiteral("setTemperature"));
    QCOMPARE(device->received.first().payload, QByteArray(R"({"value": 25})"));
    QCOMPARE(c->inflightCount(), 0);

    // A callback whose context is gone is not called; the message still goes out.
    auto called = std::make_shared<bool>(false);
    {
        QObject context;
        c->publish(message("command/test/dev-1/again", "{}", QoS::AtLeastOnce), &context,
                   [called](const PublishOutcome &) { *called = true; });
    }
    QTRY_COMPARE(device->received.size(), 2);
    QTRY_COMPARE(c->inflightCount(), 0);
    QVERIFY(!QTest::qWaitFor([called] { return *called; }, 100));
}

void TestMqttClient::commandForUnknownDevice()
{
    MqttClient *c = client({});
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    QVERIFY(connectClient(c));
    const auto outcome = publish(c, message("command/test/nobody/x", "1", QoS::AtLeastOnce));
    QVERIFY(outcome->has_value());
    QVERIFY(!(*outcome)->delivered);
    if (v5()) {
        // A negative PUBACK with the server's reason; the connection stays.
        QCOMPARE(hexCode((*outcome)->reasonCode), hexCode(ReasonCode::NotAuthorized));
        QVERIFY2((*outcome)->reasonString.contains(QStringLiteral("no device 'nobody'")),
                 qPrintable((*outcome)->reasonString));
        QCOMPARE(c->state(), MqttClient::State::Connected);
    } else {
        // 3.1.1 has no negative PUBACK: the server closes the connection.
        QVERIFY2((*outcome)->reasonString.startsWith(QStringLiteral("connection lost")),
                 qPrintable((*outcome)->reasonString));
        QCOMPARE(disconnected.count(), 1);
        QCOMPARE(c->state(), MqttClient::State::Disconnected);
    }
}

void TestMqttClient::commandQoS2()
{
    TestDevice *device = attachDevice(QStringLiteral("dev-1"));
    MqttClient *c = client({});
    QVERIFY(connectClient(c));
    const auto outcome = publish(c, message("command/test/dev-1/blink", R"({"times": 3})", QoS::ExactlyOnce));
    QVERIFY(outcome->has_value());
    QVERIFY2((*outcome)->delivered, qPrintable((*outcome)->reasonString));
    QCOMPARE(hexCode((*outcome)->reasonCode), hexCode(ReasonCode::Success));
    QCOMPARE(device->received.size(), 1);
    QCOMPARE(c->inflightCount(), 0);
}

void TestMqttClient::qos0AndLocalRefusals()
{
    TestDevice *device = attachDevice(QStringLiteral("dev-1"));
    MqttClient *c = client({});

    auto early = publish(c, message("command/test/dev-1/x", "1", QoS::AtLeastOnce));
    QVERIFY(early->has_value() && !(*early)->delivered);
    QCOMPARE((*early)->reasonString, QStringLiteral("not connected"));

    QVERIFY(connectClient(c));
    const auto qos0 = publish(c, message("command/test/dev-1/x", "1", QoS::AtMostOnce));
    QVERIFY(qos0->has_value() && (*qos0)->delivered); // handed to the transport
    QTRY_COMPARE(device->received.size(), 1);

    const auto badTopic = publish(c, message("command/test/+/x", "1", QoS::AtLeastOnce));
    QVERIFY(badTopic->has_value() && !(*badTopic)->delivered);
    QCOMPARE(hexCode((*badTopic)->reasonCode), hexCode(ReasonCode::TopicNameInvalid));

    auto badFilter = makeResult<SubackPacket>();
    c->subscribe({SubscriptionRequest{"app/#/x", QoS::AtMostOnce, false, false, 0}}, {}, this,
                 [badFilter](const SubackPacket &p) { *badFilter = p; });
    QTRY_VERIFY(badFilter->has_value());
    QCOMPARE((*badFilter)->packetId, 0); // refused locally
    QCOMPARE((*badFilter)->reasonCodes, QList<ReasonCode>{ReasonCode::TopicFilterInvalid});

    if (v5()) {
        // What the server's CONNACK rules out is refused before it could end the connection.
        PublishPacket retained = message("command/test/dev-1/x", "1", QoS::AtLeastOnce);
        retained.retain = true;
        const auto retain = publish(c, retained);
        QVERIFY(retain->has_value() && !(*retain)->delivered);
        QCOMPARE(hexCode((*retain)->reasonCode), hexCode(ReasonCode::RetainNotSupported));
        const auto large =
            publish(c, message("command/test/dev-1/x", QByteArray(2 * 1024 * 1024, 'x'), QoS::AtLeastOnce));
        QVERIFY(large->has_value() && !(*large)->delivered);
        QCOMPARE(hexCode((*large)->reasonCode), hexCode(ReasonCode::PacketTooLarge));
    }
    QCOMPARE(c->state(), MqttClient::State::Connected);
    QCOMPARE(device->received.size(), 1);
}

void TestMqttClient::receiveMaximumWindow()
{
    constexpr int Window = 3;
    constexpr int Messages = 10;
    stopServer();
    session::ServerLimits limits;
    limits.receiveMaximum = Window;
    startServer(limits);
    TestDevice *device = attachDevice(QStringLiteral("dev-1"));
    device->hold = true; // the device acknowledges only when the test says so

    MqttClient *c = client({});
    QSignalSpy readyToSend(c, &MqttClient::readyToSend);
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    QVERIFY(connectClient(c));
    if (v5())
        QCOMPARE(c->serverReceiveMaximum(), Window);
    auto completed = std::make_shared<QList<PublishOutcome>>();
    for (int i = 0; i < Messages; ++i)
        c->publish(message("command/test/dev-1/n", QByteArray::number(i), QoS::AtLeastOnce), this,
                   [completed](const PublishOutcome &outcome) { completed->append(outcome); });
    if (v5()) {
        QCOMPARE(c->inflightCount(), Window);
        QCOMPARE(c->queuedCount(), Messages - Window);
        QVERIFY(!c->hasRoom());
    }

    // Release one acknowledgement at a time; the server never holds more than the window.
    while (completed->size() < Messages) {
        QVERIFY(
            QTest::qWaitFor([&] { return !device->held.isEmpty() || completed->size() == Messages; }, Wait));
        QVERIFY(device->held.size() <= Window);
        if (v5())
            QVERIFY(c->inflightCount() <= Window);
        if (!device->held.isEmpty())
            device->releaseOne();
    }
    QCOMPARE(completed->size(), Messages);
    for (const PublishOutcome &outcome : std::as_const(*completed))
        QVERIFY2(outcome.delivered, qPrintable(outcome.reasonString));
    for (int i = 0; i < Messages; ++i) // in order
        QCOMPARE(device->received.at(i).payload, QByteArray::number(i));
    QCOMPARE(disconnected.count(), 0); // a v5 server answers an overrun with DISCONNECT 0x93
    QCOMPARE(c->inflightCount(), 0);
    QTRY_VERIFY(c->hasRoom());
    QVERIFY(readyToSend.count() >= (v5() ? 2 : 1)); // on connect, and when the queue drained
}

void TestMqttClient::keepAliveKeepsIdleConnection()
{
    ClientOptions options;
    options.keepAliveSeconds = 1; // the server ends a connection silent for 1.5 s
    MqttClient *c = client(options);
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    QVERIFY(connectClient(c));
    // Idle past 1.5 × keep alive and then some: only PINGREQs keep it up.
    QVERIFY(!QTest::qWaitFor([&] { return disconnected.count() > 0; }, 2600));
    QCOMPARE(c->state(), MqttClient::State::Connected);
    QCOMPARE(m_server->connectionCount(), 1);
}

void TestMqttClient::reconnectsAndSubscribesAgain()
{
    ClientOptions options;
    options.clientId = "follower";
    options.autoReconnect = true;
    options.reconnectMinMs = 20;
    options.reconnectMaxMs = 100;
    MqttClient *c = client(options);
    QList<QByteArray> phases;
    connect(c, &MqttClient::messageReceived, this, [&](const PublishPacket &p) {
        phases.append(QJsonDocument::fromJson(p.payload)
                          .object()
                          .value(QStringLiteral("data"))
                          .toObject()
                          .value(QStringLiteral("phase"))
                          .toString()
                          .toUtf8());
    });
    int connectedCount = 0;
    connect(c, &MqttClient::connected, this, [&] { ++connectedCount; });
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    QVERIFY(connectClient(c));
    QVERIFY(subscribe(c, "app/test", QoS::AtLeastOnce)->has_value());
    publishEvent("dev-1", R"({"phase": "before"})");
    QTRY_VERIFY(phases.contains("before"));

    // The server goes away (v5 clients hear why) and comes back on the same port.
    QSignalSpy drained(m_server.get(), &session::MqttServer::drained);
    m_server->shutdown();
    QTRY_VERIFY(drained.count() > 0);
    stopServer();
    startServer();
    QTRY_COMPARE(disconnected.count(), 1);
    if (v5()) {
        QVERIFY2(disconnected.at(0).at(0).toString().contains(QStringLiteral("Server shutting down (0x8B)")),
                 qPrintable(disconnected.at(0).at(0).toString()));
        QVERIFY(c->serverDisconnect());
        QCOMPARE(hexCode(c->serverDisconnect()->reasonCode), hexCode(ReasonCode::ServerShuttingDown));
    }
    QTRY_COMPARE(connectedCount, 2);
    QVERIFY(!c->connack().sessionPresent); // a new server: the client subscribes again by itself

    QTimer ticker; // until the new subscription is in place
    connect(&ticker, &QTimer::timeout, this, [this] { publishEvent("dev-1", R"({"phase": "after"})"); });
    ticker.start(50);
    QTRY_VERIFY_WITH_TIMEOUT(phases.contains("after"), Wait);
    QCOMPARE(c->subscriptions().size(), 1);
}

void TestMqttClient::tlsHandshakeFailureIsReported()
{
    // TLS against a plain MQTT listener: the handshake fails, and says where.
    std::optional<QSslConfiguration> tls = QSslConfiguration::defaultConfiguration();
    MqttClient *c = client({}, [port = m_port, tls] {
        return new client::TcpTransport(QStringLiteral("127.0.0.1"), port, tls);
    });
    QStringList reasons;
    connect(c, &MqttClient::connectionFailed, this, [&](const QString &reason) { reasons.append(reason); });
    c->connectToServer();
    QTRY_COMPARE(reasons.size(), 1);
    QVERIFY2(reasons.first().startsWith(QStringLiteral("tls 127.0.0.1:%1: ").arg(m_port)),
             qPrintable(reasons.first()));
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
}

void TestMqttClient::sessionTakenOverIsNotRetried()
{
    if (!v5())
        QSKIP("a 3.1.1 server can't say why it closes the connection");
    ClientOptions options;
    options.clientId = "twin";
    options.autoReconnect = true;
    options.reconnectMinMs = 20;
    auto attempts = std::make_shared<int>(0);
    MqttClient *first = client(options, [attempts, factory = serverFactory()] {
        ++*attempts;
        return factory();
    });
    QSignalSpy disconnected(first, &MqttClient::disconnected);
    QVERIFY(connectClient(first));
    MqttClient *second = client(options);
    QVERIFY(connectClient(second));
    QTRY_COMPARE(disconnected.count(), 1);
    QVERIFY2(disconnected.at(0).at(0).toString().contains(QStringLiteral("Session taken over (0x8E)")),
             qPrintable(disconnected.at(0).at(0).toString()));
    QCOMPARE(first->state(), MqttClient::State::Disconnected);
    // Two clients with one id would take it from each other forever.
    QVERIFY(!QTest::qWaitFor([&] { return *attempts > 1; }, 400));
    QCOMPARE(second->state(), MqttClient::State::Connected);
}

QTEST_GUILESS_MAIN(TestMqttClient)
#include "tst_mqttclient.moc"
