#include "clientconnection.h"

#include "clientsocket.h"
#include "endpoint.h"
#include "session.h"
#include "sessionstore.h"

#include "auth/authenticator.h"
#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QUuid>

#include <algorithm>

Q_LOGGING_CATEGORY(lcConnection, "drover.mqtt")
Q_LOGGING_CATEGORY(lcConnectionVerbose, "drover.mqtt.verbose", QtWarningMsg)

namespace drover::session {

using namespace mqtt;
using auth::AuthVerdict;

namespace {

constexpr quint32 UnlimitedPacketSize = 268435460; // the largest an MQTT packet can be
constexpr int CloseGraceMs = 5000;                 // for the peer to take our last bytes

template <typename T, typename = void> struct HasProperties : std::false_type {};
template <typename T>
struct HasProperties<T, std::void_t<decltype(std::declval<T &>().properties)>> : std::true_type {};

QByteArray utf8(const QString &s)
{
    return s.toUtf8();
}

} // namespace

ClientConnection::ClientConnection(ClientSocket *socket, const ServerContext &context, SessionStore &sessions,
                                   QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_context(context)
    , m_sessions(sessions)
    , m_reader(context.limits.maxPacketSize)
{
    m_socket->setParent(this);
    connect(m_socket, &ClientSocket::readyRead, this, &ClientConnection::onReadyRead);
    connect(m_socket, &ClientSocket::disconnected, this, &ClientConnection::onSocketDisconnected);
    connect(m_socket, &ClientSocket::bytesWritten, this, [this] {
        if (m_session && m_state == State::Connected)
            m_session->schedulePump();
    });
    m_lastActivity.start();
    // CONNECT must come soon (and the same timer later checks keep alive).
    connect(&m_keepAliveTimer, &QTimer::timeout, this, &ClientConnection::checkKeepAlive);
    m_keepAliveTimer.start(m_context.limits.connectTimeoutMs);
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, &ClientConnection::onCredentialExpired);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ClientConnection::onReadyRead, Qt::QueuedConnection);
}

ClientConnection::~ClientConnection()
{
    endSession();
}

QString ClientConnection::describe() const
{
    return QStringLiteral("client %1 (%2)")
        .arg(m_clientId.isEmpty() ? QStringLiteral("<connecting>") : m_clientId, m_socket->peerDescription());
}

bool ClientConnection::hasRoom() const
{
    return m_state == State::Connected &&
           m_socket->bytesToWrite() + m_outbox.size() < m_context.limits.socketHighWaterBytes;
}

void ClientConnection::flush()
{
    if (m_outbox.isEmpty() || m_state == State::Closed)
        return;
    m_socket->write(m_outbox);
    m_outbox.clear();
}

void ClientConnection::onReadyRead()
{
    char buffer[16384];
    while (m_socket->bytesAvailable() > 0) {
        const qint64 n = m_socket->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        m_reader.append(QByteArrayView(buffer, n));
    }
    processFrames();
}

void ClientConnection::processFrames()
{
    while (m_state == State::AwaitingConnect || m_state == State::Connected) {
        if (m_readPausedForAcks)
            break;
        Frame frame;
        DecodeError error;
        const FrameReader::Result result = m_reader.next(frame, error);
        if (result == FrameReader::Result::NeedMore)
            break;
        if (result == FrameReader::Result::Error) {
            protocolViolation(error);
            break;
        }
        m_lastActivity.restart();
        Packet packet;
        if (!PacketDecoder::decode(frame, m_version, packet, error)) {
            protocolViolation(error);
            break;
        }
        qCDebug(lcConnectionVerbose).noquote() << describe() << "sent" << packetTypeName(frame.type);
        dispatch(packet);
    }
    flush();
}

void ClientConnection::protocolViolation(const DecodeError &error)
{
    qCWarning(lcConnection).noquote()
        << describe() << "sent a bad packet, closing:" << QString::fromUtf8(error.message)
        << QStringLiteral("(%1)").arg(QLatin1String(reasonCodeName(error.reasonCode)));
    if (m_state == State::AwaitingConnect && error.reasonCode == ReasonCode::UnsupportedProtocolVersion) {
        // MQTT-3.1.2-2: answer an unknown protocol level with "unacceptable protocol version",
        // in the 3.1.1 form every client version can read.
        m_outbox.append(PacketEncoder::encode(
            ConnackPacket{false, ReasonCode::UnsupportedProtocolVersion, {}}, ProtocolVersion::V311));
        closeAfterFlush();
        return;
    }
    disconnectClient(error.reasonCode, QString::fromUtf8(error.message));
}

