// EventFormatter: data kinds, table texts, indented JSON, text, the hex dump's exact layout,
// the attribute rows and the search text.
#include "events/eventformatter.h"
#include "eventtestutil.h"

#include <QJsonDocument>
#include <QTest>

using namespace drover::ui;
using drover::ui::test::connectionEvent;
using drover::ui::test::makeEvent;
using drover::ui::test::stateEvent;
using Kind = EventFormatter::DataKind;

namespace {

QByteArray allBytes()
{
    QByteArray bytes;
    for (int b = 0; b < 256; ++b)
        bytes.append(char(b));
    return bytes;
}

ReceivedEvent withData(const QByteArray &data, const QByteArray &contentType = "application/json")
{
    return makeEvent("device-1", 1, "state", data, contentType);
}

} // namespace

class TestEventFormatter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dataKind_data();
    void dataKind();
    void prettyJsonKeepsOrderAndNumbers();
    void prettyJsonScalarsAndEmpties();
    void prettyJsonIsValidJson();
    void textIsShownAsIs();
    void hexDumpOfAllBytes();
    void hexDumpPartialLines();
    void dataTextPicksTheForm();
    void previewOneLine();
    void previewIsCut();
    void sizeText_data();
    void sizeText();
    void typeText();
    void timeText();
    void attributes();
    void searchText();
};

void TestEventFormatter::dataKind_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<Kind>("kind");
    QTest::newRow("empty") << QByteArray() << Kind::Empty;
    QTest::newRow("object") << QByteArray("{\"a\":1}") << Kind::Json;
    QTest::newRow("spaced array") << QByteArray(" [1, 2]\n") << Kind::Json;
    QTest::newRow("bare number") << QByteArray("21.5") << Kind::Json;
    QTest::newRow("text") << QByteArray("temperature=21.5") << Kind::Text;
    QTest::newRow("multi-line UTF-8") << QByteArray("gr\xc3\xbc\xc3\x9f"
                                                    "e\r\n\tline 2")
                                      << Kind::Text;
    QTest::newRow("broken JSON is text") << QByteArray("{\"a\":") << Kind::Text;
    QTest::newRow("invalid UTF-8") << QByteArray("abc\xff") << Kind::Binary;
    QTest::newRow("overlong UTF-8") << QByteArray("\xc0\xaf") << Kind::Binary;
    QTest::newRow("control characters") << QByteArray("ab\x01\x02") << Kind::Binary;
    QTest::newRow("NUL") << QByteArray("ab\0cd", 5) << Kind::Binary;
    QTest::newRow("all bytes") << allBytes() << Kind::Binary;
}

void TestEventFormatter::dataKind()
{
    QFETCH(QByteArray, data);
    QFETCH(Kind, kind);
    QCOMPARE(EventFormatter::dataKind(data), kind);
}

void TestEventFormatter::prettyJsonKeepsOrderAndNumbers()
{
    const QByteArray json = R"({"z":1.50,"a":[1,2e3,{"s":"x,y:{\"q\"}[]"}],"e":{},"f":[ ],"n":null,"b":true,)"
                            R"("big":12345678901234567890})";
    const QString expected = QStringLiteral(R"({
  "z": 1.50,
  "a": [
    1,
    2e3,
    {
      "s": "x,y:{\"q\"}[]"
    }
  ],
  "e": {},
  "f": [],
  "n": null,
  "b": true,
  "big": 12345678901234567890
})");
    QCOMPARE(EventFormatter::prettyJson(json), expected);
    // Whitespace in the input changes nothing.
    const QByteArray spaced = R"( { "z" : 1.50 ,
        "a" : [ 1 , 2e3 , { "s" : "x,y:{\"q\"}[]" } ] , "e" : { } , "f" : [ ] , "n" : null ,
        "b" : true , "big" : 12345678901234567890 } )";
    QCOMPARE(EventFormatter::prettyJson(spaced), expected);
}

