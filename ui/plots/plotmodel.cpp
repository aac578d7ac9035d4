#include "plotmodel.h"

#include "events/receivedevent.h"

#include "cloudevents/cloudevent.h"

#include <cmath>

namespace drover::ui {

namespace {

// Paths are looked for in an event of a device at most this often, and in at most so many
// events of a batch: enough to fill the picker, cheap at thousands of events a second.
constexpr qint64 ScanIntervalMs = 2000;
constexpr int MaxScansPerBatch = 16;
constexpr int MaxScanDevices = 4096;
constexpr int MaxIgnored = 100'000;

} // namespace

void PlotModel::setField(const QString &path)
{
    const FieldPath field(path);
    if (field == m_field)
        return;
    m_field = field;
    clear();
}

void PlotModel::setWindow(qint64 windowMs)
{
    m_windowMs = std::max<qint64>(1000, windowMs);
    for (Series &s : m_series) {
        s.buffer.setWindow(m_windowMs);
        s.buffer.trimBefore(m_latestMs - m_windowMs);
    }
}

void PlotModel::setMaxPointsPerSeries(int maxPoints)
{
    m_maxPoints = std::max(SeriesBuffer::MinPoints, maxPoints);
    for (Series &s : m_series)
        s.buffer.setMaxPoints(m_maxPoints);
}

qint64 PlotModel::eventTimeMs(const ReceivedEvent &event)
{
    const QDateTime &time = event.event.time.isValid() ? event.event.time : event.received;
    return time.toMSecsSinceEpoch();
}

int PlotModel::addEvents(const QList<ReceivedEvent> &events)
{
    int added = 0;
    int scans = 0;
    QSet<int> touched;
    for (const ReceivedEvent &event : events) {
        if (event.isConnectionEvent() || event.event.data.isEmpty())
            continue;
        if (!event.event.dataContentType.isEmpty() &&
            !cloudevents::isJsonContentType(event.event.dataContentType))
            continue;
        const qint64 time = eventTimeMs(event);
        // More events of a device than the chart has points for: a value every half slot
        // is all a line can show, so the others are not even parsed (at 10 000 events/s the
        // JSON parsing was most of the console's work). Below that rate every value counts.
        const qint64 minGap = m_windowMs / m_maxPoints / 2;
        const auto last = m_lastAccepted.constFind(event.event.device);
        if (!m_field.isEmpty() && last != m_lastAccepted.cend() && time >= *last && time - *last < minGap)
            continue;
        const QString device = event.device();
        const bool scan = scans < MaxScansPerBatch && shouldScan(device, time);
        if (!scan && m_field.isEmpty())
            continue;
        const std::optional<QJsonValue> data = FieldPath::parseData(event.event.data);
        if (!data)
            continue;
        if (scan) {
            ++scans;
            notePaths(*data);
        }
        const std::optional<double> value = m_field.number(*data);
        if (!value || !std::isfinite(*value))
            continue;
        int index = m_index.value(device, -1);
        if (index < 0) {
            if (int(m_series.size()) >= m_maxSeries) { // counted, so the view can say so
                if (m_ignored.size() < MaxIgnored)
                    m_ignored.insert(device);
                continue;
            }
            index = int(m_series.size());
            m_series.push_back(Series{device, SeriesBuffer(m_windowMs, m_maxPoints)});
            m_index.insert(device, index);
        }
        m_series[std::size_t(index)].buffer.add(time, *value);
        m_lastAccepted.insert(event.event.device, time);
        m_latestMs = std::max(m_latestMs, time);
        touched.insert(index);
        ++added;
    }
    for (int index : touched)
        m_series[std::size_t(index)].buffer.trimBefore(m_latestMs - m_windowMs);
    return added;
}

bool PlotModel::shouldScan(const QString &device, qint64 timeMs)
{
    const auto it = m_lastScan.constFind(device);
    if (it != m_lastScan.constEnd() && std::abs(timeMs - *it) < ScanIntervalMs)
        return false;
    if (it == m_lastScan.constEnd() && m_lastScan.size() >= MaxScanDevices)
        return false;
    m_lastScan.insert(device, timeMs);
    return true;
}

void PlotModel::notePaths(const QJsonValue &data)
{
    if (m_paths.size() >= MaxPaths)
        return;
    for (const QString &path : FieldPath::numericPaths(data, MaxPaths)) {
        if (m_paths.size() >= MaxPaths)
            break;
        if (m_pathSet.contains(path))
            continue;
        m_pathSet.insert(path);
        m_paths.append(path);
        ++m_pathsRevision;
    }
}

qint64 PlotModel::windowEnd(qint64 nowMs) const
{
    if (m_latestMs == 0)
        return nowMs;
    if (m_latestMs > nowMs || m_latestMs < nowMs - m_windowMs)
        return m_latestMs;
    return nowMs;
}

void PlotModel::trim(qint64 nowMs)
{
    const qint64 start = windowEnd(nowMs) - m_windowMs;
    for (Series &s : m_series)
        s.buffer.trimBefore(start);
}

void PlotModel::clear()
{
    m_series.clear();
    m_index.clear();
    m_ignored.clear();
    m_lastAccepted.clear();
    m_latestMs = 0;
}

} // namespace drover::ui
