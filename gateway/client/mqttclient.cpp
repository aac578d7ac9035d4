#include "mqttclient.h"

#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"
#include "mqtt/topic.h"

#include <QLoggingCategory>
#include <QRandomGenerator>
#include <algorithm>
#include <limits>

Q_LOGGING_CATEGORY(lcClient, "drover.client")
Q_LOGGING_CATEGORY(lcClientVerbose, "drover.client.verbose", QtWarningMsg)

namespace drover::client {

using namespace mqtt;

namespace {

constexpr quint32 UnlimitedPacketSize = 268435460; // the largest an MQTT packet can be
constexpr int CloseGraceMs = 5000;                 // for a closing transport to send its last bytes
// Below 65,535 so that SUBSCRIBE and UNSUBSCRIBE always find a free packet id.
constexpr int MaxInflightPublishes = 65000;

QString hex(ReasonCode code)
{
    return QStringLiteral("0x") + QStringLiteral("%1").arg(int(code), 2, 16, QLatin1Char('0')).toUpper();
}

// "Bad User Name or Password (0x86): <reason string>"
QString describeCode(ReasonCode code, const Properties &properties)
{
    QString text = QStringLiteral("%1 (%2)").arg(QLatin1String(reasonCodeName(code)), hex(code));
    const QByteArray reason = properties.reasonString();
    if (!reason.isEmpty())
        text += QStringLiteral(": ") + QString::fromUtf8(reason);
    return text;
}

// Refusals that a retry can't fix: wrong credentials, a ban, or something about our
// CONNECT or the server (version, client id, will, "use another server") that stays the
// same on every attempt. Retrying these forever only loads the server.
bool isRetryableRefusal(ReasonCode code)
{
    switch (code) {
    case ReasonCode::UnspecifiedError:
    case ReasonCode::ImplementationSpecificError:
    case ReasonCode::ServerUnavailable:
    case ReasonCode::ServerBusy:
    case ReasonCode::QuotaExceeded:
    case ReasonCode::ConnectionRateExceeded:
        return true;
    default:
        return false;
    }
}

// After a server DISCONNECT. Session taken over: another client uses our id, and if both
// reconnected they would take it from each other forever. Use another server / server
// moved: this client does not follow server references, and the same server will say so
// again. Everything else (shutting down, keep alive timeout, administrative action, a
// protocol error the application may not repeat) is worth a reconnect with backoff.
bool reconnectAfterDisconnect(ReasonCode code)
{
    return code != ReasonCode::SessionTakenOver && code != ReasonCode::UseAnotherServer &&
           code != ReasonCode::ServerMoved;
}

// Reason codes a PUBACK / PUBREC may carry (spec 3.4.2.1, 3.5.2.1).
bool isPubackCode(ReasonCode code)
{
    switch (code) {
    case ReasonCode::Success:
    case ReasonCode::NoMatchingSubscribers:
    case ReasonCode::UnspecifiedError:
    case ReasonCode::ImplementationSpecificError:
    case ReasonCode::NotAuthorized:
    case ReasonCode::TopicNameInvalid:
    case ReasonCode::PacketIdentifierInUse:
    case ReasonCode::QuotaExceeded:
    case ReasonCode::PayloadFormatInvalid:
        return true;
    default:
        return false;
    }
}

quint16 packetIdOf(const Packet &packet);

// For the per-packet trace: "PUBACK 7 (0x99)".
QString traceOf(const Packet &packet)
{
    QString text = QLatin1String(packetTypeName(packetTypeOf(packet)));
    if (const quint16 id = packetIdOf(packet))
        text += QLatin1Char(' ') + QString::number(id);
    if (const auto *ack = std::get_if<PubAckPacket>(&packet); ack && ack->reasonCode != ReasonCode::Success)
        text += QStringLiteral(" (%1)").arg(hex(ack->reasonCode));
    else if (const auto *disconnect = std::get_if<DisconnectPacket>(&packet))
        text += QStringLiteral(" (%1)").arg(hex(disconnect->reasonCode));
    else if (const auto *publish = std::get_if<PublishPacket>(&packet); publish && publish->dup)
        text += QStringLiteral(" (DUP)");
    return text;
}

quint16 packetIdOf(const Packet &packet)
{
    if (const auto *p = std::get_if<PublishPacket>(&packet))
        return p->packetId;
    if (const auto *p = std::get_if<PubAckPacket>(&packet))
        return p->packetId;
    if (const auto *p = std::get_if<SubscribePacket>(&packet))
        return p->packetId;
    if (const auto *p = std::get_if<SubackPacket>(&packet))
        return p->packetId;
    if (const auto *p = std::get_if<UnsubscribePacket>(&packet))
        return p->packetId;
    if (const auto *p = std::get_if<UnsubackPacket>(&packet))
        return p->packetId;
    return 0;
}

} // namespace

// Marks code that runs inside one of the transport's signals. Deleting a QTcpSocket from
// its own readyRead() crashes in Qt's code after the emit, so a client deleted from user
// code run from there (messageReceived(), disconnected(), ...) leaves its transport to the
// event loop. The count lives in the client, which may be gone when the guard ends.
class MqttClient::TransportSignalGuard
{
public:
    explicit TransportSignalGuard(MqttClient *client)
        : m_client(client)
    {
        ++client->m_inTransportSignal;
    }
    ~TransportSignalGuard()
    {
        if (m_client)
            --m_client->m_inTransportSignal;
    }
    Q_DISABLE_COPY_MOVE(TransportSignalGuard)

private:
    QPointer<MqttClient> m_client;
};

MqttClient::MqttClient(QObject *parent)
    : QObject(parent)
{
    m_connectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, &MqttClient::onConnectTimeout);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &MqttClient::startAttempt);
    m_keepAliveTimer.setSingleShot(true);
    connect(&m_keepAliveTimer, &QTimer::timeout, this, &MqttClient::checkKeepAlive);
}

MqttClient::~MqttClient()
{
    ClientTransport *transport = std::exchange(m_transport, nullptr);
    if (!transport)
        return;
    transport->disconnect(this);
    if (m_state == State::Connected) {
        // Best effort: the transports hand what is queued on close() to the kernel or the
        // peer, so a DISCONNECT written now still arrives (and the server drops our will).
        m_outbox.clear();
        PacketEncoder::append(m_outbox, DisconnectPacket{}, m_version);
        transport->write(m_outbox);
        transport->close();
    }
    if (m_inTransportSignal > 0) {
        transport->setParent(nullptr);
        transport->deleteLater();
    } else {
        delete transport;
    }
}

