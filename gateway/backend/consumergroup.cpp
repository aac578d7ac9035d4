#include "consumergroup.h"

#include "applicationlog.h"
#include "embeddedconsumer.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcLog)

namespace drover::backend {

ConsumerGroup::ConsumerGroup(QString id, ApplicationLog *log, quint64 startOffset)
    : m_id(std::move(id))
    , m_log(log)
    , m_windowBase(startOffset)
    , m_next(startOffset)
{
    m_idle.start();
}

void ConsumerGroup::join(EmbeddedConsumer *member)
{
    m_members.append(member);
}

void ConsumerGroup::leave(EmbeddedConsumer *member)
{
    m_members.removeAll(member);
    const quint32 tag = member->tag();
    for (quint64 offset = m_windowBase; offset < m_next; ++offset) {
        if (slot(offset) == tag)
            release(offset);
    }
    if (m_members.isEmpty())
        m_idle.start();
    else if (!m_redeliver.empty())
        notifyMembers();
}

int ConsumerGroup::take(EmbeddedConsumer *member, QList<Delivery> &out, int max)
{
    int taken = 0;
    quint64 lost = 0;
    // Released deliveries first, so a shared group's events are not lost when a member leaves.
    while (taken < max && !m_redeliver.empty()) {
        const quint64 offset = m_redeliver.front();
        m_redeliver.pop_front();
        if (slot(offset) != Released)
            continue; // acknowledged meanwhile
        EventPtr event = m_log->at(offset);
        if (!event) {
            slot(offset) = Acked; // expired from the log before anyone got it again
            ++lost;
            continue;
        }
        slot(offset) = member->tag();
        out.append(Delivery{std::move(event), offset, 0});
        ++taken;
    }
    if (m_next < m_log->startOffset()) {
        // Retention removed events this group never read: skip them and say so.
        lost += m_log->startOffset() - m_next;
        m_window.insert(m_window.end(), m_log->startOffset() - m_next, Acked);
        m_next = m_log->startOffset();
    }
    while (taken < max && m_next < m_log->endOffset()) {
        out.append(Delivery{m_log->at(m_next), m_next, 0});
        m_window.push_back(member->tag());
        ++m_next;
        ++taken;
    }
    advanceWindow();
    if (lost) {
        qCWarning(lcLog).nospace() << "consumer group " << m_id << " of application " << m_log->application()
                                   << " lost " << lost << " events to retention";
        member->reportLost(lost);
    }
    if (taken == 0)
        m_log->watch(this);
    return taken;
}

void ConsumerGroup::acknowledge(quint64 offset)
{
    if (offset < m_windowBase || offset >= m_next)
        return;
    slot(offset) = Acked;
    advanceWindow();
}

void ConsumerGroup::release(quint64 offset)
{
    if (offset < m_windowBase || offset >= m_next || slot(offset) == Acked || slot(offset) == Released)
        return;
    slot(offset) = Released;
    // Keep redeliveries in log order: a member rejoining resumes as if from the committed position.
    auto it = std::lower_bound(m_redeliver.begin(), m_redeliver.end(), offset);
    m_redeliver.insert(it, offset);
}

void ConsumerGroup::advanceWindow()
{
    while (!m_window.empty() && m_window.front() == Acked) {
        m_window.pop_front();
        ++m_windowBase;
    }
}

void ConsumerGroup::notifyMembers()
{
    for (EmbeddedConsumer *member : std::as_const(m_members)) {
        if (member->isWaiting())
            member->wake();
    }
}

} // namespace drover::backend
