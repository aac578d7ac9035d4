#include "session.h"

#include "clientconnection.h"

#include "mqtt/packetencoder.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSession, "drover.session")

namespace drover::session {

using mqtt::PacketEncoder;
using mqtt::QoS;

namespace {
// QTimer counts int milliseconds (24.8 days); longer intervals end at that bound.
std::chrono::milliseconds timerInterval(quint32 seconds)
{
    return std::chrono::milliseconds(
        std::min<qint64>(qint64(seconds) * 1000, std::numeric_limits<int>::max()));
}
} // namespace

Session::Session(QString clientId, const ServerContext &context, QObject *parent)
    : QObject(parent)
    , m_clientId(std::move(clientId))
    , m_context(context)
{
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, [this] { Q_EMIT expired(this); });
    m_willTimer.setSingleShot(true);
    connect(&m_willTimer, &QTimer::timeout, this, &Session::sendDelayedWill);
}

Session::~Session()
{
    sendDelayedWill(); // a will is due at the latest when its session ends
    releaseInflight(nullptr);
    failMessages();
}

void Session::attach(ClientConnection *connection)
{
    m_expiryTimer.stop();
    m_willTimer.stop();
    m_delayedWill = nullptr; // resumed in time: the will is not sent (MQTT-3.1.2-8)
    m_connection = connection;
    resendInflight();
    schedulePump();
}

void Session::suspend()
{
    m_connection = nullptr;
    failMessages();
}

void Session::detach()
{
    suspend();
    if (m_expiryInterval == 0) {
        Q_EMIT expired(this);
        return;
    }
    // Consumers and unacknowledged deliveries stay: the group keeps this member's place,
    // and a resumed session sends them again with DUP set (MQTT-4.4.0-1).
    m_expiryTimer.start(timerInterval(m_expiryInterval));
}

void Session::subscribe(const EventFilter &filter, const SubscriptionOptions &options)
{
    for (auto &stream : m_streams) {
        if (stream->filter().filter == filter.filter) {
            // MQTT-3.8.4-3: replaces the subscription; the group position is kept.
            stream->setOptions(options);
            schedulePump();
            return;
        }
    }
    auto stream = std::make_unique<EventStream>(filter, options, filter.groupId(m_clientId));
    openConsumer(*stream);
    qCDebug(lcSession).nospace() << "client " << m_clientId << " subscribed to " << filter.filter
                                 << " in group " << stream->groupId();
    m_streams.push_back(std::move(stream));
    schedulePump();
}

bool Session::unsubscribe(const QByteArray &filter)
{
    for (auto it = m_streams.begin(); it != m_streams.end(); ++it) {
        if ((*it)->filter().filter == filter) {
            releaseInflight(it->get());
            m_streams.erase(it);
            return true;
        }
    }
    return false;
}

void Session::acknowledge(const mqtt::PubAckPacket &puback)
{
    const quint16 packetId = puback.packetId;
    if (const auto message = m_messages.find(packetId); message != m_messages.end()) {
        const MessageAcked acked = std::move(message->acked);
        m_messages.erase(message);
        schedulePump(); // the window has room again
        if (acked)
            acked(MessageAck{puback.reasonCode, QString::fromUtf8(puback.properties.reasonString())});
        return;
    }
    const auto it = m_inflight.find(packetId);
    if (it == m_inflight.end())
        return; // e.g. acknowledged after an unsubscribe released it; nothing to do
    if (backend::EventConsumer *consumer = it->stream->consumer())
        consumer->acknowledge(it->delivery);
    m_inflight.erase(it);
    schedulePump();
}

void Session::setDelayedWill(std::function<void()> send, quint32 delaySeconds)
{
    m_delayedWill = std::move(send);
    m_willTimer.start(timerInterval(delaySeconds));
}

void Session::sendDelayedWill()
{
    m_willTimer.stop();
    if (const std::function<void()> send = std::exchange(m_delayedWill, nullptr))
        send();
}

void Session::schedulePump()
{
    if (m_pumpScheduled || !m_connection)
        return;
    m_pumpScheduled = true;
    QMetaObject::invokeMethod(this, &Session::pump, Qt::QueuedConnection);
}

void Session::openConsumer(EventStream &stream)
{
    stream.setConsumer(
        m_context.events->subscribe(stream.filter().application, stream.groupId(), stream.options().start));
    connect(stream.consumer(), &backend::EventConsumer::eventsAvailable, this, &Session::schedulePump);
    connect(stream.consumer(), &backend::EventConsumer::eventsLost, this, [this, &stream](quint64 count) {
        qCWarning(lcSession).nospace() << "client " << m_clientId << " missed " << count << " events of "
                                       << stream.filter().filter << ": they expired before it read them";
    });
}

void Session::pump()
{
    m_pumpScheduled = false;
    ClientConnection *connection = m_connection;
    if (!connection || m_streams.empty())
        return;
    const int window = connection->sendWindow();
    const int batch = m_context.limits.pollBatch;
    // Pull in rounds over all subscriptions while the connection has room; stop when a
    // round yields nothing (consumers will signal) or the socket or window is full
    // (PUBACK and bytesWritten schedule the next pump).
    bool progress = true;
    while (progress && connection->hasRoom()) {
        progress = false;
        const size_t count = m_streams.size();
        for (size_t i = 0; i < count && connection->hasRoom(); ++i) {
            EventStream &stream = *m_streams[(m_nextStream + i) % count];
            backend::EventConsumer *consumer = stream.consumer();
            if (!consumer)
                continue;
            int max = batch;
            if (stream.options().qos != QoS::AtMostOnce) {
                max = std::min(max, window - int(m_inflight.size() + m_messages.size()));
                if (max <= 0)
                    continue;
            }
            m_batch.clear();
            if (consumer->poll(m_batch, max) == 0)
                continue;
            progress = true;
            for (backend::Delivery &delivery : m_batch)
                deliver(stream, delivery);
        }
        m_nextStream = (m_nextStream + 1) % count;
    }
    m_batch.clear(); // don't keep events alive in the scratch list
    connection->flush();
}