void MqttClient::setTransportFactory(TransportFactory factory)
{
    m_factory = std::move(factory);
}

void MqttClient::setOptions(const ClientOptions &options)
{
    m_options = options;
    m_assignedClientId.clear();
}

QByteArray MqttClient::clientId() const
{
    return m_options.clientId.isEmpty() ? m_assignedClientId : m_options.clientId;
}

QString MqttClient::describe() const
{
    const QByteArray id = clientId();
    return QStringLiteral("client %1 (%2)")
        .arg(id.isEmpty() ? QStringLiteral("<unassigned>") : QString::fromUtf8(id),
             m_transport ? m_transport->describe() : QStringLiteral("no transport"));
}

// ---------------------------------------------------------------- connection lifecycle

void MqttClient::connectToServer()
{
    if (m_state == State::Connecting && !m_transport) {
        m_reconnectTimer.start(0); // waiting to reconnect: try now
        return;
    }
    if (m_state != State::Disconnected)
        return;
    m_userDisconnect = false;
    m_everConnected = false;
    m_reconnectDelayMs = 0;
    m_state = State::Connecting;
    // From the event loop, so that an early failure is never reported from inside this call.
    m_reconnectTimer.start(0);
    emitStateChanged();
}

void MqttClient::disconnectFromServer()
{
    m_userDisconnect = true;
    m_reconnectTimer.stop();
    if (m_state == State::Disconnected)
        return;
    if (m_state == State::Connected) {
        sendPacket(DisconnectPacket{}); // Normal disconnection: the server discards the will
        flush();
        endConnection({QStringLiteral("disconnected by the client"), ReasonCode::Success, false, true, true});
        return;
    }
    endConnection({QStringLiteral("connection attempt cancelled by the client"), ReasonCode::UnspecifiedError,
                   false, false, false});
}

void MqttClient::startAttempt()
{
    if (m_state != State::Connecting || m_transport)
        return;
    ++m_generation;
    m_version = m_options.version;
    m_serverDisconnect.reset();
    m_transportError.clear();
    m_transportOpen = false;
    m_transportEnded = false;
    m_outbox.clear();
    if (!m_factory)
        return endConnection(
            {QStringLiteral("no transport factory set"), ReasonCode::UnspecifiedError, false});
    if (m_version == ProtocolVersion::V311 && m_options.password && !m_options.username)
        return endConnection({QStringLiteral("MQTT 3.1.1 can't send a password without a user name"),
                              ReasonCode::UnspecifiedError, false}); // MQTT-3.1.2-22
    ClientTransport *transport = m_factory();
    if (!transport)
        return endConnection(
            {QStringLiteral("the transport factory made no transport"), ReasonCode::UnspecifiedError, true});
    m_transport = transport;
    transport->setParent(this);
    connect(transport, &ClientTransport::connected, this, &MqttClient::onTransportConnected);
    connect(transport, &ClientTransport::readyRead, this, &MqttClient::onTransportReadyRead);
    connect(transport, &ClientTransport::bytesWritten, this, [this] {
        const TransportSignalGuard guard(this);
        updateRoom(); // may emit readyToSend()
    });
    connect(transport, &ClientTransport::disconnected, this, &MqttClient::onTransportDisconnected);
    connect(transport, &ClientTransport::errorOccurred, this,
            [this](const QString &message) { m_transportError = message; });

    // What we accept from the server: our own v5 Maximum Packet Size, if we set one.
    quint32 maximumPacketSize = UnlimitedPacketSize;
    if (m_version == ProtocolVersion::V5 && m_options.connectProperties.has(Properties::MaximumPacketSize))
        maximumPacketSize = m_options.connectProperties.integer(Properties::MaximumPacketSize);
    m_reader = FrameReader(maximumPacketSize);
    m_connectTimer.start(std::max(1, m_options.connectTimeoutMs));
    qCDebug(lcClient).noquote() << describe() << "connecting";
    transport->open();
}

void MqttClient::onTransportConnected()
{
    const TransportSignalGuard guard(this);
    m_transportOpen = true;
    ConnectPacket connect;
    connect.version = m_version;
    connect.clientId = clientId();
    // A reconnect asks to resume whenever the session can have outlived the connection.
    connect.cleanStart = m_everConnected && sessionCanResume() ? false : m_options.cleanStart;
    connect.keepAlive = m_options.keepAliveSeconds;
    connect.username = m_options.username;
    connect.password = m_options.password;
    connect.will = m_options.will;
    if (m_version == ProtocolVersion::V5) {
        connect.properties = m_options.connectProperties;
        if (m_options.sessionExpirySeconds > 0)
            connect.properties.setInteger(Properties::SessionExpiryInterval, m_options.sessionExpirySeconds);
        if (m_options.receiveMaximum > 0)
            connect.properties.setInteger(Properties::ReceiveMaximum, m_options.receiveMaximum);
    }
    // Never the credentials, only whether there are some.
    qCDebug(lcClient).noquote() << describe() << "transport open, sending CONNECT"
                                << (connect.cleanStart ? "(clean start)" : "(resume)")
                                << (connect.username || connect.password ? "with credentials"
                                                                         : "anonymously");
    sendPacket(connect);
    flush();
}

void MqttClient::onConnectTimeout()
{
    if (m_state != State::Connecting || !m_transport)
        return;
    endConnection({QStringLiteral("%1: no %2 within %3 ms")
                       .arg(m_transport->describe(),
                            m_transportOpen ? QStringLiteral("CONNACK") : QStringLiteral("connection"))
                       .arg(m_options.connectTimeoutMs),
                   ReasonCode::UnspecifiedError, true});
}

void MqttClient::onTransportReadyRead()
{
    if (!m_transport)
        return;
    const TransportSignalGuard guard(this);
    char buffer[65536];
    while (m_transport->bytesAvailable() > 0) {
        const qint64 n = m_transport->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        m_reader.append(QByteArrayView(buffer, n));
    }
    processFrames();
}

