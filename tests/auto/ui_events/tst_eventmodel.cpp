// EventModel: batched flushes (one insert/remove per flush), the bound, pause, clear, the
// counters that account for every event, the rate, and the cells.
#include "events/eventformatter.h"
#include "events/eventmodel.h"
#include "eventtestutil.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

using namespace drover::ui;
using drover::ui::test::connectionEvent;
using drover::ui::test::makeEvent;
using drover::ui::test::stateEvent;

namespace {

QByteArray idOf(qint64 sequence)
{
    return "id-" + QByteArray::number(sequence);
}

void feed(EventModel &model, qint64 first, qint64 count)
{
    for (qint64 i = first; i < first + count; ++i)
        model.append(stateEvent("device-" + QByteArray::number(i % 3 + 1), i));
}

// Every received event is somewhere: a row, waiting, or counted as gone.
bool accountsForEverything(const EventModel &model)
{
    const EventModel::Counters c = model.counters();
    const qint64 sum =
        model.rowCount() + c.pending + c.backlog + c.evicted + c.discardedWhilePaused + c.cleared;
    if (sum != c.received)
        qWarning("received %lld, accounted for %lld", qlonglong(c.received), qlonglong(sum));
    return sum == c.received;
}

// (first, last) of each rowsInserted/rowsRemoved.
QList<std::pair<int, int>> ranges(const QSignalSpy &spy)
{
    QList<std::pair<int, int>> out;
    for (const QList<QVariant> &args : spy)
        out.append({args.at(1).toInt(), args.at(2).toInt()});
    return out;
}

} // namespace

class TestEventModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void appendOnlyQueues();
    void oneInsertPerFlush();
    void timerFlushesEachBatchOnce();
    void boundEvictsWithOneRemovePerFlush();
    void batchLargerThanCapacity();
    void shrinkingCapacityRemovesOldest();
    void pauseKeepsRowsAndBuffers();
    void pauseBacklogIsBoundedAndCounted();
    void clearCountsEverything();
    void countersChangedAtMostOncePerFlush();
    void rateOverSlidingWindow();
    void cells();
    void previewIsCached();
    void eventRole();
    void hundredThousandEventsFewSignals();
};