void ClientConnection::disconnectClient(ReasonCode reasonCode, const QString &reason)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    if (m_version == ProtocolVersion::V5 && m_state == State::Connected) {
        DisconnectPacket disconnect{reasonCode, {}};
        if (!reason.isEmpty())
            disconnect.properties.setBytes(Properties::ReasonString, utf8(reason));
        sendPacket(disconnect);
    }
    closeAfterFlush();
}

void ClientConnection::closeAfterFlush()
{
    m_state = State::Closing;
    flush();
    m_socket->close();
    // A peer that doesn't read would keep a graceful close pending forever.
    QTimer::singleShot(CloseGraceMs, this, [this] {
        if (m_state == State::Closing)
            m_socket->abort();
    });
}

void ClientConnection::dispatch(Packet &packet)
{
    if (m_state == State::AwaitingConnect) {
        if (auto *connectPacket = std::get_if<ConnectPacket>(&packet))
            return handleConnect(*connectPacket);
        // MQTT-3.1.0-1: the first packet must be CONNECT.
        qCWarning(lcConnection).noquote()
            << describe() << "sent" << packetTypeName(packetTypeOf(packet)) << "before CONNECT, closing";
        m_state = State::Closing;
        m_socket->abort();
        return;
    }
    switch (packetTypeOf(packet)) {
    case PacketType::Publish:
        return handlePublish(std::get<PublishPacket>(packet));
    case PacketType::Puback:
        return handlePuback(std::get<PubAckPacket>(packet));
    case PacketType::Pubrel:
        return handlePubrel(std::get<PubAckPacket>(packet));
    case PacketType::Subscribe:
        return handleSubscribe(std::get<SubscribePacket>(packet));
    case PacketType::Unsubscribe:
        return handleUnsubscribe(std::get<UnsubscribePacket>(packet));
    case PacketType::Pingreq:
        return handlePingreq();
    case PacketType::Disconnect:
        return handleDisconnect(std::get<DisconnectPacket>(packet));
    case PacketType::Connect:
        // MQTT-3.1.0-2: a second CONNECT is a protocol error.
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("second CONNECT on one connection"));
    case PacketType::Pubrec:
    case PacketType::Pubcomp:
        // We never send QoS 2, so the client has nothing to acknowledge this way.
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("%1 for a QoS 2 message never sent")
                                    .arg(QLatin1String(packetTypeName(packetTypeOf(packet)))));
    case PacketType::Auth:
        return handleAuth(std::get<AuthPacket>(packet));
    case PacketType::Connack:
    case PacketType::Suback:
    case PacketType::Unsuback:
    case PacketType::Pingresp:
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("%1 is sent by servers, not clients")
                                    .arg(QLatin1String(packetTypeName(packetTypeOf(packet)))));
    }
}

// ---------------------------------------------------------------- CONNECT

