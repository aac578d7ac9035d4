// Properties: the value API (presence, order, equality) and the property table: which
// property each packet may carry (spec 2.2.2.2, Table 2-4), repeats and value ranges.
#include "mqtttestutil.h"

#include "mqtt/packetencoder.h"
#include "mqtt/properties.h"

#include <QSet>
#include <QtTest>

using namespace drover::mqtt;
using namespace drover::mqtt::test;

namespace {

constexpr int WillKind = 16; // the will properties inside CONNECT

const QList<int> &kinds()
{
    static const QList<int> list = {int(PacketType::Connect),  int(PacketType::Connack),
                                    int(PacketType::Publish),  int(PacketType::Puback),
                                    int(PacketType::Pubrec),   int(PacketType::Pubrel),
                                    int(PacketType::Pubcomp),  int(PacketType::Subscribe),
                                    int(PacketType::Suback),   int(PacketType::Unsubscribe),
                                    int(PacketType::Unsuback), int(PacketType::Disconnect),
                                    int(PacketType::Auth),     WillKind};
    return list;
}

const char *kindName(int kind)
{
    return kind == WillKind ? "WILL" : packetTypeName(static_cast<PacketType>(kind));
}

// Spec 2.2.2.2, Table 2-4, written out independently of the codec's own table.
struct Expected {
    quint8 id;
    const char *sample; // one occurrence with a valid value
    QSet<int> allowedIn;
};

QList<Expected> table()
{
    using T = PacketType;
    const int C = int(T::Connect), CA = int(T::Connack), P = int(T::Publish), PA = int(T::Puback),
              PRC = int(T::Pubrec), PRL = int(T::Pubrel), PC = int(T::Pubcomp), S = int(T::Subscribe),
              SA = int(T::Suback), U = int(T::Unsubscribe), UA = int(T::Unsuback), D = int(T::Disconnect),
              A = int(T::Auth), W = WillKind;
    return {
        {0x01, "01 01", {P, W}},
        {0x02, "02 0000000a", {P, W}},
        {0x03, "03 0001 61", {P, W}},
        {0x08, "08 0001 61", {P, W}},
        {0x09, "09 0001 00", {P, W}},
        {0x0B, "0b 05", {P, S}},
        {0x11, "11 0000000a", {C, CA, D}},
        {0x12, "12 0001 61", {CA}},
        {0x13, "13 000a", {CA}},
        {0x15, "15 0001 61", {C, CA, A}},
        {0x16, "15 0001 61 16 0001 00", {C, CA, A}}, // with a method: data alone is refused in CONNECT
        {0x17, "17 01", {C}},
        {0x18, "18 0000000a", {W}},
        {0x19, "19 01", {C}},
        {0x1A, "1a 0001 61", {CA}},
        {0x1C, "1c 0001 61", {CA, D}},
        {0x1F, "1f 0001 61", {CA, PA, PRC, PRL, PC, SA, UA, D, A}},
        {0x21, "21 000a", {C, CA}},
        {0x22, "22 000a", {C, CA}},
        {0x23, "23 0001", {P}},
        {0x24, "24 01", {CA}},
        {0x25, "25 01", {CA}},
        {0x26, "26 0001 61 0001 62", {C, CA, P, W, PA, PRC, PRL, PC, S, SA, U, UA, D, A}},
        {0x27, "27 00000400", {C, CA}},
        {0x28, "28 01", {CA}},
        {0x29, "29 01", {CA}},
        {0x2A, "2a 01", {CA}},
    };
}

// A valid v5 packet of `kind` whose property block (without length) is `block`.
QByteArray withProperties(int kind, const QByteArray &block)
{
    Q_ASSERT(block.size() < 128);
    const QByteArray section = QByteArray(1, char(block.size())) + block;
    switch (kind) {
    case WillKind:
        return packet(0x10, hex("0004 4d515454 05 06 003c 00 0001 63") + section + hex("0001 77 0001 78"));
    case int(PacketType::Connect):
        return packet(0x10, hex("0004 4d515454 05 02 003c") + section + hex("0001 63"));
    case int(PacketType::Connack):
        return packet(0x20, hex("00 00") + section);
    case int(PacketType::Publish):
        return packet(0x30, hex("0001 74") + section + QByteArray("x"));
    case int(PacketType::Puback):
        return packet(0x40, hex("0001 00") + section);
    case int(PacketType::Pubrec):
        return packet(0x50, hex("0001 00") + section);
    case int(PacketType::Pubrel):
        return packet(0x62, hex("0001 00") + section);
    case int(PacketType::Pubcomp):
        return packet(0x70, hex("0001 00") + section);
    case int(PacketType::Subscribe):
        return packet(0x82, hex("0001") + section + hex("0001 61 00"));
    case int(PacketType::Suback):
        return packet(0x90, hex("0001") + section + hex("00"));
    case int(PacketType::Unsubscribe):
        return packet(0xa2, hex("0001") + section + hex("0001 61"));
    case int(PacketType::Unsuback):
        return packet(0xb0, hex("0001") + section + hex("00"));
    case int(PacketType::Disconnect):
        return packet(0xe0, hex("00") + section);
    case int(PacketType::Auth):
        return packet(0xf0, hex("00") + section);
    }
    return QByteArray();
}

Properties propertiesOf(const Packet &packet, bool will)
{
    return std::visit(
        [will](const auto &p) -> Properties {
            using P = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<P, ConnectPacket>)
                return will ? (p.will ? p.will->properties : Properties()) : p.properties;
            else if constexpr (std::is_same_v<P, PingreqPacket> || std::is_same_v<P, PingrespPacket>)
                return Properties();
            else
                return p.properties;
        },
        packet);
}

} // namespace

