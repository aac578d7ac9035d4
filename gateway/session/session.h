// An MQTT session: what outlives a single network connection (subscriptions, expiry) and
// the delivery pump that pulls events from the consumers while the connection has room.
#pragma once

#include "eventstream.h"
#include "servercontext.h"

#include "mqtt/packets.h"

#include <functional>

#include <QHash>
#include <QObject>
#include <QTimer>
#include <memory>
#include <optional>
#include <vector>

namespace drover::session {

class ClientConnection;

class Session : public QObject
{
    Q_OBJECT
public:
    Session(QString clientId, const ServerContext &context, QObject *parent = nullptr);
    ~Session() override;

    const QString &clientId() const { return m_clientId; }
    ClientConnection *connection() const { return m_connection; }

    // Session Expiry Interval in seconds: 0 ends the session with its connection.
    quint32 expiryInterval() const { return m_expiryInterval; }
    void setExpiryInterval(quint32 seconds) { m_expiryInterval = seconds; }

    // Binds the session to a connection: unacknowledged deliveries are sent again (DUP set,
    // same packet ids), then delivery continues where the session's consumers stand.
    void attach(ClientConnection *connection);
    // Unbinds it. With an expiry interval of 0 the session ends now (expired()); otherwise
    // it keeps its consumers' places and its unacknowledged deliveries until it is resumed
    // or expires.
    void detach();
    // Unbinds it without starting the expiry: another connection is taking the session over.
    void suspend();

    // Adds or updates a subscription (the same filter again only changes its options).
    void subscribe(const EventFilter &filter, const SubscriptionOptions &options);
    // False if no subscription with exactly this filter existed.
    bool unsubscribe(const QByteArray &filter);
    int subscriptionCount() const { return int(m_streams.size()); }

    // PUBACK from the client for a delivery or a message.
    void acknowledge(const mqtt::PubAckPacket &puback);

    // A message for the client beside the event streams (a command to a device). QoS 0 is
    // written at once; QoS 1 shares the session's packet ids and the client's Receive
    // Maximum with event deliveries and waits for the PUBACK: `acked` then runs once with
    // the client's reason code and reason string, or with nullopt if the connection ends
    // first (messages are not sent again: their sender decides what to do). Failed
    // messages are reported newest first, so that a sender who puts each back at the front
    // of a queue keeps their order.
    struct MessageAck {
        mqtt::ReasonCode reasonCode = mqtt::ReasonCode::Success;
        QString reasonString;
    };
    using MessageAcked = std::function<void(const std::optional<MessageAck> &ack)>;
    enum class SendResult {
        Sent,
        WindowFull,   // QoS 1 only: the client's Receive Maximum is used up; try after a PUBACK
        TooLarge,     // over the client's Maximum Packet Size
        NotConnected, // or no room in the socket buffer
    };
    SendResult sendMessage(QByteArrayView topic, const QByteArray &payload, mqtt::QoS qos,
                           MessageAcked acked);

    // A will that must wait (v5 Will Delay Interval): `send` runs after `delaySeconds` unless
    // the session is resumed first, and at the latest when the session ends.
    void setDelayedWill(std::function<void()> send, quint32 delaySeconds);

    // Ask for a delivery round on the next event-loop turn (coalesced).
    void schedulePump();

Q_SIGNALS:
    void expired(drover::session::Session *session);

private:
    struct InFlight {
        EventStream *stream = nullptr;
        backend::Delivery delivery;
        quint64 sequence = 0; // order of first sending
    };

    void pump();
    void deliver(EventStream &stream, backend::Delivery &delivery);
    // Appends the PUBLISH of `delivery` to the connection's outbox; false if it is larger
    // than the client accepts.
    bool writePublish(EventStream &stream, const backend::Delivery &delivery, quint16 packetId, bool dup);
    void resendInflight();
    void openConsumer(EventStream &stream);
    void releaseInflight(EventStream *onlyStream);
    void failMessages();
    quint16 allocatePacketId();
    void sendDelayedWill();

    QString m_clientId;
    const ServerContext &m_context;
    ClientConnection *m_connection = nullptr;
    quint32 m_expiryInterval = 0;
    std::vector<std::unique_ptr<EventStream>> m_streams;
    size_t m_nextStream = 0; // round-robin start, so no subscription starves the others
    QHash<quint16, InFlight> m_inflight;
    struct PendingMessage {
        MessageAcked acked;
        quint64 sequence = 0; // order of sending
    };
    QHash<quint16, PendingMessage> m_messages; // QoS 1 messages awaiting PUBACK
    quint16 m_nextPacketId = 1;
    quint64 m_inflightSequence = 0;
    bool m_pumpScheduled = false;
    QList<backend::Delivery> m_batch; // reused for every poll
    QTimer m_expiryTimer;
    QTimer m_willTimer;
    std::function<void()> m_delayedWill;
};

} // namespace drover::session