void ClientConnection::handleConnect(ConnectPacket &packet)
{
    m_version = packet.version;
    m_clientId = QString::fromUtf8(packet.clientId);

    if (packet.clientId.isEmpty() && !packet.cleanStart && m_version == ProtocolVersion::V311)
        return refuseConnect(ReasonCode::ClientIdentifierNotValid,
                             QStringLiteral("an empty client id needs a clean session")); // MQTT-3.1.3-8
    if (packet.properties.has(Properties::AuthenticationMethod)) {
        const QByteArray method = packet.properties.bytes(Properties::AuthenticationMethod);
        const QByteArrayList supported = m_context.authenticator->authenticationMethods();
        if (!supported.contains(method))
            return refuseConnect(
                ReasonCode::BadAuthenticationMethod,
                supported.isEmpty()
                    ? QStringLiteral("enhanced authentication is not supported here; send the token as user "
                                     "name or password")
                    : QStringLiteral("authentication method \"%1\" is not supported (supported: %2)")
                          .arg(QString::fromUtf8(method.left(64)), QString::fromUtf8(supported.join(", "))));
        m_authMethod = method;
    }
    if (m_version == ProtocolVersion::V5) {
        m_sendWindow = int(packet.properties.integer(Properties::ReceiveMaximum, 65535));
        m_peerMaximumPacketSize =
            packet.properties.integer(Properties::MaximumPacketSize, UnlimitedPacketSize);
    } else {
        m_sendWindow = 65535;
    }
    // Below 65535 so that a free packet id always exists.
    m_sendWindow = std::min({m_sendWindow, int(m_context.limits.maxInflight), 65000});

    if (packet.will) {
        m_will = *packet.will;
        if (m_version == ProtocolVersion::V311)
            m_will->retain = false; // 3.1.1 can't be told retain is unavailable: the flag is ignored
        m_willDelay = m_will->properties.integer(Properties::WillDelayInterval, 0);
    }

    m_keepAlive = packet.keepAlive;
    // MQTT-3.1.2-29: with 0, reason strings go only on CONNACK, PUBLISH and DISCONNECT.
    m_problemInformation = packet.properties.integer(Properties::RequestProblemInformation, 1) != 0;
    m_connect = std::move(packet);
    m_state = State::Authenticating;
    m_socket->setReadPaused(true); // nothing else is processed until we know who this is

    auth::Credentials credentials;
    credentials.username = m_connect->username;
    credentials.password = m_connect->password;
    credentials.clientId = m_connect->clientId;
    credentials.passwordOnlyAllowed = m_version == ProtocolVersion::V5;
    credentials.authenticationMethod = m_authMethod;
    credentials.authenticationData = m_connect->properties.bytes(Properties::AuthenticationData);
    m_context.authenticator->authenticate(credentials, this,
                                          [this](const AuthVerdict &verdict) { onAuthenticated(verdict); });
}

