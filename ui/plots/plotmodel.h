// What the plots show, without widgets: for one chosen numeric field, one SeriesBuffer per
// device, fed by batches of received events and bounded by a time window, a point count
// per series and a number of series. Also collects the numeric paths seen in the data,
// for the field picker.
//
// Times are the events' `time` (ingestion at the gateway), else when the console received
// them. The window ends at the newest event time seen (the "data clock"); windowEnd()
// tells a view where to end its axis, and trim() slides the window with the wall clock
// while the data is live.
#pragma once

#include "fieldpath.h"
#include "seriesbuffer.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <vector>

namespace drover::ui {

struct ReceivedEvent;

class PlotModel
{
public:
    struct Series {
        QString device;
        SeriesBuffer buffer;
    };

    static constexpr qint64 DefaultWindowMs = 60'000;
    static constexpr int DefaultMaxPoints = 800; // per series: about one per pixel of a wide chart
    static constexpr int DefaultMaxSeries = 32;
    static constexpr int MaxPaths = 200;

    PlotModel() = default;

    // A new field starts all series again (an empty path plots nothing, paths are still
    // collected).
    void setField(const QString &path);
    const FieldPath &field() const { return m_field; }
    void setWindow(qint64 windowMs);
    qint64 window() const { return m_windowMs; }
    void setMaxPointsPerSeries(int maxPoints);
    int maxPointsPerSeries() const { return m_maxPoints; }
    // Devices beyond this many get no series (counted in ignoredDevices()).
    void setMaxSeries(int maxSeries) { m_maxSeries = std::max(1, maxSeries); }
    int maxSeries() const { return m_maxSeries; }

    // Adds the field's value of each event that has one (a JSON number at the path).
    // Connection events and data that is not a JSON object or array are skipped. A device
    // gets its series with its first value. Returns the number of values added.
    int addEvents(const QList<ReceivedEvent> &events);

    // Where the window ends for a view at wall-clock time `now`: now while the data is live
    // (its newest time is within a window of now), else the newest event time (a replay of
    // older events, or a console clock behind the gateway's).
    qint64 windowEnd(qint64 nowMs) const;
    // Drops the points that left the window ending at windowEnd(nowMs).
    void trim(qint64 nowMs);

    int seriesCount() const { return int(m_series.size()); }
    const Series &series(int i) const { return m_series[std::size_t(i)]; }
    int indexOf(const QString &device) const { return m_index.value(device, -1); }
    // Newest event time with a value, ms since the epoch (0 when none).
    qint64 latestTime() const { return m_latestMs; }
    int ignoredDevices() const { return int(m_ignored.size()); }

    // Numeric paths seen in the data, in the order first seen (at most MaxPaths).
    const QStringList &numericPaths() const { return m_paths; }
    quint64 pathsRevision() const { return m_pathsRevision; }

    // Forgets the series (not the paths).
    void clear();

    static qint64 eventTimeMs(const ReceivedEvent &event);

private:
    void notePaths(const QJsonValue &data);
    bool shouldScan(const QString &device, qint64 timeMs);

    FieldPath m_field;
    qint64 m_windowMs = DefaultWindowMs;
    QHash<QByteArray, qint64> m_lastAccepted; // device → time of its last plotted value
    int m_maxPoints = DefaultMaxPoints;
    int m_maxSeries = DefaultMaxSeries;
    std::vector<Series> m_series;
    QHash<QString, int> m_index;
    QSet<QString> m_ignored; // capped: a count for the user, not a registry
    qint64 m_latestMs = 0;

    QStringList m_paths;
    QSet<QString> m_pathSet;
    quint64 m_pathsRevision = 0;
    QHash<QString, qint64> m_lastScan; // device → event time of its last path scan
};

} // namespace drover::ui
