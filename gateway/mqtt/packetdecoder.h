// Bytes of one frame → a typed packet, with the spec's normative validation.
#pragma once

#include "framereader.h"
#include "packets.h"

namespace drover::mqtt {

class PacketDecoder
{
public:
    // Decodes one frame for a connection speaking `version`. A CONNECT frame is decoded
    // whatever `version` says and reports its own version in ConnectPacket::version.
    // Returns false with `error` filled when the frame violates the spec:
    //  - MalformedPacket (0x81): bad lengths, truncated fields, invalid UTF-8 (MQTT-1.5.4),
    //    reserved flag bits (MQTT-2.1.3-1, MQTT-3.1.2-3), QoS 3, unknown property id,
    //    property of the wrong type for the packet, packet id 0 where one is required;
    //  - ProtocolError (0x82): duplicated property, property value out of range
    //    (e.g. Receive Maximum 0), SUBSCRIBE/UNSUBSCRIBE without filters, AUTH in 3.1.1;
    //  - UnsupportedProtocolVersion (0x84): CONNECT with an unknown protocol name or level;
    //  - TopicNameInvalid (0x90): PUBLISH topic with wildcards, or empty without an alias.
    static bool decode(const Frame &frame, ProtocolVersion version, Packet &packet, DecodeError &error);
};

} // namespace drover::mqtt
