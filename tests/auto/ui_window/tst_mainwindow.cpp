// The console window end to end, offscreen: a Gateway with the demo runs in-process (as in
// `drover`), the window is its MQTT client over the in-process link, and the test works
// the widgets as an operator would.
#include "config/config.h"
#include "gateway.h"
#include "transport/inprocesslink.h"

#include "commands/commandcomposer.h"
#include "events/deviceboardmodel.h"
#include "events/eventfilterproxy.h"
#include "events/eventmodel.h"
#include "plots/plotwidget.h"
#include "window/consoleconnection.h"
#include "window/mainwindow.h"
#include "window/subscriptiontab.h"

#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace drover;
using namespace drover::ui;

namespace {

constexpr int Wait = 10000;

QJsonObject dataOf(const ReceivedEvent &event)
{
    return QJsonDocument::fromJson(event.event.data).object();
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void demoEventsArrive();
    void commandChangesTheDevice();
    void refusedCommandIsExplained();
    void filtersAndDeviceBoard();
    void pauseCountsWhatArrives();
    void secondSubscriptionForOneDevice();
    void reconnectsAfterTheGatewayDropsIt();
    void followsADarkPalette();

private:
    SubscriptionTab *demoTab() const { return m_window->subscriptionTabs().value(0); }

    QTemporaryDir m_settingsDir;
    std::unique_ptr<Gateway> m_gateway;
    MainWindow *m_window = nullptr;
};

void TestMainWindow::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.debug=false\ndrover.*.info=false"));
    // The composer keeps history in QSettings: a private place, not the user's.
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("DroverTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
}

void TestMainWindow::init()
{
    config::Config config;
    config.listeners.clear(); // the window needs none: it is an in-process client
    config.demo.enabled = true;
    config.demo.rate = 20;
    m_gateway = std::make_unique<Gateway>(config);
    QString error;
    QVERIFY2(m_gateway->start(&error), qPrintable(error));
    // The demo devices connect first: the tests count on the window subscribing after that
    // (their connection events are then in the past, see filtersAndDeviceBoard).
    QTRY_VERIFY_WITH_TIMEOUT(m_gateway->isDemoReady(), Wait);

    ConsoleConnection::Target target;
    target.description = QStringLiteral("embedded gateway");
    target.transport =
        transport::InProcessLink::connector(m_gateway->mqttServer(), QStringLiteral("console"));
    auto *connection = new ConsoleConnection(target);
    m_window = new MainWindow(connection, {QStringLiteral("demo")});
    connection->open();
    EventSubscription demo;
    demo.application = QStringLiteral("demo");
    m_window->addSubscription(demo);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    QTRY_COMPARE_WITH_TIMEOUT(connection->state(), ConsoleConnection::State::Online, Wait);
}

void TestMainWindow::cleanup()
{
    delete m_window;
    m_window = nullptr;
    m_gateway.reset();
}

void TestMainWindow::demoEventsArrive()
{
    SubscriptionTab *tab = demoTab();
    QVERIFY(tab);
    auto *table = tab->findChild<QTableView *>(QStringLiteral("eventTable"));
    QVERIFY(table);
    QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() >= 10, Wait);
    const ReceivedEvent &event = tab->events()->eventAt(tab->events()->rowCount() - 1);
    QCOMPARE(event.event.application, QByteArrayLiteral("demo"));
    QVERIFY(event.event.device.startsWith("device-"));
    // The status bar says where it is connected and how fast events come.
    auto *state = m_window->findChild<QLabel *>(QStringLiteral("connectionState"));
    QVERIFY(state->text().startsWith(QStringLiteral("Connected to embedded gateway")));
    auto *counters = tab->findChild<QLabel *>(QStringLiteral("counters"));
    QTRY_VERIFY_WITH_TIMEOUT(counters->text().contains(QStringLiteral("events received")), Wait);
    // Selecting a row shows its data in full.
    table->selectRow(table->model()->rowCount() - 1);
    auto *data = tab->findChild<QPlainTextEdit *>(QStringLiteral("eventData"));
    QTRY_VERIFY(data->toPlainText().contains(QStringLiteral("\"temperature\"")));
}

