// Round trips of every packet type through encode → FrameReader → decode for MQTT 3.1.1
// and 5, incremental decoding of packet streams, golden bytes from the spec and the
// PUBLISH hot path.
#include "mqtttestutil.h"

#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QtTest>

using namespace drover::mqtt;
using namespace drover::mqtt::test;

namespace {

Properties userProps(std::initializer_list<std::pair<const char *, const char *>> list)
{
    Properties p;
    for (const auto &[name, value] : list)
        p.addUserProperty(QByteArray(name), QByteArray(value));
    return p;
}

struct Sample {
    const char *name;
    Packet packet;
    bool v5Only = false;
};

QList<Sample> samples()
{
    QList<Sample> list;

    ConnectPacket minimal;
    minimal.clientId = "c1";
    list.append({"CONNECT minimal", minimal});

    ConnectPacket anonymous;
    anonymous.clientId = "";
    anonymous.cleanStart = false;
    anonymous.keepAlive = 0;
    list.append({"CONNECT empty client id, keep alive off", anonymous});

    ConnectPacket full;
    full.clientId = QByteArrayLiteral("sensor-\xc3\xa4-42");
    full.cleanStart = false;
    full.keepAlive = 65535;
    full.username = "user";
    full.password = QByteArray("\x00\xff pw", 5);
    full.properties.setInteger(Properties::SessionExpiryInterval, 0xFFFFFFFF);
    full.properties.setInteger(Properties::ReceiveMaximum, 20);
    full.properties.setInteger(Properties::MaximumPacketSize, 1 << 20);
    full.properties.setInteger(Properties::TopicAliasMaximum, 0);
    full.properties.setInteger(Properties::RequestResponseInformation, 1);
    full.properties.setInteger(Properties::RequestProblemInformation, 0);
    full.properties.setBytes(Properties::AuthenticationMethod, "SCRAM-SHA-1");
    full.properties.setBytes(Properties::AuthenticationData, QByteArray("\x01\x00\x02", 3));
    full.properties.addUserProperty("k", "v1");
    full.properties.addUserProperty("k", "v2");
    Will will;
    will.topic = "devices/42/status";
    will.payload = "offline";
    will.qos = QoS::AtLeastOnce;
    will.retain = true;
    will.properties.setInteger(Properties::PayloadFormatIndicator, 1);
    will.properties.setInteger(Properties::MessageExpiryInterval, 3600);
    will.properties.setInteger(Properties::WillDelayInterval, 5);
    will.properties.setBytes(Properties::ContentType, "text/plain");
    will.properties.setBytes(Properties::ResponseTopic, "devices/42/reply");
    will.properties.setBytes(Properties::CorrelationData, QByteArray("\x00\x01", 2));
    will.properties.addUserProperty("why", "lost");
    full.will = will;
    list.append({"CONNECT with everything", full});

    ConnectPacket willQos2;
    willQos2.clientId = "w";
    willQos2.will = Will{"a/b", QByteArray(), QoS::ExactlyOnce, false, {}};
    willQos2.username = QByteArray(); // present but empty
    list.append({"CONNECT will QoS 2, empty will payload, empty user name", willQos2});

    ConnectPacket passwordOnly;
    passwordOnly.clientId = "p";
    passwordOnly.password = "secret";
    list.append({"CONNECT password without user name", passwordOnly, true}); // MQTT-3.1.2-22 in 3.1.1

    list.append({"CONNACK accepted, session present", ConnackPacket{true, ReasonCode::Success, {}}});
    ConnackPacket connackProps;
    connackProps.properties.setInteger(Properties::SessionExpiryInterval, 120);
    connackProps.properties.setBytes(Properties::AssignedClientIdentifier, "auto-1");
    connackProps.properties.setInteger(Properties::ServerKeepAlive, 30);
    connackProps.properties.setBytes(Properties::AuthenticationMethod, "m");
    connackProps.properties.setBytes(Properties::AuthenticationData, "d");
    connackProps.properties.setBytes(Properties::ResponseInformation, "resp/");
    connackProps.properties.setBytes(Properties::ServerReference, "other:1883");
    connackProps.properties.setBytes(Properties::ReasonString, "welcome");
    connackProps.properties.setInteger(Properties::ReceiveMaximum, 65535);
    connackProps.properties.setInteger(Properties::TopicAliasMaximum, 10);
    connackProps.properties.setInteger(Properties::MaximumQoS, 1);
    connackProps.properties.setInteger(Properties::RetainAvailable, 0);
    connackProps.properties.setInteger(Properties::MaximumPacketSize, 268435460);
    connackProps.properties.setInteger(Properties::WildcardSubscriptionAvailable, 1);
    connackProps.properties.setInteger(Properties::SubscriptionIdentifierAvailable, 0);
    connackProps.properties.setInteger(Properties::SharedSubscriptionAvailable, 1);
    connackProps.properties.addUserProperty("a", "b");
    list.append({"CONNACK with every CONNACK property", connackProps});
    list.append(
        {"CONNACK bad authentication method", ConnackPacket{false, ReasonCode::BadAuthenticationMethod, {}}});
    list.append({"CONNACK server busy", ConnackPacket{false, ReasonCode::ServerBusy, {}}});
    list.append(
        {"CONNACK unsupported version", ConnackPacket{false, ReasonCode::UnsupportedProtocolVersion, {}}});

    list.append({"PUBLISH QoS 0", PublishPacket{"a/b", "hello", QoS::AtMostOnce, false, false, 0, {}}});
    list.append({"PUBLISH QoS 1 dup retain",
                 PublishPacket{"a", QByteArray("\x00\xff", 2), QoS::AtLeastOnce, true, true, 1, {}}});
    list.append({"PUBLISH QoS 2 empty payload",
                 PublishPacket{"$SYS/x", QByteArray(), QoS::ExactlyOnce, false, false, 65535, {}}});
    PublishPacket big{"big", QByteArray(70000, 'x'), QoS::AtLeastOnce, false, false, 9, {}};
    list.append({"PUBLISH 70000 byte payload (3 byte length)", big});
    PublishPacket publishProps{
        QByteArrayLiteral("caf\xc3\xa9/\xf0\x9f\x98\x80"), "{}", QoS::AtLeastOnce, false, false, 7, {}};
    publishProps.properties.setInteger(Properties::PayloadFormatIndicator, 1);
    publishProps.properties.setInteger(Properties::MessageExpiryInterval, 60);
    publishProps.properties.setBytes(Properties::ContentType, "application/cloudevents+json; charset=utf-8");
    publishProps.properties.setBytes(Properties::ResponseTopic, "reply/to");
    publishProps.properties.setBytes(Properties::CorrelationData, "42");
    publishProps.properties.setInteger(Properties::TopicAlias, 3);
    publishProps.properties.addSubscriptionIdentifier(1);
    publishProps.properties.addSubscriptionIdentifier(268435455);
    publishProps.properties.addUserProperty("specversion", "1.0");
    publishProps.properties.addUserProperty("type", "temp");
    list.append({"PUBLISH with every PUBLISH property", publishProps});
    PublishPacket aliasOnly{"", "x", QoS::AtMostOnce, false, false, 0, {}};
    aliasOnly.properties.setInteger(Properties::TopicAlias, 1);
    list.append({"PUBLISH empty topic with alias", aliasOnly, true});

    list.append({"PUBACK", PubAckPacket{PacketType::Puback, 1, ReasonCode::Success, {}}});
    list.append({"PUBACK no matching subscribers",
                 PubAckPacket{PacketType::Puback, 2, ReasonCode::NoMatchingSubscribers, {}}});
    Properties reason;
    reason.setBytes(Properties::ReasonString, "quota");
    list.append({"PUBACK with reason string",
                 PubAckPacket{PacketType::Puback, 3, ReasonCode::QuotaExceeded, reason}});
    list.append({"PUBACK success with user property",
                 PubAckPacket{PacketType::Puback, 4, ReasonCode::Success, userProps({{"x", "y"}})}});
    list.append({"PUBREC", PubAckPacket{PacketType::Pubrec, 5, ReasonCode::UnspecifiedError, {}}});
    list.append({"PUBREL", PubAckPacket{PacketType::Pubrel, 6, ReasonCode::Success, {}}});
    list.append({"PUBREL not found",
                 PubAckPacket{PacketType::Pubrel, 7, ReasonCode::PacketIdentifierNotFound, reason}});
    list.append({"PUBCOMP", PubAckPacket{PacketType::Pubcomp, 65535, ReasonCode::Success, {}}});

    SubscribePacket subscribe;
    subscribe.packetId = 10;
    subscribe.subscriptions = {{"a/+/c", QoS::AtMostOnce, false, false, 0},
                               {"d/#", QoS::AtLeastOnce, true, true, 1},
                               {"e", QoS::ExactlyOnce, false, true, 2}};
    list.append({"SUBSCRIBE three filters", subscribe});
    SubscribePacket subscribeProps;
    subscribeProps.packetId = 11;
    subscribeProps.subscriptions = {{"", QoS::AtLeastOnce, false, false, 0}}; // the session answers 0x8F
    subscribeProps.properties.addSubscriptionIdentifier(300);
    subscribeProps.properties.addUserProperty("u", "v");
    list.append({"SUBSCRIBE subscription identifier, empty filter", subscribeProps});

    list.append(
        {"SUBACK granted",
         SubackPacket{10, {ReasonCode::Success, ReasonCode::GrantedQoS1, ReasonCode::GrantedQoS2}, {}}});
    list.append({"SUBACK errors",
                 SubackPacket{12,
                              {ReasonCode::TopicFilterInvalid, ReasonCode::NotAuthorized,
                               ReasonCode::WildcardSubscriptionsNotSupported, ReasonCode::UnspecifiedError},
                              reason}});

    list.append({"UNSUBSCRIBE", UnsubscribePacket{13, {"a/b", "c/#", "+"}, {}}});
    list.append({"UNSUBSCRIBE with user property", UnsubscribePacket{14, {"x"}, userProps({{"k", "v"}})}});
    list.append({"UNSUBACK", UnsubackPacket{13,
                                            {ReasonCode::Success, ReasonCode::NoSubscriptionExisted,
                                             ReasonCode::NotAuthorized},
                                            reason}});

    list.append({"PINGREQ", PingreqPacket{}});
    list.append({"PINGRESP", PingrespPacket{}});

    list.append({"DISCONNECT", DisconnectPacket{}});
    list.append({"DISCONNECT with will", DisconnectPacket{ReasonCode::DisconnectWithWill, {}}});
    DisconnectPacket disconnectProps{ReasonCode::ServerMoved, {}};
    disconnectProps.properties.setInteger(Properties::SessionExpiryInterval, 0);
    disconnectProps.properties.setBytes(Properties::ServerReference, "elsewhere");
    disconnectProps.properties.setBytes(Properties::ReasonString, "moving");
    list.append({"DISCONNECT with properties", disconnectProps});

    list.append({"AUTH", AuthPacket{}, true});
    AuthPacket authContinue{ReasonCode::ContinueAuthentication, {}};
    authContinue.properties.setBytes(Properties::AuthenticationMethod, "SCRAM-SHA-1");
    authContinue.properties.setBytes(Properties::AuthenticationData, "client-final");
    list.append({"AUTH continue", authContinue, true});
    list.append(
        {"AUTH re-authenticate without properties", AuthPacket{ReasonCode::ReAuthenticate, {}}, true});
    return list;
}

// What a packet looks like after a trip through 3.1.1: no properties, no v5-only fields,
// reason codes squeezed into 3.1.1's few.
Packet projectToV311(Packet packet)
{
    if (auto *p = std::get_if<ConnectPacket>(&packet)) {
        p->version = ProtocolVersion::V311;
        p->properties = {};
        if (p->will)
            p->will->properties = {};
    } else if (auto *p = std::get_if<ConnackPacket>(&packet)) {
        p->properties = {};
        p->reasonCode = fromV3ConnackCode(toV3ConnackCode(p->reasonCode));
    } else if (auto *p = std::get_if<PublishPacket>(&packet)) {
        p->properties = {};
    } else if (auto *p = std::get_if<PubAckPacket>(&packet)) {
        p->properties = {};
        p->reasonCode = ReasonCode::Success;
    } else if (auto *p = std::get_if<SubscribePacket>(&packet)) {
        p->properties = {};
        for (auto &s : p->subscriptions) {
            s.noLocal = false;
            s.retainAsPublished = false;
            s.retainHandling = 0;
        }
    } else if (auto *p = std::get_if<SubackPacket>(&packet)) {
        p->properties = {};
        for (auto &code : p->reasonCodes)
            code = isError(code) ? ReasonCode::UnspecifiedError : code;
    } else if (auto *p = std::get_if<UnsubscribePacket>(&packet)) {
        p->properties = {};
    } else if (auto *p = std::get_if<UnsubackPacket>(&packet)) {
        p->properties = {};
        p->reasonCodes.clear();
    } else if (auto *p = std::get_if<DisconnectPacket>(&packet)) {
        *p = DisconnectPacket{};
    }
    return packet;
}

Packet forVersion(Packet packet, ProtocolVersion version)
{
    if (auto *p = std::get_if<ConnectPacket>(&packet))
        p->version = version; // CONNECT is encoded for its own version
    return packet;
}

QList<Packet> streamFor(ProtocolVersion version)
{
    QList<Packet> packets;
    for (const Sample &s : samples()) {
        if (version == ProtocolVersion::V5 || !s.v5Only)
            packets.append(forVersion(s.packet, version));
    }
    return packets;
}

QList<Packet> expectedFor(ProtocolVersion version)
{
    QList<Packet> packets;
    for (const Packet &p : streamFor(version))
        packets.append(version == ProtocolVersion::V5 ? p : projectToV311(p));
    return packets;
}

// Feeds `stream` in the given chunk sizes and decodes every frame.
QList<Packet> decodeStream(const QByteArray &stream, const QList<qsizetype> &chunks, ProtocolVersion version,
                           QByteArray *failure)
{
    QList<Packet> out;
    FrameReader reader;
    qsizetype pos = 0;
    for (qsizetype chunk : chunks) {
        reader.append(QByteArrayView(stream).sliced(pos, chunk));
        pos += chunk;
        Frame frame;
        DecodeError error;
        FrameReader::Result result;
        while ((result = reader.next(frame, error)) == FrameReader::Result::Frame) {
            Packet packet;
            if (!PacketDecoder::decode(frame, version, packet, error)) {
                *failure = error.message;
                return out;
            }
            out.append(packet);
        }
        if (result == FrameReader::Result::Error) {
            *failure = error.message;
            return out;
        }
    }
    if (reader.bufferedBytes() != 0)
        *failure = "bytes left in the reader";
    return out;
}

} // namespace

class TestPacketCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void streamByteByByte_data();
    void streamByteByByte();
    void streamRandomSplits_data();
    void streamRandomSplits();
    void goldenEncode_data();
    void goldenEncode();
    void goldenDecode_data();
    void goldenDecode();
    void connectUsesItsOwnVersion();
    void authHasNoV311Form();
    void appendPublish_data();
    void appendPublish();
    void appendPublishGolden();
    void appendPublishDoesNotReallocate();
    void appendPublishMatchesGenericEncoder();
    void connectVersionPeek();
    void fuzzSeedsAreValid();
};

void TestPacketCodec::roundTrip_data()
{
    QTest::addColumn<Packet>("input");
    QTest::addColumn<Packet>("expected");
    QTest::addColumn<ProtocolVersion>("version");
    for (const Sample &s : samples()) {
        QTest::addRow("%s/v5", s.name)
            << forVersion(s.packet, ProtocolVersion::V5) << s.packet << ProtocolVersion::V5;
        if (!s.v5Only) {
            const Packet v3 = forVersion(s.packet, ProtocolVersion::V311);
            QTest::addRow("%s/v311", s.name) << v3 << projectToV311(v3) << ProtocolVersion::V311;
        }
    }
}

void TestPacketCodec::roundTrip()
{
    QFETCH(Packet, input);
    QFETCH(Packet, expected);
    QFETCH(ProtocolVersion, version);

    const QByteArray bytes = PacketEncoder::encode(input, version);
    QVERIFY(!bytes.isEmpty());
    QCOMPARE(PacketEncoder::encodedSize(input, version), quint32(bytes.size()));

    QByteArray appended = QByteArrayLiteral("prefix");
    PacketEncoder::append(appended, input, version);
    QCOMPARE(appended, QByteArrayLiteral("prefix") + bytes);

    FrameReader reader;
    reader.append(bytes);
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Frame);
    QCOMPARE(frame.type, packetTypeOf(expected));
    QCOMPARE(frame.totalSize, quint32(bytes.size()));
    Packet decoded;
    QVERIFY2(PacketDecoder::decode(frame, version, decoded, error), error.message.constData());
    QVERIFY2(decoded == expected, mismatch(decoded, expected).constData());
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);

    // The encoding is canonical: decoding and encoding again gives the same bytes.
    QCOMPARE(PacketEncoder::encode(decoded, version), bytes);
}

