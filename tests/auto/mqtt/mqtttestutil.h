// Helpers shared by the codec tests: hex input, one-shot decoding and readable dumps.
#pragma once

#include "mqtt/framereader.h"
#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"
#include "mqtt/packets.h"

#include <QByteArray>
#include <QMetaType>

Q_DECLARE_METATYPE(drover::mqtt::Packet)
Q_DECLARE_METATYPE(drover::mqtt::ReasonCode)
Q_DECLARE_METATYPE(drover::mqtt::ProtocolVersion)

namespace drover::mqtt::test {

// "10 0c 00 04" → bytes; spaces are ignored.
inline QByteArray hex(const char *text)
{
    return QByteArray::fromHex(QByteArray(text));
}

// A whole packet from its first byte and hand-written body: the Remaining Length is
// computed here (for bodies < 16384 bytes) so that test rows only spell out the body.
inline QByteArray packet(quint8 firstByte, const QByteArray &body)
{
    QByteArray out;
    out.append(char(firstByte));
    quint32 length = quint32(body.size());
    do {
        quint8 digit = length & 0x7F;
        length >>= 7;
        if (length)
            digit |= 0x80;
        out.append(char(digit));
    } while (length);
    return out + body;
}
inline QByteArray packet(quint8 firstByte, const char *bodyHex)
{
    return packet(firstByte, hex(bodyHex));
}

inline QByteArray quoted(const QByteArray &bytes)
{
    return '"' + bytes.toPercentEncoding(" /+#$") + '"';
}

inline QByteArray describe(const Properties &p)
{
    QByteArray out = "{";
    for (Properties::Id id : p.presentIds()) {
        out += " 0x" + QByteArray::number(id, 16) + '=';
        // Identifiers of string and binary type per spec 2.2.2.2.
        switch (id) {
        case Properties::ContentType:
        case Properties::ResponseTopic:
        case Properties::CorrelationData:
        case Properties::AssignedClientIdentifier:
        case Properties::AuthenticationMethod:
        case Properties::AuthenticationData:
        case Properties::ResponseInformation:
        case Properties::ServerReference:
        case Properties::ReasonString:
            out += quoted(p.bytes(id));
            break;
        default:
            out += QByteArray::number(p.integer(id));
        }
    }
    for (quint32 id : p.subscriptionIdentifiers())
        out += " subId=" + QByteArray::number(id);
    for (const auto &[name, value] : p.userProperties())
        out += " user:" + quoted(name) + '=' + quoted(value);
    return out + " }";
}

inline QByteArray codes(const QList<ReasonCode> &list)
{
    QByteArray out;
    for (ReasonCode c : list)
        out += " 0x" + QByteArray::number(quint8(c), 16);
    return '[' + out + " ]";
}

struct Describer {
    QByteArray operator()(const ConnectPacket &p) const
    {
        QByteArray out = "CONNECT v" + QByteArray::number(int(p.version)) + " id=" + quoted(p.clientId) +
                         " clean=" + QByteArray::number(p.cleanStart) +
                         " keepAlive=" + QByteArray::number(p.keepAlive);
        if (p.username)
            out += " user=" + quoted(*p.username);
        if (p.password)
            out += " password=" + quoted(*p.password);
        if (p.will)
            out += " will(topic=" + quoted(p.will->topic) + " payload=" + quoted(p.will->payload) +
                   " qos=" + QByteArray::number(int(p.will->qos)) +
                   " retain=" + QByteArray::number(p.will->retain) + ' ' + describe(p.will->properties) + ')';
        return out + ' ' + describe(p.properties);
    }
    QByteArray operator()(const ConnackPacket &p) const
    {
        return "CONNACK sp=" + QByteArray::number(p.sessionPresent) + " rc=0x" +
               QByteArray::number(quint8(p.reasonCode), 16) + ' ' + describe(p.properties);
    }
    QByteArray operator()(const PublishPacket &p) const
    {
        return "PUBLISH topic=" + quoted(p.topic) + " qos=" + QByteArray::number(int(p.qos)) +
               " retain=" + QByteArray::number(p.retain) + " dup=" + QByteArray::number(p.dup) +
               " id=" + QByteArray::number(p.packetId) + " payload=" + quoted(p.payload) + ' ' +
               describe(p.properties);
    }
    QByteArray operator()(const PubAckPacket &p) const
    {
        return QByteArray(packetTypeName(p.type)) + " id=" + QByteArray::number(p.packetId) + " rc=0x" +
               QByteArray::number(quint8(p.reasonCode), 16) + ' ' + describe(p.properties);
    }
    QByteArray operator()(const SubscribePacket &p) const
    {
        QByteArray out = "SUBSCRIBE id=" + QByteArray::number(p.packetId);
        for (const auto &s : p.subscriptions)
            out += " (" + quoted(s.filter) + " qos=" + QByteArray::number(int(s.maximumQoS)) +
                   " nl=" + QByteArray::number(s.noLocal) +
                   " rap=" + QByteArray::number(s.retainAsPublished) +
                   " rh=" + QByteArray::number(s.retainHandling) + ')';
        return out + ' ' + describe(p.properties);
    }
    QByteArray operator()(const SubackPacket &p) const
    {
        return "SUBACK id=" + QByteArray::number(p.packetId) + ' ' + codes(p.reasonCodes) + ' ' +
               describe(p.properties);
    }
    QByteArray operator()(const UnsubscribePacket &p) const
    {
        QByteArray out = "UNSUBSCRIBE id=" + QByteArray::number(p.packetId);
        for (const auto &f : p.filters)
            out += ' ' + quoted(f);
        return out + ' ' + describe(p.properties);
    }
    QByteArray operator()(const UnsubackPacket &p) const
    {
        return "UNSUBACK id=" + QByteArray::number(p.packetId) + ' ' + codes(p.reasonCodes) + ' ' +
               describe(p.properties);
    }
    QByteArray operator()(const PingreqPacket &) const { return "PINGREQ"; }
    QByteArray operator()(const PingrespPacket &) const { return "PINGRESP"; }
    QByteArray operator()(const DisconnectPacket &p) const
    {
        return "DISCONNECT rc=0x" + QByteArray::number(quint8(p.reasonCode), 16) + ' ' +
               describe(p.properties);
    }
    QByteArray operator()(const AuthPacket &p) const
    {
        return "AUTH rc=0x" + QByteArray::number(quint8(p.reasonCode), 16) + ' ' + describe(p.properties);
    }
};

inline QByteArray describe(const Packet &packet)
{
    return std::visit(Describer{}, packet);
}

inline QByteArray mismatch(const Packet &actual, const Packet &expected)
{
    return "\n   actual: " + describe(actual) + "\n expected: " + describe(expected);
}

// Frames `bytes`, which must hold exactly one packet, and decodes it.
struct Decoded {
    bool framed = false;
    bool ok = false;
    Packet packet;
    DecodeError error;
};
inline Decoded decodeOne(const QByteArray &bytes, ProtocolVersion version)
{
    Decoded d;
    FrameReader reader;
    reader.append(bytes);
    Frame frame;
    if (reader.next(frame, d.error) != FrameReader::Result::Frame || reader.bufferedBytes() != 0)
        return d;
    d.framed = true;
    d.ok = PacketDecoder::decode(frame, version, d.packet, d.error);
    return d;
}

} // namespace drover::mqtt::test
