// Every class of invalid packet the decoder must refuse, with the exact reason code, from
// hand-written bytes; and the unusual-but-valid forms it must accept.
#include "mqtttestutil.h"

#include <QtTest>

using namespace drover::mqtt;
using namespace drover::mqtt::test;

namespace {
constexpr auto V3 = ProtocolVersion::V311;
constexpr auto V5 = ProtocolVersion::V5;
constexpr auto Malformed = ReasonCode::MalformedPacket;
constexpr auto ProtocolErr = ReasonCode::ProtocolError;

// CONNECT bodies: name "MQTT", level, flags, keep alive 60, (v5: no properties), client id "c".
const char *const kConnect311 = "0004 4d515454 04 02 003c 0001 63";
const char *const kConnect5 = "0004 4d515454 05 02 003c 00 0001 63";

QByteArray connect5WithProperties(const char *propertiesHex)
{
    return packet(0x10, hex("0004 4d515454 05 02 003c") + hex(propertiesHex) + hex("0001 63"));
}
// A v5 CONNECT with a Will (QoS 0) whose will properties are given.
QByteArray connect5WithWill(const char *willPropertiesHex, const char *willPayloadHex = "0000")
{
    return packet(0x10, hex("0004 4d515454 05 06 003c 00 0001 63") + hex(willPropertiesHex) + hex("0001 77") +
                            hex(willPayloadHex));
}
// A v5 PUBLISH QoS 0 on topic "t" with the given property section and payload.
QByteArray publish5(const char *propertiesHex, const char *payloadHex = "")
{
    return packet(0x30, hex("0001 74") + hex(propertiesHex) + hex(payloadHex));
}
} // namespace

class TestMalformed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refused_data();
    void refused();
    void accepted_data();
    void accepted();
    void errorMessageNamesThePacket();
};

