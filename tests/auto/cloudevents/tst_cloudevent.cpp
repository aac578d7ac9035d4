// CloudEvent value, time formatting, attribute listing and the helper predicates.
#include "cloudevents/cloudevent.h"
#include "cloudevents/jsonscanner.h"

#include <QJsonDocument>
#include <QTest>

#include <functional>

using namespace drover::cloudevents;

using Attributes = QList<std::pair<QByteArray, QByteArray>>;

namespace {

CloudEvent fullEvent()
{
    CloudEvent e;
    e.id = QByteArrayLiteral("5f0c6e1e-4c1b-4a53-9d0e-7f1f3c2b8a11");
    e.source = QByteArrayLiteral("drogue://app1/dev1");
    e.subject = QByteArrayLiteral("temperature");
    e.time = QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 123), Qt::UTC);
    e.dataContentType = QByteArrayLiteral("application/json");
    e.dataSchema = QByteArrayLiteral("urn:schema");
    e.application = QByteArrayLiteral("app1");
    e.device = QByteArrayLiteral("dev1");
    e.sender = QByteArrayLiteral("gw1");
    e.partitionKey = QByteArrayLiteral("app1/gw1");
    e.instance = QByteArrayLiteral("drover");
    e.extensions = {{QByteArrayLiteral("lorawanport"), QByteArrayLiteral("7")}};
    e.data = QByteArrayLiteral("{\"t\":21.5}");
    return e;
}

QByteArray deepArrays(int depth)
{
    return QByteArray(depth, '[') + QByteArray(depth, ']');
}

} // namespace

class TestCloudEvent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void equality();
    void timeString_data();
    void timeString();
    void parseTime_data();
    void parseTime();
    void timeRoundTrip();
    void attributesOrder();
    void attributesOmitEmpty();
    void attributesFilterExtensions();
    void jsonContentType_data();
    void jsonContentType();
    void jsonValue_data();
    void jsonValue();
    void percentEncode_data();
    void percentEncode();
    void utf8_data();
    void utf8();
    void extensionName_data();
    void extensionName();
    void scannerCompact();
};

void TestCloudEvent::equality()
{
    const CloudEvent base = fullEvent();
    QVERIFY(base == fullEvent());
    QVERIFY(!(base != fullEvent()));
    QVERIFY(CloudEvent() == CloudEvent());

    // Every member takes part: change one at a time.
    const QList<std::function<void(CloudEvent &)>> changes = {
        [](CloudEvent &e) { e.id += 'x'; },
        [](CloudEvent &e) { e.source += 'x'; },
        [](CloudEvent &e) { e.type += 'x'; },
        [](CloudEvent &e) { e.subject += 'x'; },
        [](CloudEvent &e) { e.time = e.time.addMSecs(1); },
        [](CloudEvent &e) { e.dataContentType += 'x'; },
        [](CloudEvent &e) { e.dataSchema += 'x'; },
        [](CloudEvent &e) { e.application += 'x'; },
        [](CloudEvent &e) { e.device += 'x'; },
        [](CloudEvent &e) { e.sender += 'x'; },
        [](CloudEvent &e) { e.partitionKey += 'x'; },
        [](CloudEvent &e) { e.instance += 'x'; },
        [](CloudEvent &e) { e.extensions.first().second += 'x'; },
        [](CloudEvent &e) {
            e.extensions.append({QByteArrayLiteral("more"), QByteArrayLiteral("1")});
        },
        [](CloudEvent &e) { e.data += 'x'; },
    };
    for (qsizetype i = 0; i < changes.size(); ++i) {
        CloudEvent changed = fullEvent();
        changes[i](changed);
        QVERIFY2(changed != base, QByteArray::number(i).constData());
        QVERIFY2(!(changed == base), QByteArray::number(i).constData());
    }
}

void TestCloudEvent::timeString_data()
{
    QTest::addColumn<QDateTime>("time");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("utc ms") << QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 123), Qt::UTC)
                            << QByteArray("2026-11-25T12:00:00.123000Z");
    QTest::newRow("padding") << QDateTime(QDate(987, 1, 2), QTime(3, 4, 5, 6), Qt::UTC)
                             << QByteArray("0987-01-02T03:04:05.006000Z");
    QTest::newRow("offset converted to utc")
        << QDateTime(QDate(2026, 1, 1), QTime(1, 30, 0, 0), Qt::OffsetFromUTC, 2 * 3600)
        << QByteArray("2025-12-31T23:30:00.000000Z");
    QTest::newRow("end of day") << QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), Qt::UTC)
                                << QByteArray("2024-02-29T23:59:59.999000Z");
    QTest::newRow("invalid") << QDateTime() << QByteArray();
    QTest::newRow("year 10000") << QDateTime(QDate(10000, 1, 1), QTime(0, 0), Qt::UTC) << QByteArray();
    QTest::newRow("negative year") << QDateTime(QDate(-5, 1, 1), QTime(0, 0), Qt::UTC) << QByteArray();
}

