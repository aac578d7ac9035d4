// CommandHistory and CommandTemplates: bounds, ids, outcomes, persistence in QSettings
// (an INI file in a temporary directory) and what "send again" takes from an entry.
#include "commands/commandhistory.h"
#include "commands/commandtemplates.h"

#include <QFileInfo>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace drover::ui;
using drover::client::PublishOutcome;
using drover::mqtt::QoS;
using drover::mqtt::ReasonCode;

namespace {

CommandRequest request(const QString &device, const QString &command, const QString &payload = QString(),
                       QoS qos = QoS::AtLeastOnce)
{
    CommandRequest r;
    r.application = QStringLiteral("demo");
    r.device = device;
    r.command = command;
    r.payload = payload;
    r.qos = qos;
    return r;
}

} // namespace

class TestCommandStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void historyAddAndOutcome();
    void historyBound();
    void historyPersistence();
    void historyPendingAfterRestart();
    void historyLargePayload();
    void historyStoredSizeBound();
    void historySendAgain();
    void historyModel();
    void historyClear();
    void templatesSaveRenameRemove();
    void templatesPersistence();

private:
    std::unique_ptr<QSettings> settings();
    QTemporaryDir m_dir;
    int m_run = 0;
};

std::unique_ptr<QSettings> TestCommandStore::settings()
{
    return std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("console-%1.ini").arg(m_run)),
                                       QSettings::IniFormat);
}

void TestCommandStore::init()
{
    QVERIFY(m_dir.isValid());
    ++m_run; // a fresh settings file per test
}

void TestCommandStore::historyAddAndOutcome()
{
    CommandHistory history;
    QSignalSpy inserted(&history, &QAbstractItemModel::rowsInserted);
    const QDateTime t0 = QDateTime(QDate(2026, 11, 25), QTime(12, 0), Qt::UTC);
    const quint64 a = history.add(request(QStringLiteral("device-1"), QStringLiteral("a")), t0);
    const quint64 b = history.add(request(QStringLiteral("device-2"), QStringLiteral("b")), t0.addSecs(1));
    QCOMPARE(inserted.count(), 2);
    QVERIFY(a != 0 && b != 0 && a != b);
    QCOMPARE(history.count(), 2);
    QCOMPARE(history.at(0).request.id, b); // newest first
    QCOMPARE(history.at(0).request.command, QStringLiteral("b"));
    QCOMPARE(history.at(1).time, t0);
    QVERIFY(history.at(0).outcome.isPending());

    QSignalSpy changed(&history, &QAbstractItemModel::dataChanged);
    const CommandOutcome refused =
        CommandOutcome::describe({false, ReasonCode::NotAuthorized, QStringLiteral("no")}, QoS::AtLeastOnce);
    QVERIFY(history.setOutcome(a, refused));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(history.entry(a)->outcome, refused);
    QVERIFY(!history.setOutcome(12345, refused));
}

void TestCommandStore::historyBound()
{
    CommandHistory history;
    history.setLimit(10);
    quint64 last = 0;
    for (int i = 0; i < 25; ++i)
        last = history.add(request(QStringLiteral("d"), QStringLiteral("c%1").arg(i)));
    QCOMPARE(history.count(), 10);
    QCOMPARE(history.rowCount(), 10);
    QCOMPARE(history.at(0).request.id, last);
    QCOMPARE(history.at(0).request.command, QStringLiteral("c24"));
    QCOMPARE(history.at(9).request.command, QStringLiteral("c15")); // the oldest went
    history.setLimit(3);
    QCOMPARE(history.count(), 3);
    QCOMPARE(history.at(2).request.command, QStringLiteral("c22"));
    QCOMPARE(CommandHistory::DefaultLimit, 500);
    QCOMPARE(CommandHistory().limit(), 500);
}

void TestCommandStore::historyPersistence()
{
    const auto store = settings();
    quint64 first = 0;
    quint64 second = 0;
    const QDateTime t0 = QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 250), Qt::UTC);
    const CommandOutcome delivered =
        CommandOutcome::describe({true, ReasonCode::Success, {}}, QoS::AtLeastOnce);
    const CommandOutcome full = CommandOutcome::describe(
        {false, ReasonCode::QuotaExceeded, QStringLiteral("10 queued")}, QoS::AtLeastOnce);
    {
        CommandHistory history(store.get(), QStringLiteral("test/history"));
        first = history.add(request(QStringLiteral("device-1"), QStringLiteral("setTemperature"),
                                    QStringLiteral("{\"value\": 25}")),
                            t0);
        second = history.add(
            request(QStringLiteral("device-2"), QStringLiteral("blink"), QString(), QoS::ExactlyOnce),
            t0.addSecs(5));
        history.setOutcome(first, delivered);
        history.setOutcome(second, full);
    }
    store->sync();
    const auto reopened = std::make_unique<QSettings>(store->fileName(), QSettings::IniFormat);
    CommandHistory history(reopened.get(), QStringLiteral("test/history"));
    QCOMPARE(history.count(), 2);
    QCOMPARE(history.at(0).request.id, second);
    QCOMPARE(history.at(0).request.qos, QoS::ExactlyOnce);
    QCOMPARE(history.at(0).outcome, full);
    QCOMPARE(history.at(0).time, t0.addSecs(5));
    QCOMPARE(history.at(1).request.id, first);
    QCOMPARE(history.at(1).request.payload, QStringLiteral("{\"value\": 25}"));
    QCOMPARE(history.at(1).request.device, QStringLiteral("device-1"));
    QCOMPARE(history.at(1).outcome, delivered);
    QCOMPARE(history.at(1).time, t0);
    // New ids never repeat an old one.
    QVERIFY(history.add(request(QStringLiteral("d"), QStringLiteral("c"))) > second);
    // Another group is another history.
    QCOMPARE(CommandHistory(reopened.get(), QStringLiteral("test/other")).count(), 0);
}