void MqttClient::onTransportDisconnected()
{
    const TransportSignalGuard guard(this);
    const quint64 generation = m_generation;
    const QPointer<MqttClient> self(this);
    m_transportEnded = true;
    onTransportReadyRead(); // what arrived before the end (a DISCONNECT with its reason, say)
    if (!self || generation != m_generation || !m_transport)
        return; // handled: the server's DISCONNECT ended the connection
    QString reason = m_transportError;
    if (reason.isEmpty())
        reason = m_state == State::Connected
                     ? QStringLiteral("%1: the server closed the connection").arg(m_transport->describe())
                     : QStringLiteral("%1: connection closed before CONNACK").arg(m_transport->describe());
    endConnection({reason, ReasonCode::UnspecifiedError, true});
}

void MqttClient::processFrames()
{
    const QPointer<MqttClient> self(this);
    const quint64 generation = m_generation;
    while (m_transport) {
        Frame frame;
        DecodeError error;
        const FrameReader::Result result = m_reader.next(frame, error);
        if (result == FrameReader::Result::NeedMore)
            break;
        if (result == FrameReader::Result::Error)
            return protocolViolation(error.reasonCode, QString::fromUtf8(error.message));
        m_lastReceived.start();
        m_pingOutstanding = false; // any packet shows the server is alive
        Packet packet;
        if (!PacketDecoder::decode(frame, m_version, packet, error))
            return protocolViolation(error.reasonCode, QString::fromUtf8(error.message));
        qCDebug(lcClientVerbose).noquote() << describe() << "received" << traceOf(packet);
        dispatch(packet);
        // The packet may have ended the connection, or user code run from a signal may
        // have disconnected, reconnected or deleted the client.
        if (!self || generation != m_generation)
            return;
    }
    flush();
    updateRoom();
}

void MqttClient::dispatch(Packet &packet)
{
    const PacketType type = packetTypeOf(packet);
    if (m_state != State::Connected) {
        if (type == PacketType::Connack)
            return handleConnack(std::get<ConnackPacket>(packet));
        if (type == PacketType::Disconnect) // not for v5 before CONNACK, but say what it said
            return handleDisconnect(std::get<DisconnectPacket>(packet));
        // MQTT-3.2.0-1: the first packet from the server is CONNACK.
        return protocolViolation(
            ReasonCode::ProtocolError,
            QStringLiteral("%1 before CONNACK").arg(QLatin1String(packetTypeName(type))));
    }
    switch (type) {
    case PacketType::Publish:
        return handlePublish(std::get<PublishPacket>(packet));
    case PacketType::Puback:
        return handlePuback(std::get<PubAckPacket>(packet));
    case PacketType::Pubrec:
        return handlePubrec(std::get<PubAckPacket>(packet));
    case PacketType::Pubrel:
        return handlePubrel(std::get<PubAckPacket>(packet));
    case PacketType::Pubcomp:
        return handlePubcomp(std::get<PubAckPacket>(packet));
    case PacketType::Suback:
        return handleSuback(std::get<SubackPacket>(packet));
    case PacketType::Unsuback:
        return handleUnsuback(std::get<UnsubackPacket>(packet));
    case PacketType::Pingresp:
        return; // m_pingOutstanding was cleared for every packet
    case PacketType::Disconnect:
        return handleDisconnect(std::get<DisconnectPacket>(packet));
    case PacketType::Connack: // MQTT-3.2.0-2: one CONNACK per connection
    case PacketType::Connect:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
    case PacketType::Pingreq:
        return protocolViolation(
            ReasonCode::ProtocolError,
            QStringLiteral("the server sent %1").arg(QLatin1String(packetTypeName(type))));
    case PacketType::Auth:
        return protocolViolation(ReasonCode::ProtocolError,
                                 QStringLiteral("AUTH without an authentication method agreed at CONNECT"));
    }
}

void MqttClient::handleConnack(const ConnackPacket &packet)
{
    m_connectTimer.stop();
    m_connack = packet;
    if (packet.reasonCode != ReasonCode::Success) {
        return endConnection(
            {QStringLiteral("connection refused: %1").arg(describeCode(packet.reasonCode, packet.properties)),
             packet.reasonCode, isRetryableRefusal(packet.reasonCode)});
    }

    const bool v5 = m_version == ProtocolVersion::V5;
    const Properties &p = packet.properties;
    m_serverReceiveMaximum = v5 ? quint16(p.integer(Properties::ReceiveMaximum, 65535)) : 65535;
    m_serverMaximumPacketSize =
        v5 ? p.integer(Properties::MaximumPacketSize, UnlimitedPacketSize) : UnlimitedPacketSize;
    m_serverMaximumQoS = v5 ? quint8(p.integer(Properties::MaximumQoS, 2)) : 2;
    m_serverRetainAvailable = v5 ? p.integer(Properties::RetainAvailable, 1) != 0 : true;
    if (v5 && p.has(Properties::AssignedClientIdentifier))
        m_assignedClientId = p.bytes(Properties::AssignedClientIdentifier);
    m_keepAlive = v5 && p.has(Properties::ServerKeepAlive) ? quint16(p.integer(Properties::ServerKeepAlive))
                                                           : m_options.keepAliveSeconds;
    m_reconnectDelayMs = 0;
    m_everConnected = true;
    m_state = State::Connected;
    qCInfo(lcClient).noquote() << describe() << "connected"
                               << QStringLiteral("(MQTT %1, %2, keep alive %3 s)")
                                      .arg(v5 ? QStringLiteral("5") : QStringLiteral("3.1.1"),
                                           packet.sessionPresent ? QStringLiteral("session resumed")
                                                                 : QStringLiteral("new session"))
                                      .arg(m_keepAlive);

    if (packet.sessionPresent) {
        resendInflight();
    } else {
        // The server has no session: what it never acknowledged is lost with the old one
        // (the caller decides whether to publish again), and our subscriptions are gone.
        failInflight(QStringLiteral("connection lost before the acknowledgement, and the server did not "
                                    "resume the session"));
        m_awaitingRelease.clear();
        resubscribe();
    }
    while (!m_deferred.empty() && m_state == State::Connected) {
        Request request = std::move(m_deferred.front());
        m_deferred.pop_front();
        sendRequest(std::move(request));
    }
    pumpQueue();
    flush();
    checkKeepAlive(); // arms the timer

    const QPointer<MqttClient> self(this);
    const quint64 generation = m_generation;
    emitStateChanged();
    if (!self || generation != m_generation)
        return;
    Q_EMIT connected(packet);
    if (!self || generation != m_generation)
        return;
    updateRoom();
}

