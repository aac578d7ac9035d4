#include "bytereader.h"

namespace drover::mqtt {

namespace {
inline quint8 at(QByteArrayView data, qsizetype pos)
{
    return static_cast<quint8>(data[pos]);
}
} // namespace

bool ByteReader::readByte(quint8 &value)
{
    if (remaining() < 1)
        return false;
    value = at(m_data, m_pos++);
    return true;
}

bool ByteReader::readUint16(quint16 &value)
{
    if (remaining() < 2)
        return false;
    value = static_cast<quint16>((at(m_data, m_pos) << 8) | at(m_data, m_pos + 1));
    m_pos += 2;
    return true;
}

bool ByteReader::readUint32(quint32 &value)
{
    if (remaining() < 4)
        return false;
    value = (quint32(at(m_data, m_pos)) << 24) | (quint32(at(m_data, m_pos + 1)) << 16) |
            (quint32(at(m_data, m_pos + 2)) << 8) | quint32(at(m_data, m_pos + 3));
    m_pos += 4;
    return true;
}

bool ByteReader::readVarint(quint32 &value)
{
    quint32 result = 0;
    for (int i = 0; i < 4; ++i) {
        if (m_pos + i >= m_data.size())
            return false;
        const quint8 byte = at(m_data, m_pos + i);
        result |= quint32(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            m_pos += i + 1;
            value = result;
            return true;
        }
    }
    return false; // a fifth byte would follow: at most four are allowed (spec 1.5.5)
}

bool ByteReader::readLengthPrefixed(QByteArrayView &value)
{
    const qsizetype start = m_pos;
    quint16 length = 0;
    if (!readUint16(length))
        return false;
    if (!readBytes(length, value)) {
        m_pos = start;
        return false;
    }
    return true;
}

bool ByteReader::readBytes(qsizetype count, QByteArrayView &value)
{
    if (count < 0 || remaining() < count)
        return false;
    value = m_data.sliced(m_pos, count);
    m_pos += count;
    return true;
}

QByteArrayView ByteReader::readRest()
{
    const QByteArrayView rest = m_data.sliced(m_pos);
    m_pos = m_data.size();
    return rest;
}

} // namespace drover::mqtt