void TestCommandStore::historyPendingAfterRestart()
{
    const auto store = settings();
    {
        CommandHistory history(store.get());
        history.add(request(QStringLiteral("device-1"), QStringLiteral("x")));
    }
    CommandHistory history(store.get());
    QCOMPARE(history.count(), 1);
    QCOMPARE(history.at(0).outcome.status(), CommandOutcome::Status::Failed);
    QCOMPARE(history.at(0).outcome.text(),
             QStringLiteral("No outcome: the console closed before the acknowledgement"));
}

void TestCommandStore::historyLargePayload()
{
    const auto store = settings();
    const QString big = QStringLiteral("\"") + QString(CommandHistory::MaxStoredPayloadChars, u'x') + u'"';
    quint64 id = 0;
    {
        CommandHistory history(store.get());
        id = history.add(request(QStringLiteral("device-1"), QStringLiteral("upload"), big));
        QVERIFY(history.requestToSendAgain(id)); // in this session it is all there
    }
    CommandHistory history(store.get());
    QVERIFY(history.at(0).payloadDropped);
    QVERIFY(history.at(0).request.payload.isEmpty());
    QCOMPARE(history.requestToSendAgain(id), std::nullopt);
}

void TestCommandStore::historyStoredSizeBound()
{
    // The settings hold at most MaxStoredTotalChars of payloads: the newest keep theirs.
    const auto store = settings();
    const QString payload = QStringLiteral("\"") + QString(60 * 1024 - 2, u'x') + QStringLiteral("\"");
    {
        CommandHistory history(store.get());
        for (int i = 0; i < 20; ++i)
            history.add(request(QStringLiteral("d"), QStringLiteral("c%1").arg(i), payload));
    }
    CommandHistory history(store.get());
    QCOMPARE(history.count(), 20);
    const int kept = int(CommandHistory::MaxStoredTotalChars / payload.size()); // 17
    for (int row = 0; row < 20; ++row) {
        QCOMPARE(history.at(row).payloadDropped, row >= kept);
        QCOMPARE(history.at(row).request.payload.isEmpty(), row >= kept);
    }
    store->sync();
    QVERIFY(QFileInfo(store->fileName()).size() < 2 * CommandHistory::MaxStoredTotalChars);
}

void TestCommandStore::historySendAgain()
{
    CommandHistory history;
    const CommandRequest original = request(QStringLiteral("device-3"), QStringLiteral("set-interval"),
                                            QStringLiteral("{\"value\": 0.2}"), QoS::AtMostOnce);
    const quint64 id = history.add(original);
    const std::optional<CommandRequest> again = history.requestToSendAgain(id);
    QVERIFY(again);
    QCOMPARE(again->id, 0u);
    CommandRequest expected = original;
    expected.id = 0;
    QCOMPARE(*again, expected);
    QCOMPARE(history.requestToSendAgain(id + 100), std::nullopt);
}

void TestCommandStore::historyModel()
{
    CommandHistory history;
    const quint64 id =
        history.add(request(QStringLiteral("device-1"), QStringLiteral("blink"), QStringLiteral("{}")));
    history.setOutcome(
        id, CommandOutcome::describe({false, ReasonCode::PayloadFormatInvalid, QStringLiteral("bad")},
                                     QoS::AtLeastOnce));
    QCOMPARE(history.columnCount(), int(CommandHistory::ColumnCount));
    const auto cell = [&](int column, int role = Qt::DisplayRole) {
        return history.index(0, column).data(role);
    };
    QCOMPARE(cell(CommandHistory::ApplicationColumn).toString(), QStringLiteral("demo"));
    QCOMPARE(cell(CommandHistory::DeviceColumn).toString(), QStringLiteral("device-1"));
    QCOMPARE(cell(CommandHistory::CommandColumn).toString(), QStringLiteral("blink"));
    QCOMPARE(cell(CommandHistory::QosColumn).toString(), QStringLiteral("QoS 1"));
    QCOMPARE(cell(CommandHistory::OutcomeColumn).toString(),
             QStringLiteral("The device refused the payload: bad"));
    QCOMPARE(cell(CommandHistory::OutcomeColumn, CommandHistory::IdRole).toULongLong(), id);
    QVERIFY(cell(CommandHistory::OutcomeColumn, Qt::ToolTipRole).toString().contains(QStringLiteral("0x99")));
    QVERIFY(cell(CommandHistory::TimeColumn).toString().contains(u':'));
    QCOMPARE(history.headerData(CommandHistory::OutcomeColumn, Qt::Horizontal).toString(),
             QStringLiteral("Outcome"));
}

