// SeriesBuffer (order, bucket aggregation bound, trimming) and PlotModel (series per
// device, field choice, time window, bounds at high event rates, numeric paths).
#include "plottestutil.h"

#include "plots/plotmodel.h"
#include "plots/seriesbuffer.h"

#include <QElapsedTimer>
#include <QtTest>

using namespace drover::ui;
using drover::ui::test::jsonEvent;
using drover::ui::test::temperatureEvent;

namespace {

const QDateTime T0 = QDateTime(QDate(2026, 11, 25), QTime(12, 0), Qt::UTC);
const qint64 T0ms = T0.toMSecsSinceEpoch();

bool sorted(const std::deque<QPointF> &points)
{
    return std::is_sorted(points.begin(), points.end(),
                          [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); });
}

} // namespace

class TestPlotModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bufferBasics();
    void bufferAggregatesWithinBuckets();
    void bufferBoundAtHighRate();
    void bufferTrim();
    void bufferLatePoints();
    void seriesPerDevice();
    void skipsWhatIsNotAValue();
    void eventTimeFallsBackToReceived();
    void windowTrimming();
    void pointBoundAtHighRate();
    void fieldChangeResets();
    void maxSeries();
    void numericPaths();
    void windowEnd();
};

void TestPlotModel::bufferBasics()
{
    SeriesBuffer buffer(60'000, 1000);
    QVERIFY(buffer.isEmpty());
    QCOMPARE(buffer.lastValue(), std::nullopt);
    const quint64 r0 = buffer.revision();
    for (int i = 0; i < 10; ++i)
        buffer.add(T0ms + i * 1000, i * 1.5);
    QCOMPARE(buffer.size(), 10); // 1 s apart, in buckets of 240 ms: one point each
    QVERIFY(buffer.revision() > r0);
    QCOMPARE(buffer.lastValue(), std::optional<double>(13.5));
    QCOMPARE(buffer.lastTime(), T0ms + 9000);
    QCOMPARE(buffer.points().front(), QPointF(double(T0ms), 0));
    QCOMPARE(buffer.toList().size(), 10);
    QCOMPARE(buffer.valueRange(T0ms + 2000), std::optional(std::make_pair(3.0, 13.5)));
    QCOMPARE(buffer.valueRange(T0ms + 20'000), std::nullopt);
    buffer.clear();
    QVERIFY(buffer.isEmpty());
    QCOMPARE(buffer.lastValue(), std::nullopt);
}

void TestPlotModel::bufferAggregatesWithinBuckets()
{
    SeriesBuffer buffer(60'000, 400); // buckets of 600 ms, at most 4 points each
    const qint64 start = T0ms;        // a bucket boundary (T0 is a whole minute)
    const QList<double> values = {5, 9, 1, 7, 3, 6, 4};
    for (int i = 0; i < values.size(); ++i)
        buffer.add(start + i * 10, values[i]);
    // first (5 at +0), min (1 at +20), max (9 at +10), last (4 at +60), in time order.
    const QList<QPointF> expected = {
        {double(start), 5}, {double(start + 10), 9}, {double(start + 20), 1}, {double(start + 60), 4}};
    QCOMPARE(buffer.toList(), expected);
    QCOMPARE(buffer.lastValue(), std::optional<double>(4));
    // The next bucket starts with a point of its own.
    buffer.add(start + 600, 8);
    QCOMPARE(buffer.size(), 5);
}

void TestPlotModel::bufferBoundAtHighRate()
{
    SeriesBuffer buffer(60'000, 500);
    // 10,000 values a second for a minute, with one spike in the middle.
    double lastValue = 0;
    for (qint64 i = 0; i < 600'000; ++i) {
        lastValue = i == 300'000 ? 1000.0 : std::sin(double(i) / 1000.0);
        buffer.add(T0ms + i / 10, lastValue);
    }
    QVERIFY2(buffer.size() <= 500, qPrintable(QString::number(buffer.size())));
    QVERIFY(buffer.size() >= 300); // not thinned to nothing either
    QVERIFY(sorted(buffer.points()));
    QCOMPARE(buffer.lastValue(), std::optional<double>(lastValue));
    QCOMPARE(buffer.points().back().y(), lastValue);
    QCOMPARE(buffer.valueRange(T0ms)->second, 1000.0); // the spike survived aggregation
}

void TestPlotModel::bufferTrim()
{
    SeriesBuffer buffer(10'000, 100);
    for (int i = 0; i < 30; ++i)
        buffer.add(T0ms + i * 1000, i);
    const quint64 before = buffer.revision();
    buffer.trimBefore(T0ms + 20'000);
    QCOMPARE(buffer.size(), 10);
    QCOMPARE(buffer.points().front().x(), double(T0ms + 20'000));
    QVERIFY(buffer.revision() > before);
    const quint64 unchanged = buffer.revision();
    buffer.trimBefore(T0ms); // nothing older: no change
    QCOMPARE(buffer.revision(), unchanged);
    buffer.trimBefore(T0ms + 100'000);
    QVERIFY(buffer.isEmpty());
    QCOMPARE(buffer.lastValue(), std::optional<double>(29)); // still known for a legend
    buffer.add(T0ms + 100'000, 1);
    QCOMPARE(buffer.size(), 1);
}

void TestPlotModel::bufferLatePoints()
{
    SeriesBuffer buffer(60'000, 16);
    buffer.add(T0ms + 10'000, 1);
    buffer.add(T0ms + 30'000, 3);
    buffer.add(T0ms + 20'000, 2); // late
    QCOMPARE(
        buffer.toList(),
        QList<QPointF>({{double(T0ms + 10'000), 1}, {double(T0ms + 20'000), 2}, {double(T0ms + 30'000), 3}}));
    QCOMPARE(buffer.lastValue(), std::optional<double>(3)); // the newest, not the latest added
    for (int i = 0; i < 100; ++i)
        buffer.add(T0ms + i, i); // all late: still bounded, still in order
    QCOMPARE(buffer.size(), 16);
    QVERIFY(sorted(buffer.points()));
}

void TestPlotModel::seriesPerDevice()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    QList<ReceivedEvent> batch;
    for (int i = 0; i < 10; ++i) {
        for (int d = 1; d <= 3; ++d)
            batch.append(
                temperatureEvent(QStringLiteral("device-%1").arg(d), T0.addSecs(i), 20 + d + i * 0.5));
    }
    QCOMPARE(model.addEvents(batch), 30);
    QCOMPARE(model.seriesCount(), 3);
    for (int d = 1; d <= 3; ++d) {
        const int index = model.indexOf(QStringLiteral("device-%1").arg(d));
        QCOMPARE(index, d - 1); // in the order first seen
        const PlotModel::Series &series = model.series(index);
        QCOMPARE(series.device, QStringLiteral("device-%1").arg(d));
        QCOMPARE(series.buffer.size(), 10);
        QCOMPARE(series.buffer.lastValue(), std::optional<double>(20 + d + 4.5));
    }
    QCOMPARE(model.latestTime(), T0.addSecs(9).toMSecsSinceEpoch());
    QCOMPARE(model.indexOf(QStringLiteral("device-9")), -1);

    // A device appears with its first value, in a later batch.
    model.addEvents({jsonEvent(QStringLiteral("device-4"), T0.addSecs(10), "{\"humidity\": 40}")});
    QCOMPARE(model.seriesCount(), 3);
    model.addEvents({temperatureEvent(QStringLiteral("device-4"), T0.addSecs(11), 18)});
    QCOMPARE(model.seriesCount(), 4);
    QCOMPARE(model.series(3).device, QStringLiteral("device-4"));
}

void TestPlotModel::skipsWhatIsNotAValue()
{
    PlotModel model;
    model.setField(QStringLiteral("state.temperature"));
    ReceivedEvent connection = jsonEvent(QStringLiteral("d1"), T0, "{\"state\":{\"temperature\":1}}");
    connection.event.type = drover::cloudevents::CloudEvent::ConnectionEventType;
    const QList<ReceivedEvent> events = {
        connection,
        jsonEvent(QStringLiteral("d2"), T0, "{\"state\":{\"temperature\":\"21\"}}"), // a string
        jsonEvent(QStringLiteral("d3"), T0, "{\"state\":{\"temperature\":21}}",
                  "text/plain"),                                               // not JSON by type
        jsonEvent(QStringLiteral("d4"), T0, "{\"state\":{\"temperature\":21"), // broken JSON
        jsonEvent(QStringLiteral("d5"), T0, "21"),                             // a bare number
        jsonEvent(QStringLiteral("d6"), T0, QByteArray()),                     // no data
        jsonEvent(QStringLiteral("d7"), T0, "{\"state\":{\"temperature\":21}}",
                  QByteArray()), // no type: tried
        jsonEvent(QStringLiteral("d8"), T0, "{\"state\":{\"temperature\":22}}", "application/vnd.x+json"),
    };
    QCOMPARE(model.addEvents(events), 2);
    QCOMPARE(model.seriesCount(), 2);
    QCOMPARE(model.series(0).device, QStringLiteral("d7"));
    QCOMPARE(model.series(1).device, QStringLiteral("d8"));
}

void TestPlotModel::eventTimeFallsBackToReceived()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    ReceivedEvent event = temperatureEvent(QStringLiteral("d"), QDateTime(), 5);
    event.received = T0.addSecs(30);
    model.addEvents({event});
    QCOMPARE(model.series(0).buffer.lastTime(), T0.addSecs(30).toMSecsSinceEpoch());
    QCOMPARE(PlotModel::eventTimeMs(event), T0.addSecs(30).toMSecsSinceEpoch());
}

void TestPlotModel::windowTrimming()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    model.setWindow(60'000);
    QList<ReceivedEvent> batch;
    for (int i = 0; i < 180; ++i) // three minutes, one value a second, in batches of 10
        batch.append(temperatureEvent(QStringLiteral("d"), T0.addSecs(i), i));
    for (qsizetype i = 0; i < batch.size(); i += 10)
        model.addEvents(batch.mid(i, 10));
    const SeriesBuffer &buffer = model.series(0).buffer;
    QCOMPARE(buffer.size(), 61); // 120 s .. 179 s, both ends in the window
    QCOMPARE(buffer.points().front().x(), double(T0.addSecs(119).toMSecsSinceEpoch()));
    QCOMPARE(buffer.lastValue(), std::optional<double>(179));

    // A smaller window drops at once what is outside it.
    model.setWindow(10'000);
    QCOMPARE(model.series(0).buffer.size(), 11);
    QCOMPARE(model.window(), 10'000);
}

void TestPlotModel::pointBoundAtHighRate()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    model.setWindow(60'000);
    model.setMaxPointsPerSeries(200);
    // 10,000 events a second for 20 s over 2 devices, in batches of 500: bounded, and fast.
    QElapsedTimer timer;
    timer.start();
    for (int b = 0; b < 400; ++b) {
        QList<ReceivedEvent> batch;
        batch.reserve(500);
        for (int i = 0; i < 500; ++i) {
            const qint64 n = qint64(b) * 500 + i;
            batch.append(temperatureEvent(n % 2 ? QStringLiteral("a") : QStringLiteral("b"),
                                          T0.addMSecs(n / 10), double(n % 1000)));
        }
        model.addEvents(batch);
    }
    QCOMPARE(model.seriesCount(), 2);
    for (int i = 0; i < 2; ++i) {
        QVERIFY(model.series(i).buffer.size() <= 200);
        // 20 s in buckets of 1.2 s: the first, lowest, highest and last value of each (here 3 differ).
        QVERIFY2(model.series(i).buffer.size() >= 3 * 16,
                 qPrintable(QString::number(model.series(i).buffer.size())));
        QVERIFY(sorted(model.series(i).buffer.points()));
    }
    qDebug() << "200,000 events in" << timer.elapsed() << "ms;" << model.series(0).buffer.size() << "points";
}

void TestPlotModel::fieldChangeResets()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    model.addEvents({jsonEvent(QStringLiteral("d"), T0, "{\"temperature\": 1, \"humidity\": 50}")});
    QCOMPARE(model.seriesCount(), 1);
    model.setField(QStringLiteral("temperature")); // the same: nothing changes
    QCOMPARE(model.seriesCount(), 1);
    model.setField(QStringLiteral("humidity"));
    QCOMPARE(model.seriesCount(), 0);
    QCOMPARE(model.field().toString(), QStringLiteral("humidity"));
    model.addEvents(
        {jsonEvent(QStringLiteral("d"), T0.addSecs(1), "{\"temperature\": 2, \"humidity\": 51}")});
    QCOMPARE(model.series(0).buffer.lastValue(), std::optional<double>(51));
    QCOMPARE(model.series(0).buffer.size(), 1);
    model.setField(QString()); // nothing plotted
    QCOMPARE(model.addEvents({jsonEvent(QStringLiteral("d"), T0.addSecs(2), "{\"humidity\": 52}")}), 0);
    QCOMPARE(model.seriesCount(), 0);
}

void TestPlotModel::maxSeries()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    model.setMaxSeries(5);
    QList<ReceivedEvent> batch;
    for (int d = 0; d < 8; ++d)
        batch.append(temperatureEvent(QStringLiteral("device-%1").arg(d), T0, d));
    model.addEvents(batch);
    QCOMPARE(model.seriesCount(), 5);
    QCOMPARE(model.ignoredDevices(), 3);
    QCOMPARE(model.indexOf(QStringLiteral("device-7")), -1);
}

void TestPlotModel::numericPaths()
{
    PlotModel model; // no field: paths are still collected
    model.addEvents(
        {jsonEvent(QStringLiteral("a"), T0, "{\"temperature\": 1, \"state\": {\"on\": true, \"level\": 3}}"),
         jsonEvent(QStringLiteral("b"), T0, "{\"humidity\": 40, \"temperature\": 2}")});
    QCOMPARE(model.numericPaths(), QStringList({QStringLiteral("state.level"), QStringLiteral("temperature"),
                                                QStringLiteral("humidity")}));
    const quint64 revision = model.pathsRevision();
    // The same device again within a moment is not scanned again (cheap at high rates).
    model.addEvents({jsonEvent(QStringLiteral("a"), T0.addMSecs(100), "{\"pressure\": 1000}")});
    QCOMPARE(model.pathsRevision(), revision);
    model.addEvents({jsonEvent(QStringLiteral("a"), T0.addSecs(5), "{\"pressure\": 1000}")});
    QVERIFY(model.pathsRevision() > revision);
    QVERIFY(model.numericPaths().contains(QStringLiteral("pressure")));
}

void TestPlotModel::windowEnd()
{
    PlotModel model;
    model.setField(QStringLiteral("temperature"));
    model.setWindow(60'000);
    QCOMPARE(model.windowEnd(T0ms), T0ms); // no data: the clock
    model.addEvents({temperatureEvent(QStringLiteral("d"), T0, 1),
                     temperatureEvent(QStringLiteral("d"), T0.addSecs(30), 2)});
    // Live: the window follows the wall clock and trim() slides it.
    QCOMPARE(model.windowEnd(T0ms + 40'000), T0ms + 40'000);
    model.trim(T0ms + 70'000);
    QCOMPARE(model.series(0).buffer.size(), 1); // the point at T0 left the window
    // Replayed (older than a window) or ahead of the console's clock: the data's newest time.
    QCOMPARE(model.windowEnd(T0ms + 1'000'000), T0ms + 30'000);
    QCOMPARE(model.windowEnd(T0ms), T0ms + 30'000);
    model.trim(T0ms + 1'000'000);
    QCOMPARE(model.series(0).buffer.size(), 1); // replay data is not trimmed away by the clock
}

QTEST_GUILESS_MAIN(TestPlotModel)
#include "tst_plotmodel.moc"
