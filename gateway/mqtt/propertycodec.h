// Internal to the codec: the MQTT 5 property table (spec 2.2.2.2) and the property block
// reader and writer built on it.
#pragma once

#include "bytereader.h"
#include "bytewriter.h"
#include "packets.h"
#include "properties.h"

namespace drover::mqtt {

class PropertyCodec
{
public:
    enum class DataType : quint8 {
        Byte,
        TwoByteInteger,
        FourByteInteger,
        VariableByteInteger,
        Utf8String,
        BinaryData,
        Utf8StringPair
    };

    // Where a property may appear: one bit per PacketType, plus WillProperties for the
    // will property block inside CONNECT's payload.
    static constexpr quint32 packetBit(PacketType type) { return 1u << static_cast<quint8>(type); }
    static constexpr quint32 WillProperties = 1u << 16;

    struct Info {
        Properties::Id id;
        DataType type;
        quint32 allowedIn;    // packetBit()s and WillProperties
        quint32 repeatableIn; // where it may appear more than once
        const char *name;
    };

    // nullptr for an identifier the spec does not define.
    static const Info *info(quint32 id);
    static bool isInteger(DataType type) { return type <= DataType::VariableByteInteger; }

    // Reads a property length and the block it announces, for a packet of `type` (or the
    // will properties of a CONNECT when `will`). Fills `error` and returns false on a
    // malformed block, a property not allowed here, a duplicate or a value out of range.
    static bool read(ByteReader &reader, PacketType type, bool will, Properties &properties,
                     DecodeError &error);

    // The block without its length prefix, in ascending identifier order.
    static quint32 blockSize(const Properties &properties);
    static void writeBlock(ByteWriter &writer, const Properties &properties);
};

} // namespace drover::mqtt