void ClientConnection::onAuthenticated(const AuthVerdict &verdict)
{
    if (m_state != State::Authenticating)
        return;
    ConnectPacket packet = *std::exchange(m_connect, std::nullopt);
    switch (verdict.status) {
    case AuthVerdict::Status::Accepted:
        break;
    case AuthVerdict::Status::BadCredentials:
        return refuseConnect(ReasonCode::BadUserNameOrPassword, verdict.message);
    case AuthVerdict::Status::NotAuthorized:
        return refuseConnect(ReasonCode::NotAuthorized, verdict.message);
    case AuthVerdict::Status::Unavailable:
        return refuseConnect(ReasonCode::ServerUnavailable, verdict.message);
    }
    m_identity = verdict.identity;

    if (m_will) {
        if (const auto refusal = m_context.endpoint->checkWill(m_identity, *m_will))
            return refuseConnect(refusal->reasonCode, refusal->reason);
    }

    Properties connackProperties;
    if (m_clientId.isEmpty()) {
        m_clientId = QStringLiteral("drover-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
        if (m_version == ProtocolVersion::V5)
            connackProperties.setBytes(Properties::AssignedClientIdentifier, utf8(m_clientId));
    }

    // Session expiry: v5 asks for it; a 3.1.1 persistent session gets the server maximum.
    quint32 expiry = 0;
    if (m_version == ProtocolVersion::V5)
        expiry = packet.properties.integer(Properties::SessionExpiryInterval, 0);
    else if (!packet.cleanStart)
        expiry = m_context.limits.maxSessionExpirySeconds;
    const quint32 maxExpiry =
        m_context.endpoint->persistentSessions() ? m_context.limits.maxSessionExpirySeconds : 0;
    if (expiry > maxExpiry) {
        expiry = maxExpiry;
        if (m_version == ProtocolVersion::V5)
            connackProperties.setInteger(Properties::SessionExpiryInterval, expiry);
    }
    m_sessionExpiryWasZero = expiry == 0;

    // Keep alive: v5 clients that ask for none or too long get the server's (Server Keep Alive).
    if (m_version == ProtocolVersion::V5 &&
        (m_keepAlive == 0 || m_keepAlive > m_context.limits.maxKeepAliveSeconds)) {
        m_keepAlive = m_context.limits.maxKeepAliveSeconds;
        connackProperties.setInteger(Properties::ServerKeepAlive, m_keepAlive);
    }

    const SessionStore::Claim claim =
        m_sessions.claim(m_context.endpoint->sessionKey(m_identity, m_clientId),
                         packet.cleanStart || !m_context.endpoint->persistentSessions());
    m_session = claim.session;
    m_session->setExpiryInterval(expiry);

    if (m_version == ProtocolVersion::V5) {
        connackProperties.setInteger(Properties::ReceiveMaximum, m_context.limits.receiveMaximum);
        connackProperties.setInteger(Properties::MaximumPacketSize, m_context.limits.maxPacketSize);
        connackProperties.setInteger(Properties::TopicAliasMaximum, m_context.limits.topicAliasMaximum);
        m_context.endpoint->addConnackProperties(connackProperties);
        if (!m_authMethod.isEmpty()) // MQTT-3.2.2.3.17: the method that authenticated the client
            connackProperties.setBytes(Properties::AuthenticationMethod, m_authMethod);
    }
    sendPacket(ConnackPacket{claim.present, ReasonCode::Success, connackProperties});
    m_state = State::Connected;
    m_accepted = true;
    armCredentialExpiry();
    if (!m_identity.credential.isEmpty() && m_context.authenticator)
        connect(m_context.authenticator, &auth::Authenticator::credentialsRevoked, this,
                &ClientConnection::onCredentialsRevoked);
    qCInfo(lcConnection).noquote()
        << describe() << "connected as" << m_identity.displayName()
        << QStringLiteral("(MQTT %1, %2 session, keep alive %3 s)")
               .arg(m_version == ProtocolVersion::V5 ? QStringLiteral("5") : QStringLiteral("3.1.1"),
                    claim.present ? QStringLiteral("resumed") : QStringLiteral("new"))
               .arg(m_keepAlive)
        << (m_identity.expires.isValid()
                ? QStringLiteral("credentials valid until %1%2")
                      .arg(m_identity.expires.toUTC().toString(Qt::ISODate),
                           m_authMethod.isEmpty() ? QString()
                                                  : QStringLiteral(", re-authentication with ") +
                                                        QString::fromUtf8(m_authMethod))
                : QString());

    m_keepAliveTimer.stop();
    if (m_keepAlive > 0)
        m_keepAliveTimer.start(std::max(500, m_keepAlive * 1000 / 2));
    m_session->attach(this);
    m_context.endpoint->attached(m_identity, *m_session);
    m_socket->setReadPaused(false);
    processFrames(); // anything the client sent after CONNECT
}

void ClientConnection::refuseConnect(ReasonCode reasonCode, const QString &reason)
{
    qCWarning(lcConnection).noquote()
        << describe() << "refused at CONNECT:" << reason
        << QStringLiteral("(%1)").arg(QLatin1String(reasonCodeName(reasonCode)));
    ConnackPacket connack{false, reasonCode, {}};
    if (m_version == ProtocolVersion::V5 && !reason.isEmpty())
        connack.properties.setBytes(Properties::ReasonString, utf8(reason));
    sendPacket(connack);
    m_will.reset();
    closeAfterFlush();
}

// ---------------------------------------------------------------- PUBLISH (commands)

void ClientConnection::handlePublish(PublishPacket &packet)
{
    if (m_version == ProtocolVersion::V5) {
        if (packet.properties.has(Properties::TopicAlias)) {
            const quint32 alias = packet.properties.integer(Properties::TopicAlias);
            if (alias == 0 || alias > m_context.limits.topicAliasMaximum) // MQTT-3.3.2-9, MQTT-3.3.2-10
                return disconnectClient(ReasonCode::TopicAliasInvalid,
                                        QStringLiteral("topic alias %1 is outside 1..%2")
                                            .arg(alias)
                                            .arg(m_context.limits.topicAliasMaximum));
            if (!packet.topic.isEmpty()) {
                m_topicAliases.insert(quint16(alias), packet.topic);
            } else {
                const auto it = m_topicAliases.constFind(quint16(alias));
                if (it == m_topicAliases.cend())
                    return disconnectClient(ReasonCode::ProtocolError,
                                            QStringLiteral("topic alias %1 was never set").arg(alias));
                packet.topic = *it;
            }
        }
        if (!packet.properties.subscriptionIdentifiers().isEmpty()) // MQTT-3.3.4-6
            return disconnectClient(
                ReasonCode::ProtocolError,
                QStringLiteral("a client PUBLISH must not carry a subscription identifier"));
        if (packet.retain) // we advertise Retain Available = 0 (MQTT-3.3.1-?; spec 3.2.2.3.5)
            return disconnectClient(ReasonCode::RetainNotSupported,
                                    QStringLiteral("retained messages are not supported"));
    }

    if (packet.qos == QoS::ExactlyOnce && m_awaitingRelease.contains(packet.packetId)) {
        // A resent QoS 2 PUBLISH whose command was already taken: acknowledge again, send nothing.
        sendPacket(PubAckPacket{PacketType::Pubrec, packet.packetId, ReasonCode::Success, {}});
        return;
    }
    // Receive Maximum counts QoS 1 and 2 PUBLISHes not yet answered by PUBACK or PUBCOMP.
    if (packet.qos != QoS::AtMostOnce &&
        m_pendingAcks.size() + size_t(m_awaitingRelease.size()) >= m_context.limits.receiveMaximum) {
        if (m_version == ProtocolVersion::V5) // MQTT-3.3.4-7
            return disconnectClient(ReasonCode::ReceiveMaximumExceeded,
                                    QStringLiteral("more than %1 unacknowledged QoS 1/2 messages")
                                        .arg(m_context.limits.receiveMaximum));
    }

    if (const auto refusal = m_context.endpoint->checkPublish(m_identity, packet))
        return refusePublish(packet, refusal->reasonCode, refusal->reason);

    if (packet.qos == QoS::AtMostOnce) {
        const QByteArray topic = packet.topic;
        m_context.endpoint->publish(m_identity, m_clientId, packet, this,
                                    [this, topic](const std::optional<Refusal> &refusal) {
                                        // Fire and forget: the client hears nothing, the log does.
                                        if (refusal)
                                            qCWarning(lcConnection).noquote()
                                                << describe() << "QoS 0 publish to"
                                                << QString::fromUtf8(topic) << "refused:" << refusal->reason;
                                    });
        return;
    }
    const quint64 sequence = m_ackSequenceBase + m_pendingAcks.size();
    m_pendingAcks.push_back(PendingAck{packet.packetId, packet.qos, false, ReasonCode::Success, {}});
    if (m_version == ProtocolVersion::V311 && m_pendingAcks.size() >= m_context.limits.receiveMaximum) {
        m_readPausedForAcks = true; // 3.1.1 has no Receive Maximum: stop reading instead
        m_socket->setReadPaused(true);
    }
    m_context.endpoint->publish(m_identity, m_clientId, packet, this,
                                [this, sequence](const std::optional<Refusal> &refusal) {
                                    if (refusal)
                                        completeAck(sequence, refusal->reasonCode, refusal->reason);
                                    else
                                        completeAck(sequence, ReasonCode::Success, {});
                                });
}

void ClientConnection::refusePublish(const PublishPacket &packet, ReasonCode reasonCode,
                                     const QString &reason)
{
    qCWarning(lcConnection).noquote() << describe() << "refused PUBLISH:" << reason;
    if (m_version == ProtocolVersion::V5 && packet.qos != QoS::AtMostOnce) {
        const quint64 sequence = m_ackSequenceBase + m_pendingAcks.size();
        m_pendingAcks.push_back(PendingAck{packet.packetId, packet.qos, false, ReasonCode::Success, {}});
        completeAck(sequence, reasonCode, reason);
        return;
    }
    // QoS 0, or 3.1.1 which has no negative acknowledgement: the only honest answer is to close.
    disconnectClient(reasonCode, reason);
}

void ClientConnection::completeAck(quint64 sequence, ReasonCode reasonCode, const QString &reason)
{
    if (m_state != State::Connected || sequence < m_ackSequenceBase)
        return;
    PendingAck &ack = m_pendingAcks[sequence - m_ackSequenceBase];
    ack.done = true;
    ack.reasonCode = reasonCode;
    ack.reason = reason;
    sendPendingAcks();
    flush();
}

void ClientConnection::sendPendingAcks()
{
    // Acknowledge in the order the PUBLISH packets arrived, whatever order the sink answered in.
    while (!m_pendingAcks.empty() && m_pendingAcks.front().done && m_state == State::Connected) {
        const PendingAck ack = std::move(m_pendingAcks.front());
        m_pendingAcks.pop_front();
        ++m_ackSequenceBase;
        if (isError(ack.reasonCode)) {
            qCWarning(lcConnection).noquote() << describe() << "command refused:" << ack.reason;
            if (m_version == ProtocolVersion::V311) {
                disconnectClient(ack.reasonCode, ack.reason); // no negative PUBACK in 3.1.1
                return;
            }
        }
        PubAckPacket reply{ack.qos == QoS::AtLeastOnce ? PacketType::Puback : PacketType::Pubrec,
                           ack.packetId,
                           ack.reasonCode,
                           {}};
        if (!ack.reason.isEmpty() && isError(ack.reasonCode))
            reply.properties.setBytes(Properties::ReasonString, utf8(ack.reason));
        if (ack.qos == QoS::ExactlyOnce && !isError(ack.reasonCode))
            m_awaitingRelease.insert(ack.packetId);
        sendPacket(reply);
    }
    if (m_readPausedForAcks && m_pendingAcks.size() < m_context.limits.receiveMaximum) {
        m_readPausedForAcks = false;
        m_socket->setReadPaused(false);
        QMetaObject::invokeMethod(this, &ClientConnection::processFrames, Qt::QueuedConnection);
    }
}

void ClientConnection::handlePubrel(const PubAckPacket &packet)
{
    const bool known = m_awaitingRelease.remove(packet.packetId);
    sendPacket(PubAckPacket{PacketType::Pubcomp,
                            packet.packetId,
                            known ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound,
                            {}});
}

void ClientConnection::handlePuback(const PubAckPacket &packet)
{
    if (m_session)
        m_session->acknowledge(packet);
}

// ---------------------------------------------------------------- SUBSCRIBE

void ClientConnection::handleSubscribe(const SubscribePacket &packet)
{
    for (const SubscriptionRequest &request : packet.subscriptions) {
        const bool shared = request.filter.startsWith("$share/") || request.filter.startsWith("$shared/");
        if (shared && request.noLocal) // MQTT-3.8.3-4
            return disconnectClient(ReasonCode::ProtocolError,
                                    QStringLiteral("No Local on a shared subscription"));
    }
    QStringList refusals;
    SubackPacket suback{packet.packetId,
                        m_context.endpoint->subscribe(m_identity, *m_session, packet, m_version, refusals),
                        {}};
    if (!refusals.isEmpty()) {
        qCWarning(lcConnection).noquote()
            << describe() << "refused subscription:" << refusals.join(QStringLiteral("; "));
        if (m_version == ProtocolVersion::V5)
            suback.properties.setBytes(Properties::ReasonString, utf8(refusals.join(QStringLiteral("; "))));
    }
    sendPacket(suback);
}

void ClientConnection::handleUnsubscribe(const UnsubscribePacket &packet)
{
    UnsubackPacket unsuback{packet.packetId, {}, {}};
    for (const QByteArray &filter : packet.filters)
        unsuback.reasonCodes.append(m_session->unsubscribe(filter) ? ReasonCode::Success
                                                                   : ReasonCode::NoSubscriptionExisted);
    sendPacket(unsuback);
}

// ---------------------------------------------------------------- AUTH (re-authentication)

void ClientConnection::handleAuth(const AuthPacket &packet)
{
    if (m_authMethod.isEmpty()) // spec 4.12: AUTH needs a method agreed at CONNECT
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("AUTH without an authentication method agreed at CONNECT"));
    if (packet.reasonCode != ReasonCode::ReAuthenticate)
        // Our method is single-step: the server never asks to continue, so only 0x19 may start.
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("AUTH %1 outside an authentication exchange; send 0x19 "
                                               "(Re-authenticate) with a fresh token")
                                    .arg(QLatin1String(reasonCodeName(packet.reasonCode))));
    // MQTT-4.12.1-1. 0x8C is not among DISCONNECT's reason codes (table 3-10): a protocol error.
    if (packet.properties.bytes(Properties::AuthenticationMethod) != m_authMethod)
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("re-authentication must use the method of CONNECT, %1")
                                    .arg(QString::fromUtf8(m_authMethod)));
    if (m_reauthenticating)
        return disconnectClient(ReasonCode::ProtocolError,
                                QStringLiteral("AUTH while a re-authentication is still being checked"));
    // The connection goes on meanwhile (spec 4.12.1); the verdict comes asynchronously.
    m_reauthenticating = true;
    auth::Credentials credentials;
    credentials.clientId = utf8(m_clientId);
    credentials.passwordOnlyAllowed = true;
    credentials.authenticationMethod = m_authMethod;
    credentials.authenticationData = packet.properties.bytes(Properties::AuthenticationData);
    m_context.authenticator->authenticate(credentials, this,
                                          [this](const AuthVerdict &verdict) { onReauthenticated(verdict); });
}

