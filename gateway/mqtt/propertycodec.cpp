#include "propertycodec.h"

#include "topic.h"

#include <array>

namespace drover::mqtt {

namespace {

using P = Properties;
using T = PropertyCodec::DataType;

constexpr quint32 bit(PacketType type)
{
    return PropertyCodec::packetBit(type);
}

constexpr quint32 Will = PropertyCodec::WillProperties;
constexpr quint32 Connect = bit(PacketType::Connect);
constexpr quint32 Connack = bit(PacketType::Connack);
constexpr quint32 Publish = bit(PacketType::Publish);
constexpr quint32 PubAcks =
    bit(PacketType::Puback) | bit(PacketType::Pubrec) | bit(PacketType::Pubrel) | bit(PacketType::Pubcomp);
constexpr quint32 Subscribe = bit(PacketType::Subscribe);
constexpr quint32 Suback = bit(PacketType::Suback);
constexpr quint32 Unsubscribe = bit(PacketType::Unsubscribe);
constexpr quint32 Unsuback = bit(PacketType::Unsuback);
constexpr quint32 Disconnect = bit(PacketType::Disconnect);
constexpr quint32 Auth = bit(PacketType::Auth);
constexpr quint32 Everywhere = Will | Connect | Connack | Publish | PubAcks | Subscribe | Suback |
                               Unsubscribe | Unsuback | Disconnect | Auth;

// Spec 2.2.2.2, Table 2-4: identifier, type, where it may appear. Only User Property may
// always repeat; Subscription Identifier repeats in PUBLISH only (spec 3.3.2.3.8, 3.8.2.1.2).
constexpr PropertyCodec::Info kTable[] = {
    {P::PayloadFormatIndicator, T::Byte, Publish | Will, 0, "Payload Format Indicator"},
    {P::MessageExpiryInterval, T::FourByteInteger, Publish | Will, 0, "Message Expiry Interval"},
    {P::ContentType, T::Utf8String, Publish | Will, 0, "Content Type"},
    {P::ResponseTopic, T::Utf8String, Publish | Will, 0, "Response Topic"},
    {P::CorrelationData, T::BinaryData, Publish | Will, 0, "Correlation Data"},
    {P::SubscriptionIdentifier, T::VariableByteInteger, Publish | Subscribe, Publish,
     "Subscription Identifier"},
    {P::SessionExpiryInterval, T::FourByteInteger, Connect | Connack | Disconnect, 0,
     "Session Expiry Interval"},
    {P::AssignedClientIdentifier, T::Utf8String, Connack, 0, "Assigned Client Identifier"},
    {P::ServerKeepAlive, T::TwoByteInteger, Connack, 0, "Server Keep Alive"},
    {P::AuthenticationMethod, T::Utf8String, Connect | Connack | Auth, 0, "Authentication Method"},
    {P::AuthenticationData, T::BinaryData, Connect | Connack | Auth, 0, "Authentication Data"},
    {P::RequestProblemInformation, T::Byte, Connect, 0, "Request Problem Information"},
    {P::WillDelayInterval, T::FourByteInteger, Will, 0, "Will Delay Interval"},
    {P::RequestResponseInformation, T::Byte, Connect, 0, "Request Response Information"},
    {P::ResponseInformation, T::Utf8String, Connack, 0, "Response Information"},
    {P::ServerReference, T::Utf8String, Connack | Disconnect, 0, "Server Reference"},
    {P::ReasonString, T::Utf8String, Connack | PubAcks | Suback | Unsuback | Disconnect | Auth, 0,
     "Reason String"},
    {P::ReceiveMaximum, T::TwoByteInteger, Connect | Connack, 0, "Receive Maximum"},
    {P::TopicAliasMaximum, T::TwoByteInteger, Connect | Connack, 0, "Topic Alias Maximum"},
    {P::TopicAlias, T::TwoByteInteger, Publish, 0, "Topic Alias"},
    {P::MaximumQoS, T::Byte, Connack, 0, "Maximum QoS"},
    {P::RetainAvailable, T::Byte, Connack, 0, "Retain Available"},
    {P::UserProperty, T::Utf8StringPair, Everywhere, Everywhere, "User Property"},
    {P::MaximumPacketSize, T::FourByteInteger, Connect | Connack, 0, "Maximum Packet Size"},
    {P::WildcardSubscriptionAvailable, T::Byte, Connack, 0, "Wildcard Subscription Available"},
    {P::SubscriptionIdentifierAvailable, T::Byte, Connack, 0, "Subscription Identifier Available"},
    {P::SharedSubscriptionAvailable, T::Byte, Connack, 0, "Shared Subscription Available"},
};

constexpr quint32 kMaxId = 0x2A;

const std::array<const PropertyCodec::Info *, kMaxId + 1> &lookup()
{
    static const auto table = [] {
        std::array<const PropertyCodec::Info *, kMaxId + 1> byId{};
        for (const auto &info : kTable)
            byId[info.id] = &info;
        return byId;
    }();
    return table;
}

bool fail(DecodeError &error, ReasonCode code, const QByteArray &where, const QByteArray &what)
{
    error.reasonCode = code;
    error.message = where + ": " + what;
    return false;
}

QByteArray describe(const PropertyCodec::Info &info)
{
    return QByteArray(info.name) + " (0x" + QByteArray::number(info.id, 16) + ')';
}

// Range rules the spec states as "It is a Protocol Error to ... have a value other than".
bool valueInRange(Properties::Id id, quint32 value)
{
    switch (id) {
    case P::PayloadFormatIndicator:          // spec 3.3.2.3.2: 0 or 1
    case P::RequestProblemInformation:       // spec 3.1.2.11.7
    case P::RequestResponseInformation:      // spec 3.1.2.11.6
    case P::MaximumQoS:                      // spec 3.2.2.3.4
    case P::RetainAvailable:                 // spec 3.2.2.3.5
    case P::WildcardSubscriptionAvailable:   // spec 3.2.2.3.11
    case P::SubscriptionIdentifierAvailable: // spec 3.2.2.3.12
    case P::SharedSubscriptionAvailable:     // spec 3.2.2.3.13
        return value <= 1;
    case P::ReceiveMaximum:         // spec 3.1.2.11.3, 3.2.2.3.3: 0 is a Protocol Error
    case P::MaximumPacketSize:      // spec 3.1.2.11.4, 3.2.2.3.6
    case P::TopicAlias:             // MQTT-3.3.2-8
    case P::SubscriptionIdentifier: // spec 3.3.2.3.8, 3.8.2.1.2: 1 to 268,435,455
        return value != 0;
    default:
        return true;
    }
}

} // namespace

const PropertyCodec::Info *PropertyCodec::info(quint32 id)
{
    return id <= kMaxId ? lookup()[id] : nullptr;
}

bool PropertyCodec::read(ByteReader &reader, PacketType type, bool will, Properties &properties,
                         DecodeError &error)
{
    const QByteArray where = will ? QByteArray("CONNECT will properties") : QByteArray(packetTypeName(type));
    quint32 length = 0;
    if (!reader.readVarint(length))
        return fail(error, ReasonCode::MalformedPacket, where, "bad property length"); // spec 2.2.2.1
    QByteArrayView block;
    if (!reader.readBytes(length, block))
        return fail(error, ReasonCode::MalformedPacket, where, "property length exceeds the packet");

    const quint32 context = will ? WillProperties : packetBit(type);
    ByteReader in(block);
    while (!in.atEnd()) {
        quint32 id = 0;
        if (!in.readVarint(id))
            return fail(error, ReasonCode::MalformedPacket, where, "bad property identifier");
        const Info *meta = info(id);
        if (!meta) // spec 2.2.2.2: unknown identifiers are not defined, hence malformed
            return fail(error, ReasonCode::MalformedPacket, where,
                        "unknown property identifier 0x" + QByteArray::number(id, 16));
        if (!(meta->allowedIn & context)) // spec 2.2.2.2: a property not listed for the packet
            return fail(error, ReasonCode::MalformedPacket, where, describe(*meta) + " not allowed here");
        if (!(meta->repeatableIn & context) && properties.has(meta->id)) // "more than once" rules
            return fail(error, ReasonCode::ProtocolError, where,
                        describe(*meta) + " included more than once");

        quint32 value = 0;
        QByteArrayView bytes;
        QByteArrayView second;
        bool ok = true;
        switch (meta->type) {
        case DataType::Byte: {
            quint8 b = 0;
            ok = in.readByte(b);
            value = b;
            break;
        }
        case DataType::TwoByteInteger: {
            quint16 v = 0;
            ok = in.readUint16(v);
            value = v;
            break;
        }
        case DataType::FourByteInteger:
            ok = in.readUint32(value);
            break;
        case DataType::VariableByteInteger:
            ok = in.readVarint(value);
            break;
        case DataType::BinaryData:
            ok = in.readLengthPrefixed(bytes);
            break;
        case DataType::Utf8String:
            ok = in.readLengthPrefixed(bytes);
            if (ok && !isValidUtf8String(bytes)) // MQTT-1.5.4-1, MQTT-1.5.4-2
                return fail(error, ReasonCode::MalformedPacket, where,
                            describe(*meta) + " is not valid UTF-8");
            break;
        case DataType::Utf8StringPair:
            ok = in.readLengthPrefixed(bytes) && in.readLengthPrefixed(second);
            if (ok && !(isValidUtf8String(bytes) && isValidUtf8String(second))) // MQTT-1.5.7-1
                return fail(error, ReasonCode::MalformedPacket, where,
                            describe(*meta) + " is not valid UTF-8");
            break;
        }
        if (!ok)
            return fail(error, ReasonCode::MalformedPacket, where, describe(*meta) + " is truncated");

        if (isInteger(meta->type)) {
            if (!valueInRange(meta->id, value))
                // Topic Alias 0 has its own reason code (spec 3.3.2.3.4, table 2-6: 0x94).
                return fail(error,
                            meta->id == P::TopicAlias ? ReasonCode::TopicAliasInvalid
                                                      : ReasonCode::ProtocolError,
                            where, describe(*meta) + " has the invalid value " + QByteArray::number(value));
            if (meta->id == P::SubscriptionIdentifier)
                properties.addSubscriptionIdentifier(value);
            else
                properties.setInteger(meta->id, value);
        } else if (meta->type == DataType::Utf8StringPair) {
            properties.addUserProperty(bytes.toByteArray(), second.toByteArray());
        } else {
            properties.setBytes(meta->id, bytes.toByteArray());
        }
    }
    return true;
}

namespace {
quint32 valueSize(const PropertyCodec::Info &info, const Properties &properties)
{
    switch (info.type) {
    case T::Byte:
        return 1;
    case T::TwoByteInteger:
        return 2;
    case T::FourByteInteger:
        return 4;
    case T::VariableByteInteger:
        return ByteWriter::varintSize(properties.integer(info.id));
    case T::Utf8String:
    case T::BinaryData:
        return 2 + quint32(properties.bytes(info.id).size());
    case T::Utf8StringPair:
        break; // handled by the callers
    }
    return 0;
}
} // namespace

quint32 PropertyCodec::blockSize(const Properties &properties)
{
    quint32 size = 0;
    for (quint32 id : properties.subscriptionIdentifiers())
        size += 1 + ByteWriter::varintSize(id);
    for (const auto &[name, value] : properties.userProperties())
        size += 1 + 2 + quint32(name.size()) + 2 + quint32(value.size());
    for (Properties::Id id : properties.presentIds())
        size += 1 + valueSize(*info(id), properties);
    return size;
}

void PropertyCodec::writeBlock(ByteWriter &writer, const Properties &properties)
{
    // Ascending identifier order: not required by the spec, but deterministic bytes.
    for (const Info &meta : kTable) {
        if (meta.id == P::SubscriptionIdentifier) {
            for (quint32 id : properties.subscriptionIdentifiers()) {
                writer.byte(meta.id);
                writer.varint(id);
            }
            continue;
        }
        if (meta.id == P::UserProperty) {
            for (const auto &[name, value] : properties.userProperties()) {
                writer.byte(meta.id);
                writer.lengthPrefixed(name);
                writer.lengthPrefixed(value);
            }
            continue;
        }
        if (!properties.has(meta.id))
            continue;
        writer.byte(meta.id);
        const quint32 value = isInteger(meta.type) ? properties.integer(meta.id) : 0;
        switch (meta.type) {
        case T::Byte:
            writer.byte(static_cast<quint8>(value));
            break;
        case T::TwoByteInteger:
            writer.uint16(static_cast<quint16>(value));
            break;
        case T::FourByteInteger:
            writer.uint32(value);
            break;
        case T::VariableByteInteger:
            writer.varint(value);
            break;
        case T::Utf8String:
        case T::BinaryData:
            writer.lengthPrefixed(properties.bytes(meta.id));
            break;
        case T::Utf8StringPair:
            break;
        }
    }
}

} // namespace drover::mqtt
