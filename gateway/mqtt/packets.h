// MQTT control packets as value types, for both 3.1.1 and 5. The codec converts them
// to and from bytes (PacketDecoder, PacketEncoder); it never applies server policy.
#pragma once

#include "properties.h"
#include "reasoncode.h"

#include <QByteArray>
#include <QList>
#include <optional>
#include <variant>

namespace drover::mqtt {

enum class ProtocolVersion : quint8 {
    V311 = 4, // MQTT 3.1.1, protocol level 4
    V5 = 5,   // MQTT 5.0, protocol level 5
};

enum class PacketType : quint8 {
    Connect = 1,
    Connack = 2,
    Publish = 3,
    Puback = 4,
    Pubrec = 5,
    Pubrel = 6,
    Pubcomp = 7,
    Subscribe = 8,
    Suback = 9,
    Unsubscribe = 10,
    Unsuback = 11,
    Pingreq = 12,
    Pingresp = 13,
    Disconnect = 14,
    Auth = 15, // MQTT 5 only
};

const char *packetTypeName(PacketType type);

enum class QoS : quint8 {
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2
};

struct Will {
    QByteArray topic;
    QByteArray payload;
    QoS qos = QoS::AtMostOnce;
    bool retain = false;
    Properties properties; // v5 will properties
    bool operator==(const Will &o) const;
};

struct ConnectPacket {
    ProtocolVersion version = ProtocolVersion::V5;
    QByteArray clientId;    // may be empty: the server assigns one
    bool cleanStart = true; // "clean session" in 3.1.1
    quint16 keepAlive = 60; // seconds, 0 = off
    std::optional<QByteArray> username;
    std::optional<QByteArray> password;
    std::optional<Will> will;
    Properties properties;
    bool operator==(const ConnectPacket &o) const;
};

struct ConnackPacket {
    bool sessionPresent = false;
    // v5 reason; for 3.1.1 the encoder maps it with toV3ConnackCode and the decoder with fromV3ConnackCode.
    ReasonCode reasonCode = ReasonCode::Success;
    Properties properties;
    bool operator==(const ConnackPacket &o) const;
};

struct PublishPacket {
    QByteArray topic; // may be empty in v5 when a TopicAlias property is present
    QByteArray payload;
    QoS qos = QoS::AtMostOnce;
    bool retain = false;
    bool dup = false;
    quint16 packetId = 0; // only for QoS > 0
    Properties properties;
    bool operator==(const PublishPacket &o) const;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape.
struct PubAckPacket {
    PacketType type = PacketType::Puback;
    quint16 packetId = 0;
    ReasonCode reasonCode = ReasonCode::Success; // v5 only; 3.1.1 has none
    Properties properties;
    bool operator==(const PubAckPacket &o) const;
};

struct SubscriptionRequest {
    QByteArray filter;
    QoS maximumQoS = QoS::AtMostOnce;
    bool noLocal = false;           // v5
    bool retainAsPublished = false; // v5
    quint8 retainHandling = 0;      // v5, 0..2
    bool operator==(const SubscriptionRequest &o) const;
};

struct SubscribePacket {
    quint16 packetId = 0;
    QList<SubscriptionRequest> subscriptions; // at least one
    Properties properties;
    bool operator==(const SubscribePacket &o) const;
};

struct SubackPacket {
    quint16 packetId = 0;
    // One per filter: GrantedQoS0/1/2 or an error. 3.1.1 carries any error as 0x80.
    QList<ReasonCode> reasonCodes;
    Properties properties;
    bool operator==(const SubackPacket &o) const;
};

struct UnsubscribePacket {
    quint16 packetId = 0;
    QList<QByteArray> filters; // at least one
    Properties properties;
    bool operator==(const UnsubscribePacket &o) const;
};

struct UnsubackPacket {
    quint16 packetId = 0;
    QList<ReasonCode> reasonCodes; // v5 only; 3.1.1 UNSUBACK has no payload
    Properties properties;
    bool operator==(const UnsubackPacket &o) const;
};

struct PingreqPacket {
    bool operator==(const PingreqPacket &) const { return true; }
};
struct PingrespPacket {
    bool operator==(const PingrespPacket &) const { return true; }
};

struct DisconnectPacket {
    ReasonCode reasonCode = ReasonCode::Success; // v5 only
    Properties properties;
    bool operator==(const DisconnectPacket &o) const;
};

struct AuthPacket { // v5 only
    ReasonCode reasonCode = ReasonCode::Success;
    Properties properties;
    bool operator==(const AuthPacket &o) const;
};

using Packet = std::variant<ConnectPacket, ConnackPacket, PublishPacket, PubAckPacket, SubscribePacket,
                            SubackPacket, UnsubscribePacket, UnsubackPacket, PingreqPacket, PingrespPacket,
                            DisconnectPacket, AuthPacket>;

PacketType packetTypeOf(const Packet &packet);

// Why a byte sequence was refused, as the v5 reason code to answer with and a message
// for the log that says what was wrong (never the payload or a credential).
struct DecodeError {
    ReasonCode reasonCode = ReasonCode::MalformedPacket;
    QByteArray message;
};

} // namespace drover::mqtt