void ClientConnection::onReauthenticated(const AuthVerdict &verdict)
{
    m_reauthenticating = false;
    if (m_state != State::Connected)
        return;
    switch (verdict.status) {
    case AuthVerdict::Status::Accepted:
        break;
    case AuthVerdict::Status::BadCredentials:
    case AuthVerdict::Status::NotAuthorized:
        qCWarning(lcConnection).noquote() << describe() << "re-authentication refused:" << verdict.message;
        return disconnectClient(ReasonCode::NotAuthorized,
                                QStringLiteral("re-authentication refused: %1").arg(verdict.message));
    case AuthVerdict::Status::Unavailable:
        // No AUTH answer means "failed" (spec 4.12.1); the client may reconnect once the
        // issuer is back.
        qCWarning(lcConnection).noquote()
            << describe() << "re-authentication not possible:" << verdict.message;
        return disconnectClient(
            ReasonCode::ServerBusy,
            QStringLiteral("re-authentication not possible now: %1").arg(verdict.message));
    }
    // A connection belongs to whoever opened it: another user's token can't take it over.
    if (verdict.identity.anonymous || verdict.identity.user != m_identity.user ||
        verdict.identity.application != m_identity.application) {
        const QString reason =
            QStringLiteral("re-authentication as %1 refused: this connection belongs to %2")
                .arg(verdict.identity.displayName(), m_identity.displayName());
        qCWarning(lcConnection).noquote() << describe() << reason;
        return disconnectClient(ReasonCode::NotAuthorized, reason);
    }
    m_identity.expires = verdict.identity.expires;
    qCInfo(lcConnection).noquote() << describe() << "re-authenticated as" << m_identity.displayName()
                                   << (m_identity.expires.isValid()
                                           ? QStringLiteral("(credentials valid until %1)")
                                                 .arg(m_identity.expires.toUTC().toString(Qt::ISODate))
                                           : QString());
    Properties properties;
    properties.setBytes(Properties::AuthenticationMethod, m_authMethod);
    sendPacket(AuthPacket{ReasonCode::Success, properties});
    flush();
    armCredentialExpiry();
}

