#include "packets.h"

namespace drover::mqtt {

namespace {
// QList<T>::operator== of Qt 6.4 memcmp()s trivially comparable elements even when one
// empty list has no storage (a null pointer: undefined behaviour, flagged by UBSan).
template <typename T> bool sameList(const QList<T> &a, const QList<T> &b)
{
    return a.size() == b.size() && (a.isEmpty() || a == b);
}
} // namespace

const char *packetTypeName(PacketType type)
{
    switch (type) {
    case PacketType::Connect:
        return "CONNECT";
    case PacketType::Connack:
        return "CONNACK";
    case PacketType::Publish:
        return "PUBLISH";
    case PacketType::Puback:
        return "PUBACK";
    case PacketType::Pubrec:
        return "PUBREC";
    case PacketType::Pubrel:
        return "PUBREL";
    case PacketType::Pubcomp:
        return "PUBCOMP";
    case PacketType::Subscribe:
        return "SUBSCRIBE";
    case PacketType::Suback:
        return "SUBACK";
    case PacketType::Unsubscribe:
        return "UNSUBSCRIBE";
    case PacketType::Unsuback:
        return "UNSUBACK";
    case PacketType::Pingreq:
        return "PINGREQ";
    case PacketType::Pingresp:
        return "PINGRESP";
    case PacketType::Disconnect:
        return "DISCONNECT";
    case PacketType::Auth:
        return "AUTH";
    }
    return "RESERVED";
}

bool Will::operator==(const Will &o) const
{
    return topic == o.topic && payload == o.payload && qos == o.qos && retain == o.retain &&
           properties == o.properties;
}

bool ConnectPacket::operator==(const ConnectPacket &o) const
{
    return version == o.version && clientId == o.clientId && cleanStart == o.cleanStart &&
           keepAlive == o.keepAlive && username == o.username && password == o.password && will == o.will &&
           properties == o.properties;
}

bool ConnackPacket::operator==(const ConnackPacket &o) const
{
    return sessionPresent == o.sessionPresent && reasonCode == o.reasonCode && properties == o.properties;
}

bool PublishPacket::operator==(const PublishPacket &o) const
{
    return topic == o.topic && payload == o.payload && qos == o.qos && retain == o.retain && dup == o.dup &&
           packetId == o.packetId && properties == o.properties;
}

bool PubAckPacket::operator==(const PubAckPacket &o) const
{
    return type == o.type && packetId == o.packetId && reasonCode == o.reasonCode &&
           properties == o.properties;
}

bool SubscriptionRequest::operator==(const SubscriptionRequest &o) const
{
    return filter == o.filter && maximumQoS == o.maximumQoS && noLocal == o.noLocal &&
           retainAsPublished == o.retainAsPublished && retainHandling == o.retainHandling;
}

bool SubscribePacket::operator==(const SubscribePacket &o) const
{
    return packetId == o.packetId && subscriptions == o.subscriptions && properties == o.properties;
}

bool SubackPacket::operator==(const SubackPacket &o) const
{
    return packetId == o.packetId && sameList(reasonCodes, o.reasonCodes) && properties == o.properties;
}

bool UnsubscribePacket::operator==(const UnsubscribePacket &o) const
{
    return packetId == o.packetId && filters == o.filters && properties == o.properties;
}

bool UnsubackPacket::operator==(const UnsubackPacket &o) const
{
    return packetId == o.packetId && sameList(reasonCodes, o.reasonCodes) && properties == o.properties;
}

bool DisconnectPacket::operator==(const DisconnectPacket &o) const
{
    return reasonCode == o.reasonCode && properties == o.properties;
}

bool AuthPacket::operator==(const AuthPacket &o) const
{
    return reasonCode == o.reasonCode && properties == o.properties;
}

namespace {
struct TypeOf {
    PacketType operator()(const ConnectPacket &) const { return PacketType::Connect; }
    PacketType operator()(const ConnackPacket &) const { return PacketType::Connack; }
    PacketType operator()(const PublishPacket &) const { return PacketType::Publish; }
    PacketType operator()(const PubAckPacket &p) const { return p.type; }
    PacketType operator()(const SubscribePacket &) const { return PacketType::Subscribe; }
    PacketType operator()(const SubackPacket &) const { return PacketType::Suback; }
    PacketType operator()(const UnsubscribePacket &) const { return PacketType::Unsubscribe; }
    PacketType operator()(const UnsubackPacket &) const { return PacketType::Unsuback; }
    PacketType operator()(const PingreqPacket &) const { return PacketType::Pingreq; }
    PacketType operator()(const PingrespPacket &) const { return PacketType::Pingresp; }
    PacketType operator()(const DisconnectPacket &) const { return PacketType::Disconnect; }
    PacketType operator()(const AuthPacket &) const { return PacketType::Auth; }
};
} // namespace

PacketType packetTypeOf(const Packet &packet)
{
    return std::visit(TypeOf{}, packet);
}

} // namespace drover::mqtt
