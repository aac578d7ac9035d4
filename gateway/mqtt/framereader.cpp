#include "framereader.h"

#include <cstring>

namespace drover::mqtt {

FrameReader::FrameReader(quint32 maximumPacketSize)
    : m_maximumPacketSize(maximumPacketSize)
{}

void FrameReader::append(QByteArrayView data)
{
    if (m_failed || data.isEmpty())
        return; // nothing after an error is ever framed
    // Drop consumed bytes once they are at least as many as the unconsumed ones: each
    // byte is then moved at most once on average, so many small packets stay O(n).
    const qsizetype unread = m_buffer.size() - m_readPos;
    if (m_readPos > 0 && m_readPos >= unread) {
        if (unread > 0)
            std::memmove(m_buffer.data(), m_buffer.constData() + m_readPos, size_t(unread));
        m_buffer.resize(unread); // keeps the capacity
        m_readPos = 0;
    }
    m_buffer.append(data.data(), data.size());
}

FrameReader::Result FrameReader::next(Frame &frame, DecodeError &error)
{
    if (m_failed) {
        error = m_error;
        return Result::Error;
    }
    const auto fail = [&](ReasonCode code, const char *message) {
        m_failed = true;
        m_error.reasonCode = code;
        m_error.message = message;
        m_buffer.clear(); // the stream is dead: release its memory
        m_readPos = 0;
        error = m_error;
        return Result::Error;
    };

    const qsizetype available = m_buffer.size() - m_readPos;
    if (available < 1)
        return Result::NeedMore;
    const auto *p = reinterpret_cast<const quint8 *>(m_buffer.constData() + m_readPos);

    const quint8 type = p[0] >> 4;
    if (type == 0) // spec 2.1.2: packet type 0 is reserved (forbidden)
        return fail(ReasonCode::MalformedPacket, "reserved packet type 0");

    // Remaining length: variable byte integer of at most 4 bytes (spec 2.1.4, 1.5.5). A
    // continuation bit on the fourth byte is refused without waiting for a fifth one.
    quint32 remaining = 0;
    qsizetype lengthBytes = 0;
    for (;;) {
        if (1 + lengthBytes >= available)
            return Result::NeedMore;
        const quint8 byte = p[1 + lengthBytes];
        remaining |= quint32(byte & 0x7F) << (7 * lengthBytes);
        ++lengthBytes;
        if (!(byte & 0x80))
            break;
        if (lengthBytes == 4)
            return fail(ReasonCode::MalformedPacket, "remaining length longer than 4 bytes");
    }

    // Checked before the body is buffered, so an oversized packet costs no memory
    // (spec 3.1.2.11.4: a packet over the Maximum Packet Size is a Protocol Error,
    // answered with 0x95 Packet too large, spec 4.13).
    const quint64 total = 1 + quint64(lengthBytes) + remaining;
    if (total > m_maximumPacketSize)
        return fail(ReasonCode::PacketTooLarge, "packet exceeds the maximum packet size");
    if (quint64(available) < total)
        return Result::NeedMore;

    frame.type = static_cast<PacketType>(type);
    frame.flags = p[0] & 0x0F;
    frame.body = QByteArrayView(reinterpret_cast<const char *>(p) + 1 + lengthBytes, qsizetype(remaining));
    frame.totalSize = quint32(total);
    m_readPos += qsizetype(total);
    return Result::Frame;
}

} // namespace drover::mqtt