void MqttClient::handleDisconnect(const DisconnectPacket &packet)
{
    m_serverDisconnect = packet;
    const QString reason = m_version == ProtocolVersion::V5
                               ? QStringLiteral("the server disconnected: %1")
                                     .arg(describeCode(packet.reasonCode, packet.properties))
                               : QStringLiteral("the server sent DISCONNECT");
    endConnection({reason, packet.reasonCode, reconnectAfterDisconnect(packet.reasonCode), true});
}

void MqttClient::protocolViolation(ReasonCode code, const QString &message)
{
    qCWarning(lcClient).noquote() << describe() << "the server sent a bad packet, closing:" << message
                                  << QStringLiteral("(%1)").arg(QLatin1String(reasonCodeName(code)));
    if (m_version == ProtocolVersion::V5) {
        // Spec 4.13.1: tell the server why before closing.
        DisconnectPacket disconnect{code, {}};
        disconnect.properties.setBytes(Properties::ReasonString, message.toUtf8());
        if (PacketEncoder::encodedSize(disconnect, m_version) > m_serverMaximumPacketSize)
            disconnect.properties.clear(Properties::ReasonString);
        sendPacket(disconnect);
        flush();
    }
    endConnection(
        {QStringLiteral("protocol error: %1 (%2)").arg(message, QLatin1String(reasonCodeName(code))), code,
         true, true});
}

void MqttClient::endConnection(const Ending &ending)
{
    const bool wasConnected = m_state == State::Connected;
    const QString who = describe(); // while it still names the transport
    ++m_generation;
    retireTransport(ending.graceful);
    m_connectTimer.stop();
    m_keepAliveTimer.stop();
    m_reader = FrameReader();
    m_outbox.clear();
    m_inboundAcks.clear(); // the server sends those messages again on a resumed session
    m_pingOutstanding = false;
    m_hadRoom = false;

    const bool reconnect = m_options.autoReconnect && ending.mayReconnect && !m_userDisconnect && m_factory;
    const QString failure = wasConnected && !m_userDisconnect
                                ? QStringLiteral("connection lost: %1").arg(ending.reason)
                                : ending.reason;
    if (!(reconnect && sessionCanResume())) {
        failInflight(failure); // no session to resume them in: they end here, unconfirmed
        m_awaitingRelease.clear();
    }
    // Requests awaiting their acknowledgement: sent again on the next connection, or failed.
    std::vector<Request> unanswered;
    for (auto &entry : m_requests)
        unanswered.push_back(std::move(entry.second));
    m_requests.clear();
    std::sort(unanswered.begin(), unanswered.end(),
              [](const Request &a, const Request &b) { return a.sequence < b.sequence; });
    for (auto it = unanswered.rbegin(); it != unanswered.rend(); ++it) {
        // A resubscription is made again from m_subscriptions when the session is not
        // resumed; only a resumed session needs the one that was cut off.
        if (!it->automatic || sessionCanResume())
            m_deferred.push_front(std::move(*it));
    }
    if (!reconnect) {
        for (Outgoing &outgoing : m_queue)
            complete(outgoing, {false, ReasonCode::UnspecifiedError, failure});
        m_queue.clear();
        for (Request &request : m_deferred)
            fail(request, ReasonCode::UnspecifiedError, failure);
        m_deferred.clear();
    }

    m_state = reconnect ? State::Connecting : State::Disconnected;
    if (reconnect)
        scheduleReconnect();
    if (ending.report) {
        qCInfo(lcClient).noquote() << who << (wasConnected ? "disconnected:" : "connection failed:")
                                   << ending.reason
                                   << (reconnect                 ? "(reconnecting)"
                                       : m_options.autoReconnect ? "(not reconnecting)"
                                                                 : "");
    }

    // User code from here on: it may reconnect, disconnect or delete the client.
    const QPointer<MqttClient> self(this);
    const quint64 generation = m_generation;
    if (ending.report) {
        if (wasConnected)
            Q_EMIT disconnected(ending.reason);
        else
            Q_EMIT connectionFailed(ending.reason, ending.code);
    }
    if (self && generation == m_generation)
        emitStateChanged();
}

void MqttClient::retireTransport(bool graceful)
{
    ClientTransport *transport = std::exchange(m_transport, nullptr);
    if (!transport)
        return;
    transport->disconnect(this); // nothing more from it reaches us
    if (!graceful || m_transportEnded) {
        transport->abort();
        transport->deleteLater();
        return;
    }
    // Let it send what is queued (a DISCONNECT, QoS 0 messages), but not forever.
    connect(transport, &ClientTransport::disconnected, transport, &QObject::deleteLater);
    QTimer::singleShot(CloseGraceMs, transport, [transport] {
        transport->abort();
        transport->deleteLater();
    });
    transport->close();
}

void MqttClient::scheduleReconnect()
{
    const int minMs = std::max(1, m_options.reconnectMinMs);
    const int maxMs = std::max(minMs, m_options.reconnectMaxMs);
    const int base = m_reconnectDelayMs > 0 ? m_reconnectDelayMs : minMs;
    // ±20 % jitter, so that clients dropped together don't come back together.
    const double factor = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    const int delay = std::max(1, int(base * factor));
    m_reconnectDelayMs = int(std::min<qint64>(qint64(base) * 2, maxMs));
    qCDebug(lcClient).noquote() << describe() << "reconnecting in" << delay << "ms";
    m_reconnectTimer.start(delay);
}

bool MqttClient::sessionCanResume() const
{
    return m_options.version == ProtocolVersion::V5 ? m_options.sessionExpirySeconds > 0
                                                    : !m_options.cleanStart;
}

// ---------------------------------------------------------------- publishing