void TestMainWindow::commandChangesTheDevice()
{
    SubscriptionTab *tab = demoTab();
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= 3, Wait);
    CommandComposer *composer = m_window->composer();
    composer->findChild<QComboBox *>(QStringLiteral("application"))->setCurrentText(QStringLiteral("demo"));
    auto *device = composer->findChild<QLineEdit *>(QStringLiteral("device"));
    device->clear();
    QTest::keyClicks(device, QStringLiteral("device-2"));
    auto *name = composer->findChild<QLineEdit *>(QStringLiteral("commandName"));
    name->clear();
    QTest::keyClicks(name, QStringLiteral("setTemperature"));
    auto *payload = composer->findChild<QPlainTextEdit *>(QStringLiteral("payloadEditor"));
    payload->setPlainText(QStringLiteral("{\"value\": 31.25}"));
    auto *send = composer->findChild<QPushButton *>(QStringLiteral("sendButton"));
    QTRY_VERIFY(send->isEnabled());
    const int before = tab->events()->rowCount();
    QTest::mouseClick(send, Qt::LeftButton);

    // The outcome in plain words: the device acknowledged it...
    auto *outcome = composer->findChild<QLabel *>(QStringLiteral("outcome"));
    QTRY_VERIFY_WITH_TIMEOUT(outcome->text().contains(QStringLiteral("Delivered"), Qt::CaseInsensitive),
                             Wait);
    // ...and its next events show the effect.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = std::min(before, tab->events()->rowCount()); row < tab->events()->rowCount();
                 ++row) {
                const ReceivedEvent &event = tab->events()->eventAt(row);
                const QJsonObject data = dataOf(event);
                if (event.event.device == "device-2" &&
                    data.value(QStringLiteral("targetTemperature")).toDouble() == 31.25 &&
                    data.value(QStringLiteral("lastCommand")).toString() == QLatin1String("setTemperature"))
                    return true;
            }
            return false;
        }(),
        Wait);
}

void TestMainWindow::refusedCommandIsExplained()
{
    CommandComposer *composer = m_window->composer();
    CommandRequest request;
    request.application = QStringLiteral("demo");
    request.device = QStringLiteral("device-1");
    request.command = QStringLiteral("setTemperature");
    request.payload = QStringLiteral("{\"value\": 500}");
    composer->loadRequest(request);
    QVERIFY(composer->send());
    auto *outcome = composer->findChild<QLabel *>(QStringLiteral("outcome"));
    // The device's own refusal (0x99) with its reason.
    QTRY_VERIFY_WITH_TIMEOUT(outcome->text().contains(QStringLiteral("between -50 and 100")), Wait);

    request.device = QStringLiteral("device-99");
    request.payload = QStringLiteral("{\"value\": 20}");
    composer->loadRequest(request);
    QVERIFY(composer->send());
    QTRY_VERIFY_WITH_TIMEOUT(outcome->text().contains(QStringLiteral("device-99")), Wait);
}

void TestMainWindow::filtersAndDeviceBoard()
{
    SubscriptionTab *tab = demoTab();
    QTRY_VERIFY_WITH_TIMEOUT(tab->devices()->rowCount() == 3, Wait);
    for (int row = 0; row < 3; ++row) {
        // Connected before this subscription began: the board has not heard of it yet...
        QCOMPARE(tab->devices()->deviceAt(row).connection, DeviceBoardModel::Connection::Unknown);
        QTRY_VERIFY(tab->devices()
                        ->deviceAt(row)
                        .lastValues.value(QStringLiteral("state"))
                        .contains(QStringLiteral("temperature")));
    }
    // ...a replay from the earliest event has: the devices' connection events are in the log.
    // (A new consumer group: the same filter again would share the first tab's subscription.)
    EventSubscription replay;
    replay.application = QStringLiteral("demo");
    replay.sharedGroup = QStringLiteral("replay");
    replay.fromEarliest = true;
    SubscriptionTab *replayed = m_window->addSubscription(replay);
    QTRY_VERIFY_WITH_TIMEOUT(replayed->devices()->rowCount() == 3, Wait);
    for (int row = 0; row < 3; ++row)
        QTRY_COMPARE_WITH_TIMEOUT(replayed->devices()->deviceAt(row).connection,
                                  DeviceBoardModel::Connection::Connected, Wait);
    m_window->tabs()->setCurrentWidget(tab);
    auto *deviceFilter = tab->findChild<QComboBox *>(QStringLiteral("deviceFilter"));
    deviceFilter->setCurrentText(QStringLiteral("device-3"));
    QTRY_VERIFY_WITH_TIMEOUT(tab->filter()->rowCount() > 0, Wait);
    for (int row = 0; row < tab->filter()->rowCount(); ++row) {
        const QModelIndex index = tab->filter()->mapToSource(tab->filter()->index(row, 0));
        QCOMPARE(tab->events()->eventAt(index.row()).event.device, QByteArrayLiteral("device-3"));
    }
    QVERIFY(tab->filter()->rowCount() < tab->events()->rowCount());
    // The composer completes the devices seen.
    QTRY_VERIFY(m_window->composer()->knownDevices().contains(QStringLiteral("device-1")));
}

