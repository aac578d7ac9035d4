// Shared by the WebSocket tests: a real MqttServer on the embedded backend behind a
// WebSocketListener, MQTT packets collected from a byte stream, and a WebSocket client on a
// bare TCP socket for what QWebSocket won't do (send frames before the handshake response,
// stop reading).
#pragma once

#include "testapplication.h"

#include "mqtt/framereader.h"
#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"
#include "transport/websocketlistener.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTest>
#include <QtEndian>
#include <memory>
#include <optional>

namespace drover::test {

using namespace drover::mqtt;

inline constexpr int Wait = 5000; // ms, the bound of every wait for something that should happen

inline QString hexCode(ReasonCode code)
{
    return QStringLiteral("0x%1").arg(int(code), 2, 16, QLatin1Char('0'));
}

inline void quietLogs()
{
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.info=false\ndrover.*.debug=false\n"
                                                    "drover.*.warning=false"));
}

// The integration API of application "test" (anonymous read and command) over WebSockets.
class WebSocketServerFixture : public TestApplication
{
public:
    explicit WebSocketServerFixture(const session::ServerLimits &limits = {})
        : TestApplication(limits)
    {
        listener = std::make_unique<transport::WebSocketListener>(server.get());
        QString error;
        listening = listener->listen(QHostAddress::LocalHost, 0, &error);
        if (!listening)
            qWarning("cannot listen: %s", qPrintable(error));
    }

    quint16 port() const { return listener->port(); }
    QString url(const QString &path = QStringLiteral("/mqtt")) const
    {
        return QStringLiteral("ws://127.0.0.1:%1%2").arg(port()).arg(path);
    }

    std::unique_ptr<transport::WebSocketListener> listener;
    bool listening = false;
};

class PacketCollector
{
public:
    explicit PacketCollector(ProtocolVersion version = ProtocolVersion::V5)
        : m_version(version)
    {}

    void append(const QByteArray &bytes)
    {
        m_reader.append(bytes);
        for (;;) {
            Frame frame;
            DecodeError error;
            const FrameReader::Result result = m_reader.next(frame, error);
            if (result == FrameReader::Result::NeedMore)
                return;
            Packet packet;
            if (result == FrameReader::Result::Error ||
                !PacketDecoder::decode(frame, m_version, packet, error)) {
                errors.append(QString::fromUtf8(error.message));
                return;
            }
            packets.append(std::move(packet));
        }
    }

    int count(PacketType type) const
    {
        return int(std::count_if(packets.begin(), packets.end(),
                                 [type](const Packet &p) { return packetTypeOf(p) == type; }));
    }
    template <typename T> std::optional<T> first(PacketType type) const
    {
        for (const Packet &p : packets) {
            if (packetTypeOf(p) == type)
                return std::get<T>(p);
        }
        return std::nullopt;
    }

    QList<Packet> packets;
    QStringList errors;

private:
    ProtocolVersion m_version;
    FrameReader m_reader;
};

inline QByteArray connectBytes(const QByteArray &clientId, ProtocolVersion version = ProtocolVersion::V5)
{
    ConnectPacket connect;
    connect.version = version;
    connect.clientId = clientId;
    return PacketEncoder::encode(connect, version);
}

inline QByteArray subscribeBytes(const QByteArray &filter, QoS qos, quint16 packetId = 1,
                                 ProtocolVersion version = ProtocolVersion::V5)
{
    SubscribePacket subscribe;
    subscribe.packetId = packetId;
    SubscriptionRequest request;
    request.filter = filter;
    request.maximumQoS = qos;
    subscribe.subscriptions = {request};
    return PacketEncoder::encode(subscribe, version);
}

// A WebSocket client on a bare TCP socket: the handshake and the frames by hand (RFC 6455).
class RawWebSocket
{
public:
    struct Message {
        quint8 opcode = 0;
        QByteArray payload;
    };

