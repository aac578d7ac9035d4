// MqttClient against a scripted server built on the codec (FakeServer), for what a real
// server does not do on demand: resends into a resumed session, refusals worth a retry,
// manual and duplicate acknowledgements, malformed input, unanswered pings. Over TCP and
// the in-process link, MQTT 3.1.1 and 5 (initTestCase_data).
#include "clienttestutil.h"

#include <QLoggingCategory>
#include <QSignalSpy>

using namespace drover;
using namespace drover::mqtt;
using namespace drover::test;
using client::ClientOptions;
using client::MqttClient;
using client::PublishOutcome;

class TestClientProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase_data();
    void init();
    void cleanup();

    void retryableRefusalIsRetried();
    void connectTimeout();
    void requestsMadeWhileConnectingGoOutAfterConnack();
    void resendsUnacknowledgedWithDup();
    void resendsPubrelForQoS2();
    void lostWithoutSession();
    void disconnectFailsWhatIsPending();
    void deletedFromItsOwnSignal();
    void manualAcknowledgementInOrder();
    void duplicateQoS2NotDeliveredTwice();
    void malformedFromServer();
    void unansweredPingEndsConnection();

private:
    MqttClient *client(ClientOptions options, MqttClient::TransportFactory factory);
    Result<PublishOutcome> publish(MqttClient *c, const PublishPacket &packet);
    FakeServer *fakeServer();
    bool v5() const { return m_version == ProtocolVersion::V5; }

    ProtocolVersion m_version = ProtocolVersion::V5;
    bool m_tcp = true;
    std::vector<std::unique_ptr<MqttClient>> m_clients;
    std::vector<std::unique_ptr<FakeServer>> m_fakes;
};

void TestClientProtocol::initTestCase_data()
{
    addTransportAndVersionRows();
}

void TestClientProtocol::init()
{
    QFETCH_GLOBAL(bool, tcp);
    QFETCH_GLOBAL(int, version);
    m_tcp = tcp;
    m_version = ProtocolVersion(version);
}

void TestClientProtocol::cleanup()
{
    m_clients.clear();
    m_fakes.clear();
}

MqttClient *TestClientProtocol::client(ClientOptions options, MqttClient::TransportFactory factory)
{
    options.version = m_version;
    auto c = std::make_unique<MqttClient>();
    c->setOptions(options);
    c->setTransportFactory(std::move(factory));
    m_clients.push_back(std::move(c));
    return m_clients.back().get();
}

Result<PublishOutcome> TestClientProtocol::publish(MqttClient *c, const PublishPacket &packet)
{
    auto result = makeResult<PublishOutcome>();
    c->publish(packet, this, [result](const PublishOutcome &outcome) { *result = outcome; });
    (void)QTest::qWaitFor([result] { return result->has_value(); }, Wait); // callers check the result
    return result;
}

FakeServer *TestClientProtocol::fakeServer()
{
    m_fakes.push_back(std::make_unique<FakeServer>(m_version, m_tcp));
    return m_fakes.back().get();
}

void TestClientProtocol::retryableRefusalIsRetried()
{
    FakeServer *fake = fakeServer();
    ClientOptions options;
    options.autoReconnect = true;
    options.reconnectMinMs = 20;
    MqttClient *c = client(options, fake->factory());
    QList<ReasonCode> codes;
    connect(c, &MqttClient::connectionFailed, this,
            [&](const QString &, ReasonCode code) { codes.append(code); });
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::ServerUnavailable, {}});
    QTRY_COMPARE(codes.size(), 1);
    QCOMPARE(hexCode(codes.first()), hexCode(ReasonCode::ServerUnavailable));
    QCOMPARE(c->state(), MqttClient::State::Connecting); // "try later" is worth a retry
    QTRY_COMPARE(fake->connections, 2);
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);
}

void TestClientProtocol::connectTimeout()
{
    FakeServer *fake = fakeServer();
    ClientOptions options;
    options.connectTimeoutMs = 300;
    MqttClient *c = client(options, fake->factory());
    QStringList reasons;
    connect(c, &MqttClient::connectionFailed, this, [&](const QString &reason) { reasons.append(reason); });
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect)); // and no CONNACK
    QTRY_COMPARE(reasons.size(), 1);
    QVERIFY2(reasons.first().contains(QStringLiteral("no CONNACK within 300 ms")),
             qPrintable(reasons.first()));
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
    QTRY_VERIFY(!fake->isOpen());
}

