// A minimal MQTT client for the session tests: a QTcpSocket speaking the project's codec.
// It queues every packet the server sends; tests take them out with bounded waits.
#pragma once

#include "mqtt/framereader.h"
#include "mqtt/packets.h"

#include <QList>
#include <QObject>
#include <QStringList>
#include <QTcpSocket>
#include <functional>
#include <optional>

namespace drover::test {

class TestClient : public QObject
{
    Q_OBJECT
public:
    explicit TestClient(mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V5, QObject *parent = nullptr);
    ~TestClient() override;

    mqtt::ProtocolVersion version() const { return m_version; }

    // TCP only.
    bool open(quint16 port, int timeoutMs = 5000);
    // CONNECT (its version is this client's) and wait for the CONNACK.
    std::optional<mqtt::ConnackPacket> connectMqtt(mqtt::ConnectPacket connect, int timeoutMs = 5000);
    // open() and connectMqtt() with a plain clean-start CONNECT for `clientId`.
    std::optional<mqtt::ConnackPacket> openAndConnect(quint16 port, const QByteArray &clientId,
                                                      bool cleanStart = true, quint32 sessionExpiry = 0,
                                                      quint16 receiveMaximum = 0);

    // SUBSCRIBE and wait for the SUBACK.
    std::optional<mqtt::SubackPacket> subscribe(const QList<mqtt::SubscriptionRequest> &requests,
                                                const mqtt::Properties &properties = {},
                                                int timeoutMs = 5000);
    std::optional<mqtt::SubackPacket> subscribe(const QByteArray &filter,
                                                mqtt::QoS qos = mqtt::QoS::AtMostOnce,
                                                const mqtt::Properties &properties = {});

    void send(const mqtt::Packet &packet);
    void sendRaw(const QByteArray &bytes);
    void puback(quint16 packetId);

    // The first queued packet of `type` (and with `packetId` if not 0), waiting up to timeoutMs.
    std::optional<mqtt::Packet> take(mqtt::PacketType type, int timeoutMs = 5000, quint16 packetId = 0);
    std::optional<mqtt::PublishPacket> takePublish(int timeoutMs = 5000);
    std::optional<mqtt::PubAckPacket> takeAck(mqtt::PacketType type, quint16 packetId, int timeoutMs = 5000);
    std::optional<mqtt::DisconnectPacket> takeDisconnect(int timeoutMs = 5000);
    // Every queued PUBLISH, removed from the queue.
    QList<mqtt::PublishPacket> takeAllPublishes();
    int queued(mqtt::PacketType type) const;

    // Takes PUBLISH packets until one satisfies `predicate` (acknowledging QoS 1 ones when
    // autoAck is set); false after timeoutMs.
    bool waitForPublish(const std::function<bool(const mqtt::PublishPacket &)> &predicate,
                        int timeoutMs = 5000);

    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    // Waits until the server closed the connection.
    bool waitForClosed(int timeoutMs = 5000);
    void close();

    quint16 nextPacketId();

    bool autoAck = false; // PUBACK every QoS 1 PUBLISH as it arrives
    QStringList errors;   // packets from the server that did not decode
    int publishesReceived = 0;

private:
    void onReadyRead();

    mqtt::ProtocolVersion m_version;
    QTcpSocket m_socket;
    mqtt::FrameReader m_reader;
    QList<mqtt::Packet> m_queue;
    quint16 m_nextPacketId = 1;
};

} // namespace drover::test