void TestEventModel::appendOnlyQueues()
{
    EventModel model;
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QSignalSpy counters(&model, &EventModel::countersChanged);
    feed(model, 0, 10);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(counters.count(), 0);
    QCOMPARE(model.counters().received, 10);
    QCOMPARE(model.counters().pending, 10);
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::oneInsertPerFlush()
{
    EventModel model;
    model.setFlushInterval(20);
    QSignalSpy aboutToInsert(&model, &EventModel::rowsAboutToBeInserted);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QSignalSpy batches(&model, &EventModel::batchAppended);
    feed(model, 0, 5000);
    QTRY_COMPARE(model.rowCount(), 5000);
    QCOMPARE(aboutToInsert.count(), 1);
    QCOMPARE(ranges(inserted), (QList<std::pair<int, int>>{{0, 4999}}));
    QCOMPARE(batches.count(), 1);
    QCOMPARE(batches.at(0).at(0).value<QList<ReceivedEvent>>().size(), 5000);
    QCOMPARE(model.eventAt(0).event.id, idOf(0));
    QCOMPARE(model.eventAt(4999).event.id, idOf(4999));
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::timerFlushesEachBatchOnce()
{
    EventModel model;
    model.setFlushInterval(10);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QSignalSpy batches(&model, &EventModel::batchAppended);
    for (int batch = 0; batch < 4; ++batch) {
        feed(model, batch * 100, 100);
        QTRY_COMPARE(model.rowCount(), (batch + 1) * 100);
        QCOMPARE(inserted.count(), batch + 1);
        QCOMPARE(ranges(inserted).last(), std::make_pair(batch * 100, batch * 100 + 99));
    }
    QCOMPARE(batches.count(), 4);
}

void TestEventModel::boundEvictsWithOneRemovePerFlush()
{
    EventModel model;
    model.setCapacity(1000);
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);

    feed(model, 0, 900);
    model.flush();
    QCOMPARE(removed.count(), 0);

    feed(model, 900, 300); // 200 of the old rows must go
    model.flush();
    QCOMPARE(ranges(removed), (QList<std::pair<int, int>>{{0, 199}}));
    QCOMPARE(ranges(inserted), (QList<std::pair<int, int>>{{0, 899}, {700, 999}}));
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(model.counters().evicted, 200);
    QCOMPARE(model.eventAt(0).event.id, idOf(200));
    QCOMPARE(model.eventAt(999).event.id, idOf(1199));
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::batchLargerThanCapacity()
{
    // The brief's ring case through the model: capacity 1000, 2500 events.
    EventModel model;
    model.setCapacity(1000);
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    feed(model, 0, 2500);
    model.flush();
    QCOMPARE(model.rowCount(), 1000);
    QCOMPARE(model.counters().evicted, 1500);
    QCOMPARE(removed.count(), 0); // nothing was shown, so nothing is removed
    QCOMPARE(ranges(inserted), (QList<std::pair<int, int>>{{0, 999}}));
    for (int row = 0; row < 1000; ++row)
        QCOMPARE(model.eventAt(row).event.id, idOf(1500 + row));

    feed(model, 2500, 2500); // again, over full rows: all 1000 replaced
    model.flush();
    QCOMPARE(ranges(removed), (QList<std::pair<int, int>>{{0, 999}}));
    QCOMPARE(ranges(inserted).last(), std::make_pair(0, 999));
    QCOMPARE(model.eventAt(0).event.id, idOf(4000));
    QCOMPARE(model.counters().evicted, 4000);
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::shrinkingCapacityRemovesOldest()
{
    EventModel model;
    feed(model, 0, 50);
    model.flush();
    QSignalSpy removed(&model, &EventModel::rowsRemoved);
    model.setCapacity(20);
    QCOMPARE(ranges(removed), (QList<std::pair<int, int>>{{0, 29}}));
    QCOMPARE(model.rowCount(), 20);
    QCOMPARE(model.eventAt(0).event.id, idOf(30));
    QCOMPARE(model.counters().evicted, 30);
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::pauseKeepsRowsAndBuffers()
{
    EventModel model;
    QSignalSpy paused(&model, &EventModel::pausedChanged);
    QSignalSpy inserted(&model, &EventModel::rowsInserted);
    QSignalSpy batches(&model, &EventModel::batchAppended);
    feed(model, 0, 10);
    model.pause(); // flushes what came before
    QVERIFY(model.isPaused());
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(paused.count(), 1);

    feed(model, 10, 50);
    model.flush();
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.counters().backlog, 50);
    QCOMPARE(batches.count(), 2); // the device board still gets them
    QCOMPARE(batches.at(1).at(0).value<QList<ReceivedEvent>>().size(), 50);
    QVERIFY(accountsForEverything(model));

    feed(model, 60, 5); // pending at resume: joins the backlog's insert
    model.resume();
    QVERIFY(!model.isPaused());
    QCOMPARE(paused.count(), 2);
    QCOMPARE(model.rowCount(), 65);
    QCOMPARE(ranges(inserted).last(), std::make_pair(10, 64));
    QCOMPARE(batches.count(), 3);
    QCOMPARE(batches.at(2).at(0).value<QList<ReceivedEvent>>().size(), 5); // each event handed on once
    for (int row = 0; row < 65; ++row)
        QCOMPARE(model.eventAt(row).event.id, idOf(row));
    QCOMPARE(model.counters().backlog, 0);
    QCOMPARE(model.counters().discardedWhilePaused, 0);
    QVERIFY(accountsForEverything(model));

    model.resume(); // not paused: nothing happens
    QCOMPARE(paused.count(), 2);
}

void TestEventModel::pauseBacklogIsBoundedAndCounted()
{
    EventModel model;
    model.setCapacity(100);
    feed(model, 0, 100);
    model.pause();
    feed(model, 100, 250);
    model.flush();
    EventModel::Counters c = model.counters();
    QCOMPARE(c.backlog, 100);
    QCOMPARE(c.discardedWhilePaused, 150);
    QCOMPARE(model.eventAt(0).event.id, idOf(0)); // rows frozen
    QVERIFY(accountsForEverything(model));

    model.resume(); // as if never paused: the newest 100
    c = model.counters();
    QCOMPARE(model.rowCount(), 100);
    QCOMPARE(model.eventAt(0).event.id, idOf(250));
    QCOMPARE(model.eventAt(99).event.id, idOf(349));
    QCOMPARE(c.evicted, 100);
    QCOMPARE(c.discardedWhilePaused, 150);
    QVERIFY(accountsForEverything(model));

    // Shrinking while paused trims the backlog too, counted as discarded.
    model.pause();
    feed(model, 350, 40);
    model.flush();
    model.setCapacity(30);
    c = model.counters();
    QCOMPARE(c.backlog, 30);
    QCOMPARE(c.discardedWhilePaused, 160);
    QCOMPARE(model.rowCount(), 30);
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::clearCountsEverything()
{
    EventModel model;
    feed(model, 0, 30);
    model.flush();
    model.pause();
    feed(model, 30, 20);
    model.flush();      // 20 in the backlog
    feed(model, 50, 5); // 5 pending
    QSignalSpy reset(&model, &EventModel::modelReset);
    QSignalSpy batches(&model, &EventModel::batchAppended);
    QSignalSpy counters(&model, &EventModel::countersChanged);
    model.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    const EventModel::Counters c = model.counters();
    QCOMPARE(c.cleared, 55);
    QCOMPARE(c.backlog, 0);
    QCOMPARE(c.pending, 0);
    QCOMPARE(c.received, 55);
    QCOMPARE(batches.count(), 1); // the pending ones were still handed on
    QCOMPARE(counters.count(), 1);
    QVERIFY(accountsForEverything(model));

    model.resume();
    QCOMPARE(model.rowCount(), 0); // the backlog is gone for good
    feed(model, 55, 3);
    model.flush();
    QCOMPARE(model.eventAt(0).event.id, idOf(55));
    QVERIFY(accountsForEverything(model));
}

void TestEventModel::countersChangedAtMostOncePerFlush()
{
    EventModel model;
    model.setFlushInterval(1000000); // flushes by hand only
    model.setRateWindow(1000000);    // and a rate that does not move between them
    QSignalSpy counters(&model, &EventModel::countersChanged);
    feed(model, 0, 1000);
    QCOMPARE(counters.count(), 0);
    model.flush();
    QCOMPARE(counters.count(), 1);
    model.flush(); // nothing changed
    QCOMPARE(counters.count(), 1);
    feed(model, 1000, 1000);
    model.flush();
    QCOMPARE(counters.count(), 2);
}

void TestEventModel::rateOverSlidingWindow()
{
    EventModel model;
    model.setRateWindow(200);
    model.setFlushInterval(20);
    QSignalSpy counters(&model, &EventModel::countersChanged);
    feed(model, 0, 100);
    model.flush();
    QCOMPARE(model.counters().eventsPerSecond, 100 * 1000.0 / 200); // 100 events in a 200 ms window
    // The timer keeps flushing until the window has slid past them.
    QTRY_COMPARE(model.counters().eventsPerSecond, 0.0);
    QVERIFY(counters.count() >= 2);
}

void TestEventModel::cells()
{
    EventModel model;
    ReceivedEvent state = stateEvent("device-1", 12);
    state.event.data = "{ \"temperature\": 21.53,\n  \"humidity\": 45.2 }";
    state.size = 118;
    model.append(state);
    model.append(connectionEvent("device-2", 13, true));
    ReceivedEvent other =
        makeEvent("device-3", 14, "raw", QByteArray(3000, '\x01'), "application/octet-stream");
    other.event.type = "com.example.custom";
    other.size = 3000;
    model.append(other);
    model.flush();

    QCOMPARE(model.columnCount(), int(EventModel::ColumnCount));
    const auto cell = [&model](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(cell(0, EventModel::TimeColumn),
             state.event.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
    QVERIFY(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.012$"))
                .match(cell(0, EventModel::TimeColumn))
                .hasMatch());
    QCOMPARE(cell(0, EventModel::DeviceColumn), QStringLiteral("device-1"));
    QCOMPARE(cell(0, EventModel::ChannelColumn), QStringLiteral("state"));
    QCOMPARE(cell(0, EventModel::TypeColumn), QStringLiteral("event"));
    QCOMPARE(cell(0, EventModel::SizeColumn), QStringLiteral("118 B"));
    QCOMPARE(cell(0, EventModel::DataColumn), QStringLiteral("{\"temperature\":21.53,\"humidity\":45.2}"));
    QCOMPARE(cell(1, EventModel::TypeColumn), QStringLiteral("connection"));
    QCOMPARE(cell(1, EventModel::ChannelColumn), QStringLiteral("connection"));
    QCOMPARE(cell(1, EventModel::DataColumn), QStringLiteral("{\"connected\":true}"));
    QCOMPARE(cell(2, EventModel::TypeColumn), QStringLiteral("com.example.custom"));
    QCOMPARE(cell(2, EventModel::SizeColumn), QStringLiteral("2.9 KiB"));
    QCOMPARE(cell(2, EventModel::DataColumn), QStringLiteral("<3000 bytes binary>"));

    QCOMPARE(model.headerData(EventModel::DataColumn, Qt::Horizontal).toString(), QStringLiteral("Data"));
    QCOMPARE(model.index(0, EventModel::SizeColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
             Qt::AlignRight | Qt::AlignVCenter);
    QCOMPARE(model.index(0, 0).data(EventModel::SearchTextRole).toString(),
             EventFormatter::searchText(state));
}

void TestEventModel::previewIsCached()
{
    EventModel model;
    model.append(stateEvent("device-1", 1));
    model.flush();
    const QString first = model.index(0, EventModel::DataColumn).data().toString();
    const QString second = model.index(0, EventModel::DataColumn).data().toString();
    QCOMPARE(first, second);
    QVERIFY(first.constData() == second.constData()); // the same cached string, not a new one
    QVERIFY(model.searchTextAt(0).constData() == model.searchTextAt(0).constData());
}

void TestEventModel::eventRole()
{
    EventModel model;
    const ReceivedEvent event = stateEvent("device-1", 7);
    model.append(event);
    model.flush();
    for (int column = 0; column < EventModel::ColumnCount; ++column)
        QCOMPARE(model.index(0, column).data(EventModel::EventRole).value<ReceivedEvent>(), event);
    QVERIFY(!model.index(1, 0).data(EventModel::EventRole).isValid());
}

void TestEventModel::hundredThousandEventsFewSignals()
{
    EventModel model;
    int signalsSeen = 0;
    const auto count = [&signalsSeen] { ++signalsSeen; };
    connect(&model, &EventModel::rowsInserted, this, count);
    connect(&model, &EventModel::rowsRemoved, this, count);
    connect(&model, &EventModel::dataChanged, this, count);
    connect(&model, &EventModel::modelReset, this, count);
    connect(&model, &EventModel::layoutChanged, this, count);
    connect(&model, &EventModel::countersChanged, this, count);
    connect(&model, &EventModel::batchAppended, this, count);

    QElapsedTimer clock;
    clock.start();
    // 10 000 a "second" for 10 rounds, the event loop running in between, as in the console.
    for (int round = 0; round < 10; ++round) {
        feed(model, round * 10000, 10000);
        QTest::qWait(1);
    }
    QTRY_COMPARE(model.rowCount(), 100000);
    const qint64 ms = clock.elapsed();
    qInfo("100000 events appended and flushed in %lld ms with %d model signals", qlonglong(ms), signalsSeen);
    QVERIFY2(signalsSeen < 1000, qPrintable(QString::number(signalsSeen)));
    QCOMPARE(model.counters().evicted, 0);
    QVERIFY(accountsForEverything(model));
}

QTEST_GUILESS_MAIN(TestEventModel)
#include "tst_eventmodel.moc"