void TestClientProtocol::requestsMadeWhileConnectingGoOutAfterConnack()
{
    FakeServer *fake = fakeServer();
    MqttClient *c = client({}, fake->factory());
    c->connectToServer();
    auto published = makeResult<PublishOutcome>();
    c->publish(message("command/a/b/c", "early", QoS::AtLeastOnce), this,
               [published](const PublishOutcome &o) { *published = o; });
    auto subscribed = makeResult<SubackPacket>();
    c->subscribe({SubscriptionRequest{"app/a", QoS::AtLeastOnce, false, false, 0}}, {}, this,
                 [subscribed](const SubackPacket &p) { *subscribed = p; });
    const auto qos0 = publish(c, message("command/a/b/c", "dropped", QoS::AtMostOnce));
    QVERIFY(qos0->has_value() && !(*qos0)->delivered); // QoS 0 does not wait

    QVERIFY(fake->take(PacketType::Connect));
    QCOMPARE(fake->count(PacketType::Subscribe) + fake->count(PacketType::Publish), 0);
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    const auto subscribe = fake->takeAs<SubscribePacket>(PacketType::Subscribe);
    QVERIFY(subscribe);
    QCOMPARE(subscribe->subscriptions.first().filter, QByteArray("app/a"));
    const auto publishPacket = fake->takeAs<PublishPacket>(PacketType::Publish);
    QVERIFY(publishPacket);
    QCOMPARE(publishPacket->payload, QByteArray("early"));
    fake->send(SubackPacket{subscribe->packetId, {ReasonCode::GrantedQoS1}, {}});
    fake->send(PubAckPacket{PacketType::Puback, publishPacket->packetId, ReasonCode::Success, {}});
    QTRY_VERIFY(published->has_value() && subscribed->has_value());
    QVERIFY((*published)->delivered);
    QCOMPARE((*subscribed)->reasonCodes, QList<ReasonCode>{ReasonCode::GrantedQoS1});
}

void TestClientProtocol::resendsUnacknowledgedWithDup()
{
    FakeServer *fake = fakeServer();
    ClientOptions options;
    options.clientId = "resender";
    options.autoReconnect = true;
    options.reconnectMinMs = 20;
    if (v5())
        options.sessionExpirySeconds = 60;
    else
        options.cleanStart = false;
    MqttClient *c = client(options, fake->factory());
    c->connectToServer();
    const auto connect1 = fake->takeAs<ConnectPacket>(PacketType::Connect);
    QVERIFY(connect1);
    QCOMPARE(connect1->cleanStart, v5()); // v5 starts clean and keeps the session for 60 s
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);

    auto outcome = makeResult<PublishOutcome>();
    c->publish(message("command/a/b/c", "once", QoS::AtLeastOnce), this,
               [outcome](const PublishOutcome &o) { *outcome = o; });
    const auto first = fake->takeAs<PublishPacket>(PacketType::Publish);
    QVERIFY(first);
    QVERIFY(!first->dup);
    fake->drop(); // before the PUBACK

    const auto connect2 = fake->takeAs<ConnectPacket>(PacketType::Connect);
    QVERIFY(connect2);
    QCOMPARE(fake->connections, 2);
    QVERIFY(!connect2->cleanStart); // asks to resume
    QCOMPARE(connect2->clientId, QByteArray("resender"));
    fake->send(ConnackPacket{true, ReasonCode::Success, {}});
    const auto again = fake->takeAs<PublishPacket>(PacketType::Publish);
    QVERIFY(again);
    QVERIFY(again->dup); // MQTT-4.4.0-1: same packet id, DUP set
    QCOMPARE(again->packetId, first->packetId);
    QCOMPARE(again->payload, QByteArray("once"));
    QVERIFY(!outcome->has_value());
    fake->send(PubAckPacket{PacketType::Puback, again->packetId, ReasonCode::Success, {}});
    QTRY_VERIFY(outcome->has_value());
    QVERIFY((*outcome)->delivered);
}