void TestCloudEvent::timeString()
{
    QFETCH(QDateTime, time);
    QFETCH(QByteArray, expected);
    CloudEvent e;
    e.time = time;
    QCOMPARE(e.timeString(), expected);
}

void TestCloudEvent::parseTime_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QDateTime>("expected"); // invalid = must be refused

    const auto utc = [](int y, int mo, int d, int h, int mi, int s, int ms) {
        return QDateTime(QDate(y, mo, d), QTime(h, mi, s, ms), Qt::UTC);
    };
    QTest::newRow("micro") << QByteArray("2026-11-25T12:00:00.123456Z") << utc(2026, 11, 25, 12, 0, 0, 123);
    QTest::newRow("no fraction") << QByteArray("2026-11-25T12:00:00Z") << utc(2026, 11, 25, 12, 0, 0, 0);
    QTest::newRow("one digit") << QByteArray("2026-11-25T12:00:00.5Z") << utc(2026, 11, 25, 12, 0, 0, 500);
    QTest::newRow("nine digits truncated")
        << QByteArray("2026-11-25T12:00:00.999999999Z") << utc(2026, 11, 25, 12, 0, 0, 999);
    QTest::newRow("lowercase") << QByteArray("2026-11-25t12:00:00z") << utc(2026, 11, 25, 12, 0, 0, 0);
    QTest::newRow("positive offset") << QByteArray("2026-11-25T12:00:00+02:00")
                                     << utc(2026, 11, 25, 10, 0, 0, 0);
    QTest::newRow("negative offset") << QByteArray("2026-11-25T23:30:00.010-01:45")
                                     << utc(2026, 11, 26, 1, 15, 0, 10);
    QTest::newRow("leap second") << QByteArray("2016-12-31T23:59:60Z") << utc(2016, 12, 31, 23, 59, 59, 999);

    QTest::newRow("empty") << QByteArray() << QDateTime();
    QTest::newRow("no offset") << QByteArray("2026-11-25T12:00:00") << QDateTime();
    QTest::newRow("no seconds") << QByteArray("2026-11-25T12:00Z") << QDateTime();
    QTest::newRow("date only") << QByteArray("2026-11-25") << QDateTime();
    QTest::newRow("space separator") << QByteArray("2026-11-25 12:00:00Z") << QDateTime();
    QTest::newRow("month 13") << QByteArray("2026-13-01T00:00:00Z") << QDateTime();
    QTest::newRow("feb 30") << QByteArray("2026-02-30T00:00:00Z") << QDateTime();
    QTest::newRow("hour 24") << QByteArray("2026-02-01T24:00:00Z") << QDateTime();
    QTest::newRow("empty fraction") << QByteArray("2026-11-25T12:00:00.Z") << QDateTime();
    QTest::newRow("short offset") << QByteArray("2026-11-25T12:00:00+2:00") << QDateTime();
    QTest::newRow("offset without colon") << QByteArray("2026-11-25T12:00:00+0200") << QDateTime();
    QTest::newRow("trailing") << QByteArray("2026-11-25T12:00:00Zx") << QDateTime();
    QTest::newRow("short year") << QByteArray("226-11-25T12:00:00Z") << QDateTime();
}

void TestCloudEvent::parseTime()
{
    QFETCH(QByteArray, text);
    QFETCH(QDateTime, expected);
    const QDateTime parsed = CloudEvent::parseTime(text);
    QCOMPARE(parsed.isValid(), expected.isValid());
    if (expected.isValid()) {
        QCOMPARE(parsed, expected);
        QCOMPARE(parsed.timeSpec(), Qt::UTC);
    }
}

void TestCloudEvent::timeRoundTrip()
{
    CloudEvent e;
    e.time = QDateTime::currentDateTimeUtc();
    const QByteArray text = e.timeString();
    QCOMPARE(text.size(), 27);
    QCOMPARE(CloudEvent::parseTime(text), e.time);
}

