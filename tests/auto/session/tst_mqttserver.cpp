// The MQTT server end to end, in process: a Gateway with the demo application (simulated
// devices at a high rate) on 127.0.0.1 port 0, spoken to over TCP by TestClient with the
// project's codec. Covers CONNECT/CONNACK, SUBSCRIBE, event delivery (topics, modes, flow
// control), commands (QoS 1 and 2, topic aliases), sessions (takeover, resume), protocol
// violations and shutdown.
#include "testclient.h"

#include "cloudevents/mqttbinding.h"
#include "config/config.h"
#include "gateway.h"
#include "mqtt/packetencoder.h"
#include "mqtt/topic.h"
#include "session/mqttserver.h"
#include "session/sessionstore.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QUrl>

using namespace drover;
using namespace drover::mqtt;
using drover::test::TestClient;

Q_DECLARE_METATYPE(drover::mqtt::ReasonCode)

namespace {

constexpr double DemoRate = 50.0; // events per second per demo device
constexpr int DemoDevices = 3;

QString hexCode(ReasonCode code)
{
    return QStringLiteral("0x%1").arg(int(code), 2, 16, QLatin1Char('0'));
}

std::optional<cloudevents::CloudEvent> eventOf(const PublishPacket &publish)
{
    QByteArray error;
    auto event = cloudevents::decodeMqttMessage(publish.payload, publish.properties, &error);
    if (!event)
        qWarning("undecodable event on %s: %s", publish.topic.constData(), error.constData());
    return event;
}

QJsonObject dataOf(const cloudevents::CloudEvent &event)
{
    return QJsonDocument::fromJson(event.data).object();
}

// The demo device's event counter, or -1.
qint64 sequenceOf(const PublishPacket &publish)
{
    const auto event = eventOf(publish);
    if (!event)
        return -1;
    return qint64(dataOf(*event).value(QStringLiteral("sequence")).toDouble(-1));
}

QByteArray mqttString(const QByteArray &s)
{
    QByteArray out;
    out.append(char(s.size() >> 8)).append(char(s.size() & 0xff)).append(s);
    return out;
}

// A frame with a hand-written body; the Remaining Length is computed.
QByteArray frame(quint8 firstByte, const QByteArray &body)
{
    QByteArray out(1, char(firstByte));
    quint32 length = quint32(body.size());
    do {
        quint8 digit = length & 0x7f;
        length >>= 7;
        if (length)
            digit |= 0x80;
        out.append(char(digit));
    } while (length);
    return out + body;
}

PublishPacket command(const QByteArray &topic, const QByteArray &payload, QoS qos, quint16 packetId)
{
    PublishPacket p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.packetId = qos == QoS::AtMostOnce ? 0 : packetId;
    p.properties.setBytes(Properties::ContentType, QByteArrayLiteral("application/json"));
    return p;
}

bool hasTargetTemperature(const PublishPacket &publish, double value)
{
    const auto event = eventOf(publish);
    if (!event)
        return false;
    const QJsonObject data = dataOf(*event);
    return data.value(QStringLiteral("targetTemperature")).toDouble() == value &&
           data.value(QStringLiteral("lastCommand")).toString() == QLatin1String("setTemperature");
}

} // namespace

class TestMqttServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    // CONNECT
    void connackV5Properties();
    void connackV5AssignsClientIdAndCapsLimits();
    void connackV311();
    void connectRefusals();
    void packetBeforeConnectClosesConnection();
    void pingPong();

    // SUBSCRIBE and deliveries
    void subackReasonCodesV5();
    void subackReasonCodesV311();
    void subscribeOptionErrors();
    void eventsOnFilterTopics_data();
    void eventsOnFilterTopics();
    void subscriptionIdentifierOnDeliveries();
    void v311EventsAreStructured();
    void binaryMode();
    void receiveMaximumLimitsInflight();
    void unsubscribeStopsEvents();
    void sharedSubscriptionHandsOverUnacknowledged();

    // Commands
    void commandQoS1ChangesDevice();
    void commandRefusals_data();
    void commandRefusals();
    void commandQoS2Flow();
    void topicAliasSetAndReuse();
    void topicAliasInvalid_data();
    void topicAliasInvalid();
    void receiveMaximumCountsQoS2AwaitingRelease();

    // Sessions
    void sessionTakeover();
    void sessionTakeoverOfV311Connection();
    void persistentSessionResumes();
    void persistentSessionV311();
    void unacknowledgedDeliveriesResentWithDup();
    void cleanStartKeepsConsumerGroupPosition();
    void sessionExpires();
    void sessionExpiryAtDisconnectAfterZeroIsProtocolError();
    void resubscribeChangesOptions();
    void willOnConnectionLoss();
    void normalDisconnectDiscardsWill();
    void disconnectWithWillSendsIt();
    void delayedWillNotSentOnTakeover();
    void clientMaximumPacketSizeRespected();
    void keepAliveTimeout();

    // Protocol violations and shutdown
    void malformedInput_data();
    void malformedInput();
    void shutdownDisconnectsClients();

private:
    TestClient *client(ProtocolVersion version = ProtocolVersion::V5);

    std::unique_ptr<Gateway> m_gateway;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<TestClient>> m_clients;
};

void TestMqttServer::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.info=false\ndrover.*.debug=false"));
}

void TestMqttServer::init()
{
    config::Config config;
    config.instance = QStringLiteral("drover-test");
    config.listeners = {
        config::ListenerConfig{config::ListenerConfig::Kind::Mqtt, QHostAddress::LocalHost, 0}};
    config.demo.enabled = true;
    config.demo.devices = DemoDevices;
    config.demo.rate = DemoRate;
    m_gateway = std::make_unique<Gateway>(config);
    QString error;
    QVERIFY2(m_gateway->start(&error), qPrintable(error));
    QCOMPARE(m_gateway->listenerUrls().size(), 1);
    const QUrl url(m_gateway->listenerUrls().first());
    QCOMPARE(url.scheme(), QStringLiteral("mqtt"));
    QCOMPARE(url.host(), QStringLiteral("127.0.0.1"));
    QVERIFY(url.port() > 0);
    m_port = quint16(url.port());

    // The demo devices are MQTT clients of the device endpoint: wait until each has logged
    // in and publishes, so commands reach them instead of waiting in their queues. (Each
    // subscribed to its inbox before its first PUBLISH, on the same connection.)
    TestClient watcher;
    QVERIFY(watcher.openAndConnect(m_port, QByteArrayLiteral("demo-watcher")));
    QVERIFY(watcher.subscribe(QByteArrayLiteral("app/demo/+/state")));
    QSet<QByteArray> seen;
    QVERIFY(watcher.waitForPublish(
        [&](const PublishPacket &publish) {
            seen.insert(publish.topic);
            return seen.size() == DemoDevices;
        },
        10000));
    watcher.close();
}

void TestMqttServer::cleanup()
{
    for (auto &c : m_clients)
        QVERIFY2(c->errors.isEmpty(), qPrintable(c->errors.join(QStringLiteral("; "))));
    m_clients.clear();
    m_gateway.reset();
}

TestClient *TestMqttServer::client(ProtocolVersion version)
{
    m_clients.push_back(std::make_unique<TestClient>(version));
    return m_clients.back().get();
}

// ------------------------------------------------------------------ CONNECT

