#include "embeddedconsumer.h"

#include "consumergroup.h"

namespace drover::backend {

EmbeddedConsumer::EmbeddedConsumer(ConsumerGroup *group, quint32 tag)
    : m_group(group)
    , m_tag(tag)
{
    m_group->join(this);
}

EmbeddedConsumer::~EmbeddedConsumer()
{
    m_group->leave(this);
}

int EmbeddedConsumer::poll(QList<Delivery> &out, int max)
{
    const int taken = m_group->take(this, out, max);
    m_waiting = taken == 0;
    return taken;
}

void EmbeddedConsumer::acknowledge(const Delivery &delivery)
{
    m_group->acknowledge(delivery.offset, m_tag);
}

void EmbeddedConsumer::release(const Delivery &delivery)
{
    m_group->release(delivery.offset, m_tag);
    // Another member (or this one) may take it right away.
    m_group->notifyMembers();
}

QString EmbeddedConsumer::groupId() const
{
    return m_group->id();
}

void EmbeddedConsumer::wake()
{
    m_waiting = false;
    Q_EMIT eventsAvailable();
}

} // namespace drover::backend