class TestProperties : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void absentIsNotZero();
    void bytesPresence();
    void userPropertiesKeepOrderAndRepeats();
    void subscriptionIdentifiers();
    void presentIdsAscending();
    void clearRemoves();
    void equality();
    void encodePropertiesGolden();
    void allowedIn_data();
    void allowedIn();
    void repeats_data();
    void repeats();
    void byteRanges_data();
    void byteRanges();
};

void TestProperties::absentIsNotZero()
{
    Properties p;
    QVERIFY(p.isEmpty());
    QVERIFY(!p.has(Properties::SessionExpiryInterval));
    QCOMPARE(p.integer(Properties::SessionExpiryInterval, 77), 77u);
    p.setInteger(Properties::SessionExpiryInterval, 0);
    QVERIFY(p.has(Properties::SessionExpiryInterval));
    QCOMPARE(p.integer(Properties::SessionExpiryInterval, 77), 0u);
    QVERIFY(!p.isEmpty());
    p.setInteger(Properties::SessionExpiryInterval, 0xFFFFFFFF);
    QCOMPARE(p.integer(Properties::SessionExpiryInterval), 0xFFFFFFFFu);
    QVERIFY(!p.has(Properties::ReceiveMaximum));
}

void TestProperties::bytesPresence()
{
    Properties p;
    QVERIFY(p.contentType().isNull());
    p.setBytes(Properties::ContentType, QByteArray(""));
    QVERIFY(p.has(Properties::ContentType));
    QVERIFY(p.contentType().isEmpty());
    p.setBytes(Properties::ContentType, "text/plain");
    QCOMPARE(p.contentType(), QByteArray("text/plain"));
    p.setBytes(Properties::ReasonString, "why");
    QCOMPARE(p.reasonString(), QByteArray("why"));
    QCOMPARE(p.bytes(Properties::CorrelationData), QByteArray());
}

void TestProperties::userPropertiesKeepOrderAndRepeats()
{
    Properties p;
    p.addUserProperty("b", "1");
    p.addUserProperty("a", "2");
    p.addUserProperty("b", "3");
    QVERIFY(p.has(Properties::UserProperty));
    QCOMPARE(p.userProperties().size(), 3);
    QCOMPARE(p.userProperties().at(2), UserProperty("b", "3"));
    QCOMPARE(p.userProperty("b"), QByteArray("1"));
    QCOMPARE(p.userProperty("a"), QByteArray("2"));
    QVERIFY(p.userProperty("c").isNull());
    QVERIFY(p.presentIds().isEmpty()); // user properties are not in presentIds()
}

