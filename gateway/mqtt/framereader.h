// Resumable MQTT framing: bytes in (any split), whole frames out.
#pragma once

#include "packets.h"

#include <QByteArray>
#include <QByteArrayView>

namespace drover::mqtt {

// One complete control packet as framed on the wire: the fixed header's type and flags,
// and the body (variable header + payload).
struct Frame {
    PacketType type = PacketType::Connect;
    quint8 flags = 0;      // low nibble of the first byte
    QByteArrayView body;   // valid until the next append() or next() call
    quint32 totalSize = 0; // fixed header + body, as counted against the maximum packet size
};

// Collects bytes as they arrive and cuts them into frames. Checks only framing:
// remaining length at most 4 bytes (MQTT-1.5.5), packet type not 0, total size within the
// limit (checked as soon as the remaining length is known, before buffering the body).
class FrameReader
{
public:
    enum class Result {
        Frame,
        NeedMore,
        Error
    };

    // Maximum whole-packet size in bytes accepted from the peer (v5 Maximum Packet Size).
    explicit FrameReader(quint32 maximumPacketSize = 268435460);
    void setMaximumPacketSize(quint32 size) { m_maximumPacketSize = size; }
    quint32 maximumPacketSize() const { return m_maximumPacketSize; }

    void append(QByteArrayView data);

    // Frame: frame is filled. NeedMore: wait for more bytes. Error: error is filled
    // (MalformedPacket for a bad length or type 0, PacketTooLarge over the limit); the
    // stream cannot be resynchronised after an error.
    Result next(Frame &frame, DecodeError &error);

    qsizetype bufferedBytes() const { return m_buffer.size() - m_readPos; }

private:
    QByteArray m_buffer;
    qsizetype m_readPos = 0;
    quint32 m_maximumPacketSize;
    bool m_failed = false;
    DecodeError m_error; // repeated by every next() after a failure
};

} // namespace drover::mqtt