void TestMqttServer::connackV5Properties()
{
    TestClient *c = client();
    const auto connack = c->openAndConnect(m_port, QByteArrayLiteral("props"));
    QVERIFY(connack);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(!connack->sessionPresent);
    const Properties &p = connack->properties;
    QVERIFY(!p.has(Properties::AssignedClientIdentifier)); // it gave one
    QVERIFY(p.has(Properties::ReceiveMaximum));
    QCOMPARE(p.integer(Properties::ReceiveMaximum), 100u);
    QVERIFY(p.has(Properties::TopicAliasMaximum));
    QCOMPARE(p.integer(Properties::TopicAliasMaximum), 32u);
    QVERIFY(p.has(Properties::RetainAvailable));
    QCOMPARE(p.integer(Properties::RetainAvailable, 1), 0u);
    QVERIFY(p.has(Properties::MaximumPacketSize));
    QCOMPARE(p.integer(Properties::MaximumPacketSize), 1024u * 1024u);
    QVERIFY(p.has(Properties::WildcardSubscriptionAvailable));
    QCOMPARE(p.integer(Properties::WildcardSubscriptionAvailable), 1u);
    QVERIFY(p.has(Properties::SubscriptionIdentifierAvailable));
    QCOMPARE(p.integer(Properties::SubscriptionIdentifierAvailable), 1u);
    QVERIFY(p.has(Properties::SharedSubscriptionAvailable));
    QCOMPARE(p.integer(Properties::SharedSubscriptionAvailable), 1u);
    QVERIFY(!p.has(Properties::ServerKeepAlive)); // 60 s is within the limit
    QVERIFY(!p.has(Properties::SessionExpiryInterval));
    QTRY_COMPARE(m_gateway->mqttServer()->connectionCount(), 1);
}

void TestMqttServer::connackV5AssignsClientIdAndCapsLimits()
{
    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId.clear();
    connect.keepAlive = 0;
    connect.properties.setInteger(Properties::SessionExpiryInterval, 10 * 24 * 3600); // over the 1 d maximum
    const auto connack = c->connectMqtt(connect);
    QVERIFY(connack);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    const QByteArray assigned = connack->properties.bytes(Properties::AssignedClientIdentifier);
    QVERIFY2(assigned.startsWith("drover-"), assigned.constData());
    QVERIFY(assigned.size() > 10);
    QCOMPARE(connack->properties.integer(Properties::ServerKeepAlive), 3600u);
    QVERIFY(connack->properties.has(Properties::SessionExpiryInterval));
    QCOMPARE(connack->properties.integer(Properties::SessionExpiryInterval), 24u * 3600u);
    QVERIFY(m_gateway->mqttServer()->sessions().find(QString::fromUtf8(assigned)));

    // Two anonymous clients get different ids.
    TestClient *d = client();
    QVERIFY(d->open(m_port));
    const auto second = d->connectMqtt(ConnectPacket{});
    QVERIFY(second);
    QVERIFY(second->properties.has(Properties::AssignedClientIdentifier));
    QVERIFY(second->properties.bytes(Properties::AssignedClientIdentifier) != assigned);
}

void TestMqttServer::connackV311()
{
    TestClient *c = client(ProtocolVersion::V311);
    const auto connack = c->openAndConnect(m_port, QByteArrayLiteral("v311"));
    QVERIFY(connack);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(!connack->sessionPresent);
    QVERIFY(connack->properties.isEmpty());

    // An empty client id is fine with a clean session...
    TestClient *anon = client(ProtocolVersion::V311);
    const auto anonAck = anon->openAndConnect(m_port, QByteArray());
    QVERIFY(anonAck);
    QCOMPARE(hexCode(anonAck->reasonCode), hexCode(ReasonCode::Success));
}

void TestMqttServer::connectRefusals()
{
    // 3.1.1: an empty client id needs a clean session (MQTT-3.1.3-8): return code 2.
    TestClient *v3 = client(ProtocolVersion::V311);
    const auto refused = v3->openAndConnect(m_port, QByteArray(), false);
    QVERIFY(refused);
    QCOMPARE(hexCode(refused->reasonCode), hexCode(ReasonCode::ClientIdentifierNotValid));
    QVERIFY(!refused->sessionPresent);
    QVERIFY(v3->waitForClosed());

    // User name and password without a key store: bad credentials.
    TestClient *v5 = client();
    QVERIFY(v5->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("creds");
    connect.username = QByteArrayLiteral("user");
    connect.password = QByteArrayLiteral("secret");
    const auto bad = v5->connectMqtt(connect);
    QVERIFY(bad);
    QCOMPARE(hexCode(bad->reasonCode), hexCode(ReasonCode::BadUserNameOrPassword));
    QVERIFY(!bad->properties.reasonString().isEmpty());
    QVERIFY(v5->waitForClosed());

    // Enhanced authentication is not supported.
    TestClient *auth = client();
    QVERIFY(auth->open(m_port));
    ConnectPacket withMethod;
    withMethod.clientId = QByteArrayLiteral("auth");
    withMethod.properties.setBytes(Properties::AuthenticationMethod, QByteArrayLiteral("SCRAM-SHA-1"));
    const auto method = auth->connectMqtt(withMethod);
    QVERIFY(method);
    QCOMPARE(hexCode(method->reasonCode), hexCode(ReasonCode::BadAuthenticationMethod));
    QVERIFY(auth->waitForClosed());

    // A will that is not a command topic.
    TestClient *will = client();
    QVERIFY(will->open(m_port));
    ConnectPacket withWill;
    withWill.clientId = QByteArrayLiteral("will");
    withWill.will = Will{QByteArrayLiteral("app/demo"), QByteArrayLiteral("bye"), QoS::AtMostOnce, false, {}};
    const auto willAck = will->connectMqtt(withWill);
    QVERIFY(willAck);
    QCOMPARE(hexCode(willAck->reasonCode), hexCode(ReasonCode::TopicNameInvalid));
    QVERIFY(will->waitForClosed());
}

void TestMqttServer::packetBeforeConnectClosesConnection()
{
    TestClient *c = client();
    QVERIFY(c->open(m_port));
    c->send(PingreqPacket{});
    QVERIFY(c->waitForClosed());
    QCOMPARE(c->queued(PacketType::Pingresp), 0);
    QCOMPARE(c->queued(PacketType::Connack), 0);
}

void TestMqttServer::pingPong()
{
    for (ProtocolVersion version : {ProtocolVersion::V5, ProtocolVersion::V311}) {
        TestClient *c = client(version);
        QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("ping-") + QByteArray::number(int(version))));
        c->send(PingreqPacket{});
        QVERIFY(c->take(PacketType::Pingresp));
        c->send(PingreqPacket{});
        c->send(PingreqPacket{});
        QVERIFY(c->take(PacketType::Pingresp));
        QVERIFY(c->take(PacketType::Pingresp));
        QVERIFY(c->isConnected());
    }
}

// ------------------------------------------------------------------ SUBSCRIBE and deliveries

void TestMqttServer::subackReasonCodesV5()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("suback5")));
    const QList<std::pair<QByteArray, QoS>> requests{
        {"app/demo", QoS::AtMostOnce},
        {"app/demo/+", QoS::AtLeastOnce},
        {"a/demo/#", QoS::ExactlyOnce},
        {"#", QoS::AtMostOnce},
        {"app/de+mo", QoS::AtMostOnce},
        {"$share/g", QoS::AtMostOnce},
        {"app/unknown", QoS::AtMostOnce},
        {"$share/g/app/demo", QoS::AtLeastOnce},
        {"app/demo/a/b/c", QoS::AtMostOnce},
        {"application/demo/device-1/state", QoS::AtMostOnce},
        {"$shared/g/app/demo/+", QoS::AtMostOnce},
        {"app/+", QoS::AtLeastOnce},
    };
    const QList<ReasonCode> expected{
        ReasonCode::Success,
        ReasonCode::GrantedQoS1,
        ReasonCode::GrantedQoS1, // QoS 2 is granted as 1
        ReasonCode::WildcardSubscriptionsNotSupported,
        ReasonCode::TopicFilterInvalid,
        ReasonCode::TopicFilterInvalid, // $share/g: nothing after the group
        ReasonCode::NotAuthorized,      // no such application
        ReasonCode::GrantedQoS1,
        ReasonCode::TopicFilterInvalid,
        ReasonCode::Success,
        ReasonCode::Success,
        ReasonCode::WildcardSubscriptionsNotSupported,
    };
    QList<SubscriptionRequest> list;
    for (const auto &[filter, qos] : requests) {
        SubscriptionRequest r;
        r.filter = filter;
        r.maximumQoS = qos;
        list.append(r);
    }
    const auto suback = c->subscribe(list);
    QVERIFY(suback);
    QStringList got, want;
    for (ReasonCode code : suback->reasonCodes)
        got.append(hexCode(code));
    for (ReasonCode code : expected)
        want.append(hexCode(code));
    QCOMPARE(got, want);
    QVERIFY(!suback->properties.reasonString().isEmpty()); // says why some were refused
    QVERIFY(c->isConnected());

    // All granted: no reason string.
    const auto ok = c->subscribe(QByteArrayLiteral("app/demo/device-1"), QoS::AtLeastOnce);
    QVERIFY(ok);
    QCOMPARE(ok->reasonCodes, QList<ReasonCode>{ReasonCode::GrantedQoS1});
    QVERIFY(!ok->properties.has(Properties::ReasonString));
}