void TestMalformed::refused_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<ReasonCode>("expected");

    // --- CONNECT -------------------------------------------------------------------
    QTest::newRow("CONNECT MQIsdp level 3 (MQTT 3.1)")
        << V3 << packet(0x10, "0006 4d5149736470 03 02 003c 0001 63")
        << ReasonCode::UnsupportedProtocolVersion;
    QTest::newRow("CONNECT level 3") << V3 << packet(0x10, "0004 4d515454 03 02 003c 0001 63")
                                     << ReasonCode::UnsupportedProtocolVersion;
    QTest::newRow("CONNECT level 6") << V5 << packet(0x10, "0004 4d515454 06 02 003c 00 0001 63")
                                     << ReasonCode::UnsupportedProtocolVersion;
    QTest::newRow("CONNECT name mqtt lower case")
        << V3 << packet(0x10, "0004 6d717474 04 02 003c 0001 63") << ReasonCode::UnsupportedProtocolVersion;
    QTest::newRow("CONNECT protocol name truncated") << V3 << packet(0x10, "0004 4d51") << Malformed;
    QTest::newRow("CONNECT empty body") << V3 << packet(0x10, "") << Malformed;
    QTest::newRow("CONNECT fixed header flags 0001") << V3 << packet(0x11, kConnect311) << Malformed;
    QTest::newRow("CONNECT v311 reserved connect flag")
        << V3 << packet(0x10, "0004 4d515454 04 03 003c 0001 63") << Malformed;
    QTest::newRow("CONNECT v5 reserved connect flag")
        << V5 << packet(0x10, "0004 4d515454 05 03 003c 00 0001 63") << Malformed;
    QTest::newRow("CONNECT will QoS 1 without will flag")
        << V3 << packet(0x10, "0004 4d515454 04 0a 003c 0001 63") << Malformed;
    QTest::newRow("CONNECT will retain without will flag")
        << V5 << packet(0x10, "0004 4d515454 05 22 003c 00 0001 63") << Malformed;
    QTest::newRow("CONNECT will QoS 3")
        << V3 << packet(0x10, "0004 4d515454 04 1e 003c 0001 63 0001 77 0000") << Malformed;
    QTest::newRow("CONNECT v311 password without user name (MQTT-3.1.2-22)")
        << V3 << packet(0x10, "0004 4d515454 04 42 003c 0001 63 0002 7077") << Malformed;
    QTest::newRow("CONNECT keep alive truncated")
        << V3 << packet(0x10, "0004 4d515454 04 02 00") << Malformed;
    QTest::newRow("CONNECT client id overlong NUL (c0 80)")
        << V3 << packet(0x10, "0004 4d515454 04 02 003c 0002 c080") << Malformed;
    QTest::newRow("CONNECT client id U+0000")
        << V3 << packet(0x10, "0004 4d515454 04 02 003c 0002 6100") << Malformed;
    QTest::newRow("CONNECT client id surrogate U+D800")
        << V5 << packet(0x10, "0004 4d515454 05 02 003c 00 0003 eda080") << Malformed;
    QTest::newRow("CONNECT client id truncated")
        << V3 << packet(0x10, "0004 4d515454 04 02 003c 0005 6162") << Malformed;
    QTest::newRow("CONNECT user name flag without user name")
        << V3 << packet(0x10, "0004 4d515454 04 82 003c 0001 63") << Malformed;
    QTest::newRow("CONNECT user name not UTF-8")
        << V3 << packet(0x10, "0004 4d515454 04 82 003c 0001 63 0001 ff") << Malformed;
    QTest::newRow("CONNECT will without will payload")
        << V3 << packet(0x10, "0004 4d515454 04 06 003c 0001 63 0001 77") << Malformed;
    QTest::newRow("CONNECT trailing byte") << V3 << packet(0x10, hex(kConnect311) + hex("00")) << Malformed;
    QTest::newRow("CONNECT v5 trailing byte") << V5 << packet(0x10, hex(kConnect5) + hex("00")) << Malformed;
    QTest::newRow("CONNECT v5 missing property length")
        << V5 << packet(0x10, "0004 4d515454 05 02 003c") << Malformed;
    QTest::newRow("CONNECT will topic with +")
        << V3 << packet(0x10, "0004 4d515454 04 06 003c 0001 63 0003 612f2b 0000")
        << ReasonCode::TopicNameInvalid;
    QTest::newRow("CONNECT v5 will topic with #")
        << V5 << packet(0x10, "0004 4d515454 05 06 003c 00 0001 63 00 0003 612f23 0000")
        << ReasonCode::TopicNameInvalid;
    QTest::newRow("CONNECT v5 empty will topic")
        << V5 << packet(0x10, "0004 4d515454 05 06 003c 00 0001 63 00 0000 0000")
        << ReasonCode::TopicNameInvalid;
    QTest::newRow("CONNECT v311 empty will topic")
        << V3 << packet(0x10, "0004 4d515454 04 06 003c 0001 63 0000 0000") << Malformed;
    QTest::newRow("CONNECT v5 will payload not UTF-8 as declared")
        << V5 << connect5WithWill("02 01 01", "0002 fffe") << ReasonCode::PayloadFormatInvalid;
    QTest::newRow("CONNECT v5 authentication data without method")
        << V5 << connect5WithProperties("04 16 0001 78") << ProtocolErr;
    QTest::newRow("CONNECT v5 Topic Alias not allowed")
        << V5 << connect5WithProperties("03 23 0001") << Malformed;
    QTest::newRow("CONNECT v5 Will Delay Interval outside the will")
        << V5 << connect5WithProperties("05 18 00000001") << Malformed;
    QTest::newRow("CONNECT v5 Session Expiry inside the will")
        << V5 << connect5WithWill("05 11 00000001") << Malformed;
    QTest::newRow("CONNECT v5 Receive Maximum 0")
        << V5 << connect5WithProperties("03 21 0000") << ProtocolErr;
    QTest::newRow("CONNECT v5 Maximum Packet Size 0")
        << V5 << connect5WithProperties("05 27 00000000") << ProtocolErr;
    QTest::newRow("CONNECT v5 Request Problem Information 2")
        << V5 << connect5WithProperties("02 17 02") << ProtocolErr;
    QTest::newRow("CONNECT v5 Request Response Information 2")
        << V5 << connect5WithProperties("02 19 02") << ProtocolErr;
    QTest::newRow("CONNECT v5 duplicate Session Expiry Interval")
        << V5 << connect5WithProperties("0a 11 0000000a 11 0000000a") << ProtocolErr;
    QTest::newRow("CONNECT v5 duplicate Authentication Method")
        << V5 << connect5WithProperties("08 15 0001 61 15 0001 62") << ProtocolErr;
    QTest::newRow("CONNECT v5 will Payload Format Indicator 2")
        << V5 << connect5WithWill("02 01 02") << ProtocolErr;
    QTest::newRow("CONNECT v5 unknown property 0x05")
        << V5 << connect5WithProperties("02 05 00") << Malformed;
    QTest::newRow("CONNECT v5 unknown property 0x7f")
        << V5 << connect5WithProperties("02 7f 00") << Malformed;
    QTest::newRow("CONNECT v5 two-byte property identifier")
        << V5 << connect5WithProperties("03 80 01 00") << Malformed;
    QTest::newRow("CONNECT v5 property length beyond the packet")
        << V5 << connect5WithProperties("20 11 00000001") << Malformed;
    QTest::newRow("CONNECT v5 property length of 5 bytes")
        << V5 << connect5WithProperties("80 80 80 80 01") << Malformed;
    QTest::newRow("CONNECT v5 property value truncated")
        << V5 << connect5WithProperties("03 11 0000") << Malformed;
    QTest::newRow("CONNECT v5 user property name not UTF-8")
        << V5 << connect5WithProperties("07 26 0001 ff 0001 61") << Malformed;
    QTest::newRow("CONNECT v5 user property value with U+0000")
        << V5 << connect5WithProperties("07 26 0001 61 0001 00") << Malformed;
    QTest::newRow("CONNECT v5 authentication method not UTF-8")
        << V5 << connect5WithProperties("05 15 0002 eda080") << Malformed;

    // --- CONNACK (decoded by a client) ---------------------------------------------
    QTest::newRow("CONNACK v311 remaining length 3") << V3 << hex("20 03 00 00 00") << Malformed;
    QTest::newRow("CONNACK v311 remaining length 1") << V3 << hex("20 01 00") << Malformed;
    QTest::newRow("CONNACK v311 return code 6") << V3 << hex("20 02 00 06") << ProtocolErr;
    QTest::newRow("CONNACK reserved acknowledge flag") << V3 << hex("20 02 02 00") << Malformed;
    QTest::newRow("CONNACK fixed header flags") << V3 << hex("21 02 00 00") << Malformed;
    QTest::newRow("CONNACK session present on refusal") << V3 << hex("20 02 01 05") << ProtocolErr;
    QTest::newRow("CONNACK v5 session present on refusal") << V5 << hex("20 03 01 87 00") << ProtocolErr;
    QTest::newRow("CONNACK v5 reason 0x10 is not a CONNACK code")
        << V5 << hex("20 03 00 10 00") << ProtocolErr;
    QTest::newRow("CONNACK v5 reason 0x8b is not a CONNACK code")
        << V5 << hex("20 03 00 8b 00") << ProtocolErr;
    QTest::newRow("CONNACK v5 without property length") << V5 << hex("20 02 00 00") << Malformed;
    QTest::newRow("CONNACK v5 Maximum QoS 2") << V5 << hex("20 05 00 00 02 24 02") << ProtocolErr;
    QTest::newRow("CONNACK v5 Retain Available 2") << V5 << hex("20 05 00 00 02 25 02") << ProtocolErr;
    QTest::newRow("CONNACK v5 Wildcard Subscription Available 2")
        << V5 << hex("20 05 00 00 02 28 02") << ProtocolErr;
    QTest::newRow("CONNACK v5 Subscription Identifier Available 2")
        << V5 << hex("20 05 00 00 02 29 02") << ProtocolErr;
    QTest::newRow("CONNACK v5 Shared Subscription Available 2")
        << V5 << hex("20 05 00 00 02 2a 02") << ProtocolErr;
    QTest::newRow("CONNACK v5 Receive Maximum 0") << V5 << hex("20 06 00 00 03 21 0000") << ProtocolErr;
    QTest::newRow("CONNACK v5 Request Problem Information not allowed")
        << V5 << hex("20 05 00 00 02 17 01") << Malformed;

    // --- PUBLISH -----------------------------------------------------------------
    QTest::newRow("PUBLISH QoS 3") << V3 << packet(0x36, "0001 74 0001") << Malformed;
    QTest::newRow("PUBLISH v5 QoS 3") << V5 << packet(0x36, "0001 74 0001 00") << Malformed;
    QTest::newRow("PUBLISH DUP on QoS 0") << V3 << packet(0x38, "0001 74") << Malformed;
    QTest::newRow("PUBLISH v5 DUP on QoS 0") << V5 << packet(0x38, "0001 74 00") << Malformed;
    QTest::newRow("PUBLISH packet id 0") << V3 << packet(0x32, "0001 74 0000") << Malformed;
    QTest::newRow("PUBLISH v5 packet id 0") << V5 << packet(0x34, "0001 74 0000 00") << Malformed;
    QTest::newRow("PUBLISH packet id truncated") << V3 << packet(0x32, "0001 74 00") << Malformed;
    QTest::newRow("PUBLISH topic length beyond the packet") << V3 << packet(0x30, "0005 7474") << Malformed;
    QTest::newRow("PUBLISH remaining length 1") << V3 << packet(0x30, "00") << Malformed;
    QTest::newRow("PUBLISH topic not UTF-8") << V3 << packet(0x30, "0002 c3 28") << Malformed;
    QTest::newRow("PUBLISH topic with U+0000") << V5 << packet(0x30, "0003 61 00 62 00") << Malformed;
    QTest::newRow("PUBLISH topic with +")
        << V3 << packet(0x30, "0003 612f2b") << ReasonCode::TopicNameInvalid;
    QTest::newRow("PUBLISH topic with #") << V3 << packet(0x30, "0001 23") << ReasonCode::TopicNameInvalid;
    QTest::newRow("PUBLISH v5 topic with #")
        << V5 << packet(0x30, "0003 612f23 00") << ReasonCode::TopicNameInvalid;
    QTest::newRow("PUBLISH v5 topic with + and alias")
        << V5 << packet(0x30, "0001 2b 03 23 0001") << ReasonCode::TopicNameInvalid;
    QTest::newRow("PUBLISH v311 empty topic") << V3 << packet(0x30, "0000 6869") << Malformed;
    QTest::newRow("PUBLISH v5 empty topic without alias")
        << V5 << packet(0x30, "0000 00 6869") << ReasonCode::TopicNameInvalid;
    QTest::newRow("PUBLISH v5 payload not UTF-8 as declared")
        << V5 << publish5("02 01 01", "68 ff") << ReasonCode::PayloadFormatInvalid;
    QTest::newRow("PUBLISH v5 payload surrogate as declared")
        << V5 << publish5("02 01 01", "eda080") << ReasonCode::PayloadFormatInvalid;
    QTest::newRow("PUBLISH v5 payload truncated UTF-8 as declared")
        << V5 << publish5("02 01 01", "e282") << ReasonCode::PayloadFormatInvalid;
    QTest::newRow("PUBLISH v5 Payload Format Indicator 2") << V5 << publish5("02 01 02") << ProtocolErr;
    QTest::newRow("PUBLISH v5 Topic Alias 0")
        << V5 << publish5("03 23 0000") << ReasonCode::TopicAliasInvalid;
    QTest::newRow("PUBLISH v5 duplicate Topic Alias") << V5 << publish5("06 23 0001 23 0002") << ProtocolErr;
    QTest::newRow("PUBLISH v5 duplicate Content Type")
        << V5 << publish5("08 03 0001 61 03 0001 62") << ProtocolErr;
    QTest::newRow("PUBLISH v5 duplicate Message Expiry")
        << V5 << publish5("0a 02 00000001 02 00000001") << ProtocolErr;
    QTest::newRow("PUBLISH v5 Subscription Identifier 0") << V5 << publish5("02 0b 00") << ProtocolErr;
    QTest::newRow("PUBLISH v5 Subscription Identifier of 5 bytes")
        << V5 << publish5("06 0b 80 80 80 80 01") << Malformed;
    QTest::newRow("PUBLISH v5 Reason String not allowed") << V5 << publish5("04 1f 0001 61") << Malformed;
    QTest::newRow("PUBLISH v5 Will Delay Interval not allowed")
        << V5 << publish5("05 18 00000001") << Malformed;
    QTest::newRow("PUBLISH v5 Content Type not UTF-8") << V5 << publish5("04 03 0001 80") << Malformed;
    QTest::newRow("PUBLISH v5 property length beyond the packet") << V5 << publish5("05 01 01") << Malformed;
    QTest::newRow("PUBLISH v5 missing property length") << V5 << packet(0x30, "0001 74") << Malformed;

    // --- PUBACK, PUBREC, PUBREL, PUBCOMP -----------------------------------------
    QTest::newRow("PUBACK v311 remaining length 3") << V3 << hex("40 03 0001 00") << Malformed;
    QTest::newRow("PUBACK v311 remaining length 1") << V3 << hex("40 01 01") << Malformed;
    QTest::newRow("PUBACK v311 remaining length 0") << V3 << hex("40 00") << Malformed;
    QTest::newRow("PUBACK v5 remaining length 1") << V5 << hex("40 01 01") << Malformed;
    QTest::newRow("PUBACK packet id 0") << V3 << hex("40 02 0000") << Malformed;
    QTest::newRow("PUBCOMP v5 packet id 0") << V5 << hex("70 02 0000") << Malformed;
    QTest::newRow("PUBACK fixed header flags 0010") << V3 << hex("42 02 0001") << Malformed;
    QTest::newRow("PUBREC fixed header flags 0001") << V5 << hex("51 02 0001") << Malformed;
    QTest::newRow("PUBREL fixed header flags 0000") << V3 << hex("60 02 0001") << Malformed;
    QTest::newRow("PUBREL v5 fixed header flags 0011") << V5 << hex("63 02 0001") << Malformed;
    QTest::newRow("PUBCOMP v311 fixed header flags 0010") << V3 << hex("72 02 0001") << Malformed;
    QTest::newRow("PUBACK v5 reason 0x92 not allowed") << V5 << hex("40 03 0001 92") << ProtocolErr;
    QTest::newRow("PUBACK v5 reason 0x01 not allowed") << V5 << hex("40 03 0001 01") << ProtocolErr;
    QTest::newRow("PUBREC v5 reason 0x8f not allowed") << V5 << hex("50 03 0001 8f") << ProtocolErr;
    QTest::newRow("PUBREL v5 reason 0x10 not allowed") << V5 << hex("62 03 0001 10") << ProtocolErr;
    QTest::newRow("PUBCOMP v5 reason 0x80 not allowed") << V5 << hex("70 03 0001 80") << ProtocolErr;
    QTest::newRow("PUBACK v5 Topic Alias not allowed") << V5 << hex("40 07 0001 00 03 23 0001") << Malformed;
    QTest::newRow("PUBACK v5 duplicate Reason String")
        << V5 << hex("40 0c 0001 00 08 1f 0001 61 1f 0001 62") << ProtocolErr;
    QTest::newRow("PUBACK v5 property length beyond the packet")
        << V5 << hex("40 05 0001 00 05 1f") << Malformed;
    QTest::newRow("PUBACK v5 trailing byte") << V5 << hex("40 05 0001 00 00 00") << Malformed;

    // --- SUBSCRIBE ---------------------------------------------------------------
    QTest::newRow("SUBSCRIBE fixed header flags 0000") << V3 << packet(0x80, "0001 0001 61 00") << Malformed;
    QTest::newRow("SUBSCRIBE fixed header flags 0011")
        << V5 << packet(0x83, "0001 00 0001 61 00") << Malformed;
    QTest::newRow("SUBSCRIBE v311 no filter") << V3 << packet(0x82, "0001") << ProtocolErr;
    QTest::newRow("SUBSCRIBE v5 no filter") << V5 << packet(0x82, "0001 00") << ProtocolErr;
    QTest::newRow("SUBSCRIBE packet id 0") << V3 << packet(0x82, "0000 0001 61 00") << Malformed;
    QTest::newRow("SUBSCRIBE v311 options bit 2") << V3 << packet(0x82, "0001 0001 61 04") << Malformed;
    QTest::newRow("SUBSCRIBE v311 options bit 7") << V3 << packet(0x82, "0001 0001 61 80") << Malformed;
    QTest::newRow("SUBSCRIBE v311 QoS 3") << V3 << packet(0x82, "0001 0001 61 03") << Malformed;
    QTest::newRow("SUBSCRIBE v5 options bit 6") << V5 << packet(0x82, "0001 00 0001 61 40") << Malformed;
    QTest::newRow("SUBSCRIBE v5 options bit 7") << V5 << packet(0x82, "0001 00 0001 61 80") << Malformed;
    QTest::newRow("SUBSCRIBE v5 QoS 3") << V5 << packet(0x82, "0001 00 0001 61 03") << ProtocolErr;
    QTest::newRow("SUBSCRIBE v5 retain handling 3")
        << V5 << packet(0x82, "0001 00 0001 61 30") << ProtocolErr;
    QTest::newRow("SUBSCRIBE filter not UTF-8") << V3 << packet(0x82, "0001 0002 c0af 00") << Malformed;
    QTest::newRow("SUBSCRIBE second filter without options")
        << V3 << packet(0x82, "0001 0001 61 00 0001 62") << Malformed;
    QTest::newRow("SUBSCRIBE filter length beyond the packet")
        << V5 << packet(0x82, "0001 00 0009 61") << Malformed;
    QTest::newRow("SUBSCRIBE v5 two subscription identifiers")
        << V5 << packet(0x82, "0001 04 0b 01 0b 02 0001 61 00") << ProtocolErr;
    QTest::newRow("SUBSCRIBE v5 subscription identifier 0")
        << V5 << packet(0x82, "0001 02 0b 00 0001 61 00") << ProtocolErr;
    QTest::newRow("SUBSCRIBE v5 Topic Alias not allowed")
        << V5 << packet(0x82, "0001 03 23 0001 0001 61 00") << Malformed;

    // --- SUBACK, UNSUBSCRIBE, UNSUBACK --------------------------------------------
    QTest::newRow("SUBACK v311 return code 0x03") << V3 << hex("90 03 0001 03") << ProtocolErr;
    QTest::newRow("SUBACK v311 return code 0x8f") << V3 << hex("90 03 0001 8f") << ProtocolErr;
    QTest::newRow("SUBACK v5 reason 0x10") << V5 << hex("90 04 0001 00 10") << ProtocolErr;
    QTest::newRow("SUBACK fixed header flags") << V3 << hex("92 03 0001 00") << Malformed;
    QTest::newRow("SUBACK packet id 0") << V3 << hex("90 03 0000 00") << Malformed;
    QTest::newRow("UNSUBSCRIBE v311 no filter") << V3 << packet(0xa2, "0001") << ProtocolErr;
    QTest::newRow("UNSUBSCRIBE v5 no filter") << V5 << packet(0xa2, "0001 00") << ProtocolErr;
    QTest::newRow("UNSUBSCRIBE fixed header flags 0000") << V3 << packet(0xa0, "0001 0001 61") << Malformed;
    QTest::newRow("UNSUBSCRIBE packet id 0") << V5 << packet(0xa2, "0000 00 0001 61") << Malformed;
    QTest::newRow("UNSUBSCRIBE filter with surrogate") << V3 << packet(0xa2, "0001 0003 edbfbf") << Malformed;
    QTest::newRow("UNSUBSCRIBE filter truncated") << V3 << packet(0xa2, "0001 0003 61") << Malformed;
    QTest::newRow("UNSUBSCRIBE v5 Subscription Identifier not allowed")
        << V5 << packet(0xa2, "0001 02 0b 01 0001 61") << Malformed;
    QTest::newRow("UNSUBACK v311 remaining length 3") << V3 << hex("b0 03 0001 00") << Malformed;
    QTest::newRow("UNSUBACK v5 reason 0x01") << V5 << hex("b0 04 0001 00 01") << ProtocolErr;
    QTest::newRow("UNSUBACK v5 without property length") << V5 << hex("b0 02 0001") << Malformed;

    // --- PINGREQ, PINGRESP, DISCONNECT, AUTH ---------------------------------------
    QTest::newRow("PINGREQ with a body") << V3 << hex("c0 01 00") << Malformed;
    QTest::newRow("PINGREQ fixed header flags") << V5 << hex("c1 00") << Malformed;
    QTest::newRow("PINGRESP with a body") << V5 << hex("d0 01 00") << Malformed;
    QTest::newRow("PINGRESP fixed header flags") << V3 << hex("d8 00") << Malformed;
    QTest::newRow("DISCONNECT v311 with a body") << V3 << hex("e0 01 00") << Malformed;
    QTest::newRow("DISCONNECT fixed header flags") << V3 << hex("e1 00") << Malformed;
    QTest::newRow("DISCONNECT v5 fixed header flags") << V5 << hex("e2 00") << Malformed;
    QTest::newRow("DISCONNECT v5 reason 0x01") << V5 << hex("e0 01 01") << ProtocolErr;
    QTest::newRow("DISCONNECT v5 reason 0x84") << V5 << hex("e0 01 84") << ProtocolErr;
    QTest::newRow("DISCONNECT v5 Topic Alias not allowed") << V5 << hex("e0 05 00 03 23 0001") << Malformed;
    QTest::newRow("DISCONNECT v5 trailing byte") << V5 << hex("e0 03 00 00 00") << Malformed;
    QTest::newRow("DISCONNECT v5 Session Expiry truncated") << V5 << hex("e0 04 00 02 11 00") << Malformed;
    QTest::newRow("AUTH in 3.1.1") << V3 << hex("f0 00") << ProtocolErr;
    QTest::newRow("AUTH v5 reason 0x00 is fine, 0x01 is not") << V5 << hex("f0 01 01") << ProtocolErr;
    QTest::newRow("AUTH v5 fixed header flags") << V5 << hex("f1 00") << Malformed;
    QTest::newRow("AUTH v5 Session Expiry not allowed") << V5 << hex("f0 07 18 05 11 00000001") << Malformed;
    QTest::newRow("AUTH v5 duplicate Authentication Data")
        << V5 << hex("f0 0a 18 08 16 0001 61 16 0001 62") << ProtocolErr;
}