void TestPacketCodec::streamByteByByte_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::newRow("v311") << ProtocolVersion::V311;
    QTest::newRow("v5") << ProtocolVersion::V5;
}

void TestPacketCodec::streamByteByByte()
{
    QFETCH(ProtocolVersion, version);
    QByteArray stream;
    for (const Packet &p : streamFor(version))
        PacketEncoder::append(stream, p, version);
    const QList<Packet> expected = expectedFor(version);

    QList<qsizetype> ones(stream.size(), 1);
    QByteArray failure;
    const QList<Packet> decoded = decodeStream(stream, ones, version, &failure);
    QVERIFY2(failure.isEmpty(), failure.constData());
    QCOMPARE(decoded.size(), expected.size());
    for (qsizetype i = 0; i < decoded.size(); ++i)
        QVERIFY2(decoded[i] == expected[i], mismatch(decoded[i], expected[i]).constData());
}

void TestPacketCodec::streamRandomSplits_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<quint32>("seed");
    for (quint32 seed : {1u, 7u, 42u, 1234u, 99991u}) {
        QTest::addRow("v311/seed %u", seed) << ProtocolVersion::V311 << seed;
        QTest::addRow("v5/seed %u", seed) << ProtocolVersion::V5 << seed;
    }
}

void TestPacketCodec::streamRandomSplits()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(quint32, seed);
    QByteArray stream;
    for (const Packet &p : streamFor(version))
        PacketEncoder::append(stream, p, version);
    const QList<Packet> expected = expectedFor(version);

    QRandomGenerator random(seed);
    QList<qsizetype> chunks;
    for (qsizetype left = stream.size(); left > 0;) {
        // Mostly small pieces, sometimes large ones spanning several packets.
        const qsizetype limit = random.bounded(4) == 0 ? 20000 : 16;
        const qsizetype chunk = qMin(left, qsizetype(1 + random.bounded(int(limit))));
        chunks.append(chunk);
        left -= chunk;
    }
    QByteArray failure;
    const QList<Packet> decoded = decodeStream(stream, chunks, version, &failure);
    QVERIFY2(failure.isEmpty(), failure.constData());
    QCOMPARE(decoded.size(), expected.size());
    for (qsizetype i = 0; i < decoded.size(); ++i)
        QVERIFY2(decoded[i] == expected[i], mismatch(decoded[i], expected[i]).constData());
}

