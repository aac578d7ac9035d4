// The composer widget driven like a user would (QTest key clicks on the offscreen
// platform): live JSON validation with the error's position, Send enabled only for a
// valid command, Ctrl+Return, outcomes in plain words, device completion, send again,
// templates, and CommandPublisher with a real (unconnected) MQTT client.
#include "commands/commandcomposer.h"
#include "commands/commandhistory.h"
#include "commands/commandpublisher.h"
#include "commands/commandtemplates.h"

#include "client/mqttclient.h"

#include <QAbstractItemView>
#include <QComboBox>
#include <QCompleter>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QtTest>

using namespace drover::ui;
using drover::client::PublishOutcome;
using drover::mqtt::QoS;
using drover::mqtt::ReasonCode;

class TestCommandComposer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void invalidJsonDisablesSend();
    void sendGoesToTheError();
    void emptyPayloadIsFine();
    void badTopicDisablesSend();
    void ctrlReturnSends();
    void showOutcome();
    void outcomeOfAnEarlierCommand();
    void immediateOutcome();
    void completion();
    void sendAgain();
    void formatAndCompact();
    void textMode();
    void templates();
    void historyPersists();
    void publisherWithoutConnection();

private:
    template <typename T> T *child(const char *name)
    {
        T *found = m_composer->findChild<T *>(QString::fromLatin1(name));
        if (!found)
            qFatal("no child %s", name);
        return found;
    }
    QPlainTextEdit *editor() { return child<QPlainTextEdit>("payloadEditor"); }
    QPushButton *sendButton() { return child<QPushButton>("sendButton"); }
    QLabel *errorLabel() { return child<QLabel>("payloadError"); }
    QLabel *outcomeLabel() { return child<QLabel>("outcome"); }
    void fillTarget(const QString &app, const QString &device, const QString &command);
    void typePayload(const QStringList &lines);
    void showActive();

    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<CommandComposer> m_composer;
    int m_run = 0;
};

void TestCommandComposer::init()
{
    QVERIFY(m_dir.isValid());
    m_settings = std::make_unique<QSettings>(m_dir.filePath(QStringLiteral("composer-%1.ini").arg(++m_run)),
                                             QSettings::IniFormat);
    m_composer = std::make_unique<CommandComposer>(m_settings.get());
    m_composer->resize(800, 600);
}

void TestCommandComposer::cleanup()
{
    m_composer.reset();
    m_settings.reset();
}

void TestCommandComposer::fillTarget(const QString &app, const QString &device, const QString &command)
{
    QLineEdit *application = child<QComboBox>("application")->lineEdit();
    application->clear();
    QTest::keyClicks(application, app);
    child<QLineEdit>("device")->clear();
    QTest::keyClicks(child<QLineEdit>("device"), device);
    child<QLineEdit>("commandName")->clear();
    QTest::keyClicks(child<QLineEdit>("commandName"), command);
}

void TestCommandComposer::typePayload(const QStringList &lines)
{
    editor()->clear();
    for (int i = 0; i < lines.size(); ++i) {
        if (i > 0)
            QTest::keyClick(editor(), Qt::Key_Return);
        QTest::keyClicks(editor(), lines[i]);
    }
}

void TestCommandComposer::showActive()
{
    m_composer->show();
    m_composer->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_composer.get()));
}

void TestCommandComposer::invalidJsonDisablesSend()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("setTemperature"));
    typePayload({QStringLiteral("["), QStringLiteral("  1 2"), QStringLiteral("]")});
    QCOMPARE(editor()->toPlainText(), QStringLiteral("[\n  1 2\n]"));

    QVERIFY(!sendButton()->isEnabled());
    QVERIFY(!m_composer->validation().ok);
    QCOMPARE(m_composer->validation().message,
             QStringLiteral("line 2, column 5: missing ',' or ']' after an array element"));
    QVERIFY(!errorLabel()->isHidden());
    QVERIFY2(errorLabel()->text().contains(QStringLiteral("line 2, column 5")),
             qPrintable(errorLabel()->text()));
    QVERIFY(errorLabel()->text().contains(QStringLiteral("missing ',' or ']' after an array element")));
    QVERIFY(m_composer->problem().contains(QStringLiteral("line 2, column 5")));
    QVERIFY(sendButton()->toolTip().contains(QStringLiteral("line 2, column 5")));

    // The error's character is highlighted (second selection), the line too (first).
    const QList<QTextEdit::ExtraSelection> selections = editor()->extraSelections();
    QCOMPARE(selections.size(), 2);
    QCOMPARE(selections[1].cursor.selectionStart(), 6);
    QCOMPARE(selections[1].cursor.selectedText(), QStringLiteral("2"));
    QCOMPARE(selections[0].cursor.block().text(), QStringLiteral("  1 2"));

    // Live typing does not move the cursor; the link in the message does.
    QCOMPARE(editor()->textCursor().position(), editor()->toPlainText().size());
    Q_EMIT errorLabel()->linkActivated(QStringLiteral("#error"));
    QCOMPARE(editor()->textCursor().position(), 6);

    // Fixed: valid, Send enabled, no message, no highlight.
    QTest::keyClick(editor(), Qt::Key_Comma);
    QCOMPARE(editor()->toPlainText(), QStringLiteral("[\n  1 ,2\n]"));
    QVERIFY(m_composer->validation().ok);
    QVERIFY(sendButton()->isEnabled());
    QVERIFY(errorLabel()->isHidden());
    QVERIFY(editor()->extraSelections().isEmpty());
    QVERIFY(m_composer->problem().isEmpty());
}