void TestMalformed::refused()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QByteArray, bytes);
    QFETCH(ReasonCode, expected);

    const Decoded d = decodeOne(bytes, version);
    QVERIFY2(d.framed, "the bytes of a test row must frame as one packet");
    QVERIFY2(!d.ok, QByteArray("accepted: " + describe(d.packet)).constData());
    QVERIFY2(d.error.reasonCode == expected,
             QByteArray("got 0x" + QByteArray::number(quint8(d.error.reasonCode), 16) + " (" +
                        d.error.message + "), expected 0x" + QByteArray::number(quint8(expected), 16))
                 .constData());
    QVERIFY(!d.error.message.isEmpty());
}

void TestMalformed::accepted_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Packet>("expected");

    ConnectPacket passwordOnly;
    passwordOnly.clientId = "c";
    passwordOnly.password = "pw";
    QTest::newRow("CONNECT v5 password without user name")
        << V5 << packet(0x10, "0004 4d515454 05 42 003c 00 0001 63 0002 7077") << Packet(passwordOnly);

    ConnectPacket emptyId;
    emptyId.version = V3;
    emptyId.clientId = "";
    emptyId.cleanStart = false;
    // 3.1.1 MQTT-3.1.3-8 makes the server refuse this with return code 2: that is the
    // session's decision, the packet itself is well-formed.
    QTest::newRow("CONNECT v311 empty client id, clean session 0")
        << V3 << packet(0x10, "0004 4d515454 04 00 003c 0000") << Packet(emptyId);

    PublishPacket alias{"", "hi", QoS::AtMostOnce, false, false, 0, {}};
    alias.properties.setInteger(Properties::TopicAlias, 1);
    QTest::newRow("PUBLISH v5 empty topic with alias")
        << V5 << packet(0x30, "0000 03 23 0001 6869") << Packet(alias);
    PublishPacket nulInPayload{"t", QByteArray("a\0b", 3), QoS::AtMostOnce, false, false, 0, {}};
    nulInPayload.properties.setInteger(Properties::PayloadFormatIndicator, 1);
    QTest::newRow("PUBLISH v5 U+0000 in a UTF-8 payload is well-formed")
        << V5 << publish5("02 01 01", "61 00 62") << Packet(nulInPayload);
    PublishPacket binary{"t", hex("fffe"), QoS::AtMostOnce, false, false, 0, {}};
    binary.properties.setInteger(Properties::PayloadFormatIndicator, 0);
    QTest::newRow("PUBLISH v5 binary payload, indicator 0")
        << V5 << publish5("02 01 00", "fffe") << Packet(binary);
    QTest::newRow("PUBLISH BOM kept in topic (MQTT-1.5.4-3)")
        << V3 << packet(0x30, "0004 efbbbf61")
        << Packet(PublishPacket{hex("efbbbf61"), "", QoS::AtMostOnce, false, false, 0, {}});
    QTest::newRow("PUBLISH four-byte UTF-8 in topic")
        << V3 << packet(0x30, "0004 f09f9880")
        << Packet(PublishPacket{hex("f09f9880"), "", QoS::AtMostOnce, false, false, 0, {}});
    QTest::newRow("PUBLISH U+10FFFF in topic")
        << V3 << packet(0x30, "0004 f48fbfbf")
        << Packet(PublishPacket{hex("f48fbfbf"), "", QoS::AtMostOnce, false, false, 0, {}});
    Properties sameName;
    sameName.addUserProperty("a", "1");
    sameName.addUserProperty("a", "2");
    QTest::newRow("PUBLISH v5 repeated user property")
        << V5 << publish5("0e 26 0001 61 0001 31 26 0001 61 0001 32")
        << Packet(PublishPacket{"t", "", QoS::AtMostOnce, false, false, 0, sameName});

    QTest::newRow("PUBACK v5 remaining length 2")
        << V5 << hex("40 02 0009") << Packet(PubAckPacket{PacketType::Puback, 9, ReasonCode::Success, {}});
    QTest::newRow("PUBREL v5 remaining length 3")
        << V5 << hex("62 03 0009 92")
        << Packet(PubAckPacket{PacketType::Pubrel, 9, ReasonCode::PacketIdentifierNotFound, {}});
    QTest::newRow("DISCONNECT v5 remaining length 0") << V5 << hex("e0 00") << Packet(DisconnectPacket{});
    QTest::newRow("AUTH v5 remaining length 0") << V5 << hex("f0 00") << Packet(AuthPacket{});

    // Filters are only checked for UTF-8: the session answers SUBACK 0x8F per filter.
    SubscribePacket odd;
    odd.packetId = 1;
    odd.subscriptions = {{"", QoS::AtMostOnce, false, false, 0},
                         {"a/#/b", QoS::AtLeastOnce, false, false, 0},
                         {"sp+rt", QoS::ExactlyOnce, false, false, 0}};
    QTest::newRow("SUBSCRIBE empty filter and misplaced wildcards")
        << V3 << packet(0x82, "0001 0000 00 0005 612f232f62 01 0005 73702b7274 02") << Packet(odd);
    QTest::newRow("UNSUBSCRIBE empty filter")
        << V5 << packet(0xa2, "0001 00 0000") << Packet(UnsubscribePacket{1, {""}, {}});
    QTest::newRow("SUBACK v5 empty list") << V5 << hex("90 03 0001 00") << Packet(SubackPacket{1, {}, {}});

    // A Remaining Length that is not minimal but within 4 bytes is tolerated.
    QTest::newRow("PINGREQ with a 2-byte remaining length of 0")
        << V3 << hex("c0 80 00") << Packet(PingreqPacket{});
}

void TestMalformed::accepted()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QByteArray, bytes);
    QFETCH(Packet, expected);
    const Decoded d = decodeOne(bytes, version);
    QVERIFY(d.framed);
    QVERIFY2(d.ok, d.error.message.constData());
    QVERIFY2(d.packet == expected, mismatch(d.packet, expected).constData());
}

void TestMalformed::errorMessageNamesThePacket()
{
    const Decoded d = decodeOne(packet(0x10, "0004 4d515454 04 82 003c 0001 63 0004 73656372 00"), V3);
    QVERIFY(!d.ok);
    QVERIFY2(d.error.message.startsWith("CONNECT"), d.error.message.constData());
    // The message says what was wrong, never what the client sent.
    QVERIFY(!d.error.message.contains("secr"));
}

QTEST_APPLESS_MAIN(TestMalformed)
#include "tst_malformed.moc"
