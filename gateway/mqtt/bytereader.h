// Internal to the codec: a bounds-checked cursor over one frame body.
#pragma once

#include <QByteArrayView>
#include <QtGlobal>

namespace drover::mqtt {

// Every read either succeeds completely or fails and leaves the value untouched, so the
// decoder never reads past the frame whatever the length fields claim.
class ByteReader
{
public:
    explicit ByteReader(QByteArrayView data)
        : m_data(data)
    {}

    qsizetype remaining() const { return m_data.size() - m_pos; }
    bool atEnd() const { return m_pos >= m_data.size(); }

    bool readByte(quint8 &value);
    bool readUint16(quint16 &value);
    bool readUint32(quint32 &value);
    // Variable byte integer (spec 1.5.5): false when truncated or longer than 4 bytes.
    // Non-minimal encodings within 4 bytes are accepted (robustness; see the report).
    bool readVarint(quint32 &value);
    // Two byte length followed by that many bytes: binary data or a not yet validated
    // UTF-8 string (spec 1.5.4, 1.5.6).
    bool readLengthPrefixed(QByteArrayView &value);
    bool readBytes(qsizetype count, QByteArrayView &value);
    QByteArrayView readRest();

private:
    QByteArrayView m_data;
    qsizetype m_pos = 0;
};

} // namespace drover::mqtt