void TestProperties::subscriptionIdentifiers()
{
    Properties p;
    QVERIFY(!p.has(Properties::SubscriptionIdentifier));
    p.addSubscriptionIdentifier(5);
    p.addSubscriptionIdentifier(3);
    QVERIFY(p.has(Properties::SubscriptionIdentifier));
    QCOMPARE(p.subscriptionIdentifiers(), QList<quint32>({5, 3}));
    QCOMPARE(p.integer(Properties::SubscriptionIdentifier), 5u); // the first
    p.setInteger(Properties::SubscriptionIdentifier, 9);         // exactly this one
    QCOMPARE(p.subscriptionIdentifiers(), QList<quint32>({9}));
    QVERIFY(p.presentIds().isEmpty());
}

void TestProperties::presentIdsAscending()
{
    Properties p;
    p.setInteger(Properties::MaximumPacketSize, 1);
    p.setBytes(Properties::ContentType, "x");
    p.setInteger(Properties::PayloadFormatIndicator, 1);
    p.addUserProperty("a", "b");
    QCOMPARE(p.presentIds(), QList<Properties::Id>({Properties::PayloadFormatIndicator,
                                                    Properties::ContentType, Properties::MaximumPacketSize}));
}

void TestProperties::clearRemoves()
{
    Properties p;
    p.setInteger(Properties::TopicAlias, 3);
    p.setBytes(Properties::ResponseTopic, "r");
    p.addUserProperty("a", "b");
    p.addSubscriptionIdentifier(1);
    p.clear(Properties::TopicAlias);
    p.clear(Properties::ResponseTopic);
    p.clear(Properties::UserProperty);
    p.clear(Properties::SubscriptionIdentifier);
    QVERIFY(p.isEmpty());
    QVERIFY(p.bytes(Properties::ResponseTopic).isNull());
    QCOMPARE(p, Properties());
}

void TestProperties::equality()
{
    Properties a;
    a.setBytes(Properties::ContentType, "x");
    a.setBytes(Properties::ResponseTopic, "y");
    a.setInteger(Properties::MessageExpiryInterval, 5);
    Properties b;
    b.setInteger(Properties::MessageExpiryInterval, 5);
    b.setBytes(Properties::ResponseTopic, "y");
    b.setBytes(Properties::ContentType, "x");
    QVERIFY(a == b); // setter order does not matter

    Properties c = b;
    c.setInteger(Properties::MessageExpiryInterval, 6);
    QVERIFY(a != c);
    Properties d = b;
    d.setBytes(Properties::ContentType, "z");
    QVERIFY(a != d);

    // A value set then cleared leaves no trace.
    Properties e = a;
    e.setInteger(Properties::TopicAlias, 7);
    e.clear(Properties::TopicAlias);
    QVERIFY(a == e);

    Properties u1, u2;
    u1.addUserProperty("a", "1");
    u1.addUserProperty("b", "2");
    u2.addUserProperty("b", "2");
    u2.addUserProperty("a", "1");
    QVERIFY(u1 != u2); // user property order is significant (spec 3.3.2.3.7)
}

void TestProperties::encodePropertiesGolden()
{
    Properties p;
    p.addUserProperty("k", "v");
    p.addSubscriptionIdentifier(5);
    p.setBytes(Properties::ContentType, "a");
    p.setInteger(Properties::PayloadFormatIndicator, 1);
    p.setInteger(Properties::ReceiveMaximum, 0x1234);
    p.setInteger(Properties::MessageExpiryInterval, 0x01020304);
    QCOMPARE(PacketEncoder::encodeProperties(p).toHex(' '),
             hex("01 01  02 01020304  03 0001 61  0b 05  21 1234  26 0001 6b 0001 76").toHex(' '));
    QVERIFY(PacketEncoder::encodeProperties(Properties()).isEmpty());
}

void TestProperties::allowedIn_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("id");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("allowed");
    for (const Expected &e : table()) {
        for (int kind : kinds())
            QTest::addRow("0x%02x in %s", e.id, kindName(kind))
                << kind << int(e.id) << withProperties(kind, hex(e.sample)) << e.allowedIn.contains(kind);
    }
}