void TestPacketCodec::goldenEncode_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QByteArray>("bytes");

    QTest::newRow("PINGREQ") << Packet(PingreqPacket{}) << ProtocolVersion::V311 << hex("c0 00");
    QTest::newRow("PINGRESP") << Packet(PingrespPacket{}) << ProtocolVersion::V5 << hex("d0 00");
    QTest::newRow("DISCONNECT v311") << Packet(DisconnectPacket{}) << ProtocolVersion::V311 << hex("e0 00");
    QTest::newRow("DISCONNECT v5 normal: short form")
        << Packet(DisconnectPacket{}) << ProtocolVersion::V5 << hex("e0 00");
    QTest::newRow("DISCONNECT v5 reason only") << Packet(DisconnectPacket{ReasonCode::DisconnectWithWill, {}})
                                               << ProtocolVersion::V5 << hex("e0 01 04");
    QTest::newRow("AUTH v5 success: short form")
        << Packet(AuthPacket{}) << ProtocolVersion::V5 << hex("f0 00");

    // 3.1.1 spec 3.1.2.10's example flags 0xCE (user name, password, will QoS 1, will,
    // clean session) and keep alive 10, with a payload of our own.
    ConnectPacket connect;
    connect.version = ProtocolVersion::V311;
    connect.clientId = "drover";
    connect.keepAlive = 10;
    connect.will = Will{"w/t", "bye", QoS::AtLeastOnce, false, {}};
    connect.username = "user";
    connect.password = "pw";
    QTest::newRow("CONNECT v311 spec flags 0xCE")
        << Packet(connect) << ProtocolVersion::V311
        << hex("10 26  0004 4d515454  04  ce  000a  0006 64726f766572  0003 772f74  0003 627965"
               "  0004 75736572  0002 7077");

    ConnectPacket connect5;
    connect5.clientId = "c";
    connect5.keepAlive = 60;
    connect5.properties.setInteger(Properties::SessionExpiryInterval, 10);
    QTest::newRow("CONNECT v5 session expiry")
        << Packet(connect5) << ProtocolVersion::V5
        << hex("10 13  0004 4d515454  05  02  003c  05 11 0000000a  0001 63");

    ConnackPacket connack;
    connack.properties.setInteger(Properties::MaximumQoS, 1);
    connack.properties.setInteger(Properties::TopicAliasMaximum, 10);
    connack.properties.setInteger(Properties::ReceiveMaximum, 20);
    connack.properties.setBytes(Properties::AssignedClientIdentifier, "abc");
    QTest::newRow("CONNACK v5 with properties")
        << Packet(connack) << ProtocolVersion::V5
        << hex("20 11  00 00  0e  12 0003 616263  21 0014  22 000a  24 01");
    QTest::newRow("CONNACK v311 accepted session present")
        << Packet(ConnackPacket{true, ReasonCode::Success, {}}) << ProtocolVersion::V311
        << hex("20 02 01 00");
    QTest::newRow("CONNACK v311 maps 0x8C to 4")
        << Packet(ConnackPacket{false, ReasonCode::BadAuthenticationMethod, {}}) << ProtocolVersion::V311
        << hex("20 02 00 04");
    QTest::newRow("CONNACK v311 maps 0x8A to 5") << Packet(ConnackPacket{false, ReasonCode::Banned, {}})
                                                 << ProtocolVersion::V311 << hex("20 02 00 05");

    QTest::newRow("PUBLISH v311 QoS 1 retain")
        << Packet(PublishPacket{"a/b", "hi", QoS::AtLeastOnce, true, false, 10, {}}) << ProtocolVersion::V311
        << hex("33 09  0003 612f62  000a  6869");
    PublishPacket publish5{"a", "", QoS::ExactlyOnce, false, true, 1, {}};
    publish5.properties.addSubscriptionIdentifier(128);
    QTest::newRow("PUBLISH v5 QoS 2 dup, subscription id 128")
        << Packet(publish5) << ProtocolVersion::V5 << hex("3c 09  0001 61  0001  03 0b 8001");

    QTest::newRow("PUBACK v311") << Packet(PubAckPacket{PacketType::Puback, 5, ReasonCode::Success, {}})
                                 << ProtocolVersion::V311 << hex("40 02 0005");
    QTest::newRow("PUBACK v5 success: short form")
        << Packet(PubAckPacket{PacketType::Puback, 5, ReasonCode::Success, {}}) << ProtocolVersion::V5
        << hex("40 02 0005");
    QTest::newRow("PUBACK v5 reason only")
        << Packet(PubAckPacket{PacketType::Puback, 5, ReasonCode::NoMatchingSubscribers, {}})
        << ProtocolVersion::V5 << hex("40 03 0005 10");
    Properties reason;
    reason.setBytes(Properties::ReasonString, "x");
    QTest::newRow("PUBACK v5 reason string")
        << Packet(PubAckPacket{PacketType::Puback, 5, ReasonCode::NoMatchingSubscribers, reason})
        << ProtocolVersion::V5 << hex("40 08 0005 10 04 1f 0001 78");
    QTest::newRow("PUBREL v311 flags 0010")
        << Packet(PubAckPacket{PacketType::Pubrel, 0x1234, ReasonCode::Success, {}}) << ProtocolVersion::V311
        << hex("62 02 1234");

    SubscribePacket subscribe;
    subscribe.packetId = 10;
    subscribe.subscriptions = {{"a/b", QoS::AtLeastOnce, false, false, 0},
                               {"c/#", QoS::ExactlyOnce, false, false, 0}};
    QTest::newRow("SUBSCRIBE v311") << Packet(subscribe) << ProtocolVersion::V311
                                    << hex("82 0e  000a  0003 612f62 01  0003 632f23 02");
    SubscribePacket subscribe5;
    subscribe5.packetId = 1;
    subscribe5.subscriptions = {{"a", QoS::ExactlyOnce, true, true, 2}};
    QTest::newRow("SUBSCRIBE v5 all options")
        << Packet(subscribe5) << ProtocolVersion::V5 << hex("82 07  0001  00  0001 61 2e");
    QTest::newRow("SUBACK v311 maps errors to 0x80")
        << Packet(SubackPacket{1, {ReasonCode::GrantedQoS1, ReasonCode::TopicFilterInvalid}, {}})
        << ProtocolVersion::V311 << hex("90 04 0001 01 80");
    QTest::newRow("SUBACK v5 keeps errors")
        << Packet(SubackPacket{1, {ReasonCode::GrantedQoS1, ReasonCode::TopicFilterInvalid}, {}})
        << ProtocolVersion::V5 << hex("90 05 0001 00 01 8f");
    QTest::newRow("UNSUBSCRIBE v311")
        << Packet(UnsubscribePacket{2, {"a"}, {}}) << ProtocolVersion::V311 << hex("a2 05 0002 0001 61");
    QTest::newRow("UNSUBACK v311 has no payload")
        << Packet(UnsubackPacket{2, {ReasonCode::Success}, {}}) << ProtocolVersion::V311 << hex("b0 02 0002");
    QTest::newRow("UNSUBACK v5") << Packet(UnsubackPacket{
                                        2, {ReasonCode::Success, ReasonCode::NoSubscriptionExisted}, {}})
                                 << ProtocolVersion::V5 << hex("b0 05 0002 00 00 11");
}