void TestCommandStore::historyClear()
{
    const auto store = settings();
    {
        CommandHistory history(store.get());
        history.add(request(QStringLiteral("d"), QStringLiteral("c")));
        history.clear();
        QCOMPARE(history.count(), 0);
    }
    QCOMPARE(CommandHistory(store.get()).count(), 0);
}

void TestCommandStore::templatesSaveRenameRemove()
{
    CommandTemplates templates;
    QVERIFY(templates.save(QStringLiteral("warm"),
                           request(QStringLiteral("device-1"), QStringLiteral("setTemperature"),
                                   QStringLiteral("{\"value\": 25}"))));
    CommandRequest anyDevice = request(QString(), QStringLiteral("blink"), QStringLiteral("{\"times\": 3}"));
    anyDevice.application.clear();
    QVERIFY(templates.save(QStringLiteral("Blink"), anyDevice));
    QVERIFY(!templates.save(QStringLiteral("  "), anyDevice));
    QCOMPARE(templates.names(), QStringList({QStringLiteral("Blink"), QStringLiteral("warm")})); // sorted
    QCOMPARE(templates.find(QStringLiteral("Blink"))->request.device, QString());

    // Saving under an existing name replaces it.
    QVERIFY(templates.save(QStringLiteral("warm"),
                           request(QStringLiteral("device-2"), QStringLiteral("setTemperature"),
                                   QStringLiteral("{\"value\": 26}"))));
    QCOMPARE(templates.count(), 2);
    QCOMPARE(templates.find(QStringLiteral("warm"))->request.payload, QStringLiteral("{\"value\": 26}"));

    QVERIFY(templates.rename(QStringLiteral("warm"), QStringLiteral("a warm room")));
    QVERIFY(!templates.rename(QStringLiteral("warm"), QStringLiteral("x")));            // gone
    QVERIFY(!templates.rename(QStringLiteral("Blink"), QStringLiteral("a warm room"))); // taken
    QVERIFY(!templates.rename(QStringLiteral("Blink"), QString()));
    QCOMPARE(templates.names(), QStringList({QStringLiteral("a warm room"), QStringLiteral("Blink")}));
    QCOMPARE(templates.index(0).data().toString(), QStringLiteral("a warm room"));
    QCOMPARE(templates.index(0).data(CommandTemplates::RequestRole).value<CommandRequest>().device,
             QStringLiteral("device-2"));

    QVERIFY(templates.remove(QStringLiteral("Blink")));
    QVERIFY(!templates.remove(QStringLiteral("Blink")));
    QCOMPARE(templates.names(), QStringList({QStringLiteral("a warm room")}));
}

void TestCommandStore::templatesPersistence()
{
    const auto store = settings();
    {
        CommandTemplates templates(store.get(), QStringLiteral("t"));
        templates.save(QStringLiteral("warm"),
                       request(QStringLiteral("device-1"), QStringLiteral("setTemperature"),
                               QStringLiteral("{\"value\": 25}"), QoS::ExactlyOnce));
        CommandRequest text = request(QString(), QStringLiteral("say"), QStringLiteral("hello"));
        text.mode = PayloadMode::Text;
        templates.save(QStringLiteral("hello"), text);
        templates.rename(QStringLiteral("hello"), QStringLiteral("greet"));
    }
    store->sync();
    const auto reopened = std::make_unique<QSettings>(store->fileName(), QSettings::IniFormat);
    CommandTemplates templates(reopened.get(), QStringLiteral("t"));
    QCOMPARE(templates.names(), QStringList({QStringLiteral("greet"), QStringLiteral("warm")}));
    const CommandRequest warm = templates.find(QStringLiteral("warm"))->request;
    QCOMPARE(warm.device, QStringLiteral("device-1"));
    QCOMPARE(warm.qos, QoS::ExactlyOnce);
    QCOMPARE(warm.payload, QStringLiteral("{\"value\": 25}"));
    QCOMPARE(templates.find(QStringLiteral("greet"))->request.mode, PayloadMode::Text);
    templates.remove(QStringLiteral("warm"));
    QCOMPARE(CommandTemplates(reopened.get(), QStringLiteral("t")).names(),
             QStringList({QStringLiteral("greet")}));
}

QTEST_GUILESS_MAIN(TestCommandStore)
#include "tst_commandstore.moc"