void TestMqttServer::subackReasonCodesV311()
{
    TestClient *c = client(ProtocolVersion::V311);
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("suback311")));
    QList<SubscriptionRequest> list;
    for (const auto &[filter, qos] : QList<std::pair<QByteArray, QoS>>{{"app/demo", QoS::AtLeastOnce},
                                                                       {"#", QoS::AtMostOnce},
                                                                       {"app/nope", QoS::AtMostOnce},
                                                                       {"a/demo/+", QoS::ExactlyOnce},
                                                                       {"app/demo/#/x", QoS::AtMostOnce}}) {
        SubscriptionRequest r;
        r.filter = filter;
        r.maximumQoS = qos;
        list.append(r);
    }
    const auto suback = c->subscribe(list);
    QVERIFY(suback);
    QStringList got;
    for (ReasonCode code : suback->reasonCodes)
        got.append(hexCode(code));
    // 3.1.1 carries every refusal as 0x80.
    QCOMPARE(got, (QStringList{QStringLiteral("0x01"), QStringLiteral("0x80"), QStringLiteral("0x80"),
                               QStringLiteral("0x01"), QStringLiteral("0x80")}));
    QVERIFY(c->isConnected());
}

void TestMqttServer::subscribeOptionErrors()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("options")));
    Properties badMode;
    badMode.addUserProperty("content-mode", "xml");
    auto suback = c->subscribe(QByteArrayLiteral("app/demo"), QoS::AtMostOnce, badMode);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::ImplementationSpecificError});
    QVERIFY(suback->properties.reasonString().contains("content-mode"));

    Properties badStart;
    badStart.addUserProperty("start", "yesterday");
    suback = c->subscribe(QByteArrayLiteral("app/demo"), QoS::AtMostOnce, badStart);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::ImplementationSpecificError});

    Properties localTime; // a time without zone is ambiguous
    localTime.addUserProperty("start", "2026-01-01T00:00:00");
    suback = c->subscribe(QByteArrayLiteral("app/demo"), QoS::AtMostOnce, localTime);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::ImplementationSpecificError});

    Properties good;
    good.addUserProperty("start", "earliest");
    good.addUserProperty("content-mode", "structured");
    suback = c->subscribe(QByteArrayLiteral("app/demo"), QoS::AtMostOnce, good);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::Success});
    QVERIFY(c->takePublish()); // and events come
}

void TestMqttServer::eventsOnFilterTopics_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("topicPattern"); // '*' stands for the event's device
    QTest::addColumn<QByteArray>("onlyDevice");   // empty: any

    QTest::newRow("app/demo") << QByteArray("app/demo") << QByteArray("app/demo") << QByteArray();
    QTest::newRow("a/demo") << QByteArray("a/demo") << QByteArray("a/demo") << QByteArray();
    QTest::newRow("application/demo")
        << QByteArray("application/demo") << QByteArray("application/demo") << QByteArray();
    QTest::newRow("one device") << QByteArray("app/demo/device-2") << QByteArray("app/demo/device-2")
                                << QByteArray("device-2");
    QTest::newRow("any device") << QByteArray("app/demo/+") << QByteArray("app/demo/*") << QByteArray();
    QTest::newRow("#") << QByteArray("app/demo/#") << QByteArray("app/demo/*/state") << QByteArray();
    QTest::newRow("device and channel") << QByteArray("app/demo/device-3/state")
                                        << QByteArray("app/demo/device-3/state") << QByteArray("device-3");
    QTest::newRow("any device, channel")
        << QByteArray("a/demo/+/state") << QByteArray("a/demo/*/state") << QByteArray();
    QTest::newRow("shared") << QByteArray("$share/g/app/demo") << QByteArray("app/demo") << QByteArray();
    QTest::newRow("legacy shared, narrow") << QByteArray("$shared/g/app/demo/device-1/+")
                                           << QByteArray("app/demo/device-1/state") << QByteArray("device-1");
}

void TestMqttServer::eventsOnFilterTopics()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, topicPattern);
    QFETCH(QByteArray, onlyDevice);

    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("topics")));
    const auto suback = c->subscribe(filter);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::Success});

    QSet<QByteArray> devices;
    QByteArray matchFilter = filter; // what the delivery topic must match: without $share/<group>/
    if (filter.startsWith('$'))
        matchFilter = filter.split('/').mid(2).join('/');
    for (int i = 0; i < 12; ++i) {
        const auto publish = c->takePublish();
        QVERIFY2(publish, "no event");
        QCOMPARE(int(publish->qos), int(QoS::AtMostOnce));
        QVERIFY(!publish->retain);
        QCOMPARE(publish->properties.contentType(),
                 QByteArrayLiteral("application/cloudevents+json; charset=utf-8"));
        QVERIFY(publish->properties.has(Properties::PayloadFormatIndicator));
        QCOMPARE(publish->properties.integer(Properties::PayloadFormatIndicator), 1u);
        QVERIFY(publish->properties.userProperties().isEmpty());
        QVERIFY(publish->properties.subscriptionIdentifiers().isEmpty());

        const auto event = eventOf(*publish);
        QVERIFY(event);
        QCOMPARE(event->application, QByteArrayLiteral("demo"));
        QCOMPARE(event->type, QByteArrayLiteral("io.drogue.event.v1"));
        QCOMPARE(event->subject, QByteArrayLiteral("state"));
        QCOMPARE(event->dataContentType, QByteArrayLiteral("application/json"));
        QCOMPARE(event->instance, QByteArrayLiteral("drover-test"));
        QCOMPARE(event->source, QByteArrayLiteral("drogue://demo/") + event->device);
        QVERIFY(event->time.isValid());
        QVERIFY(dataOf(*event).contains(QStringLiteral("temperature")));
        if (!onlyDevice.isEmpty())
            QCOMPARE(event->device, onlyDevice);
        QByteArray expectedTopic = topicPattern;
        expectedTopic.replace('*', event->device);
        QCOMPARE(publish->topic, expectedTopic);
        QVERIFY2(topicMatches(matchFilter, publish->topic), publish->topic.constData());
        devices.insert(event->device);
    }
    if (onlyDevice.isEmpty())
        QVERIFY2(devices.size() > 1, "events of one device only");
}

void TestMqttServer::subscriptionIdentifierOnDeliveries()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("subid")));
    Properties properties;
    properties.addSubscriptionIdentifier(4242);
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-1"), QoS::AtMostOnce, properties));
    const auto publish = c->takePublish();
    QVERIFY(publish);
    QCOMPARE(publish->properties.subscriptionIdentifiers(), QList<quint32>{4242});
}

void TestMqttServer::v311EventsAreStructured()
{
    TestClient *c = client(ProtocolVersion::V311);
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("structured311")));
    const auto suback = c->subscribe(QByteArrayLiteral("app/demo/+"), QoS::AtLeastOnce);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::GrantedQoS1});
    const auto publish = c->takePublish();
    QVERIFY(publish);
    QCOMPARE(int(publish->qos), int(QoS::AtLeastOnce));
    QVERIFY(publish->packetId != 0);
    QVERIFY(publish->properties.isEmpty());
    const QJsonObject json = QJsonDocument::fromJson(publish->payload).object();
    QCOMPARE(json.value(QStringLiteral("specversion")).toString(), QStringLiteral("1.0"));
    QCOMPARE(json.value(QStringLiteral("application")).toString(), QStringLiteral("demo"));
    QCOMPARE(publish->topic,
             QByteArrayLiteral("app/demo/") + json.value(QStringLiteral("device")).toString().toUtf8());
    c->puback(publish->packetId);
}