void TestPacketCodec::goldenEncode()
{
    QFETCH(Packet, packet);
    QFETCH(ProtocolVersion, version);
    QFETCH(QByteArray, bytes);
    QCOMPARE(PacketEncoder::encode(packet, version).toHex(' '), bytes.toHex(' '));
}

void TestPacketCodec::goldenDecode_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<Packet>("expected");

    QTest::newRow("PINGREQ") << hex("c0 00") << ProtocolVersion::V311 << Packet(PingreqPacket{});
    ConnackPacket connack;
    connack.properties.setInteger(Properties::MaximumQoS, 1);
    connack.properties.setInteger(Properties::TopicAliasMaximum, 10);
    connack.properties.setInteger(Properties::ReceiveMaximum, 20);
    connack.properties.setBytes(Properties::AssignedClientIdentifier, "abc");
    QTest::newRow("CONNACK v5, properties in another order")
        << hex("20 11  00 00  0e  24 01  22 000a  21 0014  12 0003 616263") << ProtocolVersion::V5
        << Packet(connack);
    QTest::newRow("CONNACK v311 return code 4")
        << hex("20 02 00 04") << ProtocolVersion::V311
        << Packet(ConnackPacket{false, ReasonCode::BadUserNameOrPassword, {}});

    ConnectPacket connect;
    connect.version = ProtocolVersion::V311;
    connect.clientId = "drover";
    connect.keepAlive = 10;
    connect.will = Will{"w/t", "bye", QoS::AtLeastOnce, false, {}};
    connect.username = "user";
    connect.password = "pw";
    // The connection's version does not matter for CONNECT: it reports its own.
    QTest::newRow("CONNECT v311 spec flags 0xCE")
        << hex("10 26  0004 4d515454  04  ce  000a  0006 64726f766572  0003 772f74  0003 627965"
               "  0004 75736572  0002 7077")
        << ProtocolVersion::V5 << Packet(connect);

    // Spec 3.3.2.3.4: the subscription identifiers may repeat and keep their order.
    PublishPacket publish{"a", "", QoS::AtMostOnce, false, false, 0, {}};
    publish.properties.addSubscriptionIdentifier(2);
    publish.properties.addSubscriptionIdentifier(1);
    QTest::newRow("PUBLISH v5 two subscription ids")
        << hex("30 08  0001 61  04 0b 02 0b 01") << ProtocolVersion::V5 << Packet(publish);
    QTest::newRow("PUBACK v5 remaining length 2 = Success")
        << hex("40 02 0007") << ProtocolVersion::V5
        << Packet(PubAckPacket{PacketType::Puback, 7, ReasonCode::Success, {}});
    QTest::newRow("PUBREC v5 remaining length 3 = no properties")
        << hex("50 03 0007 80") << ProtocolVersion::V5
        << Packet(PubAckPacket{PacketType::Pubrec, 7, ReasonCode::UnspecifiedError, {}});
    QTest::newRow("PUBCOMP v5 empty property block")
        << hex("70 04 0007 92 00") << ProtocolVersion::V5
        << Packet(PubAckPacket{PacketType::Pubcomp, 7, ReasonCode::PacketIdentifierNotFound, {}});
    QTest::newRow("DISCONNECT v5 remaining length 0")
        << hex("e0 00") << ProtocolVersion::V5 << Packet(DisconnectPacket{});
    QTest::newRow("DISCONNECT v5 reason without property length")
        << hex("e0 01 8e") << ProtocolVersion::V5
        << Packet(DisconnectPacket{ReasonCode::SessionTakenOver, {}});
    QTest::newRow("AUTH v5 remaining length 0")
        << hex("f0 00") << ProtocolVersion::V5 << Packet(AuthPacket{});
    QTest::newRow("AUTH v5 reason without property length")
        << hex("f0 01 19") << ProtocolVersion::V5 << Packet(AuthPacket{ReasonCode::ReAuthenticate, {}});
    QTest::newRow("SUBACK v311 0x80") << hex("90 03 0001 80") << ProtocolVersion::V311
                                      << Packet(SubackPacket{1, {ReasonCode::UnspecifiedError}, {}});
}