void TestCommandComposer::sendGoesToTheError()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("x"));
    typePayload({QStringLiteral("{\"a\": 1,}")});
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(!m_composer->send());
    QCOMPARE(sent.count(), 0);
    QCOMPARE(m_composer->history()->count(), 0);
    QCOMPARE(editor()->textCursor().position(), 7); // the trailing comma
    QCOMPARE(m_composer->validation().message,
             QStringLiteral("line 1, column 8: trailing comma: no member follows ',' before '}'"));
}

void TestCommandComposer::emptyPayloadIsFine()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("reboot"));
    QVERIFY(editor()->toPlainText().isEmpty());
    QVERIFY(sendButton()->isEnabled());
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(m_composer->send());
    QCOMPARE(sent.count(), 1);
    QVERIFY(sent[0][0].value<CommandRequest>().packet().payload.isEmpty());
}

void TestCommandComposer::badTopicDisablesSend()
{
    QVERIFY(!sendButton()->isEnabled()); // nothing filled in yet
    fillTarget(QStringLiteral("demo"), QStringLiteral("device/1"), QStringLiteral("x"));
    QVERIFY(!sendButton()->isEnabled());
    QCOMPARE(child<QLabel>("topic")->text(),
             QStringLiteral("the device contains '/', which separates topic levels"));
    child<QLineEdit>("device")->setText(QStringLiteral(" device-1 ")); // surrounding spaces are dropped
    QVERIFY(sendButton()->isEnabled());
    QCOMPARE(child<QLabel>("topic")->text(), QStringLiteral("command/demo/device-1/x"));
}

