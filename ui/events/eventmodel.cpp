#include "eventmodel.h"

#include "eventformatter.h"

#include <algorithm>
#include <limits>

namespace drover::ui {

namespace {

bool sameCounters(const EventModel::Counters &a, const EventModel::Counters &b)
{
    return a.received == b.received && a.pending == b.pending && a.backlog == b.backlog &&
           a.evicted == b.evicted && a.discardedWhilePaused == b.discardedWhilePaused &&
           a.cleared == b.cleared && a.eventsPerSecond == b.eventsPerSecond;
}

// Rows are ints in Qt's models.
qsizetype boundedCapacity(qsizetype capacity)
{
    return std::clamp<qsizetype>(capacity, 1, std::numeric_limits<int>::max());
}

} // namespace

EventModel::EventModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_flushTimer.setInterval(DefaultFlushIntervalMs);
    m_flushTimer.setObjectName(QStringLiteral("eventFlush"));
    connect(&m_flushTimer, &QTimer::timeout, this, &EventModel::flush);
    m_clock.start();
}

int EventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ReceivedEvent &event = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return EventFormatter::timeText(event);
        case DeviceColumn:
            return QString::fromUtf8(event.event.device);
        case ChannelColumn:
            return QString::fromUtf8(event.event.subject);
        case TypeColumn:
            return EventFormatter::typeText(event);
        case SizeColumn:
            return EventFormatter::sizeText(event.size);
        case DataColumn: {
            // Only rows a view shows are ever previewed, and each once.
            QString &preview = m_rows.texts(index.row()).preview;
            if (preview.isNull())
                preview = EventFormatter::preview(event);
            return preview;
        }
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case EventRole:
        return QVariant::fromValue(event);
    case SearchTextRole:
        return searchTextAt(index.row());
    }
    return {};
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case DeviceColumn:
        return tr("Device");
    case ChannelColumn:
        return tr("Channel");
    case TypeColumn:
        return tr("Type");
    case SizeColumn:
        return tr("Size");
    case DataColumn:
        return tr("Data");
    }
    return {};
}

const QString &EventModel::searchTextAt(int row) const
{
    // Built on the first filter pass over the row, then reused by every later one.
    QString &text = m_rows.texts(row).search;
    if (text.isNull())
        text = EventFormatter::searchText(m_rows.at(row));
    return text;
}

void EventModel::setCapacity(qsizetype capacity)
{
    capacity = boundedCapacity(capacity);
    const qsizetype drop = std::max<qsizetype>(0, m_rows.size() - capacity);
    if (drop > 0)
        beginRemoveRows({}, 0, int(drop - 1));
    m_rows.setCapacity(capacity);
    if (drop > 0)
        endRemoveRows();
    m_backlog.setCapacity(capacity);
    emitCountersIfChanged();
}

void EventModel::setFlushInterval(int ms)
{
    m_flushTimer.setInterval(std::max(1, ms));
}

void EventModel::setRateWindow(int ms)
{
    m_rateWindowMs = std::max(1, ms);
}

EventModel::Counters EventModel::counters() const
{
    Counters c;
    c.received = m_received;
    c.pending = m_pending.size();
    c.backlog = m_backlog.size();
    c.evicted = m_rows.evicted();
    c.discardedWhilePaused = m_backlog.evicted();
    c.cleared = m_cleared;
    c.eventsPerSecond = m_rate;
    return c;
}

void EventModel::append(ReceivedEvent event)
{
    m_pending.append(std::move(event));
    ++m_received;
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void EventModel::flush()
{
    const QList<ReceivedEvent> arrived = std::exchange(m_pending, {});
    if (m_paused) {
        for (const ReceivedEvent &event : arrived)
            m_backlog.append(event);
    } else if (m_backlog.isEmpty()) {
        insertRows(arrived);
    } else { // first flush after resume(): the backlog, then what came since
        QList<ReceivedEvent> events;
        events.reserve(m_backlog.size() + arrived.size());
        for (qsizetype i = 0; i < m_backlog.size(); ++i)
            events.append(m_backlog.at(i));
        events.append(arrived);
        m_backlog.clear();
        insertRows(events);
    }
    updateRate(arrived.size());
    if (!arrived.isEmpty())
        Q_EMIT batchAppended(arrived);
    // Idle: no timer wake-ups until the next event (the rate has decayed to 0 by now).
    if (m_pending.isEmpty() && m_arrivals.empty())
        m_flushTimer.stop();
    emitCountersIfChanged();
}

void EventModel::pause()
{
    if (m_paused)
        return;
    flush(); // what arrived before the click is still shown
    m_paused = true;
    Q_EMIT pausedChanged(true);
}

void EventModel::resume()
{
    if (!m_paused)
        return;
    m_paused = false;
    flush();
    Q_EMIT pausedChanged(false);
}

void EventModel::clear()
{
    const QList<ReceivedEvent> arrived = std::exchange(m_pending, {});
    m_cleared += m_rows.size() + m_backlog.size() + arrived.size();
    if (!m_rows.isEmpty()) {
        beginResetModel();
        m_rows.clear();
        endResetModel();
    }
    m_backlog.clear();
    updateRate(arrived.size());
    if (!arrived.isEmpty())
        Q_EMIT batchAppended(arrived);
    emitCountersIfChanged();
}

// One rowsRemoved for the rows the batch pushes out, then one rowsInserted for the batch.
void EventModel::insertRows(const QList<ReceivedEvent> &events)
{
    if (events.isEmpty())
        return;
    const qsizetype shown = std::min(events.size(), m_rows.capacity());
    const qsizetype drop = std::max<qsizetype>(0, m_rows.size() + shown - m_rows.capacity());
    if (drop > 0) {
        beginRemoveRows({}, 0, int(drop - 1));
        m_rows.evictOldest(drop);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(shown) - 1);
    // A batch larger than the capacity: its first events are evicted (and counted) by its
    // last ones right here, never becoming rows.
    for (const ReceivedEvent &event : events)
        m_rows.append(event);
    endInsertRows();
}

// Sliding window over the flushes' arrival counts: a handful of entries, whatever the rate.
void EventModel::updateRate(qint64 arrived)
{
    const qint64 now = m_clock.elapsed();
    if (arrived > 0)
        m_arrivals.emplace_back(now, arrived);
    while (!m_arrivals.empty() && m_arrivals.front().first <= now - m_rateWindowMs)
        m_arrivals.pop_front();
    qint64 sum = 0;
    for (const auto &[time, count] : m_arrivals)
        sum += count;
    m_rate = double(sum) * 1000.0 / m_rateWindowMs;
}

void EventModel::emitCountersIfChanged()
{
    const Counters now = counters();
    if (sameCounters(now, m_lastEmitted))
        return;
    m_lastEmitted = now;
    Q_EMIT countersChanged();
}

} // namespace drover::ui
