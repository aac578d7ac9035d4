// Shared by the client tests: bounded waits, results filled by callbacks later, and a
// scripted MQTT server built on the codec for what a real server does not do on demand.
#pragma once

#include "client/mqttclient.h"
#include "client/tcptransport.h"
#include "mqtt/framereader.h"
#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"
#include "session/clientsocket.h"
#include "transport/inprocesslink.h"
#include "transport/tcpclientsocket.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <algorithm>
#include <memory>
#include <optional>

namespace drover::test {

using namespace drover::mqtt;
using client::MqttClient;

inline constexpr int Wait = 5000; // ms, the bound of every wait for something that should happen

inline QString hexCode(ReasonCode code)
{
    return QStringLiteral("0x%1").arg(int(code), 2, 16, QLatin1Char('0'));
}

// A result a callback fills in later; shared, so a callback that comes after a failed wait
// writes into memory that still exists.
template <typename T> using Result = std::shared_ptr<std::optional<T>>;
template <typename T> Result<T> makeResult()
{
    return std::make_shared<std::optional<T>>();
}

// Every protocol test runs over TCP and the in-process link, for MQTT 5 and 3.1.1; and
// quietly, since the failures say enough.
inline void addTransportAndVersionRows()
{
    QTest::addColumn<bool>("tcp");
    QTest::addColumn<int>("version");
    QTest::newRow("tcp-v5") << true << int(ProtocolVersion::V5);
    QTest::newRow("tcp-v3.1.1") << true << int(ProtocolVersion::V311);
    QTest::newRow("inprocess-v5") << false << int(ProtocolVersion::V5);
    QTest::newRow("inprocess-v3.1.1") << false << int(ProtocolVersion::V311);
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.info=false\ndrover.*.debug=false\n"
                                                    "drover.*.warning=false"));
}

inline PublishPacket message(const QByteArray &topic, const QByteArray &payload, QoS qos)
{
    PublishPacket p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    return p;
}

// A scripted server on the codec: accepts the client's connections (TCP or in-process),
// decodes what it sends, and the test answers by hand.
class FakeServer : public QObject
{
public:
    FakeServer(ProtocolVersion version, bool tcp)
        : m_version(version)
        , m_useTcp(tcp)
    {
        if (tcp) {
            m_tcp.listen(QHostAddress::LocalHost, 0);
            connect(&m_tcp, &QTcpServer::pendingConnectionAvailable, this, [this] {
                while (QTcpSocket *socket = m_tcp.nextPendingConnection())
                    adopt(new transport::TcpClientSocket(socket));
            });
        }
    }

    MqttClient::TransportFactory factory()
    {
        if (m_useTcp)
            return [port = m_tcp.serverPort()] {
                return new client::TcpTransport(QStringLiteral("127.0.0.1"), port);
            };
        return [this] {
            const auto ends = transport::InProcessLink::create(QStringLiteral("fake"));
            adopt(ends.server);
            return ends.client;
        };
    }

    void send(const Packet &packet) { sendRaw(PacketEncoder::encode(packet, m_version)); }
    void sendRaw(const QByteArray &bytes)
    {
        if (m_socket)
            m_socket->write(bytes);
    }
    void drop()
    {
        if (m_socket)
            m_socket->abort();
    }
    bool isOpen() const { return m_open; }

    // The first received packet of `type` (and `packetId` if not 0), waiting up to timeoutMs.
    std::optional<Packet> take(PacketType type, int timeoutMs = Wait, quint16 packetId = 0)
    {
        const auto find = [&]() -> qsizetype {
            for (qsizetype i = 0; i < m_received.size(); ++i) {
                if (packetTypeOf(m_received[i]) != type)
                    continue;
                const auto *ack = std::get_if<PubAckPacket>(&m_received[i]);
                if (packetId == 0 || (ack && ack->packetId == packetId))
                    return i;
            }
            return -1;
        };
        qsizetype index = find();
        if (index < 0 && !QTest::qWaitFor([&] { return (index = find()) >= 0; }, timeoutMs))
            return std::nullopt;
        return m_received.takeAt(index);
    }
    template <typename T> std::optional<T> takeAs(PacketType type, int timeoutMs = Wait, quint16 packetId = 0)
    {
        const auto packet = take(type, timeoutMs, packetId);
        if (!packet)
            return std::nullopt;
        return std::get<T>(*packet);
    }
    int count(PacketType type) const
    {
        return int(std::count_if(m_received.begin(), m_received.end(),
                                 [type](const Packet &p) { return packetTypeOf(p) == type; }));
    }

    int connections = 0;
    QStringList errors;

private:
    void adopt(session::ClientSocket *socket)
    {
        delete m_socket.data(); // one connection at a time: the old one is cut
        m_socket = socket;
        socket->setParent(this);
        ++connections;
        m_open = true;
        m_reader = FrameReader();
        m_received.clear();
        connect(socket, &session::ClientSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &session::ClientSocket::disconnected, this, [this, socket] {
            if (socket == m_socket)
                m_open = false;
        });
    }

    void onReadyRead(session::ClientSocket *socket)
    {
        if (socket != m_socket)
            return;
        char buffer[4096];
        while (socket->bytesAvailable() > 0) {
            const qint64 n = socket->read(buffer, sizeof buffer);
            if (n <= 0)
                break;
            m_reader.append(QByteArrayView(buffer, n));
        }
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
            m_received.append(std::move(packet));
        }
    }

    ProtocolVersion m_version;
    bool m_useTcp;
    QTcpServer m_tcp;
    QPointer<session::ClientSocket> m_socket;
    bool m_open = false;
    FrameReader m_reader;
    QList<Packet> m_received;
};

} // namespace drover::test
