#include "packetencoder.h"

#include "bytewriter.h"
#include "propertycodec.h"

namespace drover::mqtt {

namespace {

using W = ByteWriter;

// What measuring found out, reused while writing so that nothing is counted twice.
struct Layout {
    quint32 remaining = 0;      // Remaining Length of the fixed header
    quint32 properties = 0;     // v5 property block of the packet, without its length
    quint32 willProperties = 0; // v5 will property block of a CONNECT
};

// A v5 property section: the Property Length followed by the block.
quint32 section(quint32 block)
{
    return W::varintSize(block) + block;
}
quint32 str(const QByteArray &bytes)
{
    return 2 + quint32(bytes.size());
}

// 3.1.1 SUBACK knows only 0x00, 0x01, 0x02 and the failure 0x80 (MQTT-3.9.3-2).
quint8 v3SubackCode(ReasonCode code)
{
    return isError(code) ? 0x80 : static_cast<quint8>(code);
}

bool shortPubAck(const PubAckPacket &p) // spec 3.4.2.1: Success without properties is 2 bytes
{
    return p.reasonCode == ReasonCode::Success && p.properties.isEmpty();
}

struct Measure {
    bool v5;
    Layout &layout;

    quint32 props(const Properties &properties)
    {
        if (!v5)
            return 0; // 3.1.1 has no properties
        layout.properties = PropertyCodec::blockSize(properties);
        return section(layout.properties);
    }

    quint32 operator()(const ConnectPacket &p)
    {
        quint32 size =
            6 + 1 + 1 + 2 + props(p.properties) + str(p.clientId); // "MQTT", level, flags, keep alive
        if (p.will) {
            if (v5) {
                layout.willProperties = PropertyCodec::blockSize(p.will->properties);
                size += section(layout.willProperties);
            }
            size += str(p.will->topic) + str(p.will->payload);
        }
        if (p.username)
            size += str(*p.username);
        if (p.password)
            size += str(*p.password);
        return size;
    }
    quint32 operator()(const ConnackPacket &p) { return 2 + props(p.properties); }
    quint32 operator()(const PublishPacket &p)
    {
        return str(p.topic) + (p.qos != QoS::AtMostOnce ? 2 : 0) + props(p.properties) +
               quint32(p.payload.size());
    }
    quint32 operator()(const PubAckPacket &p)
    {
        if (!v5 || shortPubAck(p))
            return 2;
        if (p.properties.isEmpty()) // spec 3.4.2.2.1: no Property Length below 4
            return 3;
        return 3 + props(p.properties);
    }
    quint32 operator()(const SubscribePacket &p)
    {
        quint32 size = 2 + props(p.properties);
        for (const auto &s : p.subscriptions)
            size += str(s.filter) + 1;
        return size;
    }
    quint32 operator()(const SubackPacket &p)
    {
        return 2 + props(p.properties) + quint32(p.reasonCodes.size());
    }
    quint32 operator()(const UnsubscribePacket &p)
    {
        quint32 size = 2 + props(p.properties);
        for (const auto &f : p.filters)
            size += str(f);
        return size;
    }
    quint32 operator()(const UnsubackPacket &p)
    {
        return 2 + (v5 ? props(p.properties) + quint32(p.reasonCodes.size()) : 0); // 3.1.1: no payload
    }
    quint32 operator()(const PingreqPacket &) { return 0; }
    quint32 operator()(const PingrespPacket &) { return 0; }
    quint32 operator()(const DisconnectPacket &p)
    {
        if (!v5 || (p.reasonCode == ReasonCode::Success && p.properties.isEmpty())) // spec 3.14.2.1
            return 0;
        return p.properties.isEmpty() ? 1 : 1 + props(p.properties); // spec 3.14.2.2.1
    }
    quint32 operator()(const AuthPacket &p)
    {
        if (p.reasonCode == ReasonCode::Success && p.properties.isEmpty()) // spec 3.15.2.1
            return 0;
        return 1 + props(p.properties);
    }
};

struct Write {
    bool v5;
    const Layout &layout;
    W &w;

    void props(const Properties &properties, quint32 block)
    {
        if (!v5)
            return; // 3.1.1 has no properties: they are dropped
        w.varint(block);
        PropertyCodec::writeBlock(w, properties);
    }