void TestMqttServer::binaryMode()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("binary")));
    Properties properties;
    properties.addUserProperty("content-mode", "binary");
    const auto suback = c->subscribe(QByteArrayLiteral("app/demo/device-1"), QoS::AtMostOnce, properties);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::Success});
    const auto publish = c->takePublish();
    QVERIFY(publish);
    QCOMPARE(publish->topic, QByteArrayLiteral("app/demo/device-1"));
    // The payload is the device's data; the attributes are user properties.
    QCOMPARE(publish->properties.contentType(), QByteArrayLiteral("application/json"));
    const QJsonObject data = QJsonDocument::fromJson(publish->payload).object();
    QVERIFY(data.contains(QStringLiteral("temperature")));
    QVERIFY(data.contains(QStringLiteral("sequence")));
    const Properties &p = publish->properties;
    QCOMPARE(p.userProperty("specversion"), QByteArrayLiteral("1.0"));
    QCOMPARE(p.userProperty("type"), QByteArrayLiteral("io.drogue.event.v1"));
    QCOMPARE(p.userProperty("source"), QByteArrayLiteral("drogue://demo/device-1"));
    QCOMPARE(p.userProperty("subject"), QByteArrayLiteral("state"));
    QCOMPARE(p.userProperty("application"), QByteArrayLiteral("demo"));
    QCOMPARE(p.userProperty("device"), QByteArrayLiteral("device-1"));
    QCOMPARE(p.userProperty("instance"), QByteArrayLiteral("drover-test"));
    QVERIFY(!p.userProperty("id").isEmpty());
    QVERIFY(cloudevents::CloudEvent::parseTime(p.userProperty("time")).isValid());
    QVERIFY(p.userProperty("data").isNull());
    QVERIFY(p.userProperty("datacontenttype").isNull()); // carried as Content Type
    const auto event = eventOf(*publish);
    QVERIFY(event);
    QCOMPARE(event->device, QByteArrayLiteral("device-1"));
    QCOMPARE(event->data, publish->payload);
}

void TestMqttServer::receiveMaximumLimitsInflight()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("recvmax"), true, 0, 5));
    const auto suback = c->subscribe(QByteArrayLiteral("app/demo"), QoS::AtLeastOnce);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::GrantedQoS1});

    QTRY_COMPARE_WITH_TIMEOUT(c->queued(PacketType::Publish), 5, 5000);
    QTest::qWait(400); // some 60 more events happen meanwhile
    QCOMPARE(c->queued(PacketType::Publish), 5);
    QList<PublishPacket> held = c->takeAllPublishes();
    QSet<quint16> ids;
    for (const PublishPacket &p : held) {
        QCOMPARE(int(p.qos), int(QoS::AtLeastOnce));
        QVERIFY(p.packetId != 0);
        QVERIFY(!p.dup);
        ids.insert(p.packetId);
    }
    QCOMPARE(ids.size(), 5);

    // Two acknowledged: two more, and no more than that.
    c->puback(held[0].packetId);
    c->puback(held[3].packetId);
    QTRY_COMPARE_WITH_TIMEOUT(c->queued(PacketType::Publish), 2, 5000);
    QTest::qWait(300);
    QCOMPARE(c->queued(PacketType::Publish), 2);
    const QList<PublishPacket> more = c->takeAllPublishes();
    for (const PublishPacket &p : more) {
        QVERIFY(p.packetId != 0);
        QVERIFY2(!ids.contains(p.packetId) || p.packetId == held[0].packetId ||
                     p.packetId == held[3].packetId,
                 "a packet id still in flight was reused");
    }

    // Acknowledging everything keeps the flow going (never above 5 unacknowledged).
    c->autoAck = true;
    for (const PublishPacket &p : held)
        if (p.packetId != held[0].packetId && p.packetId != held[3].packetId)
            c->puback(p.packetId);
    for (const PublishPacket &p : more)
        c->puback(p.packetId);
    const int before = c->publishesReceived;
    QTRY_VERIFY_WITH_TIMEOUT(c->publishesReceived >= before + 20, 5000);
}

void TestMqttServer::unsubscribeStopsEvents()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("unsub")));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo")));
    QVERIFY(c->takePublish());
    UnsubscribePacket unsubscribe{
        c->nextPacketId(), {QByteArrayLiteral("app/demo"), QByteArrayLiteral("app/x")}, {}};
    c->send(unsubscribe);
    const auto unsuback = c->take(PacketType::Unsuback, 5000, unsubscribe.packetId);
    QVERIFY(unsuback);
    QCOMPARE(std::get<UnsubackPacket>(*unsuback).reasonCodes,
             (QList<ReasonCode>{ReasonCode::Success, ReasonCode::NoSubscriptionExisted}));
    QTest::qWait(100);
    c->takeAllPublishes(); // any already on the way
    QTest::qWait(300);
    QCOMPARE(c->queued(PacketType::Publish), 0);
}

void TestMqttServer::sharedSubscriptionHandsOverUnacknowledged()
{
    // a holds one event unacknowledged (its Receive Maximum is 1); b gets the rest; when a
    // goes away, b gets a's event too: every event reaches exactly one member.
    TestClient *a = client();
    QVERIFY(a->openAndConnect(m_port, QByteArrayLiteral("member-a"), true, 0, 1));
    QVERIFY(a->subscribe(QByteArrayLiteral("$share/workers/app/demo/device-1"), QoS::AtLeastOnce));
    const auto held = a->takePublish();
    QVERIFY(held);
    const qint64 heldSequence = sequenceOf(*held);
    QVERIFY(heldSequence > 0);

    TestClient *b = client();
    QVERIFY(b->openAndConnect(m_port, QByteArrayLiteral("member-b")));
    QVERIFY(b->subscribe(QByteArrayLiteral("$share/workers/app/demo/device-1"), QoS::AtLeastOnce));
    b->autoAck = true;
    QSet<qint64> seenByB;
    QVERIFY(b->waitForPublish([&](const PublishPacket &p) {
        seenByB.insert(sequenceOf(p));
        return seenByB.size() >= 10;
    }));
    QTest::qWait(100);
    QCOMPARE(a->queued(PacketType::Publish), 0); // a's window is full
    QVERIFY(!seenByB.contains(heldSequence));

    a->close(); // session expiry 0: its delivery goes back to the group
    bool duplicate = false;
    QVERIFY(b->waitForPublish([&](const PublishPacket &p) {
        const qint64 s = sequenceOf(p);
        duplicate = duplicate || seenByB.contains(s);
        seenByB.insert(s);
        return s == heldSequence;
    }));
    QVERIFY2(!duplicate, "an event came twice");
    // None lost: together they are every event from the held one on.
    QVERIFY(b->waitForPublish([&](const PublishPacket &p) {
        duplicate = duplicate || seenByB.contains(sequenceOf(p));
        seenByB.insert(sequenceOf(p));
        return seenByB.size() >= 30;
    }));
    QVERIFY2(!duplicate, "an event came twice");
    QList<qint64> sorted(seenByB.begin(), seenByB.end());
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(sorted.first(), heldSequence);
    for (qsizetype i = 1; i < sorted.size(); ++i)
        QVERIFY2(sorted[i] == sorted[i - 1] + 1,
                 qPrintable(QStringLiteral("gap after sequence %1").arg(sorted[i - 1])));
}

// ------------------------------------------------------------------ commands

