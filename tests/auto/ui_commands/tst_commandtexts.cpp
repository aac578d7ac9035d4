// The pure values of the composer: CommandOutcome's plain words for each PUBACK code and
// local failure, CommandTopic's checks, and the PUBLISH a CommandRequest makes.
#include "commands/commandoutcome.h"
#include "commands/commandrequest.h"
#include "commands/commandtopic.h"

#include <QtTest>

using namespace drover::ui;
using drover::client::PublishOutcome;
using drover::mqtt::ProtocolVersion;
using drover::mqtt::QoS;
using drover::mqtt::ReasonCode;
using Status = CommandOutcome::Status;

class TestCommandTexts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcome_data();
    void outcome();
    void pending();
    void statusNames();
    void topic_data();
    void topic();
    void parseTopic();
    void packet();
    void requestJson();
};

void TestCommandTexts::outcome_data()
{
    QTest::addColumn<bool>("delivered");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("qos");
    QTest::addColumn<bool>("v311");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("codeText");

    const auto row = [](const char *name, bool delivered, int code, const char *reason, int qos, bool v311,
                        Status status, const QString &text, const char *codeText) {
        QTest::newRow(name) << delivered << code << QString::fromUtf8(reason) << qos << v311 << int(status)
                            << text << QString::fromUtf8(codeText);
    };
    row("0x00 delivered", true, 0x00, "", 1, false, Status::Delivered,
        QStringLiteral("Delivered: the device took the command"), "0x00");
    row("0x00 QoS 2", true, 0x00, "", 2, false, Status::Delivered,
        QStringLiteral("Delivered: the device took the command"), "0x00");
    row("0x00 with a reason", true, 0x00, "written to a QoS 0 subscriber", 1, false, Status::Delivered,
        QStringLiteral("Delivered: the device took the command (written to a QoS 0 subscriber)"), "0x00");
    row("0x00 queued, not connected", true, 0x00, "queued for 60 s: device not connected", 1, false,
        Status::Queued, QStringLiteral("Queued by the gateway for 60 s: device not connected"), "0x00");
    row("0x00 queued behind others", true, 0x00, "queued for 60 s behind earlier commands for the device", 1,
        false, Status::Queued,
        QStringLiteral("Queued by the gateway for 60 s behind earlier commands for the device"), "0x00");
    row("0x00 queued: reason", true, 0x00, "queued: busy", 1, false, Status::Queued,
        QStringLiteral("Queued by the gateway: busy"), "0x00");
    row("QoS 0", true, 0x00, "", 0, false, Status::Sent, QStringLiteral("Sent (QoS 0: no acknowledgement)"),
        "");
    row("0x87", false, 0x87, "unknown device 'nobody' in application 'demo'", 1, false, Status::Refused,
        QStringLiteral("Not authorized, or no such device: unknown device 'nobody' in application 'demo'"),
        "0x87");
    row("0x90", false, 0x90, "", 1, false, Status::Refused, QStringLiteral("Not a command topic"), "0x90");
    row("0x90 with a reason", false, 0x90, "not a command topic", 1, false, Status::Refused,
        QStringLiteral("Not a command topic: not a command topic"), "0x90");
    row("0x97", false, 0x97, "", 1, false, Status::Refused,
        QStringLiteral("The device's command queue is full"), "0x97");
    row("0x99", false, 0x99, "value out of range 5..35", 1, false, Status::Refused,
        QStringLiteral("The device refused the payload: value out of range 5..35"), "0x99");
    row("0x83", false, 0x83, "unknown command 'explode'", 1, false, Status::Refused,
        QStringLiteral("The device refused the command: unknown command 'explode'"), "0x83");
    row("0x80 from the gateway", false, 0x80, "the command bus shut down", 1, false, Status::Refused,
        QStringLiteral("The command failed (unspecified error): the command bus shut down"), "0x80");
    row("other code", false, 0x9A, "", 1, false, Status::Refused,
        QStringLiteral("Refused (Retain not supported)"), "0x9A");
    row("not connected", false, 0x80, "not connected", 1, false, Status::Failed,
        QStringLiteral("Not sent: not connected to the gateway"), "0x80");
    row("not connected, QoS 0", false, 0x80, "not connected", 0, false, Status::Failed,
        QStringLiteral("Not sent: not connected to the gateway"), "0x80");
    row("connection lost, v5", false, 0x80,
        "connection lost: tcp 127.0.0.1:1883: the server closed the connection", 1, false, Status::Failed,
        QStringLiteral(
            "No acknowledgement: the connection was lost; the device may or may not have the command: "
            "tcp 127.0.0.1:1883: the server closed the connection"),
        "0x80");
    row("connection lost, 3.1.1", false, 0x80, "connection lost: the server closed the connection", 1, true,
        Status::Failed,
        QStringLiteral("Refused, or the connection was lost: MQTT 3.1.1 has no negative acknowledgement; the "
                       "gateway closed the connection"),
        "0x80");
    row("disconnected by the client", false, 0x80, "disconnected by the client", 1, false, Status::Failed,
        QStringLiteral("No acknowledgement: the console disconnected before it came"), "0x80");
}

