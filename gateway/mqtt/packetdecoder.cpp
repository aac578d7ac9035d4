#include "packetdecoder.h"

#include "bytereader.h"
#include "propertycodec.h"
#include "topic.h"

#include <algorithm>
#include <iterator>

namespace drover::mqtt {

namespace {

// Reason codes each v5 packet may carry (spec 2.4 and the tables of 3.x). A decoder on
// either side accepts exactly these; anything else is a Protocol Error.
constexpr quint8 kConnackCodes[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                                    0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr quint8 kPubackCodes[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99}; // and PUBREC
constexpr quint8 kPubrelCodes[] = {0x00, 0x92};                                           // and PUBCOMP
constexpr quint8 kSubackCodes[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr quint8 kSubackCodesV3[] = {0x00, 0x01, 0x02, 0x80};
constexpr quint8 kUnsubackCodes[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr quint8 kDisconnectCodes[] = {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                       0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                       0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr quint8 kAuthCodes[] = {0x00, 0x18, 0x19};

template <size_t N> bool isOneOf(const quint8 (&codes)[N], quint8 code)
{
    return std::find(std::begin(codes), std::end(codes), code) != std::end(codes);
}

bool hasWildcard(QByteArrayView topic)
{
    return std::any_of(topic.begin(), topic.end(), [](char c) { return c == '+' || c == '#'; });
}

// State of one decode call: the cursor, the version and where errors go.
struct Context {
    ByteReader reader;
    PacketType type;
    quint8 flags;
    bool v5;
    DecodeError &error;

    bool fail(ReasonCode code, const QByteArray &what)
    {
        error.reasonCode = code;
        error.message = QByteArray(packetTypeName(type)) + ": " + what;
        return false;
    }
    bool malformed(const QByteArray &what) { return fail(ReasonCode::MalformedPacket, what); }
    bool protocolError(const QByteArray &what) { return fail(ReasonCode::ProtocolError, what); }

    bool expectFlags(quint8 expected)
    {
        // MQTT-2.1.3-1: reserved flag bits must have the listed value, else malformed.
        if (flags != expected)
            return malformed("reserved fixed header flags are 0x" + QByteArray::number(flags, 16));
        return true;
    }
    bool byte(quint8 &value, const char *field)
    {
        return reader.readByte(value) || malformed(QByteArray(field) + " is truncated");
    }
    bool uint16(quint16 &value, const char *field)
    {
        return reader.readUint16(value) || malformed(QByteArray(field) + " is truncated");
    }
    bool packetId(quint16 &value)
    {
        if (!uint16(value, "Packet Identifier"))
            return false;
        // MQTT-2.2.1-3 (3.1.1: MQTT-2.3.1-1); acknowledgements echo an identifier that
        // can never have been 0 (MQTT-2.2.1-5, MQTT-2.2.1-6).
        if (value == 0)
            return malformed("Packet Identifier is 0");
        return true;
    }
    bool string(QByteArray &value, const char *field)
    {
        QByteArrayView bytes;
        if (!reader.readLengthPrefixed(bytes))
            return malformed(QByteArray(field) + " is truncated");
        if (!isValidUtf8String(bytes)) // MQTT-1.5.4-1, MQTT-1.5.4-2 (3.1.1: MQTT-1.5.3-1, MQTT-1.5.3-2)
            return malformed(QByteArray(field) + " is not a valid UTF-8 string");
        value = bytes.toByteArray();
        return true;
    }
    bool binary(QByteArray &value, const char *field)
    {
        QByteArrayView bytes;
        if (!reader.readLengthPrefixed(bytes))
            return malformed(QByteArray(field) + " is truncated");
        value = bytes.toByteArray();
        return true;
    }
    bool properties(Properties &properties, bool will = false)
    {
        return PropertyCodec::read(reader, type, will, properties, error);
    }
    bool end()
    {
        // The Remaining Length covers exactly the fields (spec 2.1.4): extra bytes cannot be
        // parsed, which is what a Malformed Packet is (spec 1.2).
        return reader.atEnd() ||
               malformed(QByteArray::number(reader.remaining()) + " bytes after the last field");
    }
};

bool decodeConnect(Context &c, Packet &packet)
{
    if (!c.expectFlags(0))
        return false;
    QByteArrayView name;
    if (!c.reader.readLengthPrefixed(name))
        return c.malformed("Protocol Name is truncated");
    quint8 level = 0;
    if (!c.byte(level, "Protocol Level"))
        return false;
    // MQTT-3.1.2-1: the name is "MQTT"; MQTT 3.1's "MQIsdp" is not spoken here.
    if (name != "MQTT")
        return c.fail(ReasonCode::UnsupportedProtocolVersion, "protocol name is not MQTT");
    // MQTT-3.1.2-2: levels other than 4 (3.1.1) and 5 are refused with 0x84 / return code 1.
    if (level != 4 && level != 5)
        return c.fail(ReasonCode::UnsupportedProtocolVersion,
                      "unsupported protocol level " + QByteArray::number(level));
    c.v5 = level == 5;

    ConnectPacket p;
    p.version = c.v5 ? ProtocolVersion::V5 : ProtocolVersion::V311;
    quint8 connectFlags = 0;
    if (!c.byte(connectFlags, "Connect Flags"))
        return false;
    if (connectFlags & 0x01) // MQTT-3.1.2-3
        return c.malformed("reserved Connect Flags bit is set");
    p.cleanStart = connectFlags & 0x02;
    const bool willFlag = connectFlags & 0x04;
    const quint8 willQoS = (connectFlags >> 3) & 0x03;
    const bool willRetain = connectFlags & 0x20;
    const bool passwordFlag = connectFlags & 0x40;
    const bool usernameFlag = connectFlags & 0x80;
    if (!willFlag && willQoS != 0) // MQTT-3.1.2-11 (3.1.1: MQTT-3.1.2-13)
        return c.malformed("Will QoS set without a Will");
    if (willQoS == 3) // MQTT-3.1.2-12 (3.1.1: MQTT-3.1.2-14)
        return c.malformed("Will QoS is 3");
    if (!willFlag && willRetain) // MQTT-3.1.2-13 (3.1.1: MQTT-3.1.2-15)
        return c.malformed("Will Retain set without a Will");
    if (!c.v5 && passwordFlag && !usernameFlag) // 3.1.1: MQTT-3.1.2-22; 5.0 allows it (spec 3.1.2.9)
        return c.malformed(
            "Password Flag set without User Name Flag (in MQTT 3.1.1 an access token goes in the user name)");
    if (!c.uint16(p.keepAlive, "Keep Alive"))
        return false;
    if (c.v5 && !c.properties(p.properties))
        return false;

    if (!c.string(p.clientId, "Client Identifier")) // MQTT-3.1.3-4
        return false;
    if (willFlag) {
        Will will;
        will.qos = static_cast<QoS>(willQoS);
        will.retain = willRetain;
        if (c.v5 && !c.properties(will.properties, true))
            return false;
        if (!c.string(will.topic, "Will Topic")) // MQTT-3.1.3-11 (3.1.1: MQTT-3.1.3-10)
            return false;
        if (!c.binary(will.payload, "Will Payload"))
            return false;
        p.will = std::move(will);
    }
    if (usernameFlag) {
        QByteArray username;
        if (!c.string(username, "User Name")) // MQTT-3.1.3-12 (3.1.1: MQTT-3.1.3-11)
            return false;
        p.username = std::move(username);
    }
    if (passwordFlag) {
        QByteArray password;
        if (!c.binary(password, "Password"))
            return false;
        p.password = std::move(password);
    }
    if (!c.end())
        return false;

    // Well-formed from here on; what remains are semantic refusals.
    // Spec 3.1.2.11.10: Authentication Data without an Authentication Method.
    if (p.properties.has(Properties::AuthenticationData) &&
        !p.properties.has(Properties::AuthenticationMethod))
        return c.protocolError("Authentication Data without Authentication Method");
    if (p.will) {
        // The Will Topic becomes a PUBLISH topic: the same rules apply (MQTT-3.3.2-2).
        if (hasWildcard(p.will->topic))
            return c.fail(ReasonCode::TopicNameInvalid, "Will Topic contains a wildcard");
        if (p.will->topic.isEmpty()) // MQTT-4.7.3-1; no Topic Alias in a Will
            return c.v5 ? c.fail(ReasonCode::TopicNameInvalid, "Will Topic is empty")
                        : c.malformed("Will Topic is empty");
        // Spec 3.1.3.2.3: a Will Payload declared UTF-8 that is not.
        if (c.v5 && p.will->properties.integer(Properties::PayloadFormatIndicator) == 1 &&
            !isWellFormedUtf8(p.will->payload))
            return c.fail(ReasonCode::PayloadFormatInvalid, "Will Payload is not UTF-8 as declared");
    }
    packet = std::move(p);
    return true;
}

bool decodeConnack(Context &c, Packet &packet)
{
    if (!c.expectFlags(0))
        return false;
    ConnackPacket p;
    quint8 ackFlags = 0;
    quint8 code = 0;
    if (!c.byte(ackFlags, "Connect Acknowledge Flags") || !c.byte(code, "Reason Code"))
        return false;
    if (ackFlags & 0xFE) // MQTT-3.2.2-1 (3.1.1: spec 3.2.2.1, bits 7-1 reserved)
        return c.malformed("reserved Connect Acknowledge Flags set");
    p.sessionPresent = ackFlags & 0x01;
    if (c.v5) {
        if (!isOneOf(kConnackCodes, code)) // MQTT-3.2.2-8
            return c.protocolError("reason code 0x" + QByteArray::number(code, 16) +
                                   " is not a CONNACK code");
        p.reasonCode = static_cast<ReasonCode>(code);
        if (!c.properties(p.properties))
            return false;
    } else {
        if (code > 5) // 3.1.1 spec 3.2.2.3: return codes 6-255 are reserved
            return c.protocolError("reserved return code " + QByteArray::number(code));
        p.reasonCode = fromV3ConnackCode(static_cast<ConnackReturnCodeV3>(code));
    }
    if (!c.end())
        return false;
    if (p.sessionPresent && p.reasonCode != ReasonCode::Success) // MQTT-3.2.2-6 (3.1.1: MQTT-3.2.2-4)
        return c.protocolError("Session Present set on a refused connection");
    packet = std::move(p);
    return true;
}

bool decodePublish(Context &c, Packet &packet)
{
    PublishPacket p;
    const quint8 qos = (c.flags >> 1) & 0x03;
    if (qos == 3) // MQTT-3.3.1-4
        return c.malformed("QoS is 3");
    p.qos = static_cast<QoS>(qos);
    p.dup = c.flags & 0x08;
    p.retain = c.flags & 0x01;
    if (p.dup && p.qos == QoS::AtMostOnce) // MQTT-3.3.1-2
        return c.malformed("DUP set on a QoS 0 message");

    QByteArrayView topic;
    if (!c.reader.readLengthPrefixed(topic))
        return c.malformed("Topic Name is truncated");
    if (!isValidUtf8String(topic)) // MQTT-3.3.2-1
        return c.malformed("Topic Name is not a valid UTF-8 string");
    if (p.qos != QoS::AtMostOnce && !c.packetId(p.packetId)) // MQTT-2.2.1-2: only for QoS > 0
        return false;
    if (c.v5 && !c.properties(p.properties))
        return false;
    const QByteArrayView payload = c.reader.readRest(); // spec 3.3.3: the rest, may be empty

    if (hasWildcard(topic)) // MQTT-3.3.2-2
        return c.fail(ReasonCode::TopicNameInvalid, "Topic Name contains a wildcard");
    if (topic.isEmpty()) {
        // Spec 3.3.2.3.4: v5 may send an empty name with a Topic Alias; 3.1.1 never
        // (MQTT-4.7.3-1).
        if (!c.v5)
            return c.malformed("Topic Name is empty");
        if (!p.properties.has(Properties::TopicAlias))
            return c.fail(ReasonCode::TopicNameInvalid, "Topic Name is empty without a Topic Alias");
    }
    // Spec 3.3.2.3.2: a payload declared UTF-8 must be well-formed UTF-8.
    if (c.v5 && p.properties.integer(Properties::PayloadFormatIndicator) == 1 && !isWellFormedUtf8(payload))
        return c.fail(ReasonCode::PayloadFormatInvalid, "Payload is not UTF-8 as declared");
    p.topic = topic.toByteArray();
    p.payload = payload.toByteArray();
    packet = std::move(p);
    return true;
}

bool decodePubAck(Context &c, Packet &packet)
{
    // MQTT-3.6.1-1: PUBREL's flags are 0010; MQTT-2.1.3-1: the others are 0.
    if (!c.expectFlags(c.type == PacketType::Pubrel ? 0x02 : 0x00))
        return false;
    PubAckPacket p;
    p.type = c.type;
    if (!c.packetId(p.packetId))
        return false;
    if (c.v5 && !c.reader.atEnd()) {
        // Spec 3.4.2.1: with a Remaining Length of 2 the reason is Success; spec 3.4.2.2.1:
        // below 4 there is no Property Length.
        quint8 code = 0;
        if (!c.byte(code, "Reason Code"))
            return false;
        const bool pubrelLike = c.type == PacketType::Pubrel || c.type == PacketType::Pubcomp;
        // MQTT-3.4.2-1, MQTT-3.5.2-1, MQTT-3.6.2-1, MQTT-3.7.2-1
        if (!(pubrelLike ? isOneOf(kPubrelCodes, code) : isOneOf(kPubackCodes, code)))
            return c.protocolError("reason code 0x" + QByteArray::number(code, 16) + " is not allowed");
        p.reasonCode = static_cast<ReasonCode>(code);
        if (!c.reader.atEnd() && !c.properties(p.properties))
            return false;
    }
    if (!c.end()) // 3.1.1: the Remaining Length is exactly 2
        return false;
    packet = std::move(p);
    return true;
}

bool decodeSubscribe(Context &c, Packet &packet)
{
    if (!c.expectFlags(0x02)) // MQTT-3.8.1-1
        return false;
    SubscribePacket p;
    if (!c.packetId(p.packetId))
        return false;
    if (c.v5 && !c.properties(p.properties))
        return false;
    // Only the string is checked here: an empty filter or a misplaced wildcard is answered
    // by the session with SUBACK 0x8F Topic Filter invalid for that entry alone.
    while (!c.reader.atEnd()) {
        SubscriptionRequest request;
        quint8 options = 0;
        if (!c.string(request.filter, "Topic Filter")) // MQTT-3.8.3-1
            return false;
        if (!c.byte(options, "Subscription Options"))
            return false;
        const quint8 qos = options & 0x03;
        if (c.v5) {
            if (options & 0xC0) // MQTT-3.8.3-5
                return c.malformed("reserved Subscription Options bits set");
            if (qos == 3) // spec 3.8.3.1: "It is a Protocol Error if the Maximum QoS field has the value 3"
                return c.protocolError("Maximum QoS is 3");
            request.noLocal = options & 0x04;
            request.retainAsPublished = options & 0x08;
            request.retainHandling = (options >> 4) & 0x03;
            if (request.retainHandling == 3) // spec 3.8.3.1: Retain Handling 3 is a Protocol Error
                return c.protocolError("Retain Handling is 3");
        } else if ((options & 0xFC) || qos == 3) { // 3.1.1: MQTT-3.8.3-4
            return c.malformed("reserved Requested QoS bits set or QoS 3");
        }
        request.maximumQoS = static_cast<QoS>(qos);
        p.subscriptions.append(std::move(request));
    }
    if (p.subscriptions.isEmpty()) // MQTT-3.8.3-2 (3.1.1: MQTT-3.8.3-3)
        return c.protocolError("no Topic Filter");
    packet = std::move(p);
    return true;
}

bool decodeSuback(Context &c, Packet &packet)
{
    if (!c.expectFlags(0))
        return false;
    SubackPacket p;
    if (!c.packetId(p.packetId))
        return false;
    if (c.v5 && !c.properties(p.properties))
        return false;
    const QByteArrayView codes = c.reader.readRest();
    p.reasonCodes.reserve(codes.size());
    for (char ch : codes) {
        const quint8 code = quint8(ch);
        // MQTT-3.9.3-2 (3.1.1: MQTT-3.9.3-2, only 0x00, 0x01, 0x02, 0x80)
        if (!(c.v5 ? isOneOf(kSubackCodes, code) : isOneOf(kSubackCodesV3, code)))
            return c.protocolError("reason code 0x" + QByteArray::number(code, 16) + " is not a SUBACK code");
        p.reasonCodes.append(static_cast<ReasonCode>(code));
    }
    packet = std::move(p);
    return true;
}

bool decodeUnsubscribe(Context &c, Packet &packet)
{
    if (!c.expectFlags(0x02)) // MQTT-3.10.1-1
        return false;
    UnsubscribePacket p;
    if (!c.packetId(p.packetId))
        return false;
    if (c.v5 && !c.properties(p.properties))
        return false;
    while (!c.reader.atEnd()) {
        QByteArray filter;
        if (!c.string(filter, "Topic Filter")) // MQTT-3.10.3-1
            return false;
        p.filters.append(std::move(filter));
    }
    if (p.filters.isEmpty()) // MQTT-3.10.3-2
        return c.protocolError("no Topic Filter");
    packet = std::move(p);
    return true;
}

bool decodeUnsuback(Context &c, Packet &packet)
{
    if (!c.expectFlags(0))
        return false;
    UnsubackPacket p;
    if (!c.packetId(p.packetId))
        return false;
    if (c.v5) {
        if (!c.properties(p.properties))
            return false;
        const QByteArrayView codes = c.reader.readRest();
        p.reasonCodes.reserve(codes.size());
        for (char ch : codes) {
            const quint8 code = quint8(ch);
            if (!isOneOf(kUnsubackCodes, code)) // MQTT-3.11.3-2
                return c.protocolError("reason code 0x" + QByteArray::number(code, 16) +
                                       " is not an UNSUBACK code");
            p.reasonCodes.append(static_cast<ReasonCode>(code));
        }
    }
    if (!c.end()) // 3.1.1: the Remaining Length is exactly 2
        return false;
    packet = std::move(p);
    return true;
}

bool decodeDisconnectOrAuth(Context &c, Packet &packet)
{
    const bool auth = c.type == PacketType::Auth;
    if (auth && !c.v5) // AUTH does not exist in 3.1.1, where type 15 is reserved
        return c.protocolError("AUTH is not part of MQTT 3.1.1");
    if (!c.expectFlags(0)) // MQTT-3.14.1-1, MQTT-3.15.1-1
        return false;
    ReasonCode reason = ReasonCode::Success;
    Properties properties;
    // Spec 3.14.2.1, 3.15.2.1: a Remaining Length of 0 means Success without properties;
    // spec 3.14.2.2.1: below 2 there is no Property Length (accepted for AUTH as well).
    if (c.v5 && !c.reader.atEnd()) {
        quint8 code = 0;
        if (!c.byte(code, "Reason Code"))
            return false;
        if (!(auth ? isOneOf(kAuthCodes, code)
                   : isOneOf(kDisconnectCodes, code))) // MQTT-3.14.2-1, MQTT-3.15.2-1
            return c.protocolError("reason code 0x" + QByteArray::number(code, 16) + " is not allowed");
        reason = static_cast<ReasonCode>(code);
        if (!c.reader.atEnd() && !c.properties(properties))
            return false;
    }
    if (!c.end()) // 3.1.1: the Remaining Length is 0
        return false;
    if (auth)
        packet = AuthPacket{reason, std::move(properties)};
    else
        packet = DisconnectPacket{reason, std::move(properties)};
    return true;
}

} // namespace

bool PacketDecoder::decode(const Frame &frame, ProtocolVersion version, Packet &packet, DecodeError &error)
{
    Context c{ByteReader(frame.body), frame.type, frame.flags, version == ProtocolVersion::V5, error};
    switch (frame.type) {
    case PacketType::Connect:
        return decodeConnect(c, packet);
    case PacketType::Connack:
        return decodeConnack(c, packet);
    case PacketType::Publish:
        return decodePublish(c, packet);
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
        return decodePubAck(c, packet);
    case PacketType::Subscribe:
        return decodeSubscribe(c, packet);
    case PacketType::Suback:
        return decodeSuback(c, packet);
    case PacketType::Unsubscribe:
        return decodeUnsubscribe(c, packet);
    case PacketType::Unsuback:
        return decodeUnsuback(c, packet);
    case PacketType::Pingreq:
    case PacketType::Pingresp:
        // Spec 3.12, 3.13: no variable header, no payload.
        if (!c.expectFlags(0) || !c.end())
            return false;
        if (frame.type == PacketType::Pingreq)
            packet = PingreqPacket{};
        else
            packet = PingrespPacket{};
        return true;
    case PacketType::Disconnect:
    case PacketType::Auth:
        return decodeDisconnectOrAuth(c, packet);
    }
    return c.malformed("reserved packet type"); // spec 2.1.2
}

std::optional<ProtocolVersion> PacketDecoder::connectVersion(const Frame &frame)
{
    if (frame.type != PacketType::Connect)
        return std::nullopt;
    ByteReader reader(frame.body);
    QByteArrayView name;
    quint8 level = 0;
    if (!reader.readLengthPrefixed(name) || !reader.readByte(level) || name != "MQTT")
        return std::nullopt;
    if (level == 4)
        return ProtocolVersion::V311;
    if (level == 5)
        return ProtocolVersion::V5;
    return std::nullopt;
}

} // namespace drover::mqtt