void TestEventFormatter::prettyJsonScalarsAndEmpties()
{
    QCOMPARE(EventFormatter::prettyJson("21.5"), QStringLiteral("21.5"));
    QCOMPARE(EventFormatter::prettyJson(" \"a b\" "), QStringLiteral("\"a b\""));
    QCOMPARE(EventFormatter::prettyJson("{}"), QStringLiteral("{}"));
    QCOMPARE(EventFormatter::prettyJson("[[]]"), QStringLiteral("[\n  []\n]"));
    QCOMPARE(EventFormatter::prettyJson("{\"\\\\\":\"\\\\\"}"), QStringLiteral("{\n  \"\\\\\": \"\\\\\"\n}"));
    QCOMPARE(EventFormatter::prettyJson("{\"k\":\"gr\xc3\xbc\xc3\x9f"
                                        "e\"}"),
             QStringLiteral("{\n  \"k\": \"gr\u00fc\u00dfe\"\n}"));
}

void TestEventFormatter::prettyJsonIsValidJson()
{
    const QByteArray data = test::stateData(12);
    const QString pretty = EventFormatter::prettyJson(data);
    QCOMPARE(QJsonDocument::fromJson(pretty.toUtf8()), QJsonDocument::fromJson(data));
    QCOMPARE(pretty,
             QStringLiteral("{\n  \"temperature\": 21.53,\n  \"humidity\": 45.2,\n"
                            "  \"targetTemperature\": 21.5,\n  \"interval\": 1,\n  \"sequence\": 12\n}"));
}

void TestEventFormatter::textIsShownAsIs()
{
    const QByteArray text = "gr\xc3\xbc\xc3\x9f"
                            "e\r\n\tline 2 \xf0\x9f\x8c\xa1";
    QCOMPARE(EventFormatter::dataText(withData(text, "text/plain")), QString::fromUtf8(text));
}

void TestEventFormatter::hexDumpOfAllBytes()
{
    // Byte for byte what `xxd` prints for the same bytes.
    const QString expected =
        QStringLiteral("00000000: 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................\n"
                       "00000010: 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f  ................\n"
                       "00000020: 2021 2223 2425 2627 2829 2a2b 2c2d 2e2f   !\"#$%&'()*+,-./\n"
                       "00000030: 3031 3233 3435 3637 3839 3a3b 3c3d 3e3f  0123456789:;<=>?\n"
                       "00000040: 4041 4243 4445 4647 4849 4a4b 4c4d 4e4f  @ABCDEFGHIJKLMNO\n"
                       "00000050: 5051 5253 5455 5657 5859 5a5b 5c5d 5e5f  PQRSTUVWXYZ[\\]^_\n"
                       "00000060: 6061 6263 6465 6667 6869 6a6b 6c6d 6e6f  `abcdefghijklmno\n"
                       "00000070: 7071 7273 7475 7677 7879 7a7b 7c7d 7e7f  pqrstuvwxyz{|}~.\n"
                       "00000080: 8081 8283 8485 8687 8889 8a8b 8c8d 8e8f  ................\n"
                       "00000090: 9091 9293 9495 9697 9899 9a9b 9c9d 9e9f  ................\n"
                       "000000a0: a0a1 a2a3 a4a5 a6a7 a8a9 aaab acad aeaf  ................\n"
                       "000000b0: b0b1 b2b3 b4b5 b6b7 b8b9 babb bcbd bebf  ................\n"
                       "000000c0: c0c1 c2c3 c4c5 c6c7 c8c9 cacb cccd cecf  ................\n"
                       "000000d0: d0d1 d2d3 d4d5 d6d7 d8d9 dadb dcdd dedf  ................\n"
                       "000000e0: e0e1 e2e3 e4e5 e6e7 e8e9 eaeb eced eeef  ................\n"
                       "000000f0: f0f1 f2f3 f4f5 f6f7 f8f9 fafb fcfd feff  ................\n");
    QCOMPARE(EventFormatter::hexDump(allBytes()), expected);
}