void ClientConnection::armCredentialExpiry()
{
    m_expiryTimer.stop();
    if (!m_identity.expires.isValid())
        return;
    // QTimer counts in int milliseconds: a far expiry is reached in steps.
    const qint64 remainingMs = QDateTime::currentDateTimeUtc().msecsTo(m_identity.expires);
    m_expiryTimer.start(int(std::clamp<qint64>(remainingMs, 0, 24 * 3600 * 1000)));
}

void ClientConnection::onCredentialExpired()
{
    if (m_state != State::Connected || !m_identity.expires.isValid())
        return;
    if (QDateTime::currentDateTimeUtc() < m_identity.expires)
        return armCredentialExpiry();
    const QString expiredAt = m_identity.expires.toUTC().toString(Qt::ISODate);
    qCInfo(lcConnection).noquote() << describe() << "credentials of" << m_identity.displayName()
                                   << "expired at" << expiredAt << "without re-authentication, closing";
    disconnectClient(
        ReasonCode::MaximumConnectTime,
        m_authMethod.isEmpty()
            ? QStringLiteral("the access token expired at %1; connect again with a fresh one (or "
                             "connect with authentication method oauth2-jwt and re-authenticate "
                             "before it expires)")
                  .arg(expiredAt)
            : QStringLiteral("the access token expired at %1 and no fresh one came by "
                             "re-authentication (AUTH 0x19)")
                  .arg(expiredAt));
}