void TestClientProtocol::resendsPubrelForQoS2()
{
    FakeServer *fake = fakeServer();
    ClientOptions options;
    options.clientId = "exactly";
    options.autoReconnect = true;
    options.reconnectMinMs = 20;
    options.sessionExpirySeconds = 60;
    options.cleanStart = v5();
    MqttClient *c = client(options, fake->factory());
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);

    auto outcome = makeResult<PublishOutcome>();
    c->publish(message("command/a/b/c", "exactly once", QoS::ExactlyOnce), this,
               [outcome](const PublishOutcome &o) { *outcome = o; });
    const auto publishPacket = fake->takeAs<PublishPacket>(PacketType::Publish);
    QVERIFY(publishPacket);
    const quint16 id = publishPacket->packetId;
    fake->send(PubAckPacket{PacketType::Pubrec, id, ReasonCode::Success, {}});
    QVERIFY(fake->take(PacketType::Pubrel, Wait, id));
    fake->drop(); // before the PUBCOMP

    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{true, ReasonCode::Success, {}});
    QVERIFY(fake->take(PacketType::Pubrel, Wait, id)); // MQTT-4.3.3-3: PUBREL, not the PUBLISH
    QCOMPARE(fake->count(PacketType::Publish), 0);
    QVERIFY(!outcome->has_value());
    fake->send(PubAckPacket{PacketType::Pubcomp, id, ReasonCode::Success, {}});
    QTRY_VERIFY(outcome->has_value());
    QVERIFY((*outcome)->delivered);
    QCOMPARE(c->inflightCount(), 0);
}

void TestClientProtocol::lostWithoutSession()
{
    {
        // Reconnected, but the server has no session: the message is reported lost.
        FakeServer *fake = fakeServer();
        ClientOptions options;
        options.clientId = "unlucky";
        options.autoReconnect = true;
        options.reconnectMinMs = 20;
        options.sessionExpirySeconds = 60;
        options.cleanStart = v5();
        MqttClient *c = client(options, fake->factory());
        c->connectToServer();
        QVERIFY(fake->take(PacketType::Connect));
        fake->send(ConnackPacket{false, ReasonCode::Success, {}});
        QTRY_COMPARE(c->state(), MqttClient::State::Connected);
        const auto outcome = makeResult<PublishOutcome>();
        c->publish(message("command/a/b/c", "x", QoS::AtLeastOnce), this,
                   [outcome](const PublishOutcome &o) { *outcome = o; });
        QVERIFY(fake->take(PacketType::Publish));
        fake->drop();
        QVERIFY(fake->take(PacketType::Connect));
        fake->send(ConnackPacket{false, ReasonCode::Success, {}});
        QTRY_VERIFY(outcome->has_value());
        QVERIFY(!(*outcome)->delivered);
        QVERIFY2((*outcome)->reasonString.contains(QStringLiteral("did not resume")),
                 qPrintable((*outcome)->reasonString));
        QCOMPARE(fake->count(PacketType::Publish), 0);
    }
    {
        // No reconnect: it fails with the connection.
        FakeServer *fake = fakeServer();
        MqttClient *c = client({}, fake->factory());
        c->connectToServer();
        QVERIFY(fake->take(PacketType::Connect));
        fake->send(ConnackPacket{false, ReasonCode::Success, {}});
        QTRY_COMPARE(c->state(), MqttClient::State::Connected);
        const auto outcome = makeResult<PublishOutcome>();
        c->publish(message("command/a/b/c", "x", QoS::ExactlyOnce), this,
                   [outcome](const PublishOutcome &o) { *outcome = o; });
        QVERIFY(fake->take(PacketType::Publish));
        fake->drop();
        QTRY_VERIFY(outcome->has_value());
        QVERIFY(!(*outcome)->delivered);
        QVERIFY2((*outcome)->reasonString.startsWith(QStringLiteral("connection lost")),
                 qPrintable((*outcome)->reasonString));
        QCOMPARE(c->state(), MqttClient::State::Disconnected);
    }
}