void Session::deliver(EventStream &stream, backend::Delivery &delivery)
{
    if (stream.filter().narrow && !stream.filter().matches(delivery.event->event())) {
        stream.consumer()->acknowledge(delivery); // not for this filter: consumed without sending
        return;
    }
    const bool atLeastOnce = stream.options().qos != QoS::AtMostOnce;
    const quint16 packetId = atLeastOnce ? allocatePacketId() : 0;
    if (!writePublish(stream, delivery, packetId, false) || !atLeastOnce) {
        stream.consumer()->acknowledge(delivery);
        return;
    }
    m_inflight.insert(packetId, InFlight{&stream, std::move(delivery), m_inflightSequence++});
}

bool Session::writePublish(EventStream &stream, const backend::Delivery &delivery, quint16 packetId, bool dup)
{
    ClientConnection *connection = m_connection;
    const mqtt::ProtocolVersion version = connection->version();
    const auto mode =
        version == mqtt::ProtocolVersion::V5 ? stream.options().mode : cloudevents::ContentMode::Structured;
    const QByteArray &payload = delivery.event->payload(mode);
    const QByteArray &properties = delivery.event->propertyBlock(mode);

    PacketEncoder::PublishHead head;
    head.topic = stream.topicFor(delivery.event->event());
    head.qos = packetId ? QoS::AtLeastOnce : QoS::AtMostOnce;
    head.dup = dup;
    head.packetId = packetId;
    head.subscriptionId = stream.options().subscriptionId;

    if (PacketEncoder::publishSize(version, head, properties, payload) >
        connection->peerMaximumPacketSize()) {
        // MQTT-3.1.2-24: never send a packet over the client's Maximum Packet Size; the
        // event is dropped for this subscriber only.
        if (!stream.oversizeReported) {
            stream.oversizeReported = true;
            qCWarning(lcSession).nospace()
                << "client " << m_clientId << " skips events of " << stream.filter().filter
                << " larger than its Maximum Packet Size " << connection->peerMaximumPacketSize();
        }
        return false;
    }
    PacketEncoder::appendPublish(connection->outbox(), version, head, properties, payload);
    return true;
}

void Session::resendInflight()
{
    if (m_inflight.isEmpty())
        return;
    // In the order they were first sent (MQTT-4.6.0-1), with their packet ids and DUP set.
    std::vector<quint16> ids(m_inflight.keyBegin(), m_inflight.keyEnd());
    std::sort(ids.begin(), ids.end(), [this](quint16 a, quint16 b) {
        return m_inflight.value(a).sequence < m_inflight.value(b).sequence;
    });
    for (quint16 id : ids) {
        InFlight &entry = m_inflight[id];
        if (!writePublish(*entry.stream, entry.delivery, id, true)) {
            entry.stream->consumer()->acknowledge(entry.delivery);
            m_inflight.remove(id);
        }
    }
    m_connection->flush();
}

quint16 Session::allocatePacketId()
{
    // The send window is below 65535, so a free id is always found.
    while (m_nextPacketId == 0 || m_inflight.contains(m_nextPacketId) || m_messages.contains(m_nextPacketId))
        ++m_nextPacketId;
    return m_nextPacketId++;
}

Session::SendResult Session::sendMessage(QByteArrayView topic, const QByteArray &payload, QoS qos,
                                         MessageAcked acked)
{
    ClientConnection *connection = m_connection;
    if (!connection || !connection->hasRoom())
        return SendResult::NotConnected;
    const bool atLeastOnce = qos != QoS::AtMostOnce;
    if (atLeastOnce && int(m_inflight.size() + m_messages.size()) >= connection->sendWindow())
        return SendResult::WindowFull; // MQTT-4.9.0-2: never more than the client's Receive Maximum
    PacketEncoder::PublishHead head;
    head.topic = topic;
    head.qos = atLeastOnce ? QoS::AtLeastOnce : QoS::AtMostOnce;
    if (PacketEncoder::publishSize(connection->version(), head, {}, payload) >
        connection->peerMaximumPacketSize())
        return SendResult::TooLarge; // MQTT-3.1.2-24
    if (atLeastOnce) {
        head.packetId = allocatePacketId();
        m_messages.insert(head.packetId, PendingMessage{std::move(acked), m_inflightSequence++});
    }
    PacketEncoder::appendPublish(connection->outbox(), connection->version(), head, {}, payload);
    connection->flush();
    return SendResult::Sent;
}

void Session::failMessages()
{
    // Callbacks may send again (to another session): take them all out first.
    const QHash<quint16, PendingMessage> pending = std::exchange(m_messages, {});
    std::vector<PendingMessage> messages(pending.cbegin(), pending.cend());
    std::sort(messages.begin(), messages.end(),
              [](const PendingMessage &a, const PendingMessage &b) { return a.sequence > b.sequence; });
    for (const PendingMessage &message : messages) {
        if (message.acked)
            message.acked(std::nullopt);
    }
}

void Session::releaseInflight(EventStream *onlyStream)
{
    for (auto it = m_inflight.begin(); it != m_inflight.end();) {
        if (onlyStream && it->stream != onlyStream) {
            ++it;
            continue;
        }
        if (backend::EventConsumer *consumer = it->stream->consumer())
            consumer->release(it->delivery);
        it = m_inflight.erase(it);
    }
}

} // namespace drover::session
