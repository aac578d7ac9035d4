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
            release(offset, tag);
    }
    if (m_members.isEmpty())
        m_idle.start();
    else if (!m_redeliver.empty())
        notifyMembers();
}

int ConsumerGroup::take(EmbeddedConsumer *member, QList<Delivery> &out, int max)
{
    const bool turns = m_members.size() > 1;
    if (turns) {
        const bool turnOver = std::none_of(m_members.cbegin(), m_members.cend(),
                                           [](const EmbeddedConsumer *m) { return m->credit() > 0; });
        if (turnOver)
            startTurn();
        if (member->credit() <= 0) {
            // This member had its share while another still holds some: the next turn
            // starts on the next loop iteration (or with the next events).
            m_log->watch(this);
            if (backlog() > 0)
                m_log->scheduleNotify();
            return 0;
        }
        max = std::min(max, member->credit());
    }
    int taken = 0;
    quint64 lost = 0;
    // Released deliveries first, so a shared group's events are not lost when a member leaves.
    while (taken < max && !m_redeliver.empty()) {
        const quint64 offset = m_redeliver.front();
        m_redeliver.pop_front();
        if (offset < m_windowBase || slot(offset) != Released)
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
    if (turns)
        member->setCredit(member->credit() - taken);
    if (lost) {
        qCWarning(lcLog).nospace() << "consumer group " << m_id << " of application " << m_log->application()
                                   << " lost " << lost << " events to retention";
        member->reportLost(lost);
    }
    if (taken == 0)
        m_log->watch(this);
    return taken;
}

void ConsumerGroup::acknowledge(quint64 offset, quint32 tag)
{
    if (offset < m_windowBase || offset >= m_next)
        return;
    // A released delivery that still reached its subscriber counts as delivered too.
    if (slot(offset) != tag && slot(offset) != Released)
        return;
    slot(offset) = Acked;
    advanceWindow();
}

void ConsumerGroup::release(quint64 offset, quint32 tag)
{
    if (offset < m_windowBase || offset >= m_next || slot(offset) != tag)
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

quint64 ConsumerGroup::backlog() const
{
    return m_log->endOffset() - std::max(m_next, m_log->startOffset()) + m_redeliver.size();
}

void ConsumerGroup::startTurn()
{
    const quint64 members = quint64(m_members.size());
    const quint64 share = std::max<quint64>(1, (backlog() + members - 1) / members);
    for (EmbeddedConsumer *member : std::as_const(m_members))
        member->setCredit(int(std::min<quint64>(share, std::numeric_limits<int>::max())));
}

void ConsumerGroup::notifyMembers()
{
    if (m_members.size() > 1)
        startTurn();
    for (EmbeddedConsumer *member : std::as_const(m_members)) {
        if (member->isWaiting())
            member->wake();
    }
}

} // namespace drover::backend
