// A consumer group of the embedded log: its read position, what is in flight to which
// member, and what must be handed out again. Shared groups split the events among their
// members, each event to exactly one; an event a leaving member did not finish goes to
// another member, so none is lost. With several members, delivery runs in turns: each
// turn splits the waiting events evenly, so the quickest member can't take them all.
#pragma once

#include "eventlog.h"

#include <QElapsedTimer>
#include <QList>
#include <deque>

namespace drover::backend {

class ApplicationLog;
class EmbeddedConsumer;

class ConsumerGroup
{
public:
    ConsumerGroup(QString id, ApplicationLog *log, quint64 startOffset);

    const QString &id() const { return m_id; }

    void join(EmbeddedConsumer *member);
    // Releases every delivery still in flight to `member`.
    void leave(EmbeddedConsumer *member);
    bool hasMembers() const { return !m_members.isEmpty(); }
    qint64 idleMs() const { return m_members.isEmpty() ? m_idle.elapsed() : 0; }

    int take(EmbeddedConsumer *member, QList<Delivery> &out, int max);
    // Both act only for the member holding the offset (`tag`), so a stale call from a
    // member whose delivery was already handed to another one changes nothing.
    void acknowledge(quint64 offset, quint32 tag);
    void release(quint64 offset, quint32 tag);

    // Lowest offset not yet acknowledged: where the group resumes after every member left.
    quint64 committedOffset() const { return m_windowBase; }
    quint64 nextOffset() const { return m_next; }

    // More events may be ready: start a new turn and wake the members that polled empty.
    void notifyMembers();

private:
    // State per offset in [m_windowBase, m_next): who holds it.
    static constexpr quint32 Acked = 0;
    static constexpr quint32 Released = 0xffffffffu;
    quint32 &slot(quint64 offset) { return m_window[offset - m_windowBase]; }
    void advanceWindow();
    quint64 backlog() const;
    // Splits the waiting events evenly among the members as their credit for this turn.
    void startTurn();

    QString m_id;
    ApplicationLog *m_log;
    QList<EmbeddedConsumer *> m_members;
    quint64 m_windowBase;            // lowest offset not acknowledged
    quint64 m_next;                  // next offset never handed out
    std::deque<quint32> m_window;    // member tag, Acked or Released per offset
    std::deque<quint64> m_redeliver; // released offsets, to hand out before m_next
    quint64 m_lostReported = 0;
    QElapsedTimer m_idle;
};

} // namespace drover::backend
