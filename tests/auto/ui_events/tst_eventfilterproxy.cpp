// EventFilterProxy: device, channel and text filters alone and combined, over a few thousand
// events, on rows that arrive and leave, and over a model that is not an EventModel.
#include "events/eventfilterproxy.h"
#include "events/eventmodel.h"
#include "eventtestutil.h"

#include <QElapsedTimer>
#include <QSortFilterProxyModel>
#include <QTest>
#include <functional>

using namespace drover::ui;
using drover::ui::test::connectionEvent;
using drover::ui::test::makeEvent;
using drover::ui::test::stateEvent;

namespace {

using Predicate = std::function<bool(const ReceivedEvent &)>;

// Event i: device-(i%4+1); every 10th a connection event, every 7th on channel "Config"
// with a text payload; the rest state events whose temperature is 20 + i%10.
ReceivedEvent mixedEvent(qint64 i)
{
    const QByteArray device = "device-" + QByteArray::number(i % 4 + 1);
    if (i % 10 == 0)
        return connectionEvent(device, i, i % 20 == 0);
    if (i % 7 == 0)
        return makeEvent(device, i, "Config", "Mode=ECO line " + QByteArray::number(i), "text/plain");
    return stateEvent(device, i, 20 + i % 10);
}

QList<ReceivedEvent> mixedEvents(qint64 count)
{
    QList<ReceivedEvent> events;
    for (qint64 i = 0; i < count; ++i)
        events.append(mixedEvent(i));
    return events;
}

// The proxy shows exactly the events of `all` that match, in order.
bool showsExactly(const QAbstractItemModel &proxy, const QList<ReceivedEvent> &all, const Predicate &match)
{
    QList<QByteArray> expected;
    for (const ReceivedEvent &event : all) {
        if (match(event))
            expected.append(event.event.id);
    }
    QList<QByteArray> shown;
    for (int row = 0; row < proxy.rowCount(); ++row)
        shown.append(proxy.index(row, 0).data(EventModel::EventRole).value<ReceivedEvent>().event.id);
    if (shown != expected)
        qWarning("shows %lld rows, expected %lld", qlonglong(shown.size()), qlonglong(expected.size()));
    return shown == expected;
}

bool contains(const QByteArray &haystack, const char *needle)
{
    return haystack.toLower().contains(QByteArray(needle).toLower());
}

} // namespace

class TestEventFilterProxy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void noFilterShowsAll();
    void filters_data();
    void filters();
    void clearingFiltersShowsAllAgain();
    void arrivalsAreFiltered();
    void evictionsLeaveTheProxy();
    void overAnotherProxy();
    void hundredThousandRows();

private:
    EventModel *m_model = nullptr;
    EventFilterProxy *m_proxy = nullptr;
    QList<ReceivedEvent> m_events;
};

void TestEventFilterProxy::init()
{
    m_model = new EventModel(this);
    m_proxy = new EventFilterProxy(this);
    m_proxy->setSourceModel(m_model);
    m_events = mixedEvents(3000);
    for (const ReceivedEvent &event : std::as_const(m_events))
        m_model->append(event);
    m_model->flush();
}

void TestEventFilterProxy::cleanup()
{
    delete m_proxy;
    delete m_model;
}

void TestEventFilterProxy::noFilterShowsAll()
{
    QVERIFY(!m_proxy->isFiltering());
    QCOMPARE(m_proxy->rowCount(), 3000);
}

void TestEventFilterProxy::filters_data()
{
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("channel");
    QTest::addColumn<QString>("text");
    QTest::addColumn<Predicate>("match");

    const auto device = [](const ReceivedEvent &e) { return e.event.device == "device-2"; };
    const auto state = [](const ReceivedEvent &e) { return e.event.subject == "state"; };
    QTest::newRow("device") << QStringLiteral("device-2") << QString() << QString() << Predicate(device);
    QTest::newRow("unknown device") << QStringLiteral("device-9") << QString() << QString()
                                    << Predicate([](const ReceivedEvent &) { return false; });
    QTest::newRow("device is exact") << QStringLiteral("device") << QString() << QString()
                                     << Predicate([](const ReceivedEvent &) { return false; });
    QTest::newRow("channel") << QString() << QStringLiteral("state") << QString() << Predicate(state);
    QTest::newRow("channel is case-sensitive") << QString() << QStringLiteral("config") << QString()
                                               << Predicate([](const ReceivedEvent &) { return false; });
    QTest::newRow("device and channel")
        << QStringLiteral("device-2") << QStringLiteral("Config") << QString()
        << Predicate([](const ReceivedEvent &e) {
               return e.event.device == "device-2" && e.event.subject == "Config";
           });
    QTest::newRow("text in data, any case")
        << QString() << QString() << QStringLiteral("TEMPERATURE\":27")
        << Predicate([](const ReceivedEvent &e) { return contains(e.event.data, "temperature\":27"); });
    QTest::newRow("text in device") << QString() << QString() << QStringLiteral("Device-3")
                                    << Predicate([](const ReceivedEvent &e) {
                                           return e.event.device == "device-3";
                                       });
    QTest::newRow("text in type") << QString() << QString() << QStringLiteral("drogue.connection")
                                  << Predicate([](const ReceivedEvent &e) { return e.isConnectionEvent(); });
    QTest::newRow("text in channel and data")
        << QString() << QString() << QStringLiteral("eco")
        << Predicate([](const ReceivedEvent &e) { return e.event.subject == "Config"; });
    QTest::newRow("text matches nothing") << QString() << QString() << QStringLiteral("no such thing")
                                          << Predicate([](const ReceivedEvent &) { return false; });
    QTest::newRow("all three") << QStringLiteral("device-1") << QStringLiteral("state")
                               << QStringLiteral("\"temperature\":2")
                               << Predicate([](const ReceivedEvent &e) {
                                      return e.event.device == "device-1" && e.event.subject == "state";
                                  });
    QTest::newRow("all three, narrow")
        << QStringLiteral("device-1") << QStringLiteral("state") << QStringLiteral("sequence\":2004}")
        << Predicate([](const ReceivedEvent &e) { return e.event.id == "id-2004"; });
}