void TestPacketCodec::goldenDecode()
{
    QFETCH(QByteArray, bytes);
    QFETCH(ProtocolVersion, version);
    QFETCH(Packet, expected);
    const Decoded d = decodeOne(bytes, version);
    QVERIFY(d.framed);
    QVERIFY2(d.ok, d.error.message.constData());
    QVERIFY2(d.packet == expected, mismatch(d.packet, expected).constData());
}

void TestPacketCodec::connectUsesItsOwnVersion()
{
    ConnectPacket connect;
    connect.clientId = "x";
    connect.version = ProtocolVersion::V311;
    connect.properties.setInteger(Properties::SessionExpiryInterval, 5);
    // Encoded as 3.1.1 although the connection argument says 5: level byte 4, no properties.
    const QByteArray bytes = PacketEncoder::encode(connect, ProtocolVersion::V5);
    QCOMPARE(bytes.toHex(' '), hex("10 0d 0004 4d515454 04 02 003c 0001 78").toHex(' '));
    const Decoded d = decodeOne(bytes, ProtocolVersion::V5);
    QVERIFY(d.ok);
    QCOMPARE(std::get<ConnectPacket>(d.packet).version, ProtocolVersion::V311);
    QVERIFY(std::get<ConnectPacket>(d.packet).properties.isEmpty());
}

