// One client's network connection: frames and decodes what it sends, runs the CONNECT
// handshake, keep alive and flow control, and routes each packet kind to one handler
// (mosquitto's handle_<packet> shape). What outlives the connection lives in its Session.
#pragma once

#include "servercontext.h"

#include "auth/identity.h"
#include "mqtt/framereader.h"
#include "mqtt/packets.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <deque>
#include <optional>

namespace drover::auth {
struct AuthVerdict;
}

namespace drover::session {

class ClientSocket;
class Session;
class SessionStore;

class ClientConnection : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of `socket`.
    ClientConnection(ClientSocket *socket, const ServerContext &context, SessionStore &sessions,
                     QObject *parent = nullptr);
    ~ClientConnection() override;

    // --- used by Session's delivery pump ---
    mqtt::ProtocolVersion version() const { return m_version; }
    // QoS 1 deliveries that may be unacknowledged at once: the client's Receive Maximum,
    // capped by the server's limit.
    int sendWindow() const { return m_sendWindow; }
    // True while the socket buffer is below the high-water mark.
    bool hasRoom() const;
    quint32 peerMaximumPacketSize() const { return m_peerMaximumPacketSize; }
    QByteArray &outbox() { return m_outbox; }
    // Hands what the outbox holds to the socket in one write.
    void flush();

    // --- used by SessionStore ---
    // Another connection took the client id over: DISCONNECT 0x8E, will, close. The
    // session is no longer this connection's.
    void takeOver();

    // Ends the connection: a v5 client first gets DISCONNECT with `reasonCode` and the
    // reason string; a 3.1.1 client is just closed (it has no way to hear why).
    void disconnectClient(mqtt::ReasonCode reasonCode, const QString &reason);

    QString describe() const; // "client <id> (tcp 127.0.0.1:5000)" for logs

Q_SIGNALS:
    void finished(drover::session::ClientConnection *connection);

private:
    enum class State {
        AwaitingConnect,
        Authenticating,
        Connected,
        Closing,
        Closed
    };

    struct PendingAck { // an inbound QoS 1/2 PUBLISH waiting for the command sink
        quint16 packetId = 0;
        mqtt::QoS qos = mqtt::QoS::AtLeastOnce;
        bool done = false;
        mqtt::ReasonCode reasonCode = mqtt::ReasonCode::Success;
        QString reason;
    };

    void onReadyRead();
    void processFrames();
    void onSocketDisconnected();
    void checkKeepAlive();
    void protocolViolation(const mqtt::DecodeError &error);

    void dispatch(mqtt::Packet &packet);
    void handleConnect(mqtt::ConnectPacket &packet);
    void onAuthenticated(const auth::AuthVerdict &verdict);
    void handlePublish(mqtt::PublishPacket &packet);
    void handlePuback(const mqtt::PubAckPacket &packet);
    void handlePubrel(const mqtt::PubAckPacket &packet);
    void handleSubscribe(const mqtt::SubscribePacket &packet);
    void handleUnsubscribe(const mqtt::UnsubscribePacket &packet);
    void handlePingreq();
    void handleDisconnect(const mqtt::DisconnectPacket &packet);
    void handleAuth(const mqtt::AuthPacket &packet);
    void onReauthenticated(const auth::AuthVerdict &verdict);
    // Ends the connection when the credential that authenticated it (an access token)
    // expires, unless the client re-authenticated (AUTH) in time.
    void armCredentialExpiry();
    void onCredentialExpired();
    // Ends the connection if the credential that proved its identity is revoked.
    void onCredentialsRevoked(const QStringList &credentials, const QString &why);

    void closeAfterFlush();
    void refuseConnect(mqtt::ReasonCode reasonCode, const QString &reason);
    void refusePublish(const mqtt::PublishPacket &packet, mqtt::ReasonCode reasonCode, const QString &reason);
    void completeAck(quint64 sequence, mqtt::ReasonCode reasonCode, const QString &reason);
    void sendPendingAcks();
    void sendPacket(const mqtt::Packet &packet);
    void publishWill();
    void endSession();

    ClientSocket *m_socket;
    const ServerContext &m_context;
    SessionStore &m_sessions;
    State m_state = State::AwaitingConnect;
    mqtt::ProtocolVersion m_version = mqtt::ProtocolVersion::V311;
    mqtt::FrameReader m_reader;
    QByteArray m_outbox;

    QString m_clientId;
    auth::Identity m_identity;
    std::optional<mqtt::ConnectPacket> m_connect; // kept while authenticating
    std::optional<mqtt::Will> m_will;
    quint32 m_willDelay = 0;
    bool m_sessionExpiryWasZero = true;
    QPointer<Session> m_session;

    int m_sendWindow = 65535;
    quint32 m_peerMaximumPacketSize = 268435460;
    QHash<quint16, QByteArray> m_topicAliases; // inbound, client → server
    std::deque<PendingAck> m_pendingAcks;      // in PUBLISH order (MQTT-4.6.0-2)
    quint64 m_ackSequenceBase = 0;             // sequence number of m_pendingAcks.front()
    QSet<quint16> m_awaitingRelease;           // QoS 2 commands: PUBREC sent, PUBREL due
    bool m_readPausedForAcks = false;
    bool m_accepted = false;          // CONNACK 0 was sent
    bool m_problemInformation = true; // v5 Request Problem Information

    quint16 m_keepAlive = 0;
    QElapsedTimer m_lastActivity;
    QTimer m_keepAliveTimer;

    // MQTT 5 enhanced authentication: the method agreed at CONNECT (empty: none), so AUTH
    // can re-authenticate; and the timer of the identity's expiry.
    QByteArray m_authMethod;
    bool m_reauthenticating = false;
    QTimer m_expiryTimer;
};

} // namespace drover::session
