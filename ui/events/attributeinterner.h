// Shares the bytes of attribute values that repeat from event to event (type, source,
// subject, application, device, sender, partition key, instance, content type, topic): a
// console holding 100 000 events keeps one copy of "io.drogue.event.v1", not 100 000.
// QByteArray's implicit sharing does the rest.
#pragma once

#include "receivedevent.h"

#include <QSet>

namespace drover::ui {

class AttributeInterner
{
public:
    // At most this many distinct values are pooled; later new ones are kept as they are, so
    // an attribute that never repeats (a stream of unique subjects) can't grow the pool.
    explicit AttributeInterner(qsizetype maxValues = 16384)
        : m_maxValues(maxValues)
    {}

    void intern(ReceivedEvent &event);
    void intern(QByteArray &value);
    qsizetype size() const { return m_pool.size(); }

private:
    QSet<QByteArray> m_pool;
    qsizetype m_maxValues;
};

} // namespace drover::ui
