// Bytes of one frame → a typed packet, with the spec's normative validation.
#pragma once

#include "framereader.h"
#include "packets.h"

#include <optional>

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
    //    The same for a CONNECT's Will Topic;
    //  - PayloadFormatInvalid (0x99): a payload or Will Payload whose Payload Format
    //    Indicator says UTF-8 but which is not (spec 3.3.2.3.2, 3.1.3.2.3).
    // In a v5 SUBSCRIBE a Maximum QoS or Retain Handling of 3 is a Protocol Error, as the
    // spec says (3.8.3.1); in 3.1.1 it is malformed (MQTT-3.8.3-4). Topic filters are only
    // checked to be UTF-8: the session answers bad ones with SUBACK 0x8F per filter.
    static bool decode(const Frame &frame, ProtocolVersion version, Packet &packet, DecodeError &error);

    // The version a CONNECT frame asks for (name "MQTT", level 4 or 5), read without
    // validating the rest: lets a server answer a refused CONNECT in the client's own
    // CONNACK format. nullopt for any other frame.
    static std::optional<ProtocolVersion> connectVersion(const Frame &frame);
};

} // namespace drover::mqtt