void TestMqttServer::commandQoS1ChangesDevice()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("commander")));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-1")));
    const auto before = c->takePublish();
    QVERIFY(before);
    QVERIFY(!hasTargetTemperature(*before, 42.5));

    const quint16 id = c->nextPacketId();
    c->send(command(QByteArrayLiteral("command/demo/device-1/setTemperature"),
                    QByteArrayLiteral("{\"value\": 42.5}"), QoS::AtLeastOnce, id));
    const auto puback = c->takeAck(PacketType::Puback, id);
    QVERIFY(puback);
    QCOMPARE(hexCode(puback->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(c->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 42.5); }));

    // QoS 0 commands work too (no answer).
    c->send(command(QByteArrayLiteral("command/demo/device-1/setTemperature"),
                    QByteArrayLiteral("{\"value\": -7.25}"), QoS::AtMostOnce, 0));
    QVERIFY(c->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, -7.25); }));
    QCOMPARE(c->queued(PacketType::Puback), 0);
    QVERIFY(c->isConnected());
}

void TestMqttServer::commandRefusals_data()
{
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<ReasonCode>("reasonCode");
    QTest::newRow("unknown device") << QByteArray("command/demo/device-99/setTemperature")
                                    << QByteArray("{\"value\": 20}") << ReasonCode::NotAuthorized;
    QTest::newRow("unknown application") << QByteArray("command/nope/device-1/setTemperature")
                                         << QByteArray("{\"value\": 20}") << ReasonCode::NotAuthorized;
    // The device refuses with its own code: it has no such command.
    QTest::newRow("unknown command") << QByteArray("command/demo/device-1/explode") << QByteArray("{}")
                                     << ReasonCode::ImplementationSpecificError;
    QTest::newRow("out of range") << QByteArray("command/demo/device-1/setTemperature")
                                  << QByteArray("{\"value\": 1000}") << ReasonCode::PayloadFormatInvalid;
    QTest::newRow("not a command topic")
        << QByteArray("app/demo/device-1") << QByteArray("{}") << ReasonCode::TopicNameInvalid;
    QTest::newRow("command name missing")
        << QByteArray("command/demo/device-1") << QByteArray("{}") << ReasonCode::TopicNameInvalid;
}

void TestMqttServer::commandRefusals()
{
    QFETCH(QByteArray, topic);
    QFETCH(QByteArray, payload);
    QFETCH(ReasonCode, reasonCode);
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("refused")));
    const quint16 id = c->nextPacketId();
    c->send(command(topic, payload, QoS::AtLeastOnce, id));
    const auto puback = c->takeAck(PacketType::Puback, id);
    QVERIFY(puback);
    QCOMPARE(hexCode(puback->reasonCode), hexCode(reasonCode));
    QVERIFY(!puback->properties.reasonString().isEmpty());
    // A v5 client hears why and stays connected.
    c->send(PingreqPacket{});
    QVERIFY(c->take(PacketType::Pingresp));
    QVERIFY(c->isConnected());
}

void TestMqttServer::commandQoS2Flow()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("qos2")));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-2")));
    const quint16 id = c->nextPacketId();
    PublishPacket publish = command(QByteArrayLiteral("command/demo/device-2/setTemperature"),
                                    QByteArrayLiteral("{\"value\": 12.25}"), QoS::ExactlyOnce, id);
    c->send(publish);
    const auto pubrec = c->takeAck(PacketType::Pubrec, id);
    QVERIFY(pubrec);
    QCOMPARE(hexCode(pubrec->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(c->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 12.25); }));

    // Sent again before PUBREL (DUP): acknowledged again, not executed again.
    publish.dup = true;
    publish.payload = QByteArrayLiteral("{\"value\": 13.5}");
    c->send(publish);
    const auto again = c->takeAck(PacketType::Pubrec, id);
    QVERIFY(again);
    QCOMPARE(hexCode(again->reasonCode), hexCode(ReasonCode::Success));
    QTest::qWait(200);
    c->takeAllPublishes();
    const auto later = c->takePublish();
    QVERIFY(later);
    QVERIFY2(hasTargetTemperature(*later, 12.25), later->payload.constData()); // not 13.5

    c->send(PubAckPacket{PacketType::Pubrel, id, ReasonCode::Success, {}});
    const auto pubcomp = c->takeAck(PacketType::Pubcomp, id);
    QVERIFY(pubcomp);
    QCOMPARE(hexCode(pubcomp->reasonCode), hexCode(ReasonCode::Success));

    // PUBREL for an id that is not awaiting release.
    c->send(PubAckPacket{PacketType::Pubrel, id, ReasonCode::Success, {}});
    const auto unknown = c->takeAck(PacketType::Pubcomp, id);
    QVERIFY(unknown);
    QCOMPARE(hexCode(unknown->reasonCode), hexCode(ReasonCode::PacketIdentifierNotFound));

    // A refused QoS 2 command gets PUBREC with the error and needs no PUBREL.
    const quint16 bad = c->nextPacketId();
    c->send(command(QByteArrayLiteral("command/demo/device-99/x"), QByteArrayLiteral("{}"), QoS::ExactlyOnce,
                    bad));
    const auto refused = c->takeAck(PacketType::Pubrec, bad);
    QVERIFY(refused);
    QCOMPARE(hexCode(refused->reasonCode), hexCode(ReasonCode::NotAuthorized));
    QVERIFY(c->isConnected());
}

void TestMqttServer::topicAliasSetAndReuse()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("alias")));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-3")));

    quint16 id = c->nextPacketId();
    PublishPacket first = command(QByteArrayLiteral("command/demo/device-3/setTemperature"),
                                  QByteArrayLiteral("{\"value\": 31.5}"), QoS::AtLeastOnce, id);
    first.properties.setInteger(Properties::TopicAlias, 3);
    c->send(first);
    auto puback = c->takeAck(PacketType::Puback, id);
    QVERIFY(puback);
    QCOMPARE(hexCode(puback->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(c->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 31.5); }));

    id = c->nextPacketId();
    PublishPacket reuse =
        command(QByteArray(), QByteArrayLiteral("{\"value\": 33.25}"), QoS::AtLeastOnce, id);
    reuse.properties.setInteger(Properties::TopicAlias, 3);
    c->send(reuse);
    puback = c->takeAck(PacketType::Puback, id);
    QVERIFY(puback);
    QCOMPARE(hexCode(puback->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(c->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 33.25); }));

    // The highest alias (the maximum, 32) is valid; an alias can be set to another topic.
    id = c->nextPacketId();
    PublishPacket highest = command(QByteArrayLiteral("command/demo/device-99/setTemperature"),
                                    QByteArrayLiteral("{\"value\": 1}"), QoS::AtLeastOnce, id);
    highest.properties.setInteger(Properties::TopicAlias, 32);
    c->send(highest);
    puback = c->takeAck(PacketType::Puback, id);
    QVERIFY(puback);
    QCOMPARE(hexCode(puback->reasonCode),
             hexCode(ReasonCode::NotAuthorized)); // unknown device, but alias fine
    QVERIFY(c->isConnected());
}

void TestMqttServer::topicAliasInvalid_data()
{
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<int>("alias");
    QTest::addColumn<ReasonCode>("reasonCode");
    const QByteArray topic("command/demo/device-1/setTemperature");
    QTest::newRow("alias 0") << topic << 0 << ReasonCode::TopicAliasInvalid;
    QTest::newRow("alias 0 without topic") << QByteArray() << 0 << ReasonCode::TopicAliasInvalid;
    QTest::newRow("alias above maximum") << topic << 33 << ReasonCode::TopicAliasInvalid;
    QTest::newRow("alias 65535") << topic << 65535 << ReasonCode::TopicAliasInvalid;
    QTest::newRow("alias never set") << QByteArray() << 5 << ReasonCode::ProtocolError;
}

