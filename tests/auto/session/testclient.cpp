#include "testclient.h"

#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"

#include <QTest>

namespace drover::test {

using namespace mqtt;

TestClient::TestClient(ProtocolVersion version, QObject *parent)
    : QObject(parent)
    , m_version(version)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &TestClient::onReadyRead);
}

TestClient::~TestClient()
{
    m_socket.abort();
}

bool TestClient::open(quint16 port, int timeoutMs)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    return QTest::qWaitFor(
               [this] { return isConnected() || m_socket.state() == QAbstractSocket::UnconnectedState; },
               timeoutMs) &&
           isConnected();
}

std::optional<ConnackPacket> TestClient::connectMqtt(ConnectPacket connect, int timeoutMs)
{
    connect.version = m_version;
    send(connect);
    const auto packet = take(PacketType::Connack, timeoutMs);
    if (!packet)
        return std::nullopt;
    return std::get<ConnackPacket>(*packet);
}

std::optional<ConnackPacket> TestClient::openAndConnect(quint16 port, const QByteArray &clientId,
                                                        bool cleanStart, quint32 sessionExpiry,
                                                        quint16 receiveMaximum)
{
    if (!open(port))
        return std::nullopt;
    ConnectPacket connect;
    connect.clientId = clientId;
    connect.cleanStart = cleanStart;
    connect.keepAlive = 60;
    if (m_version == ProtocolVersion::V5) {
        if (sessionExpiry)
            connect.properties.setInteger(Properties::SessionExpiryInterval, sessionExpiry);
        if (receiveMaximum)
            connect.properties.setInteger(Properties::ReceiveMaximum, receiveMaximum);
    }
    return connectMqtt(connect);
}

std::optional<SubackPacket> TestClient::subscribe(const QList<SubscriptionRequest> &requests,
                                                  const Properties &properties, int timeoutMs)
{
    SubscribePacket subscribe;
    subscribe.packetId = nextPacketId();
    subscribe.subscriptions = requests;
    subscribe.properties = properties;
    send(subscribe);
    const auto packet = take(PacketType::Suback, timeoutMs, subscribe.packetId);
    if (!packet)
        return std::nullopt;
    return std::get<SubackPacket>(*packet);
}

std::optional<SubackPacket> TestClient::subscribe(const QByteArray &filter, QoS qos,
                                                  const Properties &properties)
{
    SubscriptionRequest request;
    request.filter = filter;
    request.maximumQoS = qos;
    return subscribe(QList<SubscriptionRequest>{request}, properties);
}

void TestClient::send(const Packet &packet)
{
    sendRaw(PacketEncoder::encode(packet, m_version));
}

void TestClient::sendRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

void TestClient::puback(quint16 packetId)
{
    send(PubAckPacket{PacketType::Puback, packetId, ReasonCode::Success, {}});
}

std::optional<Packet> TestClient::take(PacketType type, int timeoutMs, quint16 packetId)
{
    const auto find = [this, type, packetId]() -> qsizetype {
        for (qsizetype i = 0; i < m_queue.size(); ++i) {
            if (packetTypeOf(m_queue[i]) != type)
                continue;
            if (packetId == 0)
                return i;
            const Packet &p = m_queue[i];
            quint16 id = 0;
            if (const auto *ack = std::get_if<PubAckPacket>(&p))
                id = ack->packetId;
            else if (const auto *suback = std::get_if<SubackPacket>(&p))
                id = suback->packetId;
            else if (const auto *unsuback = std::get_if<UnsubackPacket>(&p))
                id = unsuback->packetId;
            else if (const auto *publish = std::get_if<PublishPacket>(&p))
                id = publish->packetId;
            if (id == packetId)
                return i;
        }
        return -1;
    };
    qsizetype index = find();
    if (index < 0 && (timeoutMs <= 0 || !QTest::qWaitFor([&] { return (index = find()) >= 0; }, timeoutMs)))
        return std::nullopt;
    return m_queue.takeAt(index);
}

std::optional<PublishPacket> TestClient::takePublish(int timeoutMs)
{
    const auto packet = take(PacketType::Publish, timeoutMs);
    if (!packet)
        return std::nullopt;
    return std::get<PublishPacket>(*packet);
}

std::optional<PubAckPacket> TestClient::takeAck(PacketType type, quint16 packetId, int timeoutMs)
{
    const auto packet = take(type, timeoutMs, packetId);
    if (!packet)
        return std::nullopt;
    return std::get<PubAckPacket>(*packet);
}

std::optional<DisconnectPacket> TestClient::takeDisconnect(int timeoutMs)
{
    const auto packet = take(PacketType::Disconnect, timeoutMs);
    if (!packet)
        return std::nullopt;
    return std::get<DisconnectPacket>(*packet);
}

QList<PublishPacket> TestClient::takeAllPublishes()
{
    QList<PublishPacket> out;
    for (qsizetype i = 0; i < m_queue.size();) {
        if (const auto *publish = std::get_if<PublishPacket>(&m_queue[i])) {
            out.append(*publish);
            m_queue.removeAt(i);
        } else {
            ++i;
        }
    }
    return out;
}

int TestClient::queued(PacketType type) const
{
    int n = 0;
    for (const Packet &p : m_queue)
        n += packetTypeOf(p) == type ? 1 : 0;
    return n;
}

bool TestClient::waitForPublish(const std::function<bool(const PublishPacket &)> &predicate, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        const auto publish = takePublish(int(std::max<qint64>(1, deadline.remainingTime())));
        if (!publish)
            return false;
        if (predicate(*publish))
            return true;
    }
    return false;
}

bool TestClient::waitForClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                           timeoutMs);
}

void TestClient::close()
{
    m_socket.disconnectFromHost();
    if (m_socket.state() != QAbstractSocket::UnconnectedState)
        waitForClosed(2000);
    m_socket.abort();
}

quint16 TestClient::nextPacketId()
{
    if (m_nextPacketId == 0)
        m_nextPacketId = 1;
    return m_nextPacketId++;
}

void TestClient::onReadyRead()
{
    m_reader.append(m_socket.readAll());
    for (;;) {
        Frame frame;
        DecodeError error;
        const FrameReader::Result result = m_reader.next(frame, error);
        if (result == FrameReader::Result::NeedMore)
            return;
        if (result == FrameReader::Result::Error) {
            errors.append(QString::fromUtf8(error.message));
            m_socket.abort();
            return;
        }
        Packet packet;
        if (!PacketDecoder::decode(frame, m_version, packet, error)) {
            errors.append(QStringLiteral("%1: %2").arg(QLatin1String(packetTypeName(frame.type)),
                                                       QString::fromUtf8(error.message)));
            continue;
        }
        if (auto *publish = std::get_if<PublishPacket>(&packet)) {
            ++publishesReceived;
            if (autoAck && publish->qos == QoS::AtLeastOnce)
                puback(publish->packetId);
        }
        m_queue.append(std::move(packet));
    }
}

} // namespace drover::test