void MqttClient::publish(PublishPacket message, QObject *context, PublishDone done)
{
    Outgoing outgoing{std::move(message), context, context != nullptr, std::move(done), 0, false};
    outgoing.packet.dup = false;
    outgoing.packet.packetId = 0;
    if (!isValidTopicName(outgoing.packet.topic)) // MQTT-3.3.2-2: the server would close the connection
        return complete(
            outgoing,
            {false, ReasonCode::TopicNameInvalid,
             QStringLiteral("'%1' is not a valid topic name").arg(QString::fromUtf8(outgoing.packet.topic))});
    if (m_state == State::Disconnected ||
        (m_state == State::Connecting && outgoing.packet.qos == QoS::AtMostOnce))
        return complete(outgoing, {false, ReasonCode::UnspecifiedError, QStringLiteral("not connected")});

    if (outgoing.packet.qos == QoS::AtMostOnce) {
        if (const auto refusal = checkAgainstServer(outgoing.packet))
            return complete(outgoing, *refusal);
        sendPacket(outgoing.packet);
        flush();
        complete(outgoing, {true, ReasonCode::Success, {}});
        updateRoom();
        return;
    }
    outgoing.sequence = m_nextSequence++;
    m_queue.push_back(std::move(outgoing)); // behind earlier ones, even if the window has room
    if (m_state == State::Connected) {
        pumpQueue();
        flush();
    }
    updateRoom();
}

std::optional<PublishOutcome> MqttClient::checkAgainstServer(const PublishPacket &packet) const
{
    // What the server announced in its CONNACK; sending anyway would end the connection.
    if (quint8(packet.qos) > m_serverMaximumQoS) // MQTT-3.2.2-11
        return PublishOutcome{false, ReasonCode::QoSNotSupported,
                              QStringLiteral("the server accepts QoS %1 at most").arg(m_serverMaximumQoS)};
    if (packet.retain && !m_serverRetainAvailable) // MQTT-3.2.2-14
        return PublishOutcome{false, ReasonCode::RetainNotSupported,
                              QStringLiteral("the server does not support retained messages")};
    const quint32 size = PacketEncoder::encodedSize(packet, m_version);
    if (size > m_serverMaximumPacketSize) // MQTT-3.1.2-24
        return PublishOutcome{
            false, ReasonCode::PacketTooLarge,
            QStringLiteral("the message is %1 bytes, the server's maximum packet size is %2")
                .arg(size)
                .arg(m_serverMaximumPacketSize)};
    return std::nullopt;
}

int MqttClient::publishWindow() const
{
    return std::min<int>(m_serverReceiveMaximum, MaxInflightPublishes);
}

void MqttClient::pumpQueue()
{
    // MQTT-4.9.0-2: no more unacknowledged QoS 1/2 PUBLISH packets than the server's
    // Receive Maximum; the rest wait here, in order.
    while (m_state == State::Connected && !m_queue.empty() && int(m_inflight.size()) < publishWindow()) {
        Outgoing outgoing = std::move(m_queue.front());
        m_queue.pop_front();
        if (const auto refusal = checkAgainstServer(outgoing.packet)) {
            complete(outgoing, *refusal);
            continue;
        }
        const quint16 id = allocatePacketId();
        if (id == 0) { // every id in use: wait for acknowledgements
            m_queue.push_front(std::move(outgoing));
            break;
        }
        outgoing.packet.packetId = id;
        sendPacket(outgoing.packet);
        m_inflight.emplace(id, std::move(outgoing));
    }
}

void MqttClient::failInflight(const QString &reason)
{
    std::vector<Outgoing *> ordered;
    for (auto &entry : m_inflight)
        ordered.push_back(&entry.second);
    std::sort(ordered.begin(), ordered.end(),
              [](const Outgoing *a, const Outgoing *b) { return a->sequence < b->sequence; });
    for (Outgoing *outgoing : ordered)
        complete(*outgoing, {false, ReasonCode::UnspecifiedError, reason});
    m_inflight.clear();
}

void MqttClient::resendInflight()
{
    // MQTT-4.4.0-1: on a resumed session, unacknowledged PUBLISH packets go again with the
    // same packet ids and DUP set (MQTT-3.3.1-1), and PUBREL for those already PUBRECed, in
    // their original order (MQTT-4.6.0-1). They were within the window of the last
    // connection; a server that now announces a smaller one may refuse the excess.
    std::vector<Outgoing *> ordered;
    for (auto &entry : m_inflight)
        ordered.push_back(&entry.second);
    std::sort(ordered.begin(), ordered.end(),
              [](const Outgoing *a, const Outgoing *b) { return a->sequence < b->sequence; });
    for (Outgoing *outgoing : ordered) {
        if (outgoing->released) {
            sendPacket(PubAckPacket{PacketType::Pubrel, outgoing->packet.packetId, ReasonCode::Success, {}});
        } else {
            outgoing->packet.dup = true;
            sendPacket(outgoing->packet);
        }
    }
    if (!ordered.empty())
        qCInfo(lcClient).noquote() << describe() << "resent" << ordered.size() << "unacknowledged messages";
}

void MqttClient::handlePuback(const PubAckPacket &packet)
{
    const auto it = m_inflight.find(packet.packetId);
    if (it == m_inflight.end() || it->second.packet.qos != QoS::AtLeastOnce) {
        qCDebug(lcClient).noquote() << describe() << "PUBACK for unknown packet id" << packet.packetId;
        return;
    }
    Outgoing outgoing = std::move(it->second);
    m_inflight.erase(it);
    complete(outgoing, {!isError(packet.reasonCode), packet.reasonCode,
                        QString::fromUtf8(packet.properties.reasonString())});
    pumpQueue();
}

void MqttClient::handlePubrec(const PubAckPacket &packet)
{
    const auto it = m_inflight.find(packet.packetId);
    if (it == m_inflight.end() || it->second.packet.qos != QoS::ExactlyOnce) {
        // Spec 4.3.3: answer with PUBREL "Packet Identifier not found" (plain PUBREL in 3.1.1).
        sendPacket(
            PubAckPacket{PacketType::Pubrel, packet.packetId, ReasonCode::PacketIdentifierNotFound, {}});
        return;
    }
    if (isError(packet.reasonCode)) { // the exchange ends here (spec 4.3.3)
        Outgoing outgoing = std::move(it->second);
        m_inflight.erase(it);
        complete(outgoing, {false, packet.reasonCode, QString::fromUtf8(packet.properties.reasonString())});
        pumpQueue();
        return;
    }
    it->second.released = true; // MQTT-4.3.3-3: from now on only PUBREL, never the PUBLISH again
    sendPacket(PubAckPacket{PacketType::Pubrel, packet.packetId, ReasonCode::Success, {}});
}