void TestMqttServer::topicAliasInvalid()
{
    QFETCH(QByteArray, topic);
    QFETCH(int, alias);
    QFETCH(ReasonCode, reasonCode);
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("bad-alias")));
    PublishPacket publish =
        command(topic, QByteArrayLiteral("{\"value\": 20}"), QoS::AtLeastOnce, c->nextPacketId());
    publish.properties.setInteger(Properties::TopicAlias, quint32(alias));
    c->send(publish);
    const auto disconnect = c->takeDisconnect();
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(reasonCode));
    QVERIFY(c->waitForClosed());
    QCOMPARE(c->queued(PacketType::Puback), 0);
}

void TestMqttServer::receiveMaximumCountsQoS2AwaitingRelease()
{
    // Spec 4.9: a QoS 2 PUBLISH counts against the server's Receive Maximum (100) until its
    // PUBCOMP; one more than that is answered with DISCONNECT 0x93 (MQTT-3.3.4-7).
    TestClient *c = client();
    const auto connack = c->openAndConnect(m_port, QByteArrayLiteral("qos2-flood"));
    QVERIFY(connack);
    const int receiveMaximum = int(connack->properties.integer(Properties::ReceiveMaximum));
    QCOMPARE(receiveMaximum, 100);
    for (int i = 0; i < receiveMaximum; ++i) {
        const quint16 id = c->nextPacketId();
        c->send(command(QByteArrayLiteral("command/demo/device-1/setTemperature"),
                        QByteArrayLiteral("{\"value\": 20}"), QoS::ExactlyOnce, id));
        const auto pubrec = c->takeAck(PacketType::Pubrec, id);
        QVERIFY(pubrec);
        QCOMPARE(hexCode(pubrec->reasonCode), hexCode(ReasonCode::Success));
    }
    // 100 awaiting PUBREL: the 101st is one too many.
    c->send(command(QByteArrayLiteral("command/demo/device-1/setTemperature"),
                    QByteArrayLiteral("{\"value\": 20}"), QoS::ExactlyOnce, c->nextPacketId()));
    const auto disconnect = c->takeDisconnect(3000);
    QVERIFY2(disconnect,
             qPrintable(QStringLiteral("no DISCONNECT; %1 more PUBREC").arg(c->queued(PacketType::Pubrec))));
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::ReceiveMaximumExceeded));
}

// ------------------------------------------------------------------ sessions

void TestMqttServer::sessionTakeover()
{
    TestClient *first = client();
    const auto firstAck = first->openAndConnect(m_port, QByteArrayLiteral("same-id"), true, 60);
    QVERIFY(firstAck);
    QVERIFY(!firstAck->sessionPresent);
    QVERIFY(first->subscribe(QByteArrayLiteral("app/demo/device-2")));
    QVERIFY(first->takePublish());

    TestClient *second = client();
    const auto secondAck = second->openAndConnect(m_port, QByteArrayLiteral("same-id"), false, 60);
    QVERIFY(secondAck);
    QCOMPARE(hexCode(secondAck->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(secondAck->sessionPresent);

    const auto disconnect = first->takeDisconnect();
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::SessionTakenOver));
    QVERIFY(first->waitForClosed());

    // The session (its subscription) continues on the new connection.
    const auto publish = second->takePublish();
    QVERIFY(publish);
    QCOMPARE(publish->topic, QByteArrayLiteral("app/demo/device-2"));
    QTRY_COMPARE(m_gateway->mqttServer()->connectionCount(), 1);
    QCOMPARE(m_gateway->mqttServer()->sessions().count(), 1);

    // A clean start takes over and discards it.
    TestClient *third = client();
    const auto thirdAck = third->openAndConnect(m_port, QByteArrayLiteral("same-id"), true, 60);
    QVERIFY(thirdAck);
    QVERIFY(!thirdAck->sessionPresent);
    const auto second8e = second->takeDisconnect();
    QVERIFY(second8e);
    QCOMPARE(hexCode(second8e->reasonCode), hexCode(ReasonCode::SessionTakenOver));
    QVERIFY(second->waitForClosed());
    QTest::qWait(300);
    QCOMPARE(third->queued(PacketType::Publish), 0); // no subscription any more
}

void TestMqttServer::sessionTakeoverOfV311Connection()
{
    TestClient *old = client(ProtocolVersion::V311);
    QVERIFY(old->openAndConnect(m_port, QByteArrayLiteral("same-311")));
    TestClient *fresh = client(ProtocolVersion::V311);
    const auto ack = fresh->openAndConnect(m_port, QByteArrayLiteral("same-311"));
    QVERIFY(ack);
    QCOMPARE(hexCode(ack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(!ack->sessionPresent);
    QVERIFY(old->waitForClosed());
    QCOMPARE(old->queued(PacketType::Disconnect), 0); // 3.1.1 has no server DISCONNECT
    fresh->send(PingreqPacket{});
    QVERIFY(fresh->take(PacketType::Pingresp));
}

void TestMqttServer::persistentSessionResumes()
{
    const QByteArray id("persistent");
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, id, true, 300));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-1"), QoS::AtLeastOnce));
    qint64 lastAcked = -1;
    for (int i = 0; i < 5; ++i) {
        const auto publish = c->takePublish();
        QVERIFY(publish);
        const qint64 s = sequenceOf(*publish);
        QVERIFY(lastAcked < 0 || s == lastAcked + 1);
        lastAcked = s;
        c->puback(publish->packetId);
    }
    c->send(DisconnectPacket{});
    QVERIFY(c->waitForClosed());
    const QDateTime left = QDateTime::currentDateTimeUtc();
    QTest::qWait(500); // about 25 events of device-1 while away

    TestClient *resumed = client();
    const QDateTime back = QDateTime::currentDateTimeUtc();
    const auto ack = resumed->openAndConnect(m_port, id, false, 300);
    QVERIFY(ack);
    QCOMPARE(hexCode(ack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(ack->sessionPresent);

    // No SUBSCRIBE: the subscription is part of the session. Events continue right after
    // the last acknowledged one, including those published while away.
    resumed->autoAck = true;
    qint64 expected = lastAcked + 1;
    int whileAway = 0;
    for (int i = 0; i < 30; ++i) {
        const auto publish = resumed->takePublish();
        QVERIFY2(publish, "no event after resuming");
        QCOMPARE(publish->topic, QByteArrayLiteral("app/demo/device-1"));
        QCOMPARE(int(publish->qos), int(QoS::AtLeastOnce));
        QCOMPARE(sequenceOf(*publish), expected);
        ++expected;
        const auto event = eventOf(*publish);
        QVERIFY(event);
        if (event->time > left && event->time < back)
            ++whileAway;
    }
    QVERIFY2(whileAway >= 5, qPrintable(QStringLiteral("only %1 events from while away").arg(whileAway)));
}

void TestMqttServer::persistentSessionV311()
{
    const QByteArray id("persistent-311");
    TestClient *c = client(ProtocolVersion::V311);
    auto ack = c->openAndConnect(m_port, id, false);
    QVERIFY(ack);
    QVERIFY(!ack->sessionPresent);
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-3"), QoS::AtLeastOnce));
    c->autoAck = true;
    QVERIFY(c->takePublish());
    c->close();
    QTest::qWait(200);

    TestClient *again = client(ProtocolVersion::V311);
    ack = again->openAndConnect(m_port, id, false);
    QVERIFY(ack);
    QVERIFY(ack->sessionPresent);
    const auto publish = again->takePublish();
    QVERIFY(publish);
    QCOMPARE(publish->topic, QByteArrayLiteral("app/demo/device-3"));

    // A clean session ends it.
    again->close();
    TestClient *clean = client(ProtocolVersion::V311);
    ack = clean->openAndConnect(m_port, id, true);
    QVERIFY(ack);
    QVERIFY(!ack->sessionPresent);
}

void TestMqttServer::unacknowledgedDeliveriesResentWithDup()
{
    // MQTT-4.4.0-1: on a resumed session the server resends unacknowledged QoS 1 PUBLISH
    // packets with their original packet identifiers; MQTT-3.3.1-1: with DUP set.
    const QByteArray id("resend");
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, id, true, 300, 1)); // one in flight at a time
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-2"), QoS::AtLeastOnce));
    auto publish = c->takePublish();
    QVERIFY(publish);
    c->puback(publish->packetId);
    const auto unacked = c->takePublish();
    QVERIFY(unacked);
    const auto unackedEvent = eventOf(*unacked);
    QVERIFY(unackedEvent);
    c->send(DisconnectPacket{});
    QVERIFY(c->waitForClosed());

    TestClient *resumed = client();
    const auto ack = resumed->openAndConnect(m_port, id, false, 300, 1);
    QVERIFY(ack);
    QVERIFY(ack->sessionPresent);
    const auto again = resumed->takePublish();
    QVERIFY(again);
    const auto againEvent = eventOf(*again);
    QVERIFY(againEvent);
    QCOMPARE(againEvent->id, unackedEvent->id); // the same event first
    QVERIFY2(again->dup && again->packetId == unacked->packetId,
             qPrintable(QStringLiteral("redelivered with packet id %1 (was %2) and DUP %3")
                            .arg(again->packetId)
                            .arg(unacked->packetId)
                            .arg(int(again->dup))));
}