void TestProperties::allowedIn()
{
    QFETCH(int, kind);
    QFETCH(int, id);
    QFETCH(QByteArray, bytes);
    QFETCH(bool, allowed);
    const Decoded d = decodeOne(bytes, ProtocolVersion::V5);
    QVERIFY(d.framed);
    if (allowed) {
        QVERIFY2(d.ok, d.error.message.constData());
        QVERIFY(propertiesOf(d.packet, kind == WillKind).has(static_cast<Properties::Id>(id)));
        // And back: the encoder writes what the decoder read.
        QCOMPARE(PacketEncoder::encode(d.packet, ProtocolVersion::V5).toHex(' '), bytes.toHex(' '));
    } else {
        QVERIFY2(!d.ok, QByteArray("accepted: " + describe(d.packet)).constData());
        QCOMPARE(d.error.reasonCode, ReasonCode::MalformedPacket);
    }
}

void TestProperties::repeats_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("allowed");
    for (const Expected &e : table()) {
        for (int kind : e.allowedIn) {
            // The sample for 0x16 carries a method first: repeat only the data.
            const QByteArray once = hex(e.sample);
            const QByteArray twice = e.id == 0x16 ? once + hex("16 0001 01") : once + once;
            const bool repeatable = e.id == 0x26 || (e.id == 0x0B && kind == int(PacketType::Publish));
            QTest::addRow("0x%02x twice in %s", e.id, kindName(kind))
                << withProperties(kind, twice) << repeatable;
        }
    }
}

void TestProperties::repeats()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, allowed);
    const Decoded d = decodeOne(bytes, ProtocolVersion::V5);
    QVERIFY(d.framed);
    QCOMPARE(d.ok, allowed);
    if (!allowed)
        QCOMPARE(d.error.reasonCode, ReasonCode::ProtocolError);
}

void TestProperties::byteRanges_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("allowed");
    const struct {
        quint8 id;
        int kind;
    } byteProps[] = {{0x01, int(PacketType::Publish)}, {0x01, WillKind},
                     {0x17, int(PacketType::Connect)}, {0x19, int(PacketType::Connect)},
                     {0x24, int(PacketType::Connack)}, {0x25, int(PacketType::Connack)},
                     {0x28, int(PacketType::Connack)}, {0x29, int(PacketType::Connack)},
                     {0x2A, int(PacketType::Connack)}};
    for (const auto &b : byteProps) {
        for (int value : {0, 1, 2, 255}) {
            const QByteArray block = QByteArray(1, char(b.id)) + QByteArray(1, char(value));
            QTest::addRow("0x%02x = %d in %s", b.id, value, kindName(b.kind))
                << withProperties(b.kind, block) << (value <= 1);
        }
    }
    // Zero is out of range for these two byte / variable byte integers.
    QTest::newRow("Receive Maximum 1") << withProperties(int(PacketType::Connack), hex("21 0001")) << true;
    QTest::newRow("Topic Alias Maximum 0")
        << withProperties(int(PacketType::Connack), hex("22 0000")) << true;
    QTest::newRow("Server Keep Alive 0") << withProperties(int(PacketType::Connack), hex("13 0000")) << true;
    QTest::newRow("Maximum Packet Size 1")
        << withProperties(int(PacketType::Connect), hex("27 00000001")) << true;
    QTest::newRow("Subscription Identifier 268435455")
        << withProperties(int(PacketType::Subscribe), hex("0b ffffff7f")) << true;
    QTest::newRow("Subscription Identifier 0 in SUBSCRIBE")
        << withProperties(int(PacketType::Subscribe), hex("0b 00")) << false;
}

void TestProperties::byteRanges()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, allowed);
    const Decoded d = decodeOne(bytes, ProtocolVersion::V5);
    QVERIFY(d.framed);
    QCOMPARE(d.ok, allowed);
    if (!allowed)
        QCOMPARE(d.error.reasonCode, ReasonCode::ProtocolError);
}

QTEST_APPLESS_MAIN(TestProperties)
#include "tst_properties.moc"