void TestCloudEvent::attributesOrder()
{
    const CloudEvent e = fullEvent();
    const Attributes expected = {
        {"specversion", "1.0"},
        {"id", "5f0c6e1e-4c1b-4a53-9d0e-7f1f3c2b8a11"},
        {"type", "io.drogue.event.v1"},
        {"source", "drogue://app1/dev1"},
        {"subject", "temperature"},
        {"time", "2026-11-25T12:00:00.123000Z"},
        {"dataschema", "urn:schema"},
        {"application", "app1"},
        {"device", "dev1"},
        {"sender", "gw1"},
        {"partitionkey", "app1/gw1"},
        {"instance", "drover"},
        {"lorawanport", "7"},
    };
    QCOMPARE(e.attributes(), expected);
}

void TestCloudEvent::attributesOmitEmpty()
{
    CloudEvent e;
    e.id = "1";
    e.source = "drogue://a/b";
    e.dataContentType = "text/plain"; // never an attribute in the list
    e.data = "x";
    const Attributes expected = {
        {"specversion", "1.0"},
        {"id", "1"},
        {"type", "io.drogue.event.v1"},
        {"source", "drogue://a/b"},
    };
    QCOMPARE(e.attributes(), expected);
}

void TestCloudEvent::attributesFilterExtensions()
{
    CloudEvent e;
    e.id = "1";
    e.source = "s";
    e.extensions = {
        {"Upper", "bad name"},
        {"with-dash", "bad name"},
        {"id", "shadows id"},
        {"partitionkey", "shadows"},
        {"data", "shadows data"},
        {"", "no name"},
        {"empty", ""},
        {"ok", "first"},
        {"ok", "repeated"},
        {"empty", "later value"},
        {"hwaddr", "0011"},
    };
    const Attributes expected = {
        {"specversion", "1.0"}, {"id", "1"},     {"type", "io.drogue.event.v1"},
        {"source", "s"},        {"ok", "first"}, {"empty", "later value"},
        {"hwaddr", "0011"},
    };
    QCOMPARE(e.attributes(), expected);

    Attributes visited;
    e.forEachExtension([&visited](const QByteArray &n, const QByteArray &v) { visited.append({n, v}); });
    QCOMPARE(visited, expected.mid(4));
}

void TestCloudEvent::jsonContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("json");

    QTest::newRow("application/json") << QByteArray("application/json") << true;
    QTest::newRow("text/json") << QByteArray("text/json") << true;
    QTest::newRow("upper case") << QByteArray("Application/JSON") << true;
    QTest::newRow("charset") << QByteArray("application/json; charset=utf-8") << true;
    QTest::newRow("charset no space") << QByteArray("application/json;charset=UTF-8") << true;
    QTest::newRow("space before ;") << QByteArray("application/json ; x=y") << true;
    QTest::newRow("+json") << QByteArray("application/cloudevents+json") << true;
    QTest::newRow("+json upper") << QByteArray("application/vnd.ACME+JSON; v=2") << true;
    QTest::newRow("+json other type") << QByteArray("model/foo+json") << true;

    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("octet-stream") << QByteArray("application/octet-stream") << false;
    QTest::newRow("text/plain") << QByteArray("text/plain") << false;
    QTest::newRow("json-seq") << QByteArray("application/json-seq") << false;
    QTest::newRow("jsonp") << QByteArray("application/jsonp") << false;
    QTest::newRow("json in parameter") << QByteArray("text/plain; format=json") << false;
    QTest::newRow("+json in parameter") << QByteArray("text/plain; x=a+json") << false;
    QTest::newRow("bare json") << QByteArray("json") << false;
    QTest::newRow("no subtype") << QByteArray("application/") << false;
    QTest::newRow("only suffix") << QByteArray("application/+json") << false;
    QTest::newRow("image/json") << QByteArray("image/json") << false;
    QTest::newRow("+jsonx") << QByteArray("application/a+jsonx") << false;
}

void TestCloudEvent::jsonContentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, json);
    QCOMPARE(isJsonContentType(contentType), json);
}

