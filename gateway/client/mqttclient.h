// An MQTT 3.1.1/5 client on the project's codec, for the demo's simulated devices, the
// drover-sim load tool and the console. Event driven, never blocks: everything runs on the
// event loop of the thread that owns the client, over any ClientTransport.
#pragma once

#include "clientoptions.h"
#include "clienttransport.h"

#include "mqtt/framereader.h"
#include "mqtt/packets.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace drover::client {

// What became of a publish() (see there).
struct PublishOutcome {
    bool delivered = false;
    mqtt::ReasonCode reasonCode = mqtt::ReasonCode::Success;
    QString reasonString; // the server's v5 reason string, or why it failed locally
};

// Policies the API does not show:
//  - Reconnect (autoReconnect): backoff from reconnectMinMs doubling to reconnectMaxMs,
//    ±20 % jitter, reset by a successful CONNACK. It stops for refusals a retry can't fix
//    (every CONNACK code except 0x80, 0x83, 0x88, 0x89, 0x97, 0x9F: bad credentials, not
//    authorized, banned, bad method, but also bad client id, version, will or "use another
//    server"), and after a server DISCONNECT with 0x8E Session taken over (two clients with
//    one id would take it from each other forever), 0x9C or 0x9D (server references are not
//    followed). Reconnects ask to resume the session when it can have outlived the
//    connection.
//  - Keep alive: PINGREQ once nothing was sent, or nothing received, for a keep alive
//    period (the v5 Server Keep Alive if given); if no packet at all answers within half a
//    period (at least 1 s), the connection is considered dead and aborted.
//  - Memory: QoS 1/2 messages published while disconnected-but-reconnecting, or beyond the
//    server's window, wait in an unbounded FIFO; hasRoom() is false meanwhile, which is the
//    signal to stop producing.
class MqttClient : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Disconnected, // idle: connectToServer() starts
        Connecting,   // opening a transport, waiting for CONNACK, or waiting to reconnect
        Connected,    // CONNACK 0 received
    };
    Q_ENUM(State)

    // Called for each (re)connect attempt; the client takes ownership of the transport.
    // Returning null fails the attempt.
    using TransportFactory = std::function<ClientTransport *()>;
    using PublishDone = std::function<void(const PublishOutcome &)>;
    using SubscribeDone = std::function<void(const mqtt::SubackPacket &)>;
    using UnsubscribeDone = std::function<void(const mqtt::UnsubackPacket &)>;

    explicit MqttClient(QObject *parent = nullptr);
    // A connected client sends DISCONNECT and closes its transport. Callbacks of operations
    // still pending are dropped without being called. Deleting the client from one of its
    // own signals is safe (deleteLater() is the usual Qt advice and works as well).
    ~MqttClient() override;

    // Both take effect at the next connection attempt.
    void setTransportFactory(TransportFactory factory);
    void setOptions(const ClientOptions &options); // forgets a server-assigned client id
    const ClientOptions &options() const { return m_options; }

    // Disconnected → Connecting; the attempt starts from the event loop. While waiting to
    // reconnect it starts the next attempt at once; otherwise does nothing when not
    // Disconnected. Outcome: connected(), or connectionFailed() (then, with autoReconnect and
    // a refusal worth retrying, more attempts with backoff).
    void connectToServer();
    // Sends DISCONNECT (the server discards the will), closes after what is queued has been
    // sent, and stops reconnecting. Everything pending fails ("disconnected by the client").
    // While Connecting it cancels the attempt, without connectionFailed().
    void disconnectFromServer();

    State state() const { return m_state; }
    // The last CONNACK received (refusals included).
    const mqtt::ConnackPacket &connack() const { return m_connack; }
    // The effective client id: the configured one, or the one the v5 server assigned.
    QByteArray clientId() const;
    // The server's limits from the last CONNACK (65,535 and no size limit when not sent).
    quint16 serverReceiveMaximum() const { return m_serverReceiveMaximum; }
    quint32 serverMaximumPacketSize() const { return m_serverMaximumPacketSize; }
    // The DISCONNECT with which the server ended the last connection (v5), if it sent one.
    const std::optional<mqtt::DisconnectPacket> &serverDisconnect() const { return m_serverDisconnect; }

    // Publishes `message` (its packetId and dup are the client's business). `done`, if
    // given, runs once from the event loop (never before publish returns), and not at all
    // when `context` was given and has been destroyed:
    //  - QoS 0: delivered once the bytes went to the transport;
    //  - QoS 1: on PUBACK, with its reason code and string; delivered = !isError(code);
    //  - QoS 2: once PUBCOMP completes the exchange (delivered), or on a PUBREC error code.
    // Refused locally, without sending: TopicNameInvalid (bad topic), QoSNotSupported /
    // RetainNotSupported / PacketTooLarge (beyond what the v5 server's CONNACK allows).
    // Fails (UnspecifiedError, "not connected") when Disconnected, and for QoS 0 also while
    // Connecting. QoS 1/2 messages beyond the server's Receive Maximum, or made while
    // Connecting, wait in a local FIFO and go out in order. A connection loss fails the
    // unacknowledged ones ("connection lost: ...") unless the client reconnects into the
    // same session (Session Present), in which case they are sent again with DUP set.
    void publish(mqtt::PublishPacket message, QObject *context = nullptr, PublishDone done = {});
    // Connected, the transport holds less than options().sendHighWaterBytes, and no
    // message waits for the server's window: a load generator publishes while this is true
    // and otherwise waits for readyToSend().
    bool hasRoom() const;
    int inflightCount() const { return int(m_inflight.size()); } // QoS 1/2 sent, not completed
    int queuedCount() const { return int(m_queue.size()); }      // QoS 1/2 waiting to be sent

    // SUBSCRIBE. `properties` (v5) apply to all `requests`, e.g. the user property
    // content-mode=binary. `done` gets the SUBACK; a failure without one (not connected,
    // invalid filter, connection given up) gets packet id 0, UnspecifiedError (or
    // TopicFilterInvalid for the bad filter) per filter and a ReasonString property. Made
    // while Connecting, the request goes out once connected. Granted subscriptions are
    // remembered and subscribed again after a reconnect without Session Present.
    void subscribe(const QList<mqtt::SubscriptionRequest> &requests, const mqtt::Properties &properties = {},
                   QObject *context = nullptr, SubscribeDone done = {});
    void unsubscribe(const QList<QByteArray> &filters, QObject *context = nullptr, UnsubscribeDone done = {});
    // The remembered (granted) subscriptions, in the order they were first granted.
    QList<mqtt::SubscriptionRequest> subscriptions() const;

    // Off (default): QoS 1/2 messages are acknowledged with Success right after
    // messageReceived() returns. On: the receiver calls acknowledge() for each. Either way
    // acknowledgements go out in the order the messages arrived (MQTT-4.6.0-2): one
    // acknowledged early waits for those before it.
    void setManualAcknowledgement(bool manual) { m_manualAck = manual; }
    bool manualAcknowledgement() const { return m_manualAck; }
    // PUBACK (QoS 1) or PUBREC (QoS 2) for a message received on the current connection.
    // v5 may refuse: an error code and a reason string tell the sender why (a code a PUBACK
    // can't carry becomes 0x80 Unspecified error). 3.1.1 has no negative acknowledgement:
    // the plain one is sent. Unknown ids (e.g. from a connection since lost: the server
    // sends those messages again) are ignored.
    void acknowledge(quint16 packetId, mqtt::ReasonCode code = mqtt::ReasonCode::Success,
                     const QString &reasonString = {});