void ClientConnection::onCredentialsRevoked(const QStringList &credentials, const QString &why)
{
    if (m_state != State::Connected || !credentials.contains(m_identity.credential))
        return;
    qCInfo(lcConnection).noquote() << describe() << "closing:" << m_identity.credential << why
                                   << QStringLiteral("(logged in as %1)").arg(m_identity.displayName());
    // Beyond Drogue, which checks credentials only at CONNECT: a session ends with them.
    disconnectClient(
        ReasonCode::NotAuthorized,
        QStringLiteral("%1 %2; connect again with valid credentials").arg(m_identity.credential, why));
}

// ---------------------------------------------------------------- keep alive and the end

void ClientConnection::handlePingreq()
{
    sendPacket(PingrespPacket{});
}

void ClientConnection::checkKeepAlive()
{
    if (m_state == State::AwaitingConnect || m_state == State::Authenticating) {
        qCWarning(lcConnection).noquote() << describe() << "sent no CONNECT in time, closing";
        m_state = State::Closing;
        m_socket->abort();
        return;
    }
    // MQTT-3.1.2-22: one and a half keep-alive periods without a packet end the connection.
    if (m_state == State::Connected && m_keepAlive > 0 &&
        m_lastActivity.elapsed() > qint64(m_keepAlive) * 1500) {
        qCInfo(lcConnection).noquote() << describe() << "keep alive expired";
        disconnectClient(ReasonCode::KeepAliveTimeout, QStringLiteral("keep alive timeout"));
    }
}