void MqttClient::handlePubcomp(const PubAckPacket &packet)
{
    const auto it = m_inflight.find(packet.packetId);
    if (it == m_inflight.end() || !it->second.released) {
        qCDebug(lcClient).noquote() << describe() << "PUBCOMP for unknown packet id" << packet.packetId;
        return;
    }
    Outgoing outgoing = std::move(it->second);
    m_inflight.erase(it);
    // The server took the message at PUBREC; a PUBCOMP code (0x92 after a resumed session)
    // is reported but does not undo that.
    complete(outgoing, {true, packet.reasonCode, QString::fromUtf8(packet.properties.reasonString())});
    pumpQueue();
}

quint16 MqttClient::allocatePacketId()
{
    // MQTT-2.2.1-3: an id is free again once its exchange completed. Ids go round, so an id
    // just released is not reused at once (which eases reading traces).
    for (int attempts = 0; attempts < 65535; ++attempts) {
        const quint16 id = m_nextPacketId;
        m_nextPacketId = m_nextPacketId == 65535 ? 1 : quint16(m_nextPacketId + 1);
        if (m_inflight.find(id) == m_inflight.end() && m_requests.find(id) == m_requests.end())
            return id;
    }
    return 0;
}

bool MqttClient::hasRoom() const
{
    return m_state == State::Connected && m_transport && m_queue.empty() &&
           m_transport->bytesToWrite() + m_outbox.size() < m_options.sendHighWaterBytes;
}

void MqttClient::updateRoom()
{
    const bool room = hasRoom();
    if (room == m_hadRoom)
        return;
    m_hadRoom = room;
    if (room)
        Q_EMIT readyToSend();
}

// ---------------------------------------------------------------- subscriptions

void MqttClient::subscribe(const QList<SubscriptionRequest> &requests, const Properties &properties,
                           QObject *context, SubscribeDone done)
{
    Request request;
    request.subscribe = true;
    request.subscriptions = requests;
    request.properties = properties;
    request.context = context;
    request.hasContext = context != nullptr;
    request.subscribeDone = std::move(done);
    if (requests.isEmpty()) // MQTT-3.8.3-2
        return fail(request, ReasonCode::ProtocolError, QStringLiteral("no topic filter"));
    for (const SubscriptionRequest &r : requests) {
        if (!isValidTopicFilter(r.filter) || r.retainHandling > 2)
            return fail(request, ReasonCode::TopicFilterInvalid,
                        QStringLiteral("'%1' is not a valid topic filter; nothing was sent")
                            .arg(QString::fromUtf8(r.filter)));
    }
    if (m_state == State::Disconnected)
        return fail(request, ReasonCode::UnspecifiedError, QStringLiteral("not connected"));
    request.sequence = m_nextSequence++;
    if (m_state == State::Connecting) {
        m_deferred.push_back(std::move(request));
        return;
    }
    sendRequest(std::move(request));
    flush();
}

void MqttClient::unsubscribe(const QList<QByteArray> &filters, QObject *context, UnsubscribeDone done)
{
    Request request;
    request.subscribe = false;
    request.filters = filters;
    request.context = context;
    request.hasContext = context != nullptr;
    request.unsubscribeDone = std::move(done);
    if (filters.isEmpty()) // MQTT-3.10.3-2
        return fail(request, ReasonCode::ProtocolError, QStringLiteral("no topic filter"));
    for (const QByteArray &filter : filters) {
        if (!isValidTopicFilter(filter))
            return fail(request, ReasonCode::TopicFilterInvalid,
                        QStringLiteral("'%1' is not a valid topic filter; nothing was sent")
                            .arg(QString::fromUtf8(filter)));
    }
    if (m_state == State::Disconnected)
        return fail(request, ReasonCode::UnspecifiedError, QStringLiteral("not connected"));
    request.sequence = m_nextSequence++;
    if (m_state == State::Connecting) {
        m_deferred.push_back(std::move(request));
        return;
    }
    sendRequest(std::move(request));
    flush();
}

QList<SubscriptionRequest> MqttClient::subscriptions() const
{
    QList<SubscriptionRequest> out;
    for (const Subscription &s : m_subscriptions)
        out.append(s.request);
    return out;
}

void MqttClient::sendRequest(Request request)
{
    const quint16 id = allocatePacketId();
    if (id == 0)
        return fail(request, ReasonCode::UnspecifiedError, QStringLiteral("no free packet identifier"));
    if (request.subscribe)
        sendPacket(SubscribePacket{id, request.subscriptions, request.properties});
    else
        sendPacket(UnsubscribePacket{id, request.filters, request.properties});
    m_requests.emplace(id, std::move(request));
}

void MqttClient::resubscribe()
{
    // One SUBSCRIBE per distinct property block (a subscription identifier or content-mode
    // applies to every filter of its packet), in the order they were granted.
    std::vector<Request> groups;
    for (const Subscription &s : std::as_const(m_subscriptions)) {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const Request &g) { return g.properties == s.properties; });
        if (it == groups.end()) {
            Request request;
            request.properties = s.properties;
            request.automatic = true;
            request.sequence = m_nextSequence++;
            groups.push_back(std::move(request));
            it = groups.end() - 1;
        }
        it->subscriptions.append(s.request);
    }
    if (!groups.empty())
        qCInfo(lcClient).noquote() << describe() << "subscribing again to" << m_subscriptions.size()
                                   << "filters";
    for (Request &request : groups)
        sendRequest(std::move(request));
}