Q_SIGNALS:
    void stateChanged(drover::client::MqttClient::State state);
    void connected(const drover::mqtt::ConnackPacket &connack);
    // An attempt failed: refused CONNACK (its code, name and reason string), transport
    // error or timeout (UnspecifiedError: the failure was local).
    void connectionFailed(const QString &reason, drover::mqtt::ReasonCode code);
    // An established connection ended; `reason` includes the server's v5 DISCONNECT code
    // name and reason string if it sent one.
    void disconnected(const QString &reason);
    void messageReceived(const drover::mqtt::PublishPacket &message);
    // hasRoom() became true after being false.
    void readyToSend();

private:
    struct Outgoing { // a QoS 1/2 PUBLISH (or a QoS 0 one being completed)
        mqtt::PublishPacket packet;
        QPointer<QObject> context;
        bool hasContext = false;
        PublishDone done;
        quint64 sequence = 0;  // order of publish() calls: resends keep it (MQTT-4.6.0-1)
        bool released = false; // QoS 2: PUBREC received, PUBREL sent
    };
    struct Request { // a SUBSCRIBE or UNSUBSCRIBE
        bool subscribe = true;
        QList<mqtt::SubscriptionRequest> subscriptions;
        QList<QByteArray> filters; // UNSUBSCRIBE
        mqtt::Properties properties;
        QPointer<QObject> context;
        bool hasContext = false;
        SubscribeDone subscribeDone;
        UnsubscribeDone unsubscribeDone;
        bool automatic = false; // a resubscription after a reconnect
        quint64 sequence = 0;
    };
    struct InboundAck { // a received QoS 1/2 PUBLISH whose PUBACK/PUBREC is due
        quint16 packetId = 0;
        mqtt::QoS qos = mqtt::QoS::AtLeastOnce;
        bool acknowledged = false;
        mqtt::ReasonCode code = mqtt::ReasonCode::Success;
        QString reasonString;
    };
    struct Subscription {
        mqtt::SubscriptionRequest request;
        mqtt::Properties properties;
    };
    class TransportSignalGuard;
    struct Ending { // why and how a connection (attempt) ends
        QString reason;
        mqtt::ReasonCode code = mqtt::ReasonCode::UnspecifiedError;
        bool mayReconnect = true;
        bool graceful = false; // close after the queued bytes instead of aborting
        bool report = true;    // emit disconnected() / connectionFailed()
    };

    void startAttempt();
    void onTransportConnected();
    void onTransportReadyRead();
    void onTransportDisconnected();
    void onConnectTimeout();
    void processFrames();
    void dispatch(mqtt::Packet &packet);
    void handleConnack(const mqtt::ConnackPacket &packet);
    void handlePublish(mqtt::PublishPacket &packet);
    void handlePuback(const mqtt::PubAckPacket &packet);
    void handlePubrec(const mqtt::PubAckPacket &packet);
    void handlePubrel(const mqtt::PubAckPacket &packet);
    void handlePubcomp(const mqtt::PubAckPacket &packet);
    void handleSuback(const mqtt::SubackPacket &packet);
    void handleUnsuback(const mqtt::UnsubackPacket &packet);
    void handleDisconnect(const mqtt::DisconnectPacket &packet);
    void protocolViolation(mqtt::ReasonCode code, const QString &message);
    void endConnection(const Ending &ending);
    void retireTransport(bool graceful);
    void scheduleReconnect();

    std::optional<PublishOutcome> checkAgainstServer(const mqtt::PublishPacket &packet) const;
    void pumpQueue();
    void failInflight(const QString &reason);
    void resendInflight();
    void resubscribe();
    void sendRequest(Request request);
    void flushInboundAcks();
    void remember(const mqtt::SubscriptionRequest &request, const mqtt::Properties &properties);
    void forget(const QByteArray &filter);
    quint16 allocatePacketId();
    bool sessionCanResume() const;
    int publishWindow() const;

    void sendPacket(const mqtt::Packet &packet);
    void flush();
    void checkKeepAlive();
    void updateRoom();

    void complete(Outgoing &outgoing, PublishOutcome outcome);
    void fail(Request &request, mqtt::ReasonCode code, const QString &reason);
    void post(std::function<void()> completion);
    void runCompletions();
    void emitStateChanged();
    QString describe() const;

    ClientOptions m_options;
    TransportFactory m_factory;
    State m_state = State::Disconnected;
    State m_reportedState = State::Disconnected; // last state emitted by stateChanged()

    // The current connection (attempt).
    ClientTransport *m_transport = nullptr;
    quint64 m_generation = 0;    // changes whenever a connection begins or ends
    int m_inTransportSignal = 0; // > 0 while handling a signal of the transport
    mqtt::ProtocolVersion m_version = mqtt::ProtocolVersion::V5;
    mqtt::FrameReader m_reader;
    QByteArray m_outbox; // packets made while handling one event, written at once
    QString m_transportError;
    bool m_transportOpen = false;  // connected() came: CONNECT was sent
    bool m_transportEnded = false; // disconnected() came
    QTimer m_connectTimer;
    QTimer m_reconnectTimer;
    int m_reconnectDelayMs = 0; // next backoff base; 0 = reconnectMinMs
    bool m_userDisconnect = false;
    bool m_everConnected = false; // since connectToServer(): reconnects ask to resume

    // What the server said.
    mqtt::ConnackPacket m_connack;
    std::optional<mqtt::DisconnectPacket> m_serverDisconnect;
    QByteArray m_assignedClientId;
    quint16 m_serverReceiveMaximum = 65535;
    quint32 m_serverMaximumPacketSize = 268435460;
    quint8 m_serverMaximumQoS = 2;
    bool m_serverRetainAvailable = true;

    // Keep alive.
    quint16 m_keepAlive = 0; // seconds, effective
    QTimer m_keepAliveTimer;
    QElapsedTimer m_lastSent;
    QElapsedTimer m_lastReceived;
    QElapsedTimer m_pingSent;
    bool m_pingOutstanding = false;

    // Outbound.
    quint16 m_nextPacketId = 1;
    quint64 m_nextSequence = 1;
    std::unordered_map<quint16, Outgoing> m_inflight;
    std::deque<Outgoing> m_queue;                    // QoS 1/2 waiting for the window
    std::unordered_map<quint16, Request> m_requests; // SUBSCRIBE/UNSUBSCRIBE awaiting their ack
    std::deque<Request> m_deferred;                  // requests waiting for a connection
    QList<Subscription> m_subscriptions;
    bool m_hadRoom = false;

    // Inbound.
    bool m_manualAck = false;
    std::deque<InboundAck> m_inboundAcks; // in arrival order (MQTT-4.6.0-2)
    QSet<quint16> m_awaitingRelease;      // QoS 2: PUBREC sent, PUBREL due

    // Callbacks run from the event loop, in one batch per loop turn.
    std::vector<std::function<void()>> m_completions;
    bool m_completionsScheduled = false;
};

} // namespace drover::client
