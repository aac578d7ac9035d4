// The points of one device's series: (time in ms since the epoch, value), in time order,
// bounded in count whatever the event rate.
//
// Bounding: time is cut into buckets of window × 4 / maxPoints, and each bucket keeps at
// most four points, its first, smallest, largest and last (M4 aggregation: the line drawn
// through them looks the same at chart resolution, spikes included). A window's worth
// of points is therefore at most about maxPoints; trimBefore() drops what left the window,
// and maxPoints is also a hard cap (oldest first) for out-of-order arrivals.
#pragma once

#include <QList>
#include <QPointF>
#include <deque>
#include <optional>

namespace drover::ui {

class SeriesBuffer
{
public:
    static constexpr int MinPoints = 16;

    explicit SeriesBuffer(qint64 windowMs = 60'000, int maxPoints = 2000);

    qint64 window() const { return m_windowMs; }
    int maxPoints() const { return m_maxPoints; }
    // Both change the bucket width for points to come; points already there stay (a
    // smaller maxPoints drops the oldest at once).
    void setWindow(qint64 windowMs);
    void setMaxPoints(int maxPoints);

    void add(qint64 timeMs, double value);
    // Drops the points older than timeMs.
    void trimBefore(qint64 timeMs);
    void clear();

    int size() const { return int(m_points.size()); }
    bool isEmpty() const { return m_points.empty(); }
    const std::deque<QPointF> &points() const { return m_points; }
    QList<QPointF> toList() const;
    // The last value added (also when aggregation merged it into a bucket), and its time.
    std::optional<double> lastValue() const { return m_lastValue; }
    qint64 lastTime() const { return m_points.empty() ? 0 : qint64(m_points.back().x()); }
    // Smallest and largest value of the points at or after fromMs; nullopt if none.
    std::optional<std::pair<double, double>> valueRange(qint64 fromMs) const;
    // Changes whenever the points change: a view redraws a series only when it moved.
    quint64 revision() const { return m_revision; }

private:
    qint64 bucketWidth() const;
    void enforceCap();
    void resetBucket() { m_bucketCount = 0; }

    std::deque<QPointF> m_points;
    qint64 m_windowMs;
    int m_maxPoints;
    quint64 m_revision = 0;
    std::optional<double> m_lastValue;

    // The newest bucket: its aggregate and how many of the last points are its own.
    qint64 m_bucket = 0;
    int m_bucketCount = 0; // 0: no open bucket (the next point starts one)
    QPointF m_first, m_min, m_max, m_last;
};

} // namespace drover::ui