void MqttClient::handleSuback(const SubackPacket &packet)
{
    const auto it = m_requests.find(packet.packetId);
    if (it == m_requests.end() || !it->second.subscribe) {
        qCDebug(lcClient).noquote() << describe() << "SUBACK for unknown packet id" << packet.packetId;
        return;
    }
    Request request = std::move(it->second);
    m_requests.erase(it);
    if (packet.reasonCodes.size() != request.subscriptions.size()) // MQTT-3.9.3-1
        qCWarning(lcClient).noquote() << describe() << "SUBACK has" << packet.reasonCodes.size()
                                      << "codes for" << request.subscriptions.size() << "filters";
    for (qsizetype i = 0; i < request.subscriptions.size(); ++i) {
        const ReasonCode code =
            i < packet.reasonCodes.size() ? packet.reasonCodes.at(i) : ReasonCode::UnspecifiedError;
        const SubscriptionRequest &subscription = request.subscriptions.at(i);
        if (!isError(code)) {
            remember(subscription, request.properties);
        } else if (request.automatic) {
            qCWarning(lcClient).noquote()
                << describe() << "subscribing again to" << QString::fromUtf8(subscription.filter)
                << "was refused:" << describeCode(code, packet.properties);
            forget(subscription.filter);
        }
    }
    if (request.subscribeDone) {
        post([context = request.context, hasContext = request.hasContext,
              done = std::move(request.subscribeDone), packet] {
            if (!hasContext || context)
                done(packet);
        });
    }
}

void MqttClient::handleUnsuback(const UnsubackPacket &packet)
{
    const auto it = m_requests.find(packet.packetId);
    if (it == m_requests.end() || it->second.subscribe) {
        qCDebug(lcClient).noquote() << describe() << "UNSUBACK for unknown packet id" << packet.packetId;
        return;
    }
    Request request = std::move(it->second);
    m_requests.erase(it);
    for (qsizetype i = 0; i < request.filters.size(); ++i) {
        // 3.1.1 UNSUBACK has no codes: success. v5: gone unless the server kept it.
        const ReasonCode code =
            i < packet.reasonCodes.size() ? packet.reasonCodes.at(i) : ReasonCode::Success;
        if (!isError(code))
            forget(request.filters.at(i));
    }
    if (request.unsubscribeDone) {
        post([context = request.context, hasContext = request.hasContext,
              done = std::move(request.unsubscribeDone), packet] {
            if (!hasContext || context)
                done(packet);
        });
    }
}

void MqttClient::remember(const SubscriptionRequest &request, const Properties &properties)
{
    for (Subscription &s : m_subscriptions) {
        if (s.request.filter == request.filter) { // MQTT-3.8.4-3: a new SUBSCRIBE replaces it
            s = {request, properties};
            return;
        }
    }
    m_subscriptions.append({request, properties});
}

void MqttClient::forget(const QByteArray &filter)
{
    m_subscriptions.removeIf([&filter](const Subscription &s) { return s.request.filter == filter; });
}

// ---------------------------------------------------------------- receiving

void MqttClient::handlePublish(PublishPacket &packet)
{
    const bool v5 = m_version == ProtocolVersion::V5;
    if (v5 && packet.properties.has(Properties::TopicAlias)) // we announce no Topic Alias Maximum
        return protocolViolation(
            ReasonCode::TopicAliasInvalid,
            QStringLiteral("topic alias although the client allows none")); // MQTT-3.3.2-8
    if (packet.qos == QoS::AtMostOnce) {
        Q_EMIT messageReceived(packet);
        return;
    }
    const quint16 id = packet.packetId;
    if (packet.qos == QoS::ExactlyOnce) {
        if (m_awaitingRelease.contains(id)) {
            // Spec 4.3.3: a resent QoS 2 PUBLISH we already acknowledged is acknowledged
            // again and not delivered twice.
            sendPacket(PubAckPacket{PacketType::Pubrec, id, ReasonCode::Success, {}});
            return;
        }
        const bool withApplication =
            std::any_of(m_inboundAcks.begin(), m_inboundAcks.end(),
                        [id](const InboundAck &a) { return a.packetId == id && a.qos == QoS::ExactlyOnce; });
        if (withApplication)
            return; // its PUBREC comes once the application acknowledges it
    }
    if (v5 && m_options.receiveMaximum > 0 &&
        m_inboundAcks.size() + size_t(m_awaitingRelease.size()) >= m_options.receiveMaximum) // MQTT-3.3.4-9
        return protocolViolation(
            ReasonCode::ReceiveMaximumExceeded,
            QStringLiteral("more than %1 unacknowledged QoS 1/2 messages").arg(m_options.receiveMaximum));
    m_inboundAcks.push_back({id, packet.qos, !m_manualAck, ReasonCode::Success, {}});
    const QPointer<MqttClient> self(this);
    const quint64 generation = m_generation;
    Q_EMIT messageReceived(packet);
    if (!self || generation != m_generation)
        return;
    flushInboundAcks(); // after the application saw it: at least once, never "maybe never"
}

void MqttClient::handlePubrel(const PubAckPacket &packet)
{
    const bool known = m_awaitingRelease.remove(packet.packetId);
    sendPacket(PubAckPacket{PacketType::Pubcomp,
                            packet.packetId,
                            known ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound,
                            {}});
}

void MqttClient::acknowledge(quint16 packetId, ReasonCode code, const QString &reasonString)
{
    if (m_state != State::Connected)
        return;
    const auto it = std::find_if(m_inboundAcks.begin(), m_inboundAcks.end(), [packetId](const InboundAck &a) {
        return a.packetId == packetId && !a.acknowledged;
    });
    if (it == m_inboundAcks.end()) {
        qCDebug(lcClient).noquote() << describe() << "acknowledge: no message with packet id" << packetId
                                    << "is waiting";
        return;
    }
    if (!isPubackCode(code)) {
        qCWarning(lcClient).noquote() << describe() << "acknowledge:" << reasonCodeName(code)
                                      << "is not a PUBACK/PUBREC code; sending Unspecified error";
        code = ReasonCode::UnspecifiedError;
    }
    if (m_version == ProtocolVersion::V311 && isError(code))
        qCInfo(lcClient).noquote() << describe() << "MQTT 3.1.1 has no negative acknowledgement; message"
                                   << packetId << "is acknowledged although refused:" << reasonString;
    it->acknowledged = true;
    it->code = code;
    it->reasonString = reasonString;
    flushInboundAcks();
    flush();
}