    // receiveBufferBytes > 0: a small kernel receive buffer and read buffer, so that a
    // reader that stops reading makes the server's writes pile up quickly.
    explicit RawWebSocket(quint16 port, int receiveBufferBytes = 0)
    {
        if (receiveBufferBytes > 0) {
            socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, receiveBufferBytes);
            socket.setReadBufferSize(receiveBufferBytes);
        }
        socket.connectToHost(QHostAddress::LocalHost, port);
    }

    bool waitConnected() { return socket.waitForConnected(Wait); }

    static QByteArray request(const QByteArray &path = "/mqtt", const QByteArray &protocol = "mqtt")
    {
        QByteArray r = "GET " + path +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        if (!protocol.isEmpty())
            r += "Sec-WebSocket-Protocol: " + protocol + "\r\n";
        return r + "\r\n";
    }

    // A client frame: masked, as RFC 6455 requires of clients.
    static QByteArray frame(quint8 opcode, const QByteArray &payload, bool fin = true)
    {
        QByteArray f;
        f.append(char((fin ? 0x80 : 0x00) | opcode));
        const qsizetype n = payload.size();
        if (n <= 125) {
            f.append(char(0x80 | n));
        } else if (n <= 0xFFFF) {
            f.append(char(0x80 | 126));
            const quint16 len = qToBigEndian(quint16(n));
            f.append(reinterpret_cast<const char *>(&len), 2);
        } else {
            f.append(char(0x80 | 127));
            const quint64 len = qToBigEndian(quint64(n));
            f.append(reinterpret_cast<const char *>(&len), 8);
        }
        const char mask[4] = {0x12, 0x34, 0x56, 0x78};
        f.append(mask, 4);
        for (qsizetype i = 0; i < n; ++i)
            f.append(char(payload.at(i) ^ mask[i % 4]));
        return f;
    }
    static QByteArray binary(const QByteArray &payload) { return frame(0x2, payload); }

    void send(const QByteArray &bytes)
    {
        socket.write(bytes);
        socket.flush();
    }

    // Reads the handshake response; returns its status line ("HTTP/1.1 101 ...").
    QByteArray readResponse(int timeoutMs = Wait)
    {
        const bool complete = QTest::qWaitFor(
            [this] {
                m_buffer += socket.readAll();
                return m_buffer.contains("\r\n\r\n") || socket.state() != QAbstractSocket::ConnectedState;
            },
            timeoutMs);
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (!complete || end < 0)
            return QByteArray();
        response = m_buffer.left(end + 4);
        m_buffer.remove(0, end + 4);
        return response.left(response.indexOf("\r\n"));
    }

    // Reads what has arrived into messages (unfragmented server frames).
    void readMessages()
    {
        m_buffer += socket.readAll();
        for (;;) {
            if (m_buffer.size() < 2)
                return;
            const quint8 b0 = quint8(m_buffer.at(0));
            quint64 length = quint8(m_buffer.at(1)) & 0x7F;
            qsizetype header = 2;
            if (length == 126) {
                if (m_buffer.size() < 4)
                    return;
                length = qFromBigEndian<quint16>(m_buffer.constData() + 2);
                header = 4;
            } else if (length == 127) {
                if (m_buffer.size() < 10)
                    return;
                length = qFromBigEndian<quint64>(m_buffer.constData() + 2);
                header = 10;
            }
            if (quint64(m_buffer.size() - header) < length)
                return;
            messages.append({quint8(b0 & 0x0F), m_buffer.mid(header, qsizetype(length))});
            m_buffer.remove(0, header + qsizetype(length));
        }
    }

    // The MQTT bytes of the binary messages received so far.
    PacketCollector &packets()
    {
        readMessages();
        for (; m_consumed < messages.size(); ++m_consumed) {
            if (messages.at(m_consumed).opcode == 0x2)
                m_packets.append(messages.at(m_consumed).payload);
        }
        return m_packets;
    }

    bool waitPackets(PacketType type, int count = 1, int timeoutMs = Wait)
    {
        return QTest::qWaitFor([&] { return packets().count(type) >= count; }, timeoutMs);
    }

    bool waitClosed(int timeoutMs = Wait)
    {
        return QTest::qWaitFor(
            [this] {
                readMessages();
                return socket.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }

    QTcpSocket socket;
    QByteArray response;
    QList<Message> messages;

private:
    QByteArray m_buffer;
    PacketCollector m_packets;
    qsizetype m_consumed = 0;
};

} // namespace drover::test