void TestMqttServer::cleanStartKeepsConsumerGroupPosition()
{
    // Clean Start discards the MQTT session (no subscriptions, Session Present 0), but the
    // consumer group <app>.<client id> belongs to the backend and keeps its position, as
    // with Drogue Cloud: subscribing again with the same client id resumes the backlog.
    const QByteArray id("clean-again");
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, id, true, 0));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-1")));
    QVERIFY(c->takePublish());
    c->close();
    QTest::qWait(600); // about 30 events of device-1

    TestClient *fresh = client();
    const auto ack = fresh->openAndConnect(m_port, id, true, 0);
    QVERIFY(ack);
    QVERIFY(!ack->sessionPresent);
    const QDateTime subscribed = QDateTime::currentDateTimeUtc();
    QVERIFY(fresh->subscribe(QByteArrayLiteral("app/demo/device-1")));
    const auto first = fresh->takePublish();
    QVERIFY(first);
    const auto event = eventOf(*first);
    QVERIFY(event);
    QVERIFY2(
        event->time < subscribed.addMSecs(-300),
        qPrintable(QStringLiteral("first event after reconnecting is only %1 ms older than the subscription: "
                                  "the group did not resume its backlog")
                       .arg(event->time.msecsTo(subscribed))));
}

void TestMqttServer::sessionExpires()
{
    const QByteArray id("expiring");
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, id, true, 1));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo")));
    c->send(DisconnectPacket{});
    QVERIFY(c->waitForClosed());
    QVERIFY(m_gateway->mqttServer()->sessions().find(QString::fromUtf8(id)));
    QTRY_VERIFY_WITH_TIMEOUT(!m_gateway->mqttServer()->sessions().find(QString::fromUtf8(id)), 5000);
    TestClient *later = client();
    const auto ack = later->openAndConnect(m_port, id, false, 1);
    QVERIFY(ack);
    QVERIFY(!ack->sessionPresent);
    QTest::qWait(200);
    QCOMPARE(later->queued(PacketType::Publish), 0);
}

void TestMqttServer::sessionExpiryAtDisconnectAfterZeroIsProtocolError()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("expiry-zero"), true, 0));
    DisconnectPacket disconnect;
    disconnect.properties.setInteger(Properties::SessionExpiryInterval, 60);
    c->send(disconnect);
    const auto answer = c->takeDisconnect();
    QVERIFY(answer);
    QCOMPARE(hexCode(answer->reasonCode), hexCode(ReasonCode::ProtocolError));
    QVERIFY(c->waitForClosed());
}

void TestMqttServer::resubscribeChangesOptions()
{
    TestClient *c = client();
    QVERIFY(c->openAndConnect(m_port, QByteArrayLiteral("resubscribe")));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo/device-1")));
    auto publish = c->takePublish();
    QVERIFY(publish);
    QCOMPARE(int(publish->qos), int(QoS::AtMostOnce));
    const auto suback = c->subscribe(QByteArrayLiteral("app/demo/device-1"), QoS::AtLeastOnce);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes, QList<ReasonCode>{ReasonCode::GrantedQoS1});
    QTest::qWait(100);
    c->takeAllPublishes();
    publish = c->takePublish();
    QVERIFY(publish);
    QCOMPARE(int(publish->qos), int(QoS::AtLeastOnce));
    const qint64 s = sequenceOf(*publish);
    c->puback(publish->packetId);
    // Still one subscription: each event once.
    publish = c->takePublish();
    QVERIFY(publish);
    QCOMPARE(sequenceOf(*publish), s + 1);
}

void TestMqttServer::willOnConnectionLoss()
{
    TestClient *watcher = client();
    QVERIFY(watcher->openAndConnect(m_port, QByteArrayLiteral("watcher")));
    QVERIFY(watcher->subscribe(QByteArrayLiteral("app/demo/device-2")));

    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("with-will");
    connect.will = Will{QByteArrayLiteral("command/demo/device-2/setTemperature"),
                        QByteArrayLiteral("{\"value\": 55.5}"),
                        QoS::AtLeastOnce,
                        false,
                        {}};
    const auto ack = c->connectMqtt(connect);
    QVERIFY(ack);
    QCOMPARE(hexCode(ack->reasonCode), hexCode(ReasonCode::Success));
    c->close(); // no DISCONNECT: the will goes out
    QVERIFY(watcher->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 55.5); }));
}

void TestMqttServer::normalDisconnectDiscardsWill()
{
    TestClient *watcher = client();
    QVERIFY(watcher->openAndConnect(m_port, QByteArrayLiteral("watcher")));
    QVERIFY(watcher->subscribe(QByteArrayLiteral("app/demo/device-2")));

    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("polite");
    connect.will = Will{QByteArrayLiteral("command/demo/device-2/setTemperature"),
                        QByteArrayLiteral("{\"value\": 56.5}"),
                        QoS::AtLeastOnce,
                        false,
                        {}};
    QVERIFY(c->connectMqtt(connect));
    c->send(DisconnectPacket{});
    QVERIFY(c->waitForClosed());
    QVERIFY(
        !watcher->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 56.5); }, 1000));
}

void TestMqttServer::disconnectWithWillSendsIt()
{
    TestClient *watcher = client();
    QVERIFY(watcher->openAndConnect(m_port, QByteArrayLiteral("watcher")));
    QVERIFY(watcher->subscribe(QByteArrayLiteral("app/demo/device-2")));

    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("leaving-with-will");
    connect.will = Will{QByteArrayLiteral("command/demo/device-2/setTemperature"),
                        QByteArrayLiteral("{\"value\": 57.5}"),
                        QoS::AtLeastOnce,
                        false,
                        {}};
    QVERIFY(c->connectMqtt(connect));
    c->send(DisconnectPacket{ReasonCode::DisconnectWithWill, {}});
    QVERIFY(c->waitForClosed());
    QVERIFY(watcher->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 57.5); }));
}

void TestMqttServer::delayedWillNotSentOnTakeover()
{
    // MQTT-3.1.2-8 / MQTT-3.1.3-9: a will with a delay is not published when a new
    // connection continues the session before the delay has passed (a takeover does).
    TestClient *watcher = client();
    QVERIFY(watcher->openAndConnect(m_port, QByteArrayLiteral("watcher")));
    QVERIFY(watcher->subscribe(QByteArrayLiteral("app/demo/device-2")));

    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("delayed-will");
    connect.cleanStart = true;
    connect.properties.setInteger(Properties::SessionExpiryInterval, 60);
    Will will{QByteArrayLiteral("command/demo/device-2/setTemperature"),
              QByteArrayLiteral("{\"value\": 66.5}"),
              QoS::AtLeastOnce,
              false,
              {}};
    will.properties.setInteger(Properties::WillDelayInterval, 30);
    connect.will = will;
    QVERIFY(c->connectMqtt(connect));

    TestClient *next = client();
    const auto ack = next->openAndConnect(m_port, QByteArrayLiteral("delayed-will"), false, 60);
    QVERIFY(ack);
    QVERIFY(ack->sessionPresent);
    const auto disconnect = c->takeDisconnect();
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::SessionTakenOver));
    QVERIFY2(
        !watcher->waitForPublish([](const PublishPacket &p) { return hasTargetTemperature(p, 66.5); }, 1000),
        "the delayed will was published on takeover");
}

