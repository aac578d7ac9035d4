// DeviceBoardModel: rows per device, connection state from connection events, last values
// per channel, counts, and one insert/one dataChanged per batch.
#include "events/deviceboardmodel.h"
#include "events/eventmodel.h"
#include "eventtestutil.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace drover::ui;
using drover::ui::test::connectionEvent;
using drover::ui::test::makeEvent;
using drover::ui::test::stateEvent;
using Connection = DeviceBoardModel::Connection;

namespace {

QJsonObject object(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestDeviceBoardModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rowsInOrderOfFirstAppearance();
    void connectionTransitions();
    void newestConnectionEventInABatchWins();
    void lastValuesPerChannel();
    void countsAndLastSeen();
    void oneSignalOfEachKindPerBatch();
    void sameDeviceInTwoApplications();
    void eventsWithoutDeviceHaveNoRow();
    void roles();
    void fedByEventModel();
    void clear();
};

void TestDeviceBoardModel::rowsInOrderOfFirstAppearance()
{
    DeviceBoardModel board;
    board.addEvents({stateEvent("device-2", 1), stateEvent("device-1", 2), stateEvent("device-2", 3)});
    board.addEvents({stateEvent("device-3", 4), stateEvent("device-1", 5)});
    QCOMPARE(board.rowCount(), 3);
    QCOMPARE(board.index(0, DeviceBoardModel::DeviceColumn).data().toString(), QStringLiteral("device-2"));
    QCOMPARE(board.index(1, DeviceBoardModel::DeviceColumn).data().toString(), QStringLiteral("device-1"));
    QCOMPARE(board.index(2, DeviceBoardModel::DeviceColumn).data().toString(), QStringLiteral("device-3"));
    QCOMPARE(board.rowOf("demo", "device-3"), 2);
    QCOMPARE(board.rowOf("demo", "device-9"), -1);
    QCOMPARE(board.rowOf("other", "device-1"), -1);
}

void TestDeviceBoardModel::connectionTransitions()
{
    DeviceBoardModel board;
    board.addEvents({stateEvent("device-1", 1)});
    const auto state = [&board] { return board.deviceAt(board.rowOf("demo", "device-1")).connection; };
    const auto text = [&board] {
        return board.index(0, DeviceBoardModel::ConnectionColumn).data().toString();
    };
    QCOMPARE(state(), Connection::Unknown);
    QCOMPARE(text(), QStringLiteral("unknown"));

    board.addEvents({connectionEvent("device-1", 2, true)});
    QCOMPARE(state(), Connection::Connected);
    QCOMPARE(text(), QStringLiteral("connected"));

    board.addEvents({stateEvent("device-1", 3)}); // telemetry does not change it
    QCOMPARE(state(), Connection::Connected);

    board.addEvents({connectionEvent("device-1", 4, false)});
    QCOMPARE(state(), Connection::Disconnected);
    QCOMPARE(text(), QStringLiteral("disconnected"));

    ReceivedEvent garbled = connectionEvent("device-1", 5, true);
    garbled.event.data = "{\"connected\":\"yes\"}";
    board.addEvents({garbled}); // not a boolean: ignored, not "unknown"
    QCOMPARE(state(), Connection::Disconnected);

    board.addEvents({connectionEvent("device-1", 6, true)});
    QCOMPARE(state(), Connection::Connected);
}

void TestDeviceBoardModel::newestConnectionEventInABatchWins()
{
    DeviceBoardModel board;
    board.addEvents({connectionEvent("device-1", 1, true), connectionEvent("device-2", 2, false),
                     connectionEvent("device-1", 3, false), stateEvent("device-1", 4),
                     connectionEvent("device-2", 5, true), connectionEvent("device-1", 6, true)});
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-1")).connection, Connection::Connected);
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-2")).connection, Connection::Connected);

    ReceivedEvent garbled = connectionEvent("device-1", 8, false);
    garbled.event.data = "not json";
    // The newest usable one decides: device-1's false, since the garbled one says nothing.
    board.addEvents({connectionEvent("device-1", 7, false), garbled});
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-1")).connection, Connection::Disconnected);
}

void TestDeviceBoardModel::lastValuesPerChannel()
{
    DeviceBoardModel board;
    board.addEvents(
        {stateEvent("device-1", 1, 20.0), stateEvent("device-1", 2, 21.53),
         makeEvent(
             "device-1", 3, "config",
             "{\"mode\":\"eco\",\"enabled\":true,\"limit\":null,\"nested\":{\"a\":1},\"list\":[1,2]}")});
    const DeviceBoardModel::Device &device = board.deviceAt(0);
    QCOMPARE(device.lastValues.size(), 2);
    QCOMPARE(device.lastValues.value(QStringLiteral("state")),
             object("{\"temperature\":21.53,\"humidity\":45.2,\"targetTemperature\":21.5,\"interval\":1,"
                    "\"sequence\":2}"));
    // Scalars only: nested objects and arrays are not "values".
    QCOMPARE(device.lastValues.value(QStringLiteral("config")),
             object("{\"mode\":\"eco\",\"enabled\":true,\"limit\":null}"));
    QCOMPARE(board.index(0, DeviceBoardModel::ValuesColumn).data().toString(),
             QStringLiteral(
                 "config: enabled=true limit=null mode=\"eco\"; "
                 "state: humidity=45.2 interval=1 sequence=2 targetTemperature=21.5 temperature=21.53"));

    // Data that is not a JSON object leaves a channel's values alone...
    board.addEvents({makeEvent("device-1", 4, "state", "21.7", "text/plain"),
                     makeEvent("device-1", 5, "state", QByteArray("\x00\x01", 2), "application/octet-stream"),
                     makeEvent("device-1", 6, "state", "{broken", "application/json")});
    QCOMPARE(
        board.deviceAt(0).lastValues.value(QStringLiteral("state")).value(QLatin1String("sequence")).toInt(),
        2);
    // ...a newer object replaces them all (fields it lacks are gone).
    board.addEvents({makeEvent("device-1", 7, "state", "{\"temperature\":19}")});
    QCOMPARE(board.deviceAt(0).lastValues.value(QStringLiteral("state")), object("{\"temperature\":19}"));
    QCOMPARE(board.deviceAt(0).lastValues.value(QStringLiteral("config")).size(), 3);

    // In one batch, the newest object per channel wins even when newer non-objects follow.
    board.addEvents({makeEvent("device-1", 8, "state", "{\"temperature\":18}"),
                     makeEvent("device-1", 9, "state", "{\"temperature\":17}"),
                     makeEvent("device-1", 10, "state", "[1,2,3]")});
    QCOMPARE(board.deviceAt(0).lastValues.value(QStringLiteral("state")), object("{\"temperature\":17}"));

    // Connection events are the connection column, not values.
    board.addEvents({connectionEvent("device-1", 11, true)});
    QVERIFY(!board.deviceAt(0).lastValues.contains(QStringLiteral("connection")));
}

void TestDeviceBoardModel::countsAndLastSeen()
{
    DeviceBoardModel board;
    QList<ReceivedEvent> batch;
    for (qint64 i = 0; i < 30; ++i)
        batch.append(stateEvent("device-" + QByteArray::number(i % 3 + 1), i));
    batch.append(connectionEvent("device-1", 30, true));
    board.addEvents(batch);
    board.addEvents({stateEvent("device-2", 31)});
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-1")).eventCount, 11);
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-2")).eventCount, 11);
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-3")).eventCount, 10);
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-1")).lastSeen, batch.last().received);
    QCOMPARE(board.deviceAt(board.rowOf("demo", "device-3")).lastSeen, batch.at(29).received);
    QCOMPARE(
        board.index(board.rowOf("demo", "device-2"), DeviceBoardModel::EventCountColumn).data().toLongLong(),
        11);
}

void TestDeviceBoardModel::oneSignalOfEachKindPerBatch()
{
    DeviceBoardModel board;
    QSignalSpy inserted(&board, &DeviceBoardModel::rowsInserted);
    QSignalSpy changed(&board, &DeviceBoardModel::dataChanged);
    QList<ReceivedEvent> batch;
    for (qint64 i = 0; i < 3000; ++i)
        batch.append(stateEvent("device-" + QByteArray::number(i % 5 + 1), i));
    board.addEvents(batch);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 4);
    QCOMPARE(changed.count(), 1);

