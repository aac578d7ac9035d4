#include "eventstream.h"

namespace drover::session {

EventStream::EventStream(EventFilter filter, SubscriptionOptions options, QString groupId)
    : m_filter(std::move(filter))
    , m_options(options)
    , m_groupId(std::move(groupId))
{
    if (!m_filter.narrow)
        m_filter.deliveryTopic({}, m_topic);
}

QByteArrayView EventStream::topicFor(const cloudevents::CloudEvent &event)
{
    if (m_filter.narrow)
        m_filter.deliveryTopic(event, m_topic); // reuses m_topic's capacity
    return m_topic;
}

} // namespace drover::session
