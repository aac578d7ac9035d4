// UTF-8 string rules (spec 1.5.4), topic name and filter syntax and matching (spec 4.7).
#include "mqtttestutil.h"

#include "mqtt/topic.h"

#include <QtTest>

using namespace drover::mqtt;
using drover::mqtt::test::hex;

class TestTopic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void utf8_data();
    void utf8();
    void topicName_data();
    void topicName();
    void topicFilter_data();
    void topicFilter();
    void matches_data();
    void matches();
};

void TestTopic::utf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("validString"); // MQTT UTF-8 string: also no U+0000
    QTest::addColumn<bool>("wellFormed");  // RFC 3629 only

    QTest::newRow("empty") << QByteArray() << true << true;
    QTest::newRow("ascii") << QByteArray("sport/tennis") << true << true;
    QTest::newRow("U+0000") << QByteArray("a\0b", 3) << false << true;
    QTest::newRow("U+00E9") << hex("c3a9") << true << true;
    QTest::newRow("U+20AC") << hex("e282ac") << true << true;
    QTest::newRow("U+1F600") << hex("f09f9880") << true << true;
    QTest::newRow("U+10FFFF") << hex("f48fbfbf") << true << true;
    QTest::newRow("U+D7FF") << hex("ed9fbf") << true << true;
    QTest::newRow("U+E000") << hex("ee8080") << true << true;
    QTest::newRow("U+FEFF BOM (MQTT-1.5.4-3)") << hex("efbbbf") << true << true;
    QTest::newRow("U+FFFF non-character") << hex("efbfbf") << true << true;
    QTest::newRow("U+0001 control") << hex("01") << true << true;
    QTest::newRow("U+110000") << hex("f4908080") << false << false;
    QTest::newRow("surrogate U+D800") << hex("eda080") << false << false;
    QTest::newRow("surrogate U+DFFF") << hex("edbfbf") << false << false;
    QTest::newRow("surrogate pair as CESU-8") << hex("eda0bdedb880") << false << false;
    QTest::newRow("overlong NUL c0 80") << hex("c080") << false << false;
    QTest::newRow("overlong / c0 af") << hex("c0af") << false << false;
    QTest::newRow("overlong c1 bf") << hex("c1bf") << false << false;
    QTest::newRow("overlong 3-byte U+007F") << hex("e081bf") << false << false;
    QTest::newRow("overlong 3-byte U+07FF") << hex("e09fbf") << false << false;
    QTest::newRow("overlong 4-byte U+FFFF") << hex("f08fbfbf") << false << false;
    QTest::newRow("lone continuation") << hex("80") << false << false;
    QTest::newRow("continuation after ascii") << hex("61bf") << false << false;
    QTest::newRow("truncated 2-byte") << hex("c3") << false << false;
    QTest::newRow("truncated 3-byte") << hex("e282") << false << false;
    QTest::newRow("truncated 4-byte") << hex("f09f98") << false << false;
    QTest::newRow("truncated then ascii") << hex("e28261") << false << false;
    QTest::newRow("bad continuation") << hex("c328") << false << false;
    QTest::newRow("5-byte form") << hex("f888808080") << false << false;
    QTest::newRow("byte fe") << hex("fe") << false << false;
    QTest::newRow("byte ff") << hex("ff") << false << false;
}

void TestTopic::utf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, validString);
    QFETCH(bool, wellFormed);
    QCOMPARE(isValidUtf8String(bytes), validString);
    QCOMPARE(isWellFormedUtf8(bytes), wellFormed);
}

void TestTopic::topicName_data()
{
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("valid");
    QTest::newRow("a/b") << QByteArray("a/b") << true;
    QTest::newRow("/") << QByteArray("/") << true;
    QTest::newRow("space") << QByteArray("a b") << true;
    QTest::newRow("$SYS") << QByteArray("$SYS/broker") << true;
    QTest::newRow("unicode") << hex("636166c3a9") << true;
    QTest::newRow("empty (MQTT-4.7.3-1)") << QByteArray() << false;
    QTest::newRow("+") << QByteArray("a/+") << false;
    QTest::newRow("#") << QByteArray("#") << false;
    QTest::newRow("+ inside a level") << QByteArray("a+b") << false;
    QTest::newRow("U+0000") << QByteArray("a\0", 2) << false;
    QTest::newRow("bad UTF-8") << hex("61ff") << false;
}