void TestCommandComposer::ctrlReturnSends()
{
    showActive();
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("setTemperature"));
    child<QComboBox>("qos")->setCurrentIndex(2);
    typePayload({QStringLiteral("{\"value\": 25}")});
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);

    editor()->setFocus();
    QTest::keyClick(editor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(sent.count(), 1);
    QCOMPARE(editor()->toPlainText(), QStringLiteral("{\"value\": 25}")); // no line break typed
    const CommandRequest request = sent[0][0].value<CommandRequest>();
    QVERIFY(request.id != 0);
    QCOMPARE(request.application, QStringLiteral("demo"));
    QCOMPARE(request.device, QStringLiteral("device-1"));
    QCOMPARE(request.command, QStringLiteral("setTemperature"));
    QCOMPARE(request.qos, QoS::ExactlyOnce);
    const drover::mqtt::PublishPacket packet = request.packet();
    QCOMPARE(packet.topic, QByteArray("command/demo/device-1/setTemperature"));
    QCOMPARE(packet.payload, QByteArray("{\"value\": 25}"));
    QCOMPARE(packet.qos, QoS::ExactlyOnce);

    // Pending: in the history, and the label waits for the device.
    QCOMPARE(m_composer->history()->count(), 1);
    QCOMPARE(m_composer->history()->at(0).request.id, request.id);
    QVERIFY(m_composer->history()->at(0).outcome.isPending());
    QCOMPARE(outcomeLabel()->text(), QStringLiteral("Waiting for the device…"));
    QVERIFY(child<QProgressBar>("outcomeBusy")->isVisible());

    // Ctrl+Return from another field sends too.
    QTest::keyClick(child<QLineEdit>("commandName"), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(sent.count(), 2);
}

void TestCommandComposer::showOutcome()
{
    showActive();
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("setTemperature"));
    typePayload({QStringLiteral("{\"value\": 500}")});
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QTest::mouseClick(sendButton(), Qt::LeftButton);
    QCOMPARE(sent.count(), 1);
    const quint64 id = sent[0][0].value<CommandRequest>().id;

    m_composer->showOutcome(id, PublishOutcome{false, ReasonCode::PayloadFormatInvalid,
                                               QStringLiteral("value 500 out of range 5..35")});
    QCOMPARE(outcomeLabel()->text(),
             QStringLiteral("The device refused the payload: value 500 out of range 5..35"));
    QVERIFY2(outcomeLabel()->toolTip().contains(QStringLiteral("0x99")),
             qPrintable(outcomeLabel()->toolTip()));
    QVERIFY(!child<QProgressBar>("outcomeBusy")->isVisible());
    QCOMPARE(m_composer->history()->at(0).outcome.status(), CommandOutcome::Status::Refused);
    QCOMPARE(m_composer->history()->index(0, CommandHistory::OutcomeColumn).data().toString(),
             outcomeLabel()->text());

    // A second answer for the same command (or one for an unknown id) changes nothing.
    m_composer->showOutcome(id, PublishOutcome{true, ReasonCode::Success, {}});
    m_composer->showOutcome(id + 99, PublishOutcome{true, ReasonCode::Success, {}});
    QCOMPARE(m_composer->history()->at(0).outcome.status(), CommandOutcome::Status::Refused);

    // MQTT 3.1.1: a refusal is a closed connection, and the text says so.
    m_composer->setProtocolVersion(drover::mqtt::ProtocolVersion::V311);
    QVERIFY(m_composer->send());
    m_composer->showOutcome(
        sent[1][0].value<CommandRequest>().id,
        PublishOutcome{false, ReasonCode::UnspecifiedError,
                       QStringLiteral("connection lost: the server closed the connection")});
    QVERIFY2(outcomeLabel()->text().contains(
                 QStringLiteral("MQTT 3.1.1 has no negative acknowledgement; the gateway "
                                "closed the connection")),
             qPrintable(outcomeLabel()->text()));
}

void TestCommandComposer::outcomeOfAnEarlierCommand()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("a"));
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(m_composer->send());
    QVERIFY(m_composer->send());
    const quint64 first = sent[0][0].value<CommandRequest>().id;
    const quint64 second = sent[1][0].value<CommandRequest>().id;
    m_composer->showOutcome(first, PublishOutcome{true, ReasonCode::Success, {}});
    QCOMPARE(outcomeLabel()->text(),
             QStringLiteral("Waiting for the device…")); // the label follows the latest
    QCOMPARE(m_composer->history()->entry(first)->outcome.status(), CommandOutcome::Status::Delivered);
    m_composer->showOutcome(second, PublishOutcome{true, ReasonCode::Success,
                                                   QStringLiteral("queued for 60 s: device not connected")});
    QCOMPARE(outcomeLabel()->text(), QStringLiteral("Queued by the gateway for 60 s: device not connected"));
}

void TestCommandComposer::immediateOutcome()
{
    // A publisher may answer before sendRequested() returns.
    connect(m_composer.get(), &CommandComposer::sendRequested, m_composer.get(),
            [this](const CommandRequest &r) {
                m_composer->showOutcome(r.id, PublishOutcome{false, ReasonCode::NotAuthorized,
                                                             QStringLiteral("unknown device 'nobody'")});
            });
    fillTarget(QStringLiteral("demo"), QStringLiteral("nobody"), QStringLiteral("x"));
    QVERIFY(m_composer->send());
    QCOMPARE(outcomeLabel()->text(),
             QStringLiteral("Not authorized, or no such device: unknown device 'nobody'"));
    QVERIFY(!child<QProgressBar>("outcomeBusy")->isVisible());
}