void TestEventFormatter::hexDumpPartialLines()
{
    QCOMPARE(EventFormatter::hexDump(QByteArray()), QString());
    QCOMPARE(EventFormatter::hexDump("abc"),
             QStringLiteral("00000000: 6162 63                                  abc\n"));
    QCOMPARE(EventFormatter::hexDump("abcdefghijklmnopq"),
             QStringLiteral("00000000: 6162 6364 6566 6768 696a 6b6c 6d6e 6f70  abcdefghijklmnop\n"
                            "00000010: 71                                       q\n"));
    // Every line is as wide as a full one.
    const QStringList lines = EventFormatter::hexDump(QByteArray(37, '\x80')).split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 4); // three lines and the empty rest after the last '\n'
    QCOMPARE(lines[2].size(), 8 + 2 + 39 + 2 + 5);
    QCOMPARE(lines[2], QStringLiteral("00000020: 8080 8080 80") + QString(39 - 12 + 2, QLatin1Char(' ')) +
                           QStringLiteral("....."));
}

void TestEventFormatter::dataTextPicksTheForm()
{
    QCOMPARE(EventFormatter::dataText(withData("{\"a\":1}", "text/plain")),
             QStringLiteral("{\n  \"a\": 1\n}"));
    QCOMPARE(EventFormatter::dataText(withData("on", "text/plain")), QStringLiteral("on"));
    QCOMPARE(EventFormatter::dataText(withData(allBytes(), "application/json")),
             EventFormatter::hexDump(allBytes()));
    QCOMPARE(EventFormatter::dataText(withData(QByteArray())), QString());
}

void TestEventFormatter::previewOneLine()
{
    QCOMPARE(EventFormatter::preview(withData("{ \"a\" : [1, 2],\n \"b\": \"x y\" }")),
             QStringLiteral("{\"a\":[1,2],\"b\":\"x y\"}"));
    QCOMPARE(EventFormatter::preview(withData("line 1\r\n\tline 2", "text/plain")),
             QStringLiteral("line 1   line 2"));
    QCOMPARE(EventFormatter::preview(withData(allBytes(), "application/octet-stream")),
             QStringLiteral("<256 bytes binary>"));
    QVERIFY(EventFormatter::preview(withData(QByteArray())).isEmpty());
}

void TestEventFormatter::previewIsCut()
{
    const QByteArray exact(EventFormatter::PreviewLength, 'x');
    QCOMPARE(EventFormatter::preview(withData(exact, "text/plain")), QString::fromLatin1(exact));
    const QString cut = EventFormatter::preview(withData(exact + 'y', "text/plain"));
    QCOMPARE(cut.size(), EventFormatter::PreviewLength);
    QVERIFY(cut.endsWith(QChar(0x2026)));
    QVERIFY(cut.startsWith(QLatin1String("xxxx")));

    // A megabyte of JSON still gives one short line.
    QByteArray big = "[";
    for (int i = 0; i < 100000; ++i)
        big += "1234567, ";
    big += "0]";
    const QString preview = EventFormatter::preview(withData(big));
    QCOMPARE(preview.size(), EventFormatter::PreviewLength);
    QVERIFY(preview.startsWith(QLatin1String("[1234567,1234567,")));

    // Not cut inside a surrogate pair: 200 thermometers (U+1F321, two UTF-16 units each).
    QByteArray emoji;
    for (int i = 0; i < 200; ++i)
        emoji += "\xf0\x9f\x8c\xa1";
    const QString cutEmoji = EventFormatter::preview(withData(emoji, "text/plain"), 10);
    QVERIFY(cutEmoji.size() <= 10);
    QVERIFY(!cutEmoji.chopped(1).back().isHighSurrogate());
    QCOMPARE(cutEmoji, QString::fromUtf8(emoji.left(4 * 4)) + QChar(0x2026));
}

void TestEventFormatter::sizeText_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("0") << qint64(0) << QStringLiteral("0 B");
    QTest::newRow("1023") << qint64(1023) << QStringLiteral("1023 B");
    QTest::newRow("1024") << qint64(1024) << QStringLiteral("1.0 KiB");
    QTest::newRow("1536") << qint64(1536) << QStringLiteral("1.5 KiB");
    QTest::newRow("1 MiB") << qint64(1024 * 1024) << QStringLiteral("1.0 MiB");
    QTest::newRow("2.5 GiB") << qint64(5) * 512 * 1024 * 1024 << QStringLiteral("2.5 GiB");
}

void TestEventFormatter::sizeText()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, text);
    QCOMPARE(EventFormatter::sizeText(bytes), text);
}

