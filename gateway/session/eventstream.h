// One event subscription of a session: its filter, its options and its consumer-group member,
// kept for the session's whole life (also while a persistent session is disconnected).
#pragma once

#include "topicscheme.h"

#include "backend/eventlog.h"
#include "cloudevents/mqttbinding.h"
#include "mqtt/packets.h"

#include <memory>

namespace drover::session {

struct SubscriptionOptions {
    mqtt::QoS qos = mqtt::QoS::AtMostOnce; // granted: 0 or 1
    cloudevents::ContentMode mode = cloudevents::ContentMode::Structured;
    quint32 subscriptionId = 0; // v5 Subscription Identifier, 0 = none
    backend::StartPosition start;
};

class EventStream
{
public:
    EventStream(EventFilter filter, SubscriptionOptions options, QString groupId);

    const EventFilter &filter() const { return m_filter; }
    const SubscriptionOptions &options() const { return m_options; }
    void setOptions(const SubscriptionOptions &options) { m_options = options; }
    const QString &groupId() const { return m_groupId; }

    backend::EventConsumer *consumer() const { return m_consumer.get(); }
    void setConsumer(std::unique_ptr<backend::EventConsumer> consumer) { m_consumer = std::move(consumer); }

    // The topic `event` goes out on; for plain filters computed once.
    QByteArrayView topicFor(const cloudevents::CloudEvent &event);

    // Whether an oversized event was already reported for this stream (log once, not per event).
    bool oversizeReported = false;

private:
    EventFilter m_filter;
    SubscriptionOptions m_options;
    QString m_groupId;
    std::unique_ptr<backend::EventConsumer> m_consumer;
    QByteArray m_topic; // fixed topic of a plain filter, or scratch space for narrow ones
};

} // namespace drover::session