void TestEventFilterProxy::filters()
{
    QFETCH(QString, device);
    QFETCH(QString, channel);
    QFETCH(QString, text);
    QFETCH(Predicate, match);
    m_proxy->setDevice(device);
    m_proxy->setChannel(channel);
    m_proxy->setText(text);
    QVERIFY(m_proxy->isFiltering());
    QVERIFY(showsExactly(*m_proxy, m_events, match));
}

void TestEventFilterProxy::clearingFiltersShowsAllAgain()
{
    m_proxy->setDevice(QStringLiteral("device-1"));
    QCOMPARE(m_proxy->rowCount(), 750);
    m_proxy->setText(QStringLiteral("connected\":true"));
    QVERIFY(showsExactly(*m_proxy, m_events, [](const ReceivedEvent &e) {
        return e.event.device == "device-1" && e.event.data == "{\"connected\":true}";
    }));
    m_proxy->setText({});
    QCOMPARE(m_proxy->rowCount(), 750);
    m_proxy->setDevice({});
    QVERIFY(!m_proxy->isFiltering());
    QCOMPARE(m_proxy->rowCount(), 3000);
}

void TestEventFilterProxy::arrivalsAreFiltered()
{
    m_proxy->setDevice(QStringLiteral("device-4"));
    m_proxy->setChannel(QStringLiteral("state"));
    const QList<ReceivedEvent> more = [] {
        QList<ReceivedEvent> events;
        for (qint64 i = 3000; i < 4000; ++i)
            events.append(mixedEvent(i));
        return events;
    }();
    for (const ReceivedEvent &event : more)
        m_model->append(event);
    m_model->flush();
    QVERIFY(showsExactly(*m_proxy, m_events + more, [](const ReceivedEvent &e) {
        return e.event.device == "device-4" && e.event.subject == "state";
    }));
}

void TestEventFilterProxy::evictionsLeaveTheProxy()
{
    m_model->setCapacity(3000);
    m_proxy->setText(QStringLiteral("device-1"));
    QList<ReceivedEvent> all = m_events;
    for (qint64 i = 3000; i < 4500; ++i) {
        all.append(mixedEvent(i));
        m_model->append(all.last());
    }
    m_model->flush();
    QCOMPARE(m_model->counters().evicted, 1500);
    QVERIFY(showsExactly(*m_proxy, all.mid(1500),
                         [](const ReceivedEvent &e) { return e.event.device == "device-1"; }));
}

void TestEventFilterProxy::overAnotherProxy()
{
    // Not an EventModel underneath: the roles give the same answers.
    QSortFilterProxyModel middle;
    middle.setSourceModel(m_model);
    EventFilterProxy proxy;
    proxy.setSourceModel(&middle);
    proxy.setDevice(QStringLiteral("device-3"));
    proxy.setChannel(QStringLiteral("Config"));
    QVERIFY(showsExactly(proxy, m_events, [](const ReceivedEvent &e) {
        return e.event.device == "device-3" && e.event.subject == "Config";
    }));
    proxy.setDevice({});
    proxy.setChannel({});
    proxy.setText(QStringLiteral("MODE=eco LINE 14"));
    QVERIFY(showsExactly(proxy, m_events,
                         [](const ReceivedEvent &e) { return e.event.data.startsWith("Mode=ECO line 14"); }));
}

void TestEventFilterProxy::hundredThousandRows()
{
    // Not a benchmark: reports what a filter pass costs, asserts only the result.
    EventModel model;
    for (qint64 i = 0; i < 100000; ++i)
        model.append(mixedEvent(i));
    model.flush();
    EventFilterProxy proxy;
    proxy.setSourceModel(&model);
    // The proxy maps lazily: rowCount() is what runs a pass.
    QElapsedTimer clock;
    clock.start();
    proxy.setText(QStringLiteral("sequence\":99999}"));
    QCOMPARE(proxy.rowCount(), 1);
    const qint64 firstPass = clock.restart();
    proxy.setText(QStringLiteral("SEQUENCE\":9999}"));
    QCOMPARE(proxy.rowCount(), 1);
    const qint64 secondPass = clock.restart();
    proxy.setText({});
    proxy.setDevice(QStringLiteral("device-2"));
    QCOMPARE(proxy.rowCount(), 25000);
    const qint64 devicePass = clock.elapsed();
    qInfo("100000 rows: first text pass %lld ms (builds the haystacks), second %lld ms, device %lld ms",
          qlonglong(firstPass), qlonglong(secondPass), qlonglong(devicePass));
}

QTEST_GUILESS_MAIN(TestEventFilterProxy)
#include "tst_eventfilterproxy.moc"
