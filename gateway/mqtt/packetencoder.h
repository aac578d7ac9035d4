// Typed packets → bytes. Measures first, then writes once.
#pragma once

#include "packets.h"

#include <QByteArray>
#include <QByteArrayView>

namespace drover::mqtt {

class PacketEncoder
{
public:
    // Whole encoded packet for `version` (properties are dropped for 3.1.1). A CONNECT is
    // encoded for its own ConnectPacket::version, as the decoder reports it. AUTH has no
    // 3.1.1 form: encode() returns an empty array, append() adds nothing, encodedSize() is 0.
    // The encoder trusts its input: strings and binary data over 65,535 bytes or a packet
    // over the 268,435,455 byte Remaining Length produce bytes a peer will refuse.
    static QByteArray encode(const Packet &packet, ProtocolVersion version);
    static void append(QByteArray &out, const Packet &packet, ProtocolVersion version);
    static quint32 encodedSize(const Packet &packet, ProtocolVersion version);

    // The property block of `properties` without its length prefix, to pre-encode the
    // properties that many PUBLISH packets share (see appendPublish).
    static QByteArray encodeProperties(const Properties &properties);

    // Hot path for events sent to subscribers: appends one PUBLISH to `out` without
    // building a PublishPacket. `propertyBlock` is pre-encoded (encodeProperties) and
    // shared; `subscriptionId` (0 = none) is appended to it for v5. Nothing is
    // allocated when `out` has the capacity.
    struct PublishHead {
        QByteArrayView topic;
        QoS qos = QoS::AtMostOnce;
        bool dup = false;
        quint16 packetId = 0;
        quint32 subscriptionId = 0;
        bool retain = false; // set for retained messages sent on subscribe (spec 3.3.1.3)
    };
    static void appendPublish(QByteArray &out, ProtocolVersion version, const PublishHead &head,
                              QByteArrayView propertyBlock, QByteArrayView payload);
    static quint32 publishSize(ProtocolVersion version, const PublishHead &head, QByteArrayView propertyBlock,
                               QByteArrayView payload);
};

} // namespace drover::mqtt