void TestCommandComposer::completion()
{
    showActive();
    m_composer->setKnownDevices(
        {QStringLiteral("device-2"), QStringLiteral("pump-7"), QStringLiteral("device-1")});
    m_composer->addKnownDevice(QStringLiteral("device-3"));
    m_composer->addKnownDevice(QStringLiteral("device-1")); // known already
    QCOMPARE(m_composer->knownDevices(), QStringList({QStringLiteral("device-1"), QStringLiteral("device-2"),
                                                      QStringLiteral("device-3"), QStringLiteral("pump-7")}));

    QLineEdit *device = child<QLineEdit>("device");
    device->setFocus();
    QTest::keyClicks(device, QStringLiteral("dev"));
    QCompleter *completer = device->completer();
    QVERIFY(completer);
    QCOMPARE(completer->completionPrefix(), QStringLiteral("dev"));
    QCOMPARE(completer->completionCount(), 3);
    QStringList offered;
    for (int row = 0; row < completer->completionModel()->rowCount(); ++row)
        offered.append(completer->completionModel()->index(row, 0).data().toString());
    QCOMPARE(offered, QStringList({QStringLiteral("device-1"), QStringLiteral("device-2"),
                                   QStringLiteral("device-3")}));
    QTRY_VERIFY(completer->popup()->isVisible());

    // Contains, case-insensitively: "P-7" finds pump-7.
    device->clear();
    QTest::keyClicks(device, QStringLiteral("P-7"));
    QCOMPARE(completer->completionCount(), 1);
    QCOMPARE(completer->currentCompletion(), QStringLiteral("pump-7"));

    // A longer list adds what is new; a different one replaces the list.
    m_composer->setKnownDevices({QStringLiteral("pump-7"), QStringLiteral("device-1"),
                                 QStringLiteral("device-2"), QStringLiteral("device-3"),
                                 QStringLiteral("Alpha")});
    QCOMPARE(m_composer->knownDevices(),
             QStringList({QStringLiteral("Alpha"), QStringLiteral("device-1"), QStringLiteral("device-2"),
                          QStringLiteral("device-3"), QStringLiteral("pump-7")}));
    m_composer->setKnownDevices({QStringLiteral("pump-7"), QStringLiteral("beta"), QString()});
    QCOMPARE(m_composer->knownDevices(), QStringList({QStringLiteral("beta"), QStringLiteral("pump-7")}));

    // A device that was sent a command is offered from then on.
    fillTarget(QStringLiteral("demo"), QStringLiteral("valve-9"), QStringLiteral("open"));
    QVERIFY(m_composer->send());
    QVERIFY(m_composer->knownDevices().contains(QStringLiteral("valve-9")));
}

void TestCommandComposer::sendAgain()
{
    QVERIFY(!child<QPushButton>("sendAgainButton")->isEnabled());
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-2"), QStringLiteral("set-interval"));
    typePayload({QStringLiteral("{\"value\": 0.2}")});
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(m_composer->send());
    QVERIFY(child<QPushButton>("sendAgainButton")->isEnabled());

    // The fields change; Send again sends what was sent.
    fillTarget(QStringLiteral("other"), QStringLiteral("device-9"), QStringLiteral("y"));
    typePayload({QStringLiteral("[")});
    QTest::mouseClick(child<QPushButton>("sendAgainButton"), Qt::LeftButton);
    QCOMPARE(sent.count(), 2);
    CommandRequest first = sent[0][0].value<CommandRequest>();
    CommandRequest again = sent[1][0].value<CommandRequest>();
    QVERIFY(again.id != first.id);
    QCOMPARE(again.packet().topic, QByteArray("command/demo/device-2/set-interval"));
    QCOMPARE(again.payload, QStringLiteral("{\"value\": 0.2}"));
    QCOMPARE(m_composer->history()->count(), 2);

    // Any entry of the history, by id.
    QVERIFY(m_composer->sendAgain(first.id));
    QCOMPARE(sent.count(), 3);
    QCOMPARE(sent[2][0].value<CommandRequest>().packet().topic,
             QByteArray("command/demo/device-2/set-interval"));
    QVERIFY(!m_composer->sendAgain(424242));
}

void TestCommandComposer::formatAndCompact()
{
    typePayload({QStringLiteral("{\"value\":25,\"unit\":\"C\"}")});
    QTest::mouseClick(child<QPushButton>("formatButton"), Qt::LeftButton);
    QCOMPARE(editor()->toPlainText(), QStringLiteral("{\n  \"value\": 25,\n  \"unit\": \"C\"\n}"));
    QTest::mouseClick(child<QPushButton>("compactButton"), Qt::LeftButton);
    QCOMPARE(editor()->toPlainText(), QStringLiteral("{\"value\":25,\"unit\":\"C\"}"));
    editor()->undo();
    QCOMPARE(editor()->toPlainText(), QStringLiteral("{\n  \"value\": 25,\n  \"unit\": \"C\"\n}"));

    typePayload({QStringLiteral("{\"a\" 1}")});
    QVERIFY(!m_composer->formatPayload());
    QCOMPARE(editor()->toPlainText(), QStringLiteral("{\"a\" 1}")); // untouched
    QCOMPARE(editor()->textCursor().position(), 5);                 // at the error
}