void TestPacketCodec::authHasNoV311Form()
{
    const Packet auth = AuthPacket{ReasonCode::ContinueAuthentication, {}};
    QVERIFY(PacketEncoder::encode(auth, ProtocolVersion::V311).isEmpty());
    QCOMPARE(PacketEncoder::encodedSize(auth, ProtocolVersion::V311), 0u);
    QByteArray out = "abc";
    PacketEncoder::append(out, auth, ProtocolVersion::V311);
    QCOMPARE(out, QByteArrayLiteral("abc"));
}

void TestPacketCodec::appendPublish_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<int>("qos");
    QTest::addColumn<bool>("dup");
    QTest::addColumn<bool>("retain");
    QTest::addColumn<quint32>("subscriptionId");
    QTest::addColumn<int>("payloadSize");
    for (ProtocolVersion v : {ProtocolVersion::V311, ProtocolVersion::V5}) {
        const char *name = v == ProtocolVersion::V5 ? "v5" : "v311";
        QTest::addRow("%s qos0", name) << v << 0 << false << false << 0u << 10;
        QTest::addRow("%s qos1 dup sub 1", name) << v << 1 << true << false << 1u << 0;
        QTest::addRow("%s qos2 retain sub max", name) << v << 2 << false << true << 268435455u << 300;
        QTest::addRow("%s qos1 large payload sub 16384", name)
            << v << 1 << false << false << 16384u << 3000000;
    }
}

void TestPacketCodec::appendPublish()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(int, qos);
    QFETCH(bool, dup);
    QFETCH(bool, retain);
    QFETCH(quint32, subscriptionId);
    QFETCH(int, payloadSize);

    Properties shared;
    shared.setBytes(Properties::ContentType, "application/json");
    shared.setInteger(Properties::PayloadFormatIndicator, 1);
    shared.setInteger(Properties::MessageExpiryInterval, 30);
    shared.addUserProperty("id", "e-1");
    const QByteArray block = PacketEncoder::encodeProperties(shared);
    const QByteArray payload(payloadSize, 'p');
    const QByteArray topic = "devices/d1/events";

    PacketEncoder::PublishHead head;
    head.topic = topic;
    head.qos = static_cast<QoS>(qos);
    head.dup = dup;
    head.retain = retain;
    head.packetId = qos ? 77 : 0;
    head.subscriptionId = subscriptionId;

    QByteArray out = "xyz";
    PacketEncoder::appendPublish(out, version, head, block, payload);
    QVERIFY(out.startsWith("xyz"));
    QCOMPARE(quint32(out.size() - 3), PacketEncoder::publishSize(version, head, block, payload));

    PublishPacket expected{topic, payload, static_cast<QoS>(qos), retain, dup, head.packetId, {}};
    if (version == ProtocolVersion::V5) {
        expected.properties = shared;
        if (subscriptionId)
            expected.properties.addSubscriptionIdentifier(subscriptionId);
    }
    const Decoded d = decodeOne(out.mid(3), version);
    QVERIFY(d.framed);
    QVERIFY2(d.ok, d.error.message.constData());
    QVERIFY2(d.packet == Packet(expected), mismatch(d.packet, expected).constData());
}