void TestCloudEvent::jsonValue_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");

    QTest::newRow("integer") << QByteArray("42") << true;
    QTest::newRow("negative") << QByteArray("-0") << true;
    QTest::newRow("fraction exp") << QByteArray("-12.5e+3") << true;
    QTest::newRow("big integer") << QByteArray("12345678901234567890") << true;
    QTest::newRow("max double") << QByteArray("1.7976931348623157e308") << true;
    QTest::newRow("string") << QByteArray("\"x\"") << true;
    QTest::newRow("empty string") << QByteArray("\"\"") << true;
    QTest::newRow("true") << QByteArray("true") << true;
    QTest::newRow("false") << QByteArray("false") << true;
    QTest::newRow("null") << QByteArray("null") << true;
    QTest::newRow("object ws") << QByteArray(" {\"a\":1} ") << true;
    QTest::newRow("all ws") << QByteArray("\t\r\n [ 1 , { \"a\" : [ ] , \"b\" : { } } ]\n") << true;
    QTest::newRow("escapes") << QByteArray(R"("\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00")") << true;
    QTest::newRow("lone surrogate escape") << QByteArray(R"("\ud800")") << true;
    QTest::newRow("utf8 in string") << QByteArray("\"gr\xC3\xBC\xC3\x9F \xF0\x9F\x98\x80\"") << true;
    QTest::newRow("del in string") << QByteArray("\"\x7F\"") << true;
    QTest::newRow("depth 1000") << deepArrays(1000) << true;

    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("whitespace") << QByteArray(" \n") << false;
    QTest::newRow("missing value") << QByteArray("{\"a\":}") << false;
    QTest::newRow("NaN") << QByteArray("NaN") << false;
    QTest::newRow("Infinity") << QByteArray("-Infinity") << false;
    QTest::newRow("two values") << QByteArray("1 2") << false;
    QTest::newRow("trailing comma array") << QByteArray("[1,]") << false;
    QTest::newRow("trailing comma object") << QByteArray("{\"a\":1,}") << false;
    QTest::newRow("single quotes") << QByteArray("'x'") << false;
    QTest::newRow("unquoted key") << QByteArray("{a:1}") << false;
    QTest::newRow("number key") << QByteArray("{1:1}") << false;
    QTest::newRow("leading zero") << QByteArray("01") << false;
    QTest::newRow("leading plus") << QByteArray("+1") << false;
    QTest::newRow("dot without digits") << QByteArray("1.") << false;
    QTest::newRow("leading dot") << QByteArray(".5") << false;
    QTest::newRow("exp without digits") << QByteArray("1e+") << false;
    QTest::newRow("hex") << QByteArray("0x10") << false;
    QTest::newRow("overflow") << QByteArray("1e400") << false;
    QTest::newRow("underflow") << QByteArray("1e-400") << false;
    QTest::newRow("truncated literal") << QByteArray("tru") << false;
    QTest::newRow("literal with junk") << QByteArray("nullx") << false;
    QTest::newRow("capital literal") << QByteArray("True") << false;
    QTest::newRow("unterminated string") << QByteArray("\"abc") << false;
    QTest::newRow("raw newline in string") << QByteArray("\"a\nb\"") << false;
    QTest::newRow("raw nul in string") << QByteArray("\"a\0b\"", 5) << false;
    QTest::newRow("bad escape") << QByteArray(R"("\x41")") << false;
    QTest::newRow("short unicode escape") << QByteArray(R"("\u12")") << false;
    QTest::newRow("invalid utf8 in string") << QByteArray("\"\xFF\"") << false;
    QTest::newRow("overlong utf8 in string") << QByteArray("\"\xC0\xAF\"") << false;
    QTest::newRow("utf8 surrogate in string") << QByteArray("\"\xED\xA0\x80\"") << false;
    QTest::newRow("truncated utf8 in string") << QByteArray("\"\xE2\x82\"") << false;
    QTest::newRow("bom") << QByteArray("\xEF\xBB\xBF{}") << false;
    QTest::newRow("unclosed array") << QByteArray("[1, [2]") << false;
    QTest::newRow("mismatched brackets") << QByteArray("[1}") << false;
    QTest::newRow("extra close") << QByteArray("[1]]") << false;
    QTest::newRow("comment") << QByteArray("[1 /* c */]") << false;
    QTest::newRow("vertical tab ws") << QByteArray("\v1") << false;
    QTest::newRow("depth 1001") << deepArrays(1001) << false;
    QTest::newRow("depth 100000") << deepArrays(100000) << false;
}

void TestCloudEvent::jsonValue()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isJsonValue(bytes), valid);
    // Whatever we call JSON, Qt (the client's parser) must read once wrapped in an array,
    // the way the event envelope wraps it.
    if (valid) {
        QJsonParseError error;
        QJsonDocument::fromJson('[' + bytes + ']', &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
    }
}