void TestCommandComposer::textMode()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("say"));
    typePayload({QStringLiteral("hello {")});
    QVERIFY(!sendButton()->isEnabled());
    child<QComboBox>("payloadMode")->setCurrentIndex(1); // Text
    QVERIFY(sendButton()->isEnabled());
    QVERIFY(errorLabel()->isHidden());
    QVERIFY(!child<QPushButton>("formatButton")->isEnabled());
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(m_composer->send());
    const drover::mqtt::PublishPacket packet = sent[0][0].value<CommandRequest>().packet();
    QCOMPARE(packet.payload, QByteArray("hello {"));
    QVERIFY(!packet.properties.has(drover::mqtt::Properties::ContentType));
}

void TestCommandComposer::templates()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("setTemperature"));
    child<QComboBox>("qos")->setCurrentIndex(0);
    typePayload({QStringLiteral("{\"value\": 21}")});
    QVERIFY(m_composer->saveTemplate(QStringLiteral("comfort")));
    QCOMPARE(m_composer->templates()->names(), QStringList({QStringLiteral("comfort")}));
    QCOMPARE(child<QComboBox>("templatePicker")->currentText(), QStringLiteral("comfort"));

    // A template without a device keeps the device in the field.
    CommandRequest blink;
    blink.command = QStringLiteral("blink");
    blink.payload = QStringLiteral("{\"times\": 3}");
    m_composer->templates()->save(QStringLiteral("blink"), blink);

    fillTarget(QStringLiteral("demo"), QStringLiteral("device-7"), QStringLiteral("other"));
    typePayload({QStringLiteral("[]")});
    QVERIFY(m_composer->applyTemplate(QStringLiteral("blink")));
    CommandRequest current = m_composer->currentRequest();
    QCOMPARE(current.device, QStringLiteral("device-7"));
    QCOMPARE(current.command, QStringLiteral("blink"));
    QCOMPARE(current.payload, QStringLiteral("{\"times\": 3}"));
    QCOMPARE(current.qos, QoS::AtLeastOnce);

    // Picking from the combo applies it.
    QComboBox *picker = child<QComboBox>("templatePicker");
    const int row = m_composer->templates()->indexOf(QStringLiteral("comfort"));
    picker->setCurrentIndex(row);
    Q_EMIT picker->activated(row);
    current = m_composer->currentRequest();
    QCOMPARE(current.device, QStringLiteral("device-1"));
    QCOMPARE(current.command, QStringLiteral("setTemperature"));
    QCOMPARE(current.qos, QoS::AtMostOnce);
    QCOMPARE(current.payload, QStringLiteral("{\"value\": 21}"));
    QVERIFY(!m_composer->applyTemplate(QStringLiteral("missing")));

    // Kept in the settings.
    CommandComposer another(m_settings.get());
    QCOMPARE(another.templates()->names(), QStringList({QStringLiteral("blink"), QStringLiteral("comfort")}));
}

void TestCommandComposer::historyPersists()
{
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("blink"));
    QSignalSpy sent(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(m_composer->send());
    m_composer->showOutcome(sent[0][0].value<CommandRequest>().id,
                            PublishOutcome{true, ReasonCode::Success, {}});
    m_composer.reset();

    m_composer = std::make_unique<CommandComposer>(m_settings.get());
    QCOMPARE(m_composer->history()->count(), 1);
    QCOMPARE(m_composer->history()->at(0).outcome.text(),
             QStringLiteral("Delivered: the device took the command"));
    QVERIFY(child<QPushButton>("sendAgainButton")->isEnabled());
    QSignalSpy again(m_composer.get(), &CommandComposer::sendRequested);
    QVERIFY(m_composer->sendAgainLast());
    QCOMPARE(again[0][0].value<CommandRequest>().packet().topic, QByteArray("command/demo/device-1/blink"));
}

void TestCommandComposer::publisherWithoutConnection()
{
    drover::client::MqttClient client;
    CommandPublisher publisher(m_composer.get(), &client);
    fillTarget(QStringLiteral("demo"), QStringLiteral("device-1"), QStringLiteral("blink"));
    QVERIFY(m_composer->send());
    QCOMPARE(outcomeLabel()->text(),
             QStringLiteral("Waiting for the device…")); // the client answers from the loop
    QTRY_COMPARE(outcomeLabel()->text(), QStringLiteral("Not sent: not connected to the gateway"));
    QCOMPARE(m_composer->history()->at(0).outcome.status(), CommandOutcome::Status::Failed);
}

QTEST_MAIN(TestCommandComposer)
#include "tst_commandcomposer.moc"