void TestClientProtocol::disconnectFailsWhatIsPending()
{
    FakeServer *fake = fakeServer();
    ClientOptions options;
    options.autoReconnect = true; // but the client said goodbye: no reconnect
    options.sessionExpirySeconds = 60;
    options.cleanStart = v5();
    options.clientId = "leaving";
    MqttClient *c = client(options, fake->factory());
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);
    const auto outcome = makeResult<PublishOutcome>();
    c->publish(message("command/a/b/c", "x", QoS::AtLeastOnce), this,
               [outcome](const PublishOutcome &o) { *outcome = o; });
    auto suback = makeResult<SubackPacket>();
    c->subscribe({SubscriptionRequest{"app/a", QoS::AtLeastOnce, false, false, 0}}, {}, this,
                 [suback](const SubackPacket &p) { *suback = p; });
    QVERIFY(fake->take(PacketType::Publish));
    QVERIFY(fake->take(PacketType::Subscribe));
    c->disconnectFromServer();
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
    QVERIFY(fake->take(PacketType::Disconnect)); // sent before the close
    QTRY_VERIFY(outcome->has_value() && suback->has_value());
    QVERIFY(!(*outcome)->delivered);
    QCOMPARE((*outcome)->reasonString, QStringLiteral("disconnected by the client"));
    QCOMPARE((*suback)->packetId, 0);
    QCOMPARE((*suback)->reasonCodes, QList<ReasonCode>{ReasonCode::UnspecifiedError});
    QTRY_VERIFY(!fake->isOpen());
    QVERIFY(!QTest::qWaitFor([fake] { return fake->connections > 1; }, 200));
}

void TestClientProtocol::deletedFromItsOwnSignal()
{
    // User code may delete the client while it handles a packet; the rest of what arrived
    // in the same read is not touched (ASan would see it).
    FakeServer *fake = fakeServer();
    auto *c = new MqttClient;
    ClientOptions options;
    options.version = m_version;
    c->setOptions(options);
    c->setTransportFactory(fake->factory());
    QPointer<MqttClient> guard(c);
    int received = 0;
    connect(c, &MqttClient::messageReceived, this, [&] {
        ++received;
        delete c;
    });
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    QByteArray burst = PacketEncoder::encode(ConnackPacket{false, ReasonCode::Success, {}}, m_version);
    for (int i = 0; i < 3; ++i)
        burst += PacketEncoder::encode(message("command/inbox//x", "x", QoS::AtMostOnce), m_version);
    fake->sendRaw(burst);
    QTRY_VERIFY(!guard);
    QCOMPARE(received, 1);
    QTRY_VERIFY(!fake->isOpen()); // the DISCONNECT of the destructor, or the close

    // From a signal its own timer caused (the connect timeout).
    auto *timedOut = new MqttClient;
    options.connectTimeoutMs = 100;
    timedOut->setOptions(options);
    timedOut->setTransportFactory(fake->factory());
    QPointer<MqttClient> timedOutGuard(timedOut);
    connect(timedOut, &MqttClient::connectionFailed, this, [timedOut] { delete timedOut; });
    timedOut->connectToServer();
    QTRY_VERIFY(!timedOutGuard);
}

