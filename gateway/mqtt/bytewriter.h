// Internal to the codec: writes into memory that was measured and reserved beforehand.
#pragma once

#include <QByteArrayView>
#include <QtGlobal>
#include <cstring>

namespace drover::mqtt {

// No bounds checks: the encoder measures every packet first and this writer only fills
// exactly what was measured. Inline because PacketEncoder::appendPublish is the hot path.
class ByteWriter
{
public:
    explicit ByteWriter(char *out)
        : m_pos(out)
    {}

    // Bytes of a variable byte integer (spec 1.5.5). Values above the 4 byte maximum
    // (268,435,455) count 5 so that measuring and writing always agree.
    static constexpr quint32 varintSize(quint32 value)
    {
        return value < 0x80u ? 1 : value < 0x4000u ? 2 : value < 0x200000u ? 3 : value < 0x10000000u ? 4 : 5;
    }

    void byte(quint8 value) { *m_pos++ = static_cast<char>(value); }
    void uint16(quint16 value)
    {
        byte(static_cast<quint8>(value >> 8));
        byte(static_cast<quint8>(value));
    }
    void uint32(quint32 value)
    {
        byte(static_cast<quint8>(value >> 24));
        byte(static_cast<quint8>(value >> 16));
        byte(static_cast<quint8>(value >> 8));
        byte(static_cast<quint8>(value));
    }
    void varint(quint32 value)
    {
        do {
            quint8 digit = value & 0x7F;
            value >>= 7;
            if (value)
                digit |= 0x80;
            byte(digit);
        } while (value);
    }
    void bytes(QByteArrayView data)
    {
        if (!data.isEmpty())
            std::memcpy(m_pos, data.data(), size_t(data.size()));
        m_pos += data.size();
    }
    // Two byte length prefix + bytes (UTF-8 string, binary data). The caller keeps the
    // data within 65,535 bytes; longer data is written with a truncated length.
    void lengthPrefixed(QByteArrayView data)
    {
        uint16(static_cast<quint16>(data.size()));
        bytes(data);
    }

    char *position() const { return m_pos; }

private:
    char *m_pos;
};

} // namespace drover::mqtt