    board.addEvents({stateEvent("device-2", 3000), stateEvent("device-4", 3001)});
    QCOMPARE(inserted.count(), 1); // no new device
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.last().at(0).toModelIndex(), board.index(1, 0));
    QCOMPARE(changed.last().at(1).toModelIndex(), board.index(3, DeviceBoardModel::ColumnCount - 1));

    board.addEvents({});
    QCOMPARE(changed.count(), 2);
}

void TestDeviceBoardModel::sameDeviceInTwoApplications()
{
    DeviceBoardModel board;
    ReceivedEvent other = stateEvent("device-1", 2);
    other.event.application = "lab";
    board.addEvents({stateEvent("device-1", 1), other});
    QCOMPARE(board.rowCount(), 2);
    QCOMPARE(board.rowOf("demo", "device-1"), 0);
    QCOMPARE(board.rowOf("lab", "device-1"), 1);
    QCOMPARE(board.index(1, 0).data(DeviceBoardModel::ApplicationRole).toString(), QStringLiteral("lab"));
}

void TestDeviceBoardModel::eventsWithoutDeviceHaveNoRow()
{
    DeviceBoardModel board;
    ReceivedEvent anonymous = stateEvent("", 1);
    QSignalSpy changed(&board, &DeviceBoardModel::dataChanged);
    board.addEvents({anonymous});
    QCOMPARE(board.rowCount(), 0);
    QCOMPARE(changed.count(), 0);
}