void TestTopic::topicName()
{
    QFETCH(QByteArray, topic);
    QFETCH(bool, valid);
    QCOMPARE(isValidTopicName(topic), valid);
}

void TestTopic::topicFilter_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<bool>("valid");
    for (const char *ok : {"#", "+", "a/#", "a/+/b", "+/+", "/#", "/+", "sport/tennis/#", "+/tennis/#",
                           "a//b", "$SYS/#", "$share/g/a/+"})
        QTest::newRow(ok) << QByteArray(ok) << true;
    for (const char *bad :
         {"", "a#", "a/#/b", "#/a", "a+", "a/b+", "++", "a/+b", "sport/tennis#", "##", "+#"})
        QTest::newRow(*bad ? bad : "empty") << QByteArray(bad) << false;
    QTest::newRow("bad UTF-8") << hex("612fc0af") << false;
    QTest::newRow("U+0000") << QByteArray("a/\0", 3) << false;
}

void TestTopic::topicFilter()
{
    QFETCH(QByteArray, filter);
    QFETCH(bool, valid);
    QCOMPARE(isValidTopicFilter(filter), valid);
}

void TestTopic::matches_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("expected");
    const auto row = [](const char *filter, const char *topic, bool expected) {
        QTest::addRow("%s ~ %s", filter, topic) << QByteArray(filter) << QByteArray(topic) << expected;
    };
    // Spec 4.7.1.2 examples.
    row("sport/tennis/player1/#", "sport/tennis/player1", true);
    row("sport/tennis/player1/#", "sport/tennis/player1/ranking", true);
    row("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true);
    row("sport/#", "sport", true);
    row("sport/#", "sports", false);
    row("#", "a", true);
    row("#", "a/b/c", true);
    row("#", "/", true);
    // Spec 4.7.1.3 examples.
    row("sport/tennis/+", "sport/tennis/player1", true);
    row("sport/tennis/+", "sport/tennis/player2", true);
    row("sport/tennis/+", "sport/tennis/player1/ranking", false);
    row("sport/+", "sport", false);
    row("sport/+", "sport/", true);
    row("+/+", "/finance", true);
    row("/+", "/finance", true);
    row("+", "/finance", false);
    row("+", "a", true);
    row("+", "a/b", false);
    row("+/tennis/#", "sport/tennis/x/y", true);
    row("+/tennis/#", "sport/tennis", true);
    row("+/+/+", "a/b", false);
    // Spec 4.7.2: '$' topics and first-level wildcards (MQTT-4.7.2-1).
    row("#", "$SYS/broker", false);
    row("+/monitor/Clients", "$SYS/monitor/Clients", false);
    row("$SYS/#", "$SYS/monitor/Clients", true);
    row("$SYS/monitor/+", "$SYS/monitor/Clients", true);
    row("$SYS/#", "$SYS", true);
    row("a/#", "a/$b", true);
    // Exact levels, empty levels.
    row("a/b", "a/b", true);
    row("a/b", "a/b/c", false);
    row("a/b", "a", false);
    row("a/b", "A/B", false);
    row("a/b/", "a/b", false);
    row("sport/tennis", "sport/tennis/", false);
    row("sport/tennis/#", "sport/tennis/", true);
    row("a//b", "a//b", true);
    row("a/+/b", "a//b", true);
    row("/#", "/", true);
    row("/#", "a", false);
    // Invalid filters match nothing.
    row("a/#/b", "a/x/b", false);
    row("", "a", false);
    row("a", "", false);
}

void TestTopic::matches()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, topic);
    QFETCH(bool, expected);
    QCOMPARE(topicMatches(filter, topic), expected);
}

QTEST_APPLESS_MAIN(TestTopic)
#include "tst_topic.moc"