void TestMqttServer::clientMaximumPacketSizeRespected()
{
    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("tiny");
    connect.properties.setInteger(Properties::MaximumPacketSize, 200); // events are larger
    QVERIFY(c->connectMqtt(connect));
    // A big SUBACK reason string is dropped rather than the SUBACK.
    QList<SubscriptionRequest> requests;
    const QList<QByteArray> filters{"app/demo",
                                    "#",
                                    "+/x",
                                    "app/no-such-application-1",
                                    "app/no-such-application-2",
                                    "app/no-such-application-3"};
    for (const QByteArray &filter : filters) {
        SubscriptionRequest r;
        r.filter = filter;
        requests.append(r);
    }
    const auto suback = c->subscribe(requests);
    QVERIFY(suback);
    QCOMPARE(suback->reasonCodes.size(), 6);
    QCOMPARE(suback->reasonCodes.first(), ReasonCode::Success);
    QVERIFY(!suback->properties.has(Properties::ReasonString)); // it would make the SUBACK over 200 bytes
    QTest::qWait(400);
    QCOMPARE(c->queued(PacketType::Publish), 0); // skipped, not sent oversized
    c->send(PingreqPacket{});
    QVERIFY(c->take(PacketType::Pingresp));
    QVERIFY(c->isConnected());
}

void TestMqttServer::keepAliveTimeout()
{
    TestClient *c = client();
    QVERIFY(c->open(m_port));
    ConnectPacket connect;
    connect.clientId = QByteArrayLiteral("sleepy");
    connect.keepAlive = 1;
    QVERIFY(c->connectMqtt(connect));
    QElapsedTimer timer;
    timer.start();
    // Silent for 1.5 keep-alive periods: DISCONNECT 0x8D, then closed.
    QVERIFY(c->waitForClosed(5000));
    QVERIFY2(timer.elapsed() >= 1400, qPrintable(QString::number(timer.elapsed())));
    const auto disconnect = c->takeDisconnect(0);
    QVERIFY2(disconnect, "closed without DISCONNECT 0x8D");
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::KeepAliveTimeout));
}

// ------------------------------------------------------------------ protocol violations and shutdown

void TestMqttServer::malformedInput_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<ReasonCode>("reasonCode");

    const QByteArray cmd = mqttString("command/demo/device-1/setTemperature");
    QTest::newRow("PUBLISH QoS 3") << frame(0x36, cmd + QByteArray("\x00\x01\x00", 3) + "{}")
                                   << ReasonCode::MalformedPacket;
    QTest::newRow("SUBSCRIBE reserved flags")
        << frame(0x80, QByteArray("\x00\x01\x00", 3) + mqttString("app/demo") + QByteArray(1, '\0'))
        << ReasonCode::MalformedPacket;
    QTest::newRow("remaining length of 5 bytes")
        << QByteArray("\x30\xff\xff\xff\xff\x01") << ReasonCode::MalformedPacket;
    QTest::newRow("packet type 0") << QByteArray("\x00\x00", 2) << ReasonCode::MalformedPacket;
    QTest::newRow("topic not UTF-8") << frame(0x30, mqttString("\xff\xfe") + QByteArray(1, '\0'))
                                     << ReasonCode::MalformedPacket;
    QTest::newRow("over maximum packet size") << QByteArray("\x30\x80\x80\x80\x01") // 2 MiB announced
                                              << ReasonCode::PacketTooLarge;
    QTest::newRow("wildcard in topic")
        << frame(0x30, mqttString("command/demo/+/x") + QByteArray(1, '\0')) << ReasonCode::TopicNameInvalid;
    QTest::newRow("duplicate property")
        << frame(0x30, cmd + QByteArray("\x04\x01\x00\x01\x00", 5)) << ReasonCode::ProtocolError;
    QTest::newRow("SUBSCRIBE without filters")
        << frame(0x82, QByteArray("\x00\x01\x00", 3)) << ReasonCode::ProtocolError;
    QTest::newRow("PUBREC from client") << QByteArray("\x50\x02\x00\x01", 4) << ReasonCode::ProtocolError;
    QTest::newRow("second CONNECT") << PacketEncoder::encode(ConnectPacket{}, ProtocolVersion::V5)
                                    << ReasonCode::ProtocolError;
    QTest::newRow("AUTH") << QByteArray("\xf0\x00", 2) << ReasonCode::ProtocolError;
    QTest::newRow("QoS 0 PUBLISH to an event topic")
        << PacketEncoder::encode(PublishPacket{QByteArrayLiteral("app/demo"),
                                               QByteArrayLiteral("x"),
                                               QoS::AtMostOnce,
                                               false,
                                               false,
                                               0,
                                               {}},
                                 ProtocolVersion::V5)
        << ReasonCode::TopicNameInvalid;
    QTest::newRow("retained command")
        << PacketEncoder::encode(PublishPacket{QByteArrayLiteral("command/demo/device-1/x"),
                                               QByteArrayLiteral("{}"),
                                               QoS::AtMostOnce,
                                               true,
                                               false,
                                               0,
                                               {}},
                                 ProtocolVersion::V5)
        << ReasonCode::RetainNotSupported;
}

void TestMqttServer::malformedInput()
{
    QFETCH(QByteArray, bytes);
    QFETCH(ReasonCode, reasonCode);

    TestClient *bystander = client();
    QVERIFY(bystander->openAndConnect(m_port, QByteArrayLiteral("bystander")));
    QVERIFY(bystander->subscribe(QByteArrayLiteral("app/demo")));
    QVERIFY(bystander->takePublish());

    TestClient *bad = client();
    QVERIFY(bad->openAndConnect(m_port, QByteArrayLiteral("bad")));
    bad->sendRaw(bytes);
    const auto disconnect = bad->takeDisconnect();
    QVERIFY2(disconnect, "no DISCONNECT");
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(reasonCode));
    QVERIFY(!disconnect->properties.reasonString().isEmpty());
    QVERIFY(bad->waitForClosed());
    QTRY_COMPARE(m_gateway->mqttServer()->connectionCount(), 1);

    // The other connection is unaffected.
    bystander->takeAllPublishes();
    QVERIFY(bystander->takePublish());
    bystander->send(PingreqPacket{});
    QVERIFY(bystander->take(PacketType::Pingresp));
    QVERIFY(bystander->isConnected());
}

void TestMqttServer::shutdownDisconnectsClients()
{
    TestClient *v5 = client();
    QVERIFY(v5->openAndConnect(m_port, QByteArrayLiteral("shut-5")));
    QVERIFY(v5->subscribe(QByteArrayLiteral("app/demo")));
    QVERIFY(v5->takePublish());
    TestClient *v3 = client(ProtocolVersion::V311);
    QVERIFY(v3->openAndConnect(m_port, QByteArrayLiteral("shut-3")));
    QTRY_COMPARE(m_gateway->mqttServer()->connectionCount(), 2);

    QSignalSpy stopped(m_gateway.get(), &Gateway::stopped);
    m_gateway->shutdown();
    const auto disconnect = v5->takeDisconnect();
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::ServerShuttingDown));
    QVERIFY(v5->waitForClosed());
    QVERIFY(v3->waitForClosed());
    QCOMPARE(v3->queued(PacketType::Disconnect), 0);
    QTRY_COMPARE(stopped.count(), 1);
    QCOMPARE(m_gateway->mqttServer()->connectionCount(), 0);

    // The listener is closed.
    TestClient *late = client();
    QVERIFY(!late->open(m_port, 2000));
}

QTEST_GUILESS_MAIN(TestMqttServer)
#include "tst_mqttserver.moc"