void TestMainWindow::pauseCountsWhatArrives()
{
    SubscriptionTab *tab = demoTab();
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= 3, Wait);
    tab->togglePause();
    QVERIFY(tab->events()->isPaused());
    const int frozen = tab->events()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->counters().backlog >= 10, Wait);
    QCOMPARE(tab->events()->rowCount(), frozen);
    QVERIFY(tab->countersText().contains(QStringLiteral("paused")));
    tab->togglePause();
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= frozen + 10, Wait);
}

void TestMainWindow::secondSubscriptionForOneDevice()
{
    EventSubscription one;
    one.application = QStringLiteral("demo");
    one.device = QStringLiteral("device-1");
    one.channel = QStringLiteral("state");
    SubscriptionTab *tab = m_window->addSubscription(one);
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= 5, Wait);
    for (int row = 0; row < tab->events()->rowCount(); ++row)
        QCOMPARE(tab->events()->eventAt(row).event.device, QByteArrayLiteral("device-1"));
    // The plot of the tab shows a temperature series for the device.
    QVERIFY(m_window->subscriptionTabs().size() == 2);
    m_window->tabs()->setCurrentWidget(tab);
    m_window->closeCurrentTab();
    QCOMPARE(m_window->subscriptionTabs().size(), 1);

    // A second tab with the first one's filter shares its events (MQTT holds a filter once
    // per session); with other options it says so.
    EventSubscription same;
    same.application = QStringLiteral("demo");
    SubscriptionTab *twin = m_window->addSubscription(same);
    QTRY_VERIFY_WITH_TIMEOUT(twin->events()->rowCount() >= 5, Wait);
    const int firstBefore = demoTab()->events()->counters().received;
    QTRY_VERIFY_WITH_TIMEOUT(demoTab()->events()->counters().received > firstBefore + 5, Wait);
    same.binary = true;
    SubscriptionTab *conflicting = m_window->addSubscription(same);
    const QList<QLabel *> problems = conflicting->findChildren<QLabel *>();
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(problems.cbegin(), problems.cend(),
                                         [](QLabel *label) {
                                             return label->isVisible() &&
                                                    label->text().contains(QStringLiteral("other options"));
                                         }),
                             Wait);
}

void TestMainWindow::reconnectsAfterTheGatewayDropsIt()
{
    ConsoleConnection *connection = m_window->connection();
    SubscriptionTab *tab = demoTab();
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= 3, Wait);
    // The gateway shuts down and a new one takes its place (another process restarting).
    m_gateway->shutdown();
    QTRY_VERIFY_WITH_TIMEOUT(connection->state() == ConsoleConnection::State::Reconnecting, Wait);
    QVERIFY(m_window->findChild<QLabel *>(QStringLiteral("connectionState"))
                ->text()
                .contains(QStringLiteral("Reconnecting")));
}

void TestMainWindow::followsADarkPalette()
{
    // The desktop switches to a dark palette: the widgets follow Qt's palette, and the
    // plot, which has its own themes, picks the dark one.
    const QPalette light = QApplication::palette();
    QPalette dark;
    dark.setColor(QPalette::Window, QColor(0x20, 0x22, 0x25));
    dark.setColor(QPalette::Base, QColor(0x18, 0x19, 0x1c));
    dark.setColor(QPalette::Text, QColor(0xe8, 0xe8, 0xe8));
    dark.setColor(QPalette::WindowText, QColor(0xe8, 0xe8, 0xe8));
    QApplication::setPalette(dark);
    PlotWidget *plot = demoTab()->plot();
    QTRY_COMPARE(plot->chart()->theme(), QChart::ChartThemeDark);
    QCOMPARE(plot->chart()->backgroundBrush().color(), QColor(0x18, 0x19, 0x1c));
    QApplication::setPalette(light);
    QTRY_COMPARE(plot->chart()->theme(), QChart::ChartThemeLight);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