void TestPacketCodec::appendPublishGolden()
{
    PacketEncoder::PublishHead head;
    head.topic = "t/1";
    head.qos = QoS::AtLeastOnce;
    head.packetId = 7;
    head.subscriptionId = 300;
    const QByteArray block = hex("03 0001 61"); // Content Type "a"
    QByteArray out;
    PacketEncoder::appendPublish(out, ProtocolVersion::V5, head, block, "hi");
    QCOMPARE(out.toHex(' '), hex("32 11  0003 742f31  0007  07 03 0001 61 0b ac02  6869").toHex(' '));

    out.clear();
    PacketEncoder::appendPublish(out, ProtocolVersion::V311, head, block, "hi");
    QCOMPARE(out.toHex(' '), hex("32 09  0003 742f31  0007  6869").toHex(' '));
}

void TestPacketCodec::appendPublishDoesNotReallocate()
{
    const QByteArray block = hex("03 0001 61");
    PacketEncoder::PublishHead head;
    head.topic = "a/b";
    head.qos = QoS::AtLeastOnce;
    head.packetId = 1;
    head.subscriptionId = 5;
    const QByteArray payload(100, 'x');
    const quint32 one = PacketEncoder::publishSize(ProtocolVersion::V5, head, block, payload);

    QByteArray out;
    out.reserve(qsizetype(one) * 50);
    const char *storage = out.constData();
    for (int i = 0; i < 50; ++i)
        PacketEncoder::appendPublish(out, ProtocolVersion::V5, head, block, payload);
    QCOMPARE(out.size(), qsizetype(one) * 50);
    QCOMPARE(out.constData(), storage); // same buffer: nothing was reallocated
}

void TestPacketCodec::appendPublishMatchesGenericEncoder()
{
    // With properties below 0x0B only, the hot path's "block, then subscription id" is
    // also ascending order, so the bytes equal the generic encoder's.
    Properties props;
    props.setInteger(Properties::PayloadFormatIndicator, 1);
    props.setBytes(Properties::ContentType, "text/plain");
    PacketEncoder::PublishHead head;
    head.topic = "x";
    head.qos = QoS::ExactlyOnce;
    head.packetId = 9;
    head.retain = true;
    head.subscriptionId = 42;
    QByteArray hot;
    PacketEncoder::appendPublish(hot, ProtocolVersion::V5, head, PacketEncoder::encodeProperties(props),
                                 "body");

    PublishPacket packet{"x", "body", QoS::ExactlyOnce, true, false, 9, props};
    packet.properties.addSubscriptionIdentifier(42);
    QCOMPARE(hot.toHex(' '), PacketEncoder::encode(packet, ProtocolVersion::V5).toHex(' '));
}

void TestPacketCodec::connectVersionPeek()
{
    const auto peek = [](const QByteArray &bytes) -> std::optional<ProtocolVersion> {
        FrameReader reader;
        reader.append(bytes);
        Frame frame;
        DecodeError error;
        if (reader.next(frame, error) != FrameReader::Result::Frame)
            return std::nullopt;
        return PacketDecoder::connectVersion(frame);
    };
    // A v5 CONNECT whose reserved flag is set: refused, but the version is still known.
    QCOMPARE(peek(packet(0x10, "0004 4d515454 05 03 003c 00 0001 63")), ProtocolVersion::V5);
    QCOMPARE(peek(packet(0x10, "0004 4d515454 04 02")), ProtocolVersion::V311);
    QCOMPARE(peek(packet(0x10, "0004 4d515454 03 02")), std::nullopt);
    QCOMPARE(peek(packet(0x10, "0006 4d5149736470 03 02")), std::nullopt);
    QCOMPARE(peek(hex("c0 00")), std::nullopt);
}

void TestPacketCodec::fuzzSeedsAreValid()
{
    // The fuzzer's seed corpus is only useful if it holds valid packets: every seed must
    // decode completely for at least one version.
    const QDir dir(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../../fuzz/corpus/packetdecoder"));
    const QStringList seeds = dir.entryList(QDir::Files);
    QVERIFY(seeds.size() >= 5);
    for (const QString &name : seeds) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray stream = file.readAll();
        bool valid = false;
        for (ProtocolVersion version : {ProtocolVersion::V311, ProtocolVersion::V5}) {
            QByteArray failure;
            const QList<Packet> packets = decodeStream(stream, {stream.size()}, version, &failure);
            valid = valid || (failure.isEmpty() && !packets.isEmpty());
        }
        QVERIFY2(valid, qPrintable(name));
    }
}

QTEST_APPLESS_MAIN(TestPacketCodec)
#include "tst_packetcodec.moc"
