// A member of an embedded consumer group.
#pragma once

#include "eventlog.h"

namespace drover::backend {

class ConsumerGroup;

class EmbeddedConsumer : public EventConsumer
{
    Q_OBJECT
public:
    EmbeddedConsumer(ConsumerGroup *group, quint32 tag);
    ~EmbeddedConsumer() override;

    int poll(QList<Delivery> &out, int max) override;
    void acknowledge(const Delivery &delivery) override;
    void release(const Delivery &delivery) override;
    QString groupId() const override;

    quint32 tag() const { return m_tag; }
    bool isWaiting() const { return m_waiting; }
    // Called by the group when events arrived after this member polled empty.
    void wake();
    void reportLost(quint64 count) { Q_EMIT eventsLost(count); }
    // How many more events this member may take in the current turn of a shared group.
    int credit() const { return m_credit; }
    void setCredit(int credit) { m_credit = credit; }

private:
    ConsumerGroup *m_group;
    quint32 m_tag;
    bool m_waiting = true;
    int m_credit = 0;
};

} // namespace drover::backend
