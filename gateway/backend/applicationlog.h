// One application's events in the embedded backend: a bounded in-memory log plus the
// consumer groups reading it.
#pragma once

#include "eventlog.h"

#include <QObject>
#include <deque>
#include <map>
#include <memory>

namespace drover::backend {

class ConsumerGroup;

struct RetentionLimits {
    qint64 maxEvents = 100000;
    qint64 maxBytes = 64 * 1024 * 1024;
};

class ApplicationLog : public QObject
{
    Q_OBJECT
public:
    ApplicationLog(QString application, RetentionLimits limits, QObject *parent = nullptr);
    ~ApplicationLog() override;

    const QString &application() const { return m_application; }

    // Appends and returns the event's offset; evicts the oldest events beyond the limits.
    quint64 append(EventPtr event);

    quint64 startOffset() const { return m_startOffset; }
    quint64 endOffset() const { return m_startOffset + m_events.size(); }
    // The event at `offset`, or null once retention removed it (or not yet written).
    EventPtr at(quint64 offset) const;
    // Offset of the first event whose time is at or after `time` (endOffset() if none).
    quint64 offsetAt(const QDateTime &time) const;

    qint64 sizeInBytes() const { return m_bytes; }

    // The group called `groupId`, created at `start` if it does not exist yet.
    ConsumerGroup *group(const QString &groupId, const StartPosition &start);
    // Forgets groups that have had no member for longer than `idleMs`.
    void expireIdleGroups(qint64 idleMs);
    int groupCount() const { return int(m_groups.size()); }

    // Called by a group whose member polled empty: it is told once more events exist.
    void watch(ConsumerGroup *group);
    // Tell the watching groups on the next event-loop iteration even without new events.
    void scheduleNotify();

private:
    void notifyWatchers();

    QString m_application;
    RetentionLimits m_limits;
    std::deque<EventPtr> m_events;
    quint64 m_startOffset = 0;
    qint64 m_bytes = 0;
    std::map<QString, std::unique_ptr<ConsumerGroup>> m_groups;
    QList<ConsumerGroup *> m_watchers;
    bool m_notifyScheduled = false;
};

} // namespace drover::backend