void TestCloudEvent::percentEncode_data()
{
    QTest::addColumn<QByteArray>("segment");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("unreserved stay") << QByteArray("AZaz09-._~") << QByteArray("AZaz09-._~");
    QTest::newRow("dash stays (RFC 3986, unlike Drogue)") << QByteArray("my-dev") << QByteArray("my-dev");
    QTest::newRow("slash") << QByteArray("a/b") << QByteArray("a%2Fb");
    QTest::newRow("space and percent") << QByteArray("a b%") << QByteArray("a%20b%25");
    QTest::newRow("reserved") << QByteArray(":@!$&'()*+,;=?#[]")
                              << QByteArray("%3A%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%3F%23%5B%5D");
    QTest::newRow("utf8 uppercase hex") << QByteArray("\xC3\xA9") << QByteArray("%C3%A9");
    QTest::newRow("control and nul") << QByteArray("\x00\x1F\x7F", 3) << QByteArray("%00%1F%7F");
    QTest::newRow("high byte") << QByteArray("\xFF") << QByteArray("%FF");
}

void TestCloudEvent::percentEncode()
{
    QFETCH(QByteArray, segment);
    QFETCH(QByteArray, expected);
    QCOMPARE(percentEncodeSegment(segment), expected);
}

void TestCloudEvent::utf8_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");

    QTest::newRow("empty") << QByteArray() << true;
    QTest::newRow("ascii with nul") << QByteArray("a\0b", 3) << true;
    QTest::newRow("2 byte") << QByteArray("\xC3\xA9") << true;
    QTest::newRow("3 byte") << QByteArray("\xE2\x82\xAC") << true;
    QTest::newRow("4 byte") << QByteArray("\xF0\x9F\x98\x80") << true;
    QTest::newRow("U+10FFFF") << QByteArray("\xF4\x8F\xBF\xBF") << true;
    QTest::newRow("U+FFFF") << QByteArray("\xEF\xBF\xBF") << true;

    QTest::newRow("lone continuation") << QByteArray("\x80") << false;
    QTest::newRow("overlong 2") << QByteArray("\xC1\xBF") << false;
    QTest::newRow("overlong 3") << QByteArray("\xE0\x9F\xBF") << false;
    QTest::newRow("overlong 4") << QByteArray("\xF0\x8F\xBF\xBF") << false;
    QTest::newRow("surrogate") << QByteArray("\xED\xB0\x80") << false;
    QTest::newRow("above U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << false;
    QTest::newRow("F5") << QByteArray("\xF5\x80\x80\x80") << false;
    QTest::newRow("truncated") << QByteArray("a\xE2\x82") << false;
    QTest::newRow("bad continuation") << QByteArray("\xE2\x28\xA1") << false;
}

void TestCloudEvent::utf8()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(isValidUtf8(bytes), valid);
    QCOMPARE(isValidUtf8(bytes), QByteArrayView(bytes).isValidUtf8()); // agrees with Qt
}

void TestCloudEvent::extensionName_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("lorawanport") << QByteArray("lorawanport") << true;
    QTest::newRow("digits") << QByteArray("x1") << true;
    QTest::newRow("applicationuid") << QByteArray("applicationuid") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("upper") << QByteArray("Port") << false;
    QTest::newRow("underscore") << QByteArray("data_base64") << false;
    QTest::newRow("dash") << QByteArray("content-mode") << false;
    for (const char *taken :
         {"specversion", "id", "type", "source", "subject", "time", "datacontenttype", "dataschema",
          "application", "device", "sender", "partitionkey", "instance", "data"})
        QTest::newRow(taken) << QByteArray(taken) << false;
}

void TestCloudEvent::extensionName()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, valid);
    QCOMPARE(isExtensionName(name), valid);
}

void TestCloudEvent::scannerCompact()
{
    QByteArray out = "prefix:";
    JsonScanner::appendCompact(out, " { \"a b\" : [ 1 , 2.50 ] ,\n\t\"c\":\"x \\\" y\" } ");
    QCOMPARE(out, QByteArray("prefix:{\"a b\":[1,2.50],\"c\":\"x \\\" y\"}"));
    QCOMPARE(JsonScanner::trimmed(" \t\n42\r\n"), QByteArrayView("42"));
    QCOMPARE(JsonScanner::skipValue("[1] x", 0), qsizetype(3));
    QCOMPARE(JsonScanner::skipValue("[1] x", 4), qsizetype(-1));
}

QTEST_APPLESS_MAIN(TestCloudEvent)
#include "tst_cloudevent.moc"