    quint8 operator()(const ConnectPacket &p)
    {
        w.lengthPrefixed("MQTT");
        w.byte(v5 ? 5 : 4);
        quint8 flags = p.cleanStart ? 0x02 : 0x00;
        if (p.will)
            flags |= 0x04 | quint8((quint8(p.will->qos) & 0x03) << 3) | (p.will->retain ? 0x20 : 0x00);
        if (p.password)
            flags |= 0x40;
        if (p.username)
            flags |= 0x80;
        w.byte(flags);
        w.uint16(p.keepAlive);
        props(p.properties, layout.properties);
        w.lengthPrefixed(p.clientId);
        if (p.will) {
            props(p.will->properties, layout.willProperties);
            w.lengthPrefixed(p.will->topic);
            w.lengthPrefixed(p.will->payload);
        }
        if (p.username)
            w.lengthPrefixed(*p.username);
        if (p.password)
            w.lengthPrefixed(*p.password);
        return 0x10;
    }
    quint8 operator()(const ConnackPacket &p)
    {
        w.byte(p.sessionPresent ? 0x01 : 0x00);
        w.byte(v5 ? static_cast<quint8>(p.reasonCode) : static_cast<quint8>(toV3ConnackCode(p.reasonCode)));
        props(p.properties, layout.properties);
        return 0x20;
    }
    quint8 operator()(const PublishPacket &p)
    {
        w.lengthPrefixed(p.topic);
        if (p.qos != QoS::AtMostOnce)
            w.uint16(p.packetId);
        props(p.properties, layout.properties);
        w.bytes(p.payload);
        return quint8(0x30 | (p.dup ? 0x08 : 0) | ((quint8(p.qos) & 0x03) << 1) | (p.retain ? 0x01 : 0));
    }
    quint8 operator()(const PubAckPacket &p)
    {
        w.uint16(p.packetId);
        if (v5 && !shortPubAck(p)) {
            w.byte(static_cast<quint8>(p.reasonCode));
            if (!p.properties.isEmpty())
                props(p.properties, layout.properties);
        }
        const quint8 type = static_cast<quint8>(p.type);
        return quint8(type << 4) | (p.type == PacketType::Pubrel ? 0x02 : 0x00); // MQTT-3.6.1-1
    }
    quint8 operator()(const SubscribePacket &p)
    {
        w.uint16(p.packetId);
        props(p.properties, layout.properties);
        for (const auto &s : p.subscriptions) {
            w.lengthPrefixed(s.filter);
            quint8 options = quint8(s.maximumQoS) & 0x03;
            if (v5) {
                options |= (s.noLocal ? 0x04 : 0) | (s.retainAsPublished ? 0x08 : 0) |
                           quint8((s.retainHandling & 0x03) << 4);
            }
            w.byte(options);
        }
        return 0x82; // MQTT-3.8.1-1
    }
    quint8 operator()(const SubackPacket &p)
    {
        w.uint16(p.packetId);
        props(p.properties, layout.properties);
        for (ReasonCode code : p.reasonCodes)
            w.byte(v5 ? static_cast<quint8>(code) : v3SubackCode(code));
        return 0x90;
    }
    quint8 operator()(const UnsubscribePacket &p)
    {
        w.uint16(p.packetId);
        props(p.properties, layout.properties);
        for (const auto &f : p.filters)
            w.lengthPrefixed(f);
        return 0xA2; // MQTT-3.10.1-1
    }
    quint8 operator()(const UnsubackPacket &p)
    {
        w.uint16(p.packetId);
        if (v5) {
            props(p.properties, layout.properties);
            for (ReasonCode code : p.reasonCodes)
                w.byte(static_cast<quint8>(code));
        }
        return 0xB0;
    }
    quint8 operator()(const PingreqPacket &) { return 0xC0; }
    quint8 operator()(const PingrespPacket &) { return 0xD0; }
    quint8 operator()(const DisconnectPacket &p)
    {
        if (layout.remaining > 0) {
            w.byte(static_cast<quint8>(p.reasonCode));
            if (layout.remaining > 1)
                props(p.properties, layout.properties);
        }
        return 0xE0;
    }
    quint8 operator()(const AuthPacket &p)
    {
        if (layout.remaining > 0) {
            w.byte(static_cast<quint8>(p.reasonCode));
            props(p.properties, layout.properties);
        }
        return 0xF0;
    }
};

// CONNECT carries its own version (as the decoder reports it); all else follows the connection.
bool isV5(const Packet &packet, ProtocolVersion version)
{
    if (const auto *connect = std::get_if<ConnectPacket>(&packet))
        return connect->version == ProtocolVersion::V5;
    return version == ProtocolVersion::V5;
}

// AUTH has no 3.1.1 form: nothing is written for it.
bool encodable(const Packet &packet, bool v5)
{
    return v5 || !std::holds_alternative<AuthPacket>(packet);
}

quint32 measure(const Packet &packet, bool v5, Layout &layout)
{
    layout.remaining = std::visit(Measure{v5, layout}, packet);
    return 1 + W::varintSize(layout.remaining) + layout.remaining;
}

void write(char *out, const Packet &packet, bool v5, const Layout &layout)
{
    // The body is written after the fixed header, whose first byte depends on the packet.
    W body(out + 1 + W::varintSize(layout.remaining));
    const quint8 first = std::visit(Write{v5, layout, body}, packet);
    W head(out);
    head.byte(first);
    head.varint(layout.remaining);
}

} // namespace

QByteArray PacketEncoder::encode(const Packet &packet, ProtocolVersion version)
{
    const bool v5 = isV5(packet, version);
    if (!encodable(packet, v5))
        return QByteArray();
    Layout layout;
    const quint32 size = measure(packet, v5, layout);
    QByteArray out(qsizetype(size), Qt::Uninitialized);
    write(out.data(), packet, v5, layout);
    return out;
}

void PacketEncoder::append(QByteArray &out, const Packet &packet, ProtocolVersion version)
{
    const bool v5 = isV5(packet, version);
    if (!encodable(packet, v5))
        return;
    Layout layout;
    const quint32 size = measure(packet, v5, layout);
    const qsizetype start = out.size();
    out.resize(start + qsizetype(size));
    write(out.data() + start, packet, v5, layout);
}

quint32 PacketEncoder::encodedSize(const Packet &packet, ProtocolVersion version)
{
    const bool v5 = isV5(packet, version);
    if (!encodable(packet, v5))
        return 0;
    Layout layout;
    return measure(packet, v5, layout);
}

QByteArray PacketEncoder::encodeProperties(const Properties &properties)
{
    QByteArray out(qsizetype(PropertyCodec::blockSize(properties)), Qt::Uninitialized);
    W w(out.data());
    PropertyCodec::writeBlock(w, properties);
    return out;
}

namespace {
struct PublishLayout {
    quint32 propertyLength; // v5 only
    quint32 remaining;
    quint32 total;
};

// Pure arithmetic: the hot path measures without touching any Properties.
inline PublishLayout publishLayout(bool v5, const PacketEncoder::PublishHead &head,
                                   QByteArrayView propertyBlock, QByteArrayView payload)
{
    PublishLayout l{};
    quint32 remaining =
        2 + quint32(head.topic.size()) + (head.qos != QoS::AtMostOnce ? 2 : 0) + quint32(payload.size());
    if (v5) {
        l.propertyLength = quint32(propertyBlock.size()) +
                           (head.subscriptionId ? 1 + W::varintSize(head.subscriptionId) : 0);
        remaining += section(l.propertyLength);
    }
    l.remaining = remaining;
    l.total = 1 + W::varintSize(remaining) + remaining;
    return l;
}
} // namespace

void PacketEncoder::appendPublish(QByteArray &out, ProtocolVersion version, const PublishHead &head,
                                  QByteArrayView propertyBlock, QByteArrayView payload)
{
    const bool v5 = version == ProtocolVersion::V5;
    const PublishLayout l = publishLayout(v5, head, propertyBlock, payload);
    const qsizetype start = out.size();
    out.resize(start + qsizetype(l.total)); // no allocation while the capacity suffices
    W w(out.data() + start);
    w.byte(
        quint8(0x30 | (head.dup ? 0x08 : 0) | ((quint8(head.qos) & 0x03) << 1) | (head.retain ? 0x01 : 0)));
    w.varint(l.remaining);
    w.lengthPrefixed(head.topic);
    if (head.qos != QoS::AtMostOnce)
        w.uint16(head.packetId);
    if (v5) {
        w.varint(l.propertyLength);
        w.bytes(propertyBlock);
        if (head.subscriptionId) {
            w.byte(Properties::SubscriptionIdentifier);
            w.varint(head.subscriptionId);
        }
    }
    w.bytes(payload);
}

quint32 PacketEncoder::publishSize(ProtocolVersion version, const PublishHead &head,
                                   QByteArrayView propertyBlock, QByteArrayView payload)
{
    return publishLayout(version == ProtocolVersion::V5, head, propertyBlock, payload).total;
}

} // namespace drover::mqtt