void TestClientProtocol::manualAcknowledgementInOrder()
{
    FakeServer *fake = fakeServer();
    MqttClient *c = client({}, fake->factory());
    c->setManualAcknowledgement(true);
    QList<PublishPacket> received;
    connect(c, &MqttClient::messageReceived, this, [&](const PublishPacket &p) { received.append(p); });
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);

    PublishPacket a = message("command/inbox//set", "not a number", QoS::AtLeastOnce);
    a.packetId = 7;
    PublishPacket b = message("command/inbox//set", "21", QoS::AtLeastOnce);
    b.packetId = 8;
    fake->send(a);
    fake->send(b);
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).packetId, 7);

    c->acknowledge(8);
    // MQTT-4.6.0-2: the PUBACK for 8 waits for the one for 7.
    QVERIFY(!fake->take(PacketType::Puback, 300));
    c->acknowledge(99); // nothing waits with that id: ignored
    c->acknowledge(7, ReasonCode::PayloadFormatInvalid, QStringLiteral("value is not a number"));
    const auto first = fake->takeAs<PubAckPacket>(PacketType::Puback);
    const auto second = fake->takeAs<PubAckPacket>(PacketType::Puback);
    QVERIFY(first && second);
    QCOMPARE(first->packetId, 7);
    QCOMPARE(second->packetId, 8);
    if (v5()) {
        QCOMPARE(hexCode(first->reasonCode), hexCode(ReasonCode::PayloadFormatInvalid));
        QCOMPARE(first->properties.reasonString(), QByteArray("value is not a number"));
    } else {
        QCOMPARE(hexCode(first->reasonCode), hexCode(ReasonCode::Success)); // 3.1.1 can't refuse
    }
    QCOMPARE(hexCode(second->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(fake->errors.isEmpty());
}

void TestClientProtocol::duplicateQoS2NotDeliveredTwice()
{
    FakeServer *fake = fakeServer();
    MqttClient *c = client({}, fake->factory());
    int received = 0;
    connect(c, &MqttClient::messageReceived, this, [&] { ++received; });
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);

    PublishPacket p = message("command/inbox//once", "x", QoS::ExactlyOnce);
    p.packetId = 9;
    fake->send(p);
    QVERIFY(fake->take(PacketType::Pubrec, Wait, 9));
    QCOMPARE(received, 1);
    p.dup = true; // the server did not get our PUBREC, say
    fake->send(p);
    QVERIFY(fake->take(PacketType::Pubrec, Wait, 9));
    QCOMPARE(received, 1);
    fake->send(PubAckPacket{PacketType::Pubrel, 9, ReasonCode::Success, {}});
    const auto pubcomp = fake->takeAs<PubAckPacket>(PacketType::Pubcomp, Wait, 9);
    QVERIFY(pubcomp);
    QCOMPARE(hexCode(pubcomp->reasonCode), hexCode(ReasonCode::Success));
    // Released: the same id is a new message now.
    p.dup = false;
    fake->send(p);
    QVERIFY(fake->take(PacketType::Pubrec, Wait, 9));
    QCOMPARE(received, 2);

    fake->send(PubAckPacket{PacketType::Pubrel, 10, ReasonCode::Success, {}});
    const auto unknown = fake->takeAs<PubAckPacket>(PacketType::Pubcomp, Wait, 10);
    QVERIFY(unknown);
    if (v5())
        QCOMPARE(hexCode(unknown->reasonCode), hexCode(ReasonCode::PacketIdentifierNotFound));
}

void TestClientProtocol::malformedFromServer()
{
    FakeServer *fake = fakeServer();
    MqttClient *c = client({}, fake->factory());
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);

    fake->sendRaw(QByteArray("\x36\x03\x00\x01\x61", 5)); // PUBLISH with QoS 3
    QTRY_COMPARE(disconnected.count(), 1);
    QVERIFY2(disconnected.at(0).at(0).toString().contains(QStringLiteral("Malformed Packet")),
             qPrintable(disconnected.at(0).at(0).toString()));
    QCOMPARE(c->state(), MqttClient::State::Disconnected);
    if (v5()) {
        const auto disconnect = fake->takeAs<DisconnectPacket>(PacketType::Disconnect);
        QVERIFY(disconnect);
        QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::MalformedPacket));
        QVERIFY(!disconnect->properties.reasonString().isEmpty());
    }
    QTRY_VERIFY(!fake->isOpen());
    QCOMPARE(fake->count(PacketType::Disconnect), 0); // 3.1.1: just closed
}

void TestClientProtocol::unansweredPingEndsConnection()
{
    FakeServer *fake = fakeServer();
    ClientOptions options;
    options.keepAliveSeconds = 1;
    MqttClient *c = client(options, fake->factory());
    QSignalSpy disconnected(c, &MqttClient::disconnected);
    c->connectToServer();
    QVERIFY(fake->take(PacketType::Connect));
    fake->send(ConnackPacket{false, ReasonCode::Success, {}});
    QTRY_COMPARE(c->state(), MqttClient::State::Connected);
    QVERIFY(fake->take(PacketType::Pingreq, 2000)); // within the keep alive period (and jitter)
    fake->send(PingrespPacket{});
    QVERIFY(fake->take(PacketType::Pingreq, 2000)); // and again; this one stays unanswered
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.count(), 1, 2500);
    QVERIFY2(disconnected.at(0).at(0).toString().contains(QStringLiteral("no answer to PINGREQ")),
             qPrintable(disconnected.at(0).at(0).toString()));
    QTRY_VERIFY(!fake->isOpen());
}

QTEST_GUILESS_MAIN(TestClientProtocol)
#include "tst_clientprotocol.moc"