void TestDeviceBoardModel::roles()
{
    DeviceBoardModel board;
    const ReceivedEvent event = stateEvent("device-1", 1);
    board.addEvents({connectionEvent("device-1", 0, true), event});
    const QModelIndex index = board.index(0, DeviceBoardModel::LastSeenColumn);
    QCOMPARE(index.data(DeviceBoardModel::DeviceRole).toString(), QStringLiteral("device-1"));
    QCOMPARE(index.data(DeviceBoardModel::ConnectionRole).value<Connection>(), Connection::Connected);
    QCOMPARE(index.data(DeviceBoardModel::LastSeenRole).toDateTime(), event.received);
    QCOMPARE(index.data().toString(),
             event.received.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    QCOMPARE(index.data(DeviceBoardModel::EventCountRole).toLongLong(), 2);
    const QVariantMap values = index.data(DeviceBoardModel::LastValuesRole).toMap();
    QCOMPARE(values.keys(), QStringList{QStringLiteral("state")});
    QCOMPARE(values.value(QStringLiteral("state")).toMap().value(QStringLiteral("temperature")).toDouble(),
             21.53);
    QCOMPARE(board.headerData(DeviceBoardModel::ValuesColumn, Qt::Horizontal).toString(),
             QStringLiteral("Last values"));
}

void TestDeviceBoardModel::fedByEventModel()
{
    EventModel events;
    events.setFlushInterval(10);
    DeviceBoardModel board;
    connect(&events, &EventModel::batchAppended, &board, &DeviceBoardModel::addEvents);
    events.append(connectionEvent("device-1", 0, true));
    for (qint64 i = 1; i <= 100; ++i)
        events.append(stateEvent("device-" + QByteArray::number(i % 2 + 1), i, 20 + i / 10.0));
    QTRY_COMPARE(board.rowCount(), 2);
    QCOMPARE(board.deviceAt(0).eventCount, 51);
    QCOMPARE(board.deviceAt(0).connection, Connection::Connected);
    QCOMPARE(
        board.deviceAt(1).lastValues.value(QStringLiteral("state")).value(QLatin1String("sequence")).toInt(),
        99);

    events.pause(); // the board stays live while the table is paused
    events.append(connectionEvent("device-1", 101, false));
    QTRY_COMPARE(board.deviceAt(0).connection, Connection::Disconnected);
    QCOMPARE(events.rowCount(), 101);
}

void TestDeviceBoardModel::clear()
{
    DeviceBoardModel board;
    board.addEvents({stateEvent("device-1", 1)});
    QSignalSpy reset(&board, &DeviceBoardModel::modelReset);
    board.clear();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(board.rowCount(), 0);
    QCOMPARE(board.rowOf("demo", "device-1"), -1);
    board.addEvents({stateEvent("device-2", 2)});
    QCOMPARE(board.rowOf("demo", "device-2"), 0);
}

QTEST_GUILESS_MAIN(TestDeviceBoardModel)
#include "tst_deviceboardmodel.moc"
