// EventRing: the bound, eviction order and counts, and the cached texts that travel with events.
#include "events/eventring.h"
#include "eventtestutil.h"

#include <QTest>

using namespace drover::ui;
using drover::ui::test::stateEvent;

namespace {

QByteArray idOf(qint64 sequence)
{
    return "id-" + QByteArray::number(sequence);
}

// Rows hold the events first..first+count-1, in order.
bool holds(const EventRing &ring, qint64 first, qsizetype count)
{
    if (ring.size() != count)
        return false;
    for (qsizetype row = 0; row < count; ++row) {
        if (ring.at(row).event.id != idOf(first + row)) {
            qWarning("row %lld holds %s, expected %s", qlonglong(row), ring.at(row).event.id.constData(),
                     idOf(first + row).constData());
            return false;
        }
    }
    return true;
}

} // namespace

class TestEventRing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultCapacity();
    void boundEvictsOldestFirst();
    void appendReportsEviction();
    void evictOldestThenAppend();
    void evictOldestOfFullRing();
    void setCapacityKeepsNewest();
    void clearKeepsEvictedCount();
    void textsLeaveWithTheirEvent();
};

void TestEventRing::defaultCapacity()
{
    EventRing ring;
    QCOMPARE(ring.capacity(), 100000);
    QVERIFY(ring.isEmpty());
    QCOMPARE(ring.evicted(), 0);
    QCOMPARE(EventRing(0).capacity(), 1); // at least one slot
}

void TestEventRing::boundEvictsOldestFirst()
{
    EventRing ring(1000);
    for (qint64 i = 0; i < 2500; ++i)
        ring.append(stateEvent("device-1", i));
    QCOMPARE(ring.size(), 1000);
    QCOMPARE(ring.evicted(), 1500);
    QVERIFY(holds(ring, 1500, 1000)); // the oldest 1500 are gone, the rest in arrival order
}

void TestEventRing::appendReportsEviction()
{
    EventRing ring(3);
    QVERIFY(!ring.append(stateEvent("d", 0)));
    QVERIFY(!ring.append(stateEvent("d", 1)));
    QVERIFY(!ring.append(stateEvent("d", 2)));
    QVERIFY(ring.append(stateEvent("d", 3)));
    QVERIFY(holds(ring, 1, 3));
    QCOMPARE(ring.evicted(), 1);
}

void TestEventRing::evictOldestThenAppend()
{
    // A ring that never filled: eviction moves the head, appends still grow the storage.
    EventRing ring(5);
    for (qint64 i = 0; i < 3; ++i)
        ring.append(stateEvent("d", i));
    ring.evictOldest(2);
    QVERIFY(holds(ring, 2, 1));
    QCOMPARE(ring.evicted(), 2);
    for (qint64 i = 3; i < 7; ++i)
        QVERIFY(!ring.append(stateEvent("d", i)));
    QVERIFY(holds(ring, 2, 5));
    QVERIFY(ring.append(stateEvent("d", 7)));
    QVERIFY(holds(ring, 3, 5));
    QCOMPARE(ring.evicted(), 3);

    ring.evictOldest(10); // more than it holds: all of them
    QVERIFY(ring.isEmpty());
    QCOMPARE(ring.evicted(), 8);
    ring.evictOldest(-1);
    QCOMPARE(ring.evicted(), 8);
}

void TestEventRing::evictOldestOfFullRing()
{
    // Full and wrapped: freed slots are reused in place.
    EventRing ring(4);
    for (qint64 i = 0; i < 6; ++i)
        ring.append(stateEvent("d", i));
    ring.evictOldest(3);
    QVERIFY(holds(ring, 5, 1));
    for (qint64 i = 6; i < 9; ++i)
        QVERIFY(!ring.append(stateEvent("d", i)));
    QVERIFY(holds(ring, 5, 4));
    QCOMPARE(ring.evicted(), 5);
}

void TestEventRing::setCapacityKeepsNewest()
{
    EventRing ring(10);
    for (qint64 i = 0; i < 14; ++i) // wrapped
        ring.append(stateEvent("d", i));
    QCOMPARE(ring.setCapacity(6), 4);
    QCOMPARE(ring.capacity(), 6);
    QVERIFY(holds(ring, 8, 6));
    QCOMPARE(ring.evicted(), 4 + 4);

    QCOMPARE(ring.setCapacity(8), 0); // growing keeps everything and has room again
    QVERIFY(!ring.append(stateEvent("d", 14)));
    QVERIFY(!ring.append(stateEvent("d", 15)));
    QVERIFY(ring.append(stateEvent("d", 16)));
    QVERIFY(holds(ring, 9, 8));
}

void TestEventRing::clearKeepsEvictedCount()
{
    EventRing ring(2);
    for (qint64 i = 0; i < 5; ++i)
        ring.append(stateEvent("d", i));
    ring.clear();
    QVERIFY(ring.isEmpty());
    QCOMPARE(ring.evicted(), 3);
    ring.append(stateEvent("d", 5));
    QVERIFY(holds(ring, 5, 1));
}

void TestEventRing::textsLeaveWithTheirEvent()
{
    EventRing ring(2);
    ring.append(stateEvent("d", 0));
    ring.append(stateEvent("d", 1));
    ring.texts(0).preview = QStringLiteral("zero");
    ring.texts(1).preview = QStringLiteral("one");
    ring.append(stateEvent("d", 2)); // overwrites the slot of event 0
    QCOMPARE(ring.texts(0).preview, QStringLiteral("one"));
    QVERIFY(ring.texts(1).preview.isNull());
}

QTEST_GUILESS_MAIN(TestEventRing)
#include "tst_eventring.moc"