void MqttClient::flushInboundAcks()
{
    // MQTT-4.6.0-2: PUBACK and PUBREC in the order the PUBLISH packets arrived; one the
    // application acknowledged early waits for those before it.
    const bool v5 = m_version == ProtocolVersion::V5;
    while (!m_inboundAcks.empty() && m_inboundAcks.front().acknowledged) {
        const InboundAck ack = std::move(m_inboundAcks.front());
        m_inboundAcks.pop_front();
        const ReasonCode code = v5 ? ack.code : ReasonCode::Success;
        PubAckPacket reply{
            ack.qos == QoS::AtLeastOnce ? PacketType::Puback : PacketType::Pubrec, ack.packetId, code, {}};
        if (v5 && !ack.reasonString.isEmpty())
            reply.properties.setBytes(Properties::ReasonString, ack.reasonString.toUtf8());
        if (ack.qos == QoS::ExactlyOnce && !isError(code))
            m_awaitingRelease.insert(ack.packetId);
        sendPacket(reply);
    }
}

// ---------------------------------------------------------------- sending and keep alive

void MqttClient::sendPacket(const Packet &packet)
{
    if (!m_transport)
        return;
    if (PacketEncoder::encodedSize(packet, m_version) > m_serverMaximumPacketSize) {
        // MQTT-3.1.2-25: drop the reason string rather than exceed the server's limit
        // (publishes were checked before; this is for acknowledgements and DISCONNECT).
        Packet trimmed = packet;
        if (auto *ack = std::get_if<PubAckPacket>(&trimmed))
            ack->properties.clear(Properties::ReasonString);
        else if (auto *disconnect = std::get_if<DisconnectPacket>(&trimmed))
            disconnect->properties.clear(Properties::ReasonString);
        PacketEncoder::append(m_outbox, trimmed, m_version);
    } else {
        PacketEncoder::append(m_outbox, packet, m_version);
    }
    qCDebug(lcClientVerbose).noquote() << describe() << "sent" << traceOf(packet);
}

void MqttClient::flush()
{
    if (m_outbox.isEmpty() || !m_transport)
        return;
    m_transport->write(std::exchange(m_outbox, {}));
    m_lastSent.start();
}

void MqttClient::checkKeepAlive()
{
    if (m_state != State::Connected || m_keepAlive == 0 || !m_transport)
        return;
    const qint64 period = qint64(m_keepAlive) * 1000;
    // Waiting for a PINGRESP (or any packet) no longer than half a period, at least 1 s.
    const qint64 answerWithin = std::max<qint64>(1000, period / 2);
    if (m_pingOutstanding && m_pingSent.elapsed() >= answerWithin) {
        return endConnection({QStringLiteral("%1: no answer to PINGREQ within %2 ms")
                                  .arg(m_transport->describe())
                                  .arg(answerWithin),
                              ReasonCode::KeepAliveTimeout, true});
    }
    // MQTT-3.1.2-20: a packet at least every keep alive period. A ping also when nothing
    // came for a period, so that a client that only publishes still notices a dead server.
    const qint64 idle =
        std::max(m_lastSent.elapsed(), m_lastReceived.elapsed()); // both valid: CONNECT, CONNACK
    if (!m_pingOutstanding && idle >= period) {
        sendPacket(PingreqPacket{});
        flush();
        m_pingOutstanding = true;
        m_pingSent.start();
    }
    // One timer, re-armed lazily here: traffic does not touch it.
    const qint64 next = m_pingOutstanding ? answerWithin - m_pingSent.elapsed()
                                          : period - std::max(m_lastSent.elapsed(), m_lastReceived.elapsed());
    m_keepAliveTimer.start(int(std::clamp<qint64>(next, 10, std::numeric_limits<int>::max())));
}

// ---------------------------------------------------------------- completions

void MqttClient::complete(Outgoing &outgoing, PublishOutcome outcome)
{
    if (!outgoing.done)
        return;
    post([context = outgoing.context, hasContext = outgoing.hasContext, done = std::move(outgoing.done),
          outcome = std::move(outcome)] {
        if (!hasContext || context)
            done(outcome);
    });
}

void MqttClient::fail(Request &request, ReasonCode code, const QString &reason)
{
    Properties properties;
    properties.setBytes(Properties::ReasonString, reason.toUtf8());
    if (request.subscribe && request.subscribeDone) {
        SubackPacket suback{0, {}, properties};
        for (const SubscriptionRequest &r : std::as_const(request.subscriptions))
            suback.reasonCodes.append(code == ReasonCode::TopicFilterInvalid &&
                                              isValidTopicFilter(r.filter) && r.retainHandling <= 2
                                          ? ReasonCode::UnspecifiedError
                                          : code);
        if (suback.reasonCodes.isEmpty())
            suback.reasonCodes.append(code);
        post([context = request.context, hasContext = request.hasContext,
              done = std::move(request.subscribeDone), suback] {
            if (!hasContext || context)
                done(suback);
        });
    } else if (!request.subscribe && request.unsubscribeDone) {
        UnsubackPacket unsuback{0, {}, properties};
        for (const QByteArray &filter : std::as_const(request.filters))
            unsuback.reasonCodes.append(code == ReasonCode::TopicFilterInvalid && isValidTopicFilter(filter)
                                            ? ReasonCode::UnspecifiedError
                                            : code);
        if (unsuback.reasonCodes.isEmpty())
            unsuback.reasonCodes.append(code);
        post([context = request.context, hasContext = request.hasContext,
              done = std::move(request.unsubscribeDone), unsuback] {
            if (!hasContext || context)
                done(unsuback);
        });
    }
}

void MqttClient::post(std::function<void()> completion)
{
    m_completions.push_back(std::move(completion));
    if (!std::exchange(m_completionsScheduled, true))
        QMetaObject::invokeMethod(this, &MqttClient::runCompletions, Qt::QueuedConnection);
}

void MqttClient::runCompletions()
{
    m_completionsScheduled = false;
    // Taken out first: a callback may publish again (new completions go to the next
    // batch) or delete this client (the batch is ours, on the stack).
    const std::vector<std::function<void()>> batch = std::exchange(m_completions, {});
    for (const auto &completion : batch)
        completion();
}

void MqttClient::emitStateChanged()
{
    if (m_reportedState == m_state)
        return;
    m_reportedState = m_state;
    Q_EMIT stateChanged(m_state);
}

} // namespace drover::client
