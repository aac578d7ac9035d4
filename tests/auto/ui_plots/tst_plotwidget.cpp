// PlotWidget on the offscreen platform: a line per device with the expected points, a new
// field starts over, redraws are throttled whatever the event rate, pause, field picker.
#include "plottestutil.h"

#include "plots/plotwidget.h"

#include <QChart>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QSignalSpy>
#include <QValueAxis>
#include <QtTest>

using namespace drover::ui;
using drover::ui::test::jsonEvent;
using drover::ui::test::temperatureEvent;

namespace {

// Events of the last few seconds, so that the data is live (the window follows the clock).
QList<ReceivedEvent> thermostats(int devices, int perDevice, const QDateTime &end)
{
    QList<ReceivedEvent> events;
    for (int i = 0; i < perDevice; ++i) {
        for (int d = 1; d <= devices; ++d)
            events.append(jsonEvent(QStringLiteral("device-%1").arg(d),
                                    end.addMSecs(-(perDevice - 1 - i) * 500),
                                    QStringLiteral("{\"temperature\": %1, \"state\": {\"target\": %2}}")
                                        .arg(20 + d + i * 0.25)
                                        .arg(d * 10)
                                        .toUtf8()));
    }
    return events;
}

} // namespace

class TestPlotWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void seriesPerDevice();
    void fieldChangeResets();
    void throttled();
    void manyBatchesOneRedraw();
    void pause();
    void fieldPicker();
    void automaticField();
    void windowChoice();
};

