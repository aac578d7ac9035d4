#include "seriesbuffer.h"

#include <algorithm>
#include <array>

namespace drover::ui {

namespace {

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

} // namespace

SeriesBuffer::SeriesBuffer(qint64 windowMs, int maxPoints)
    : m_windowMs(std::max<qint64>(1, windowMs))
    , m_maxPoints(std::max(MinPoints, maxPoints))
{}

void SeriesBuffer::setWindow(qint64 windowMs)
{
    m_windowMs = std::max<qint64>(1, windowMs);
    resetBucket();
}

void SeriesBuffer::setMaxPoints(int maxPoints)
{
    m_maxPoints = std::max(MinPoints, maxPoints);
    resetBucket();
    enforceCap();
}

qint64 SeriesBuffer::bucketWidth() const
{
    return std::max<qint64>(1, m_windowMs * 4 / m_maxPoints);
}

void SeriesBuffer::add(qint64 timeMs, double value)
{
    const QPointF point(double(timeMs), value);
    ++m_revision;
    if (!m_points.empty() && point.x() < m_points.back().x()) {
        // Late (a replay, or clocks of two senders): placed in order, outside aggregation.
        const auto at = std::upper_bound(m_points.begin(), m_points.end(), point,
                                         [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
        m_points.insert(at, point);
        resetBucket();
        enforceCap();
        return;
    }
    m_lastValue = value;
    const qint64 bucket = floorDiv(timeMs, bucketWidth());
    if (m_bucketCount == 0 || bucket != m_bucket) {
        m_bucket = bucket;
        m_bucketCount = 1;
        m_first = m_min = m_max = m_last = point;
        m_points.push_back(point);
        enforceCap();
        return;
    }
    // Same bucket: fold the point into the aggregate and rewrite the bucket's tail points.
    if (point.y() < m_min.y())
        m_min = point;
    if (point.y() > m_max.y())
        m_max = point;
    m_last = point;
    for (int i = 0; i < m_bucketCount; ++i)
        m_points.pop_back();
    std::array<QPointF, 4> candidates{m_first, m_min, m_max, m_last};
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
    m_bucketCount = 0;
    for (const QPointF &p : candidates) {
        if (m_bucketCount > 0 && m_points.back() == p)
            continue; // first, min, max and last are often the same point
        m_points.push_back(p);
        ++m_bucketCount;
    }
    enforceCap();
}

void SeriesBuffer::enforceCap()
{
    while (int(m_points.size()) > m_maxPoints)
        m_points.pop_front();
    if (m_bucketCount > int(m_points.size()))
        resetBucket();
}

void SeriesBuffer::trimBefore(qint64 timeMs)
{
    const double limit = double(timeMs);
    bool trimmed = false;
    while (!m_points.empty() && m_points.front().x() < limit) {
        m_points.pop_front();
        trimmed = true;
    }
    if (!trimmed)
        return;
    ++m_revision;
    if (m_bucketCount > int(m_points.size()))
        resetBucket(); // the open bucket lost points: the next value starts a new one
}

void SeriesBuffer::clear()
{
    m_points.clear();
    m_lastValue.reset();
    resetBucket();
    ++m_revision;
}

QList<QPointF> SeriesBuffer::toList() const
{
    return QList<QPointF>(m_points.begin(), m_points.end());
}

std::optional<std::pair<double, double>> SeriesBuffer::valueRange(qint64 fromMs) const
{
    const auto begin = std::lower_bound(m_points.begin(), m_points.end(), double(fromMs),
                                        [](const QPointF &p, double x) { return p.x() < x; });
    if (begin == m_points.end())
        return std::nullopt;
    double low = begin->y();
    double high = low;
    for (auto it = begin; it != m_points.end(); ++it) {
        low = std::min(low, it->y());
        high = std::max(high, it->y());
    }
    return std::make_pair(low, high);
}

} // namespace drover::ui