void TestCommandTexts::outcome()
{
    QFETCH(bool, delivered);
    QFETCH(int, code);
    QFETCH(QString, reason);
    QFETCH(int, qos);
    QFETCH(bool, v311);
    QFETCH(int, status);
    QFETCH(QString, text);
    QFETCH(QString, codeText);

    const CommandOutcome outcome =
        CommandOutcome::describe(PublishOutcome{delivered, ReasonCode(code), reason}, QoS(qos),
                                 v311 ? ProtocolVersion::V311 : ProtocolVersion::V5);
    QCOMPARE(int(outcome.status()), status);
    QCOMPARE(outcome.text(), text);
    QCOMPARE(outcome.codeText(), codeText);
    QCOMPARE(outcome.isSuccess(), delivered);
    QVERIFY(!outcome.isPending());
    QVERIFY(!outcome.detail().isEmpty());
    if (!codeText.isEmpty()) {
        QCOMPARE(outcome.reasonCode(), code);
        QVERIFY2(outcome.detail().contains(codeText), qPrintable(outcome.detail())); // the code as 0xNN
    }
    if (!reason.isEmpty() && qos > 0)
        QVERIFY2(outcome.detail().contains(reason), qPrintable(outcome.detail()));
}

void TestCommandTexts::pending()
{
    const CommandOutcome qos1 = CommandOutcome::pending(QoS::AtLeastOnce);
    QVERIFY(qos1.isPending());
    QCOMPARE(qos1.text(), QStringLiteral("Waiting for the device…"));
    QCOMPARE(CommandOutcome::pending(QoS::AtMostOnce).text(), QStringLiteral("Sending…"));
    QCOMPARE(CommandOutcome().status(), Status::Pending);
}

void TestCommandTexts::statusNames()
{
    for (Status s :
         {Status::Pending, Status::Sent, Status::Delivered, Status::Queued, Status::Refused, Status::Failed})
        QCOMPARE(CommandOutcome::statusFromName(CommandOutcome::statusName(s)), s);
    QCOMPARE(CommandOutcome::statusFromName(QStringLiteral("nonsense")), Status::Failed);
}

void TestCommandTexts::topic_data()
{
    QTest::addColumn<QString>("application");
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("command");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<QString>("problem");

    QTest::newRow("plain") << "demo"
                           << "device-1"
                           << "setTemperature" << QByteArray("command/demo/device-1/setTemperature")
                           << QString();
    QTest::newRow("command with levels")
        << "lab"
        << "sensor-1"
        << "config/set" << QByteArray("command/lab/sensor-1/config/set") << QString();
    QTest::newRow("UTF-8") << QString::fromUtf8("caf\xC3\xA9") << "d"
                           << "x" << QByteArray("command/caf\xC3\xA9/d/x") << QString();
    QTest::newRow("no application") << ""
                                    << "d"
                                    << "x" << QByteArray() << QStringLiteral("the application is missing");
    QTest::newRow("no device") << "a"
                               << ""
                               << "x" << QByteArray() << QStringLiteral("the device is missing");
    QTest::newRow("no command") << "a"
                                << "d"
                                << "" << QByteArray() << QStringLiteral("the command name is missing");
    QTest::newRow("+ in device") << "a"
                                 << "+"
                                 << "x" << QByteArray()
                                 << QStringLiteral(
                                        "the device contains '+' or '#': MQTT wildcards can't be part of a "
                                        "topic name");
    QTest::newRow("# in command") << "a"
                                  << "d"
                                  << "set/#" << QByteArray()
                                  << QStringLiteral(
                                         "the command name contains '+' or '#': MQTT wildcards can't be "
                                         "part of a topic name");
    QTest::newRow("/ in application")
        << "a/b"
        << "d"
        << "x" << QByteArray()
        << QStringLiteral("the application contains '/', which separates topic levels");
    QTest::newRow("/ in device") << "a"
                                 << "d/e"
                                 << "x" << QByteArray()
                                 << QStringLiteral("the device contains '/', which separates topic levels");
    QTest::newRow("empty command level")
        << "a"
        << "d"
        << "set//x" << QByteArray()
        << QStringLiteral("the command name has an empty level ('/' at its start or "
                          "end, or '//')");
    QTest::newRow("trailing slash") << "a"
                                    << "d"
                                    << "set/" << QByteArray()
                                    << QStringLiteral(
                                           "the command name has an empty level ('/' at its start or end, "
                                           "or '//')");
    QTest::newRow("NUL") << "a" << QString(QChar(0)) << "x" << QByteArray()
                         << QStringLiteral("the device contains the character U+0000");
    QTest::newRow("too long") << "a"
                              << "d" << QString(70000, u'x') << QByteArray()
                              << QStringLiteral("the topic is 70012 bytes long, MQTT allows 65535");
}