void ClientConnection::handleDisconnect(const DisconnectPacket &packet)
{
    if (m_version == ProtocolVersion::V5) {
        if (packet.properties.has(Properties::SessionExpiryInterval)) {
            const quint32 expiry = packet.properties.integer(Properties::SessionExpiryInterval);
            if (m_sessionExpiryWasZero && expiry != 0) // MQTT-3.14.2-2
                return disconnectClient(
                    ReasonCode::ProtocolError,
                    QStringLiteral("session expiry set at DISCONNECT after 0 at CONNECT"));
            if (m_session)
                m_session->setExpiryInterval(std::min(expiry, m_context.limits.maxSessionExpirySeconds));
        }
        if (packet.reasonCode == ReasonCode::DisconnectWithWill)
            publishWill();
    }
    m_will.reset(); // MQTT-3.1.2-10: a normal DISCONNECT discards the will
    qCInfo(lcConnection).noquote() << describe() << "disconnected";
    closeAfterFlush();
}

void ClientConnection::takeOver()
{
    qCInfo(lcConnection).noquote() << describe() << "taken over by a new connection with the same client id";
    publishWill(); // delayed wills go to the session, which cancels them if it is resumed
    if (m_session)
        m_context.endpoint->detached(m_identity, *m_session);
    m_session = nullptr; // the session moves on; it is not ours to detach
    disconnectClient(ReasonCode::SessionTakenOver,
                     QStringLiteral("another connection took over this client id"));
}

void ClientConnection::publishWill()
{
    if (!m_will || !m_accepted)
        return; // a will exists only for a connection the server accepted
    const Will will = *std::exchange(m_will, std::nullopt);
    Endpoint *endpoint = m_context.endpoint;
    auto send = [endpoint, identity = m_identity, clientId = m_clientId, will] {
        endpoint->sendWill(identity, clientId, will);
    };
    if (m_willDelay > 0 && m_session && m_session->expiryInterval() > 0) {
        m_session->setDelayedWill(std::move(send), m_willDelay);
        return;
    }
    send();
}

void ClientConnection::onSocketDisconnected()
{
    if (m_state == State::Closed)
        return;
    if (m_state == State::Connected)
        qCInfo(lcConnection).noquote() << describe() << "connection lost";
    publishWill(); // still set only if the client did not send a normal DISCONNECT
    m_state = State::Closed;
    endSession();
    Q_EMIT finished(this);
}

void ClientConnection::endSession()
{
    if (Session *session = m_session.data()) {
        m_session = nullptr;
        m_context.endpoint->detached(m_identity, *session);
        session->detach();
    }
}

void ClientConnection::sendPacket(const Packet &packet)
{
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    const PacketType type = packetTypeOf(packet);
    const bool problemInformationAllowed =
        m_problemInformation || type == PacketType::Connack || type == PacketType::Disconnect;
    if (problemInformationAllowed &&
        PacketEncoder::encodedSize(packet, m_version) <= m_peerMaximumPacketSize) {
        PacketEncoder::append(m_outbox, packet, m_version);
        return;
    }
    // Drop the reason string rather than the packet: the client asked for no problem
    // information (MQTT-3.1.2-29) or the packet would exceed its Maximum Packet Size
    // (MQTT-3.1.2-25).
    Packet trimmed = packet;
    std::visit(
        [](auto &p) {
            if constexpr (HasProperties<std::decay_t<decltype(p)>>::value) {
                p.properties.clear(Properties::ReasonString);
            }
        },
        trimmed);
    PacketEncoder::append(m_outbox, trimmed, m_version);
}

} // namespace drover::session
