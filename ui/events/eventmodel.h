// The table of received events: bounded, batched, and honest about what it does not show.
#pragma once

#include "eventring.h"
#include "receivedevent.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QList>
#include <QTimer>
#include <deque>

namespace drover::ui {

// append() only queues an event; a timer flushes the queue every flushInterval() ms with one
// rowsRemoved (for rows pushed out by the capacity) and one rowsInserted, so 10 000 events/s
// cost a view ten updates a second, not 10 000. Rows are in arrival order, row 0 the oldest.
//
// Nothing leaves without being counted: every received event is, at any time, a row, pending
// (not flushed yet), in the pause backlog, or counted as evicted, discarded while paused, or
// cleared. Counters::received is the sum of those.
//
// Pause freezes the rows, not the reception: arrivals go on to batchAppended() (so the device
// board and plots stay live) and into a backlog bounded like the table (capacity()). When
// the backlog is full its oldest event is dropped and counted as discardedWhilePaused. On
// resume() the backlog becomes rows in one flush, so the table ends exactly as if it had not
// been paused: at most capacity() events would have survived anyway.
class EventModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        DeviceColumn,
        ChannelColumn,
        TypeColumn,
        SizeColumn,
        DataColumn,
        ColumnCount
    };
    enum Role {
        EventRole = Qt::UserRole + 1, // ReceivedEvent (any column)
        SearchTextRole,               // QString, EventFormatter::searchText (cached)
    };

    struct Counters {
        qint64 received = 0;             // append() calls
        qint64 pending = 0;              // received, not flushed yet
        qint64 backlog = 0;              // held while paused
        qint64 evicted = 0;              // pushed out of the rows by capacity()
        qint64 discardedWhilePaused = 0; // pushed out of the backlog by capacity()
        qint64 cleared = 0;              // removed by clear()
        double eventsPerSecond = 0;      // arrivals over the last rateWindow() ms
    };

    static constexpr int DefaultFlushIntervalMs = 100;
    static constexpr int DefaultRateWindowMs = 1000;

    explicit EventModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Direct access for code that knows it has an EventModel (no QVariant copy). The
    // references are valid until the model next changes (a flush, clear or setCapacity).
    const ReceivedEvent &eventAt(int row) const { return m_rows.at(row); }
    const QString &searchTextAt(int row) const;

    qsizetype capacity() const { return m_rows.capacity(); }
    // Bounds the rows and the pause backlog; shrinking evicts the oldest rows at once.
    void setCapacity(qsizetype capacity);
    int flushInterval() const { return m_flushTimer.interval(); }
    void setFlushInterval(int ms);
    int rateWindow() const { return m_rateWindowMs; }
    void setRateWindow(int ms);

    bool isPaused() const { return m_paused; }
    Counters counters() const;

public Q_SLOTS:
    void append(drover::ui::ReceivedEvent event);
    // Applies what is pending now (the timer would soon): before an export, in tests.
    void flush();
    void pause();
    void resume();
    // Removes every row and the pause backlog (counted as cleared). Pending events are
    // cleared too, after batchAppended() has handed them on.
    void clear();

Q_SIGNALS:
    // Each received event exactly once, in order, in the flush after its arrival, whether
    // paused or not: what the device board and the plots consume.
    void batchAppended(const QList<drover::ui::ReceivedEvent> &events);
    // At most once per flush (and once per pause/resume/clear/setCapacity), when a counter moved.
    void countersChanged();
    void pausedChanged(bool paused);

private:
    void insertRows(const QList<ReceivedEvent> &events);
    void updateRate(qint64 arrived);
    void emitCountersIfChanged();

    EventRing m_rows;
    EventRing m_backlog; // arrivals while paused; its evictions are discardedWhilePaused
    QList<ReceivedEvent> m_pending;
    QTimer m_flushTimer;
    bool m_paused = false;
    qint64 m_received = 0;
    qint64 m_cleared = 0;

    // Arrivals per flush for the rate: (ms since m_clock started, count).
    std::deque<std::pair<qint64, qint64>> m_arrivals;
    QElapsedTimer m_clock;
    int m_rateWindowMs = DefaultRateWindowMs;
    double m_rate = 0;

    Counters m_lastEmitted;
};

} // namespace drover::ui