void TestEventFormatter::typeText()
{
    QCOMPARE(EventFormatter::typeText(stateEvent("d", 1)), QStringLiteral("event"));
    QCOMPARE(EventFormatter::typeText(connectionEvent("d", 1, true)), QStringLiteral("connection"));
    ReceivedEvent other = stateEvent("d", 1);
    other.event.type = "com.example.thing";
    QCOMPARE(EventFormatter::typeText(other), QStringLiteral("com.example.thing"));
}

void TestEventFormatter::timeText()
{
    ReceivedEvent event = stateEvent("d", 123);
    QCOMPARE(EventFormatter::timeText(event),
             event.event.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
    QVERIFY(EventFormatter::timeText(event).endsWith(QLatin1String(":00.123")));
    event.event.time = QDateTime(); // no event time: when it was received
    QCOMPARE(EventFormatter::timeText(event),
             event.received.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")));
}

void TestEventFormatter::attributes()
{
    ReceivedEvent event = stateEvent("device-1", 5);
    event.event.extensions.append(std::pair<QByteArray, QByteArray>("traceparent", "00-abc-01"));
    event.size = 2048;
    event.binaryMode = true;
    const QList<std::pair<QString, QString>> rows = EventFormatter::attributes(event);
    QStringList names;
    for (const auto &[name, value] : rows)
        names.append(name);
    QCOMPARE(names,
             (QStringList{QStringLiteral("specversion"), QStringLiteral("id"), QStringLiteral("type"),
                          QStringLiteral("source"), QStringLiteral("subject"), QStringLiteral("time"),
                          QStringLiteral("application"), QStringLiteral("device"), QStringLiteral("sender"),
                          QStringLiteral("partitionkey"), QStringLiteral("instance"),
                          QStringLiteral("traceparent"), QStringLiteral("datacontenttype"),
                          QStringLiteral("topic"), QStringLiteral("size"), QStringLiteral("content mode"),
                          QStringLiteral("received")}));
    const auto value = [&rows](const char *name) {
        for (const auto &[n, v] : rows) {
            if (n == QLatin1String(name))
                return v;
        }
        return QStringLiteral("<missing>");
    };
    QCOMPARE(value("id"), QStringLiteral("id-5"));
    QCOMPARE(value("time"), QStringLiteral("2026-11-25T12:00:00.005000Z"));
    QCOMPARE(value("datacontenttype"), QStringLiteral("application/json"));
    QCOMPARE(value("traceparent"), QStringLiteral("00-abc-01"));
    QCOMPARE(value("topic"), QStringLiteral("app/demo"));
    QCOMPARE(value("size"), QStringLiteral("2.0 KiB (2048 bytes)"));
    QCOMPARE(value("content mode"), QStringLiteral("binary"));
    QCOMPARE(QDateTime::fromString(value("received"), Qt::ISODateWithMs), event.received);

    event.event.dataContentType.clear();
    event.size = 10;
    event.binaryMode = false;
    const auto plain = EventFormatter::attributes(event);
    QVERIFY(std::none_of(plain.begin(), plain.end(),
                         [](const auto &row) { return row.first == QLatin1String("datacontenttype"); }));
    QVERIFY(std::count(plain.begin(), plain.end(),
                       std::pair{QStringLiteral("size"), QStringLiteral("10 B")}) == 1);
    QVERIFY(std::count(plain.begin(), plain.end(),
                       std::pair{QStringLiteral("content mode"), QStringLiteral("structured")}) == 1);
}

void TestEventFormatter::searchText()
{
    ReceivedEvent event = makeEvent("Device-1", 1, "State", "{ \"Temperature\" : 21.5 }");
    QCOMPARE(EventFormatter::searchText(event),
             QStringLiteral("device-1\nstate\nio.drogue.event.v1\n{\"temperature\":21.5}"));
    event.event.data = allBytes();
    QCOMPARE(EventFormatter::searchText(event), QStringLiteral("device-1\nstate\nio.drogue.event.v1\n"));
    event.event.data = "Stra\xc3\x9f"
                       "e";
    QVERIFY(EventFormatter::searchText(event).endsWith(QStringLiteral("stra\u00dfe"))); // ß folds to itself
}

QTEST_GUILESS_MAIN(TestEventFormatter)
#include "tst_eventformatter.moc"