void TestPlotWidget::seriesPerDevice()
{
    PlotWidget widget;
    widget.resize(800, 500);
    widget.show();
    widget.setField(QStringLiteral("temperature"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    widget.addEvents(thermostats(3, 20, now));
    widget.refresh();

    QCOMPARE(widget.lineSeries().size(), 3);
    QCOMPARE(widget.chart()->series().size(), 3);
    for (int d = 1; d <= 3; ++d) {
        QLineSeries *line = widget.lineSeries(QStringLiteral("device-%1").arg(d));
        QVERIFY(line);
        QCOMPARE(line->name(), QStringLiteral("device-%1").arg(d));
        QCOMPARE(line->count(), 20);
        QCOMPARE(line->points().constLast().y(), 20 + d + 19 * 0.25);
        QCOMPARE(qint64(line->points().constLast().x()), now.toMSecsSinceEpoch());
        QCOMPARE(line->attachedAxes().size(), 2);
    }
    // Legend with the device names.
    QStringList legend;
    for (QLegendMarker *marker : widget.chart()->legend()->markers())
        legend.append(marker->label());
    QCOMPARE(legend, QStringList({QStringLiteral("device-1"), QStringLiteral("device-2"),
                                  QStringLiteral("device-3")}));

    // Axes: the time window ends now, values fit with a margin.
    auto *time = qobject_cast<QDateTimeAxis *>(widget.chart()->axes(Qt::Horizontal).constFirst());
    QVERIFY(time);
    QCOMPARE(time->max().toMSecsSinceEpoch() - time->min().toMSecsSinceEpoch(), widget.window());
    QVERIFY(std::abs(time->max().toMSecsSinceEpoch() - QDateTime::currentMSecsSinceEpoch()) < 5000);
    auto *value = qobject_cast<QValueAxis *>(widget.chart()->axes(Qt::Vertical).constFirst());
    QVERIFY(value);
    QVERIFY(value->min() < 21 && value->max() > 23 + 19 * 0.25);

    // More events: the same lines grow.
    widget.addEvents(thermostats(3, 1, now.addMSecs(500)));
    widget.refresh();
    QCOMPARE(widget.lineSeries().size(), 3);
    QCOMPARE(widget.lineSeries(QStringLiteral("device-2"))->count(), 21);
}

void TestPlotWidget::fieldChangeResets()
{
    PlotWidget widget;
    widget.setField(QStringLiteral("temperature"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    widget.addEvents(thermostats(3, 5, now));
    widget.refresh();
    QCOMPARE(widget.lineSeries().size(), 3);
    QPointer<QLineSeries> old = widget.lineSeries().constFirst();

    QSignalSpy changed(&widget, &PlotWidget::fieldChanged);
    widget.setField(QStringLiteral("state.target"));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed[0][0].toString(), QStringLiteral("state.target"));
    QVERIFY(widget.lineSeries().isEmpty());
    QVERIFY(widget.chart()->series().isEmpty());
    QVERIFY(old.isNull()); // removed from the chart and deleted

    widget.addEvents(thermostats(2, 4, now.addSecs(1)));
    widget.refresh();
    QCOMPARE(widget.lineSeries().size(), 2);
    QCOMPARE(widget.lineSeries(QStringLiteral("device-2"))->count(), 4);
    QCOMPARE(widget.lineSeries(QStringLiteral("device-2"))->points().constLast().y(), 20.0);
    QCOMPARE(widget.field(), QStringLiteral("state.target"));
}

void TestPlotWidget::throttled()
{
    PlotWidget widget;
    widget.setRefreshInterval(100);
    widget.setField(QStringLiteral("temperature"));
    // About a second of batches, one every ~5 ms, each with a value for 3 devices.
    QElapsedTimer elapsed;
    elapsed.start();
    int batches = 0;
    while (elapsed.elapsed() < 1000) {
        widget.addEvents(thermostats(3, 1, QDateTime::currentDateTimeUtc()));
        ++batches;
        QTest::qWait(5);
    }
    const qint64 ms = elapsed.elapsed();
    QTest::qWait(150); // the last redraw
    QVERIFY(batches > 50);
    // At most one redraw per interval (plus the last one), each replacing each line once.
    const int maxRefreshes = int(ms / 100) + 2;
    QVERIFY2(widget.refreshCount() <= maxRefreshes + 1, qPrintable(QString::number(widget.refreshCount())));
    QVERIFY2(widget.seriesUpdateCount() <= 3 * maxRefreshes,
             qPrintable(QString::number(widget.seriesUpdateCount())));
    QVERIFY(widget.seriesUpdateCount() >= 3);
    // And nothing was lost.
    QCOMPARE(widget.lineSeries().size(), 3);
    QCOMPARE(widget.lineSeries(QStringLiteral("device-1"))->count(), widget.model().series(0).buffer.size());
    qDebug() << batches << "batches in" << ms << "ms:" << widget.refreshCount() << "redraws,"
             << widget.seriesUpdateCount() << "series updates";
}

void TestPlotWidget::manyBatchesOneRedraw()
{
    PlotWidget widget;
    widget.setRefreshInterval(50);
    widget.setField(QStringLiteral("temperature"));
    const int refreshes = widget.refreshCount();
    const int updates = widget.seriesUpdateCount();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < 1000; ++i) // without the event loop: nothing is drawn meanwhile
        widget.addEvents(thermostats(3, 1, now.addMSecs(i)));
    QCOMPARE(widget.refreshCount(), refreshes);
    QTRY_COMPARE(widget.refreshCount(), refreshes + 1);
    QCOMPARE(widget.seriesUpdateCount(), updates + 3); // one replace() per device
    QCOMPARE(widget.lineSeries(QStringLiteral("device-3"))->points().constLast().y(), 23.0);
}

void TestPlotWidget::pause()
{
    PlotWidget widget;
    widget.setRefreshInterval(20);
    widget.setField(QStringLiteral("temperature"));
    widget.setPaused(true);
    QVERIFY(widget.isPaused());
    const int refreshes = widget.refreshCount();
    widget.addEvents(thermostats(2, 3, QDateTime::currentDateTimeUtc()));
    QTest::qWait(100);
    QCOMPARE(widget.refreshCount(), refreshes); // the chart stands still
    QVERIFY(widget.lineSeries().isEmpty());
    QCOMPARE(widget.model().seriesCount(), 2); // but the data was kept
    widget.setPaused(false);
    QCOMPARE(widget.lineSeries().size(), 2);
    QCOMPARE(widget.lineSeries().constFirst()->count(), 3);
}

void TestPlotWidget::fieldPicker()
{
    PlotWidget widget;
    widget.setField(QStringLiteral("temperature"));
    widget.addEvents({jsonEvent(QStringLiteral("d"), QDateTime::currentDateTimeUtc(),
                                "{\"temperature\": 21, \"humidity\": 40, \"state\": {\"level\": 2}}")});
    widget.refresh();
    auto *picker = widget.findChild<QComboBox *>(QStringLiteral("fieldPicker"));
    QVERIFY(picker);
    QStringList items;
    for (int i = 0; i < picker->count(); ++i)
        items.append(picker->itemText(i));
    QCOMPARE(items, QStringList({QStringLiteral("humidity"), QStringLiteral("state.level"),
                                 QStringLiteral("temperature")}));
    QCOMPARE(picker->currentText(), QStringLiteral("temperature"));

    // Choosing an item plots it.
    QSignalSpy changed(&widget, &PlotWidget::fieldChanged);
    picker->setCurrentIndex(1);
    Q_EMIT picker->activated(1);
    QCOMPARE(widget.field(), QStringLiteral("state.level"));
    QCOMPARE(changed.count(), 1);

    // Typing a path and pressing Return plots it too.
    picker->lineEdit()->clear();
    QTest::keyClicks(picker->lineEdit(), QStringLiteral("values.0"));
    QTest::keyClick(picker->lineEdit(), Qt::Key_Return);
    QCOMPARE(widget.field(), QStringLiteral("values.0"));
}

void TestPlotWidget::automaticField()
{
    PlotWidget widget;
    QSignalSpy changed(&widget, &PlotWidget::fieldChanged);
    widget.addEvents({jsonEvent(QStringLiteral("d"), QDateTime::currentDateTimeUtc(),
                                "{\"name\": \"x\", \"temperature\": 21}")});
    QCOMPARE(widget.field(), QStringLiteral("temperature")); // the first numeric field
    QCOMPARE(changed.count(), 1);
    widget.refresh();
    QCOMPARE(widget.lineSeries().size(), 1); // that batch is plotted already
    QCOMPARE(widget.lineSeries().constFirst()->count(), 1);

    // Once the user chose (even nothing), no automatic choice.
    PlotWidget chosen;
    chosen.setField(QStringLiteral("humidity"));
    chosen.addEvents(
        {jsonEvent(QStringLiteral("d"), QDateTime::currentDateTimeUtc(), "{\"temperature\": 21}")});
    QCOMPARE(chosen.field(), QStringLiteral("humidity"));
}

void TestPlotWidget::windowChoice()
{
    PlotWidget widget;
    QCOMPARE(widget.window(), 60'000);
    auto *picker = widget.findChild<QComboBox *>(QStringLiteral("windowPicker"));
    QVERIFY(picker);
    QCOMPARE(picker->count(), PlotWidget::windowChoices().size());
    picker->setCurrentIndex(picker->findData(qint64(3'600'000)));
    QCOMPARE(widget.window(), 3'600'000);
    widget.setWindow(5 * 60'000);
    QCOMPARE(picker->currentData().toLongLong(), 5 * 60'000);
    QCOMPARE(widget.model().window(), 5 * 60'000);
    auto *time = qobject_cast<QDateTimeAxis *>(widget.chart()->axes(Qt::Horizontal).constFirst());
    QCOMPARE(time->max().toMSecsSinceEpoch() - time->min().toMSecsSinceEpoch(), 5 * 60'000);
}

QTEST_MAIN(TestPlotWidget)
#include "tst_plotwidget.moc"
