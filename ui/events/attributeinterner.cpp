#include "attributeinterner.h"

namespace drover::ui {

void AttributeInterner::intern(QByteArray &value)
{
    if (value.isEmpty())
        return;
    const auto it = m_pool.constFind(value);
    if (it != m_pool.cend()) {
        value = *it; // the pooled copy: the event's own bytes are freed
        return;
    }
    if (m_pool.size() < m_maxValues)
        m_pool.insert(value);
}

void AttributeInterner::intern(ReceivedEvent &received)
{
    cloudevents::CloudEvent &event = received.event;
    for (QByteArray *value : {&event.type, &event.source, &event.subject, &event.dataContentType,
                              &event.dataSchema, &event.application, &event.device, &event.sender,
                              &event.partitionKey, &event.instance, &received.topic})
        intern(*value);
}

} // namespace drover::ui