void TestCommandTexts::topic()
{
    QFETCH(QString, application);
    QFETCH(QString, device);
    QFETCH(QString, command);
    QFETCH(QByteArray, topic);
    QFETCH(QString, problem);

    const CommandTopic t(application, device, command);
    QCOMPARE(t.problem(), problem);
    QCOMPARE(t.isValid(), problem.isEmpty());
    QCOMPARE(t.topic(), topic);
    if (t.isValid())
        QCOMPARE(CommandTopic::parse(topic), std::optional<CommandTopic>(t));
}

void TestCommandTexts::parseTopic()
{
    const auto parsed = CommandTopic::parse("COMMAND/demo/device-1/a/b");
    QVERIFY(parsed);
    QCOMPARE(parsed->application(), QStringLiteral("demo"));
    QCOMPARE(parsed->device(), QStringLiteral("device-1"));
    QCOMPARE(parsed->command(), QStringLiteral("a/b"));
    QCOMPARE(CommandTopic::parse("command/demo/device-1"), std::nullopt);
    QCOMPARE(CommandTopic::parse("command/demo//x"), std::nullopt);
    QCOMPARE(CommandTopic::parse("app/demo/device-1/x"), std::nullopt);
    QCOMPARE(CommandTopic::parse("command/demo/+/x"), std::nullopt);
}

void TestCommandTexts::packet()
{
    CommandRequest request;
    request.application = QStringLiteral("demo");
    request.device = QStringLiteral("device-1");
    request.command = QStringLiteral("setTemperature");
    request.payload = QStringLiteral("{\"value\": 25}");
    request.qos = QoS::ExactlyOnce;
    drover::mqtt::PublishPacket packet = request.packet();
    QCOMPARE(packet.topic, QByteArray("command/demo/device-1/setTemperature"));
    QCOMPARE(packet.payload, QByteArray("{\"value\": 25}"));
    QCOMPARE(packet.qos, QoS::ExactlyOnce);
    QVERIFY(!packet.retain);
    QCOMPARE(packet.properties.contentType(), QByteArray("application/json"));
    QCOMPARE(packet.properties.integer(drover::mqtt::Properties::PayloadFormatIndicator), 1u);

    request.payload = QStringLiteral(" \n ");
    packet = request.packet();
    QVERIFY(packet.payload.isEmpty()); // white space only is no payload in JSON mode
    QVERIFY(packet.properties.isEmpty());

    request.mode = PayloadMode::Text;
    request.payload = QString::fromUtf8("on \xC3\xA9");
    packet = request.packet();
    QCOMPARE(packet.payload, QByteArray("on \xC3\xA9"));
    QVERIFY(!packet.properties.has(drover::mqtt::Properties::ContentType));
    QCOMPARE(packet.properties.integer(drover::mqtt::Properties::PayloadFormatIndicator), 1u);
}

void TestCommandTexts::requestJson()
{
    CommandRequest request;
    request.id = 0xFFFF'FFFF'FFFF'FFF0ull; // beyond a double's integers
    request.application = QStringLiteral("demo");
    request.device = QStringLiteral("device-1");
    request.command = QStringLiteral("blink");
    request.payload = QStringLiteral("{\n  \"times\": 3\n}");
    request.mode = PayloadMode::Text;
    request.qos = QoS::AtMostOnce;
    QCOMPARE(CommandRequest::fromJson(request.toJson()), request);
}

QTEST_GUILESS_MAIN(TestCommandTexts)
#include "tst_commandtexts.moc"
