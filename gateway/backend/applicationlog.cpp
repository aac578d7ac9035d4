#include "applicationlog.h"

#include "consumergroup.h"

#include <QLoggingCategory>
#include <algorithm>

Q_LOGGING_CATEGORY(lcLog, "drover.backend.embedded")

namespace drover::backend {

ApplicationLog::ApplicationLog(QString application, RetentionLimits limits, QObject *parent)
    : QObject(parent)
    , m_application(std::move(application))
    , m_limits(limits)
{}

ApplicationLog::~ApplicationLog() = default;

quint64 ApplicationLog::append(EventPtr event)
{
    const quint64 offset = endOffset();
    m_bytes += event->memorySize();
    m_events.push_back(std::move(event));
    // Retention: the oldest events go first. A group behind them learns it on its next take().
    while (!m_events.empty() && (qint64(m_events.size()) > m_limits.maxEvents ||
                                 (m_bytes > m_limits.maxBytes && m_events.size() > 1))) {
        m_bytes -= m_events.front()->memorySize();
        m_events.pop_front();
        ++m_startOffset;
    }
    if (!m_watchers.isEmpty())
        scheduleNotify();
    return offset;
}

EventPtr ApplicationLog::at(quint64 offset) const
{
    if (offset < m_startOffset || offset >= endOffset())
        return {};
    return m_events[offset - m_startOffset];
}

quint64 ApplicationLog::offsetAt(const QDateTime &time) const
{
    // Ingestion times are non-decreasing, so a binary search finds the first one at or after.
    const auto it =
        std::lower_bound(m_events.begin(), m_events.end(), time,
                         [](const EventPtr &e, const QDateTime &t) { return e->event().time < t; });
    return m_startOffset + quint64(it - m_events.begin());
}

ConsumerGroup *ApplicationLog::group(const QString &groupId, const StartPosition &start)
{
    auto it = m_groups.find(groupId);
    if (it != m_groups.end())
        return it->second.get();
    quint64 offset = endOffset();
    switch (start.kind) {
    case StartPosition::Kind::Latest:
        break;
    case StartPosition::Kind::Earliest:
        offset = startOffset();
        break;
    case StartPosition::Kind::Time:
        offset = offsetAt(start.time);
        break;
    }
    qCDebug(lcLog) << "application" << m_application << "new consumer group" << groupId << "at offset"
                   << offset;
    auto group = std::make_unique<ConsumerGroup>(groupId, this, offset);
    return m_groups.emplace(groupId, std::move(group)).first->second.get();
}

void ApplicationLog::expireIdleGroups(qint64 idleMs)
{
    for (auto it = m_groups.begin(); it != m_groups.end();) {
        if (!it->second->hasMembers() && it->second->idleMs() >= idleMs) {
            qCDebug(lcLog) << "application" << m_application << "forgets idle consumer group" << it->first;
            m_watchers.removeAll(it->second.get());
            it = m_groups.erase(it);
        } else {
            ++it;
        }
    }
}

void ApplicationLog::watch(ConsumerGroup *group)
{
    if (!m_watchers.contains(group))
        m_watchers.append(group);
}

void ApplicationLog::scheduleNotify()
{
    if (m_notifyScheduled)
        return;
    // One wake-up per event-loop iteration however many events arrive in it, so readers
    // fetch in batches.
    m_notifyScheduled = true;
    QMetaObject::invokeMethod(this, &ApplicationLog::notifyWatchers, Qt::QueuedConnection);
}

void ApplicationLog::notifyWatchers()
{
    m_notifyScheduled = false;
    const QList<ConsumerGroup *> watchers = std::exchange(m_watchers, {});
    for (ConsumerGroup *group : watchers)
        group->notifyMembers();
}

} // namespace drover::backend
