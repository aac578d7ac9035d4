// JsonFormat: the structured-mode serialisation and the client-side parser.
#include "cloudevents/jsonformat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace drover::cloudevents;

namespace {

CloudEvent baseEvent()
{
    CloudEvent e;
    e.id = QByteArrayLiteral("id-1");
    e.source = QByteArrayLiteral("drogue://app1/dev1");
    e.subject = QByteArrayLiteral("temp");
    e.time = QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 123), Qt::UTC);
    e.application = QByteArrayLiteral("app1");
    e.device = QByteArrayLiteral("dev1");
    e.sender = QByteArrayLiteral("dev1");
    e.partitionKey = QByteArrayLiteral("app1/dev1");
    e.instance = QByteArrayLiteral("drover");
    return e;
}

CloudEvent withData(QByteArray contentType, QByteArray data)
{
    CloudEvent e = baseEvent();
    e.dataContentType = std::move(contentType);
    e.data = std::move(data);
    return e;
}

// The serialisation must always be one valid JSON object; returns it.
QJsonObject parsedObject(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        qWarning("not a JSON object (%s): %s", qPrintable(error.errorString()), json.constData());
        return {};
    }
    return document.object();
}

QByteArray randomBytes(QRandomGenerator &random, int maxSize)
{
    QByteArray bytes(random.bounded(maxSize + 1), Qt::Uninitialized);
    for (char &c : bytes) {
        // Mostly printable, with a good share of quotes, backslashes, controls and high bytes.
        switch (random.bounded(6)) {
        case 0:
            c = char(random.bounded(0x20));
            break;
        case 1:
            c = char(0x80 + random.bounded(0x80));
            break;
        case 2:
            c = "\"\\/{}[]:,"[random.bounded(9)];
            break;
        default:
            c = char(0x20 + random.bounded(0x5F));
        }
    }
    return bytes;
}

} // namespace

class TestJsonFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exactOutput();
    void minimalEvent();
    void attributeOrderWithOptionalOnes();
    void escaping();
    void invalidUtf8Replaced();
    void dataForms_data();
    void dataForms();
    void jsonScalarsEmbedded_data();
    void jsonScalarsEmbedded();
    void base64Padding();
    void alwaysValidJson();
    void roundTrip_data();
    void roundTrip();
    void roundTripCompactsJson();
    void roundTripEscapedText();
    void parseAttributes();
    void parseDataInterpretation();
    void parseEscapedMemberName();
    void parseDeepData();
    void parseErrors_data();
    void parseErrors();
};

void TestJsonFormat::exactOutput()
{
    CloudEvent e = withData("application/json", "{\"t\": 21.5}");
    e.extensions = {{"lorawanport", "7"}};
    const QByteArray expected =
        "{\"specversion\":\"1.0\",\"id\":\"id-1\",\"type\":\"io.drogue.event.v1\","
        "\"source\":\"drogue://app1/dev1\",\"subject\":\"temp\","
        "\"time\":\"2026-11-25T12:00:00.123000Z\",\"datacontenttype\":\"application/json\","
        "\"application\":\"app1\",\"device\":\"dev1\",\"sender\":\"dev1\","
        "\"partitionkey\":\"app1/dev1\",\"instance\":\"drover\",\"lorawanport\":\"7\","
        "\"data\":{\"t\": 21.5}}";
    QCOMPARE(JsonFormat::serialize(e), expected);
}

void TestJsonFormat::minimalEvent()
{
    CloudEvent e;
    e.id = "1";
    e.source = "s";
    QCOMPARE(JsonFormat::serialize(e),
             QByteArray(
                 "{\"specversion\":\"1.0\",\"id\":\"1\",\"type\":\"io.drogue.event.v1\",\"source\":\"s\"}"));
}

void TestJsonFormat::attributeOrderWithOptionalOnes()
{
    CloudEvent e = withData("text/plain", "hi");
    e.dataSchema = "urn:s";
    e.extensions = {{"zz", "1"}, {"aa", "2"}, {"Bad", "3"}, {"id", "4"}, {"zz", "5"}};
    const QByteArray json = JsonFormat::serialize(e);
    QVERIFY(!parsedObject(json).isEmpty());

    const QList<QByteArray> order = {"\"specversion\"",
                                     "\"id\"",
                                     "\"type\"",
                                     "\"source\"",
                                     "\"subject\"",
                                     "\"time\"",
                                     "\"datacontenttype\"",
                                     "\"dataschema\"",
                                     "\"application\"",
                                     "\"device\"",
                                     "\"sender\"",
                                     "\"partitionkey\"",
                                     "\"instance\"",
                                     "\"zz\"",
                                     "\"aa\"",
                                     "\"data\""};
    qsizetype last = -1;
    for (const QByteArray &name : order) {
        const qsizetype at = json.indexOf(QByteArray(name + ':'));
        QVERIFY2(at > last, name.constData());
        last = at;
    }
    QCOMPARE(json.count("\"id\":"), 1); // the shadowing extension is not written
    QCOMPARE(json.count("\"zz\":"), 1); // nor the repeated one
    QVERIFY(!json.contains("\"Bad\"")); // nor an invalid name
}

void TestJsonFormat::escaping()
{
    QByteArray controls;
    for (int c = 0; c < 0x20; ++c)
        controls.append(char(c));
    CloudEvent e = baseEvent();
    e.subject = "quote\" backslash\\ slash/ " + controls + " del\x7F \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    e.dataContentType = "text/plain";
    e.data = e.subject;
    const QByteArray json = JsonFormat::serialize(e);

    // Short escapes where JSON has them, \u00XX for the other controls, UTF-8 as is.
    QVERIFY(json.contains("quote\\\" backslash\\\\ slash/ "));
    QVERIFY(json.contains("\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r"
                          "\\u000e\\u000f\\u0010"));
    QVERIFY(json.contains("\\u001f del\x7F \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
    for (const char c : json)
        QVERIFY(static_cast<unsigned char>(c) >= 0x20); // no raw control characters left

    const QJsonObject object = parsedObject(json);
    QCOMPARE(object.value(QLatin1String("subject")).toString().toUtf8(), e.subject);
    QCOMPARE(object.value(QLatin1String("data")).toString().toUtf8(), e.data);
}

void TestJsonFormat::invalidUtf8Replaced()
{
    CloudEvent e = baseEvent();
    e.subject = "a\xFF"
                "b\xC0\xAF"
                "c\xED\xA0\x80"
                "d\xE2\x82";
    e.device = "dev\x80";
    e.extensions = {{"x", "\xF5"}};
    const QByteArray json = JsonFormat::serialize(e);
    QVERIFY(QByteArrayView(json).isValidUtf8());
    const QJsonObject object = parsedObject(json);
    QVERIFY(!object.isEmpty());
    const QString r = QString(QChar(0xFFFD));
    QCOMPARE(object.value(QLatin1String("subject")).toString(), QLatin1String("a") + r + QLatin1String("b") +
                                                                    r + r + QLatin1String("c") + r + r + r +
                                                                    QLatin1String("d") + r + r);
    QCOMPARE(object.value(QLatin1String("device")).toString(), QLatin1String("dev") + r);
    QCOMPARE(object.value(QLatin1String("x")).toString(), r);
}

void TestJsonFormat::dataForms_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("expectedTail"); // the end of the serialisation

    QTest::newRow("json object") << QByteArray("application/json") << QByteArray("{\"a\":[1,2]}")
                                 << QByteArray(",\"data\":{\"a\":[1,2]}}");
    QTest::newRow("json trimmed") << QByteArray("application/json") << QByteArray(" \r\n{\"a\" : 1}\t\n")
                                  << QByteArray(",\"data\":{\"a\" : 1}}");
    QTest::newRow("+json params") << QByteArray("application/x+json; charset=utf-8") << QByteArray("[true]")
                                  << QByteArray(",\"data\":[true]}");
    QTest::newRow("no type, json") << QByteArray() << QByteArray("{\"a\":1}")
                                   << QByteArray(",\"data\":{\"a\":1}}");
    QTest::newRow("json type, not json") << QByteArray("application/json") << QByteArray("{\"a\":}")
                                         << QByteArray(",\"data_base64\":\"eyJhIjp9\"}");
    QTest::newRow("json type, empty")
        << QByteArray("application/json") << QByteArray() << QByteArray(",\"data_base64\":\"\"}");
    QTest::newRow("text/plain") << QByteArray("text/plain") << QByteArray("hello \"w\"\n")
                                << QByteArray(",\"data\":\"hello \\\"w\\\"\\n\"}");
    QTest::newRow("text with charset, upper")
        << QByteArray("TEXT/CSV; charset=utf-8") << QByteArray("a,\xC3\xA9")
        << QByteArray(",\"data\":\"a,\xC3\xA9\"}");
    QTest::newRow("text/plain, json-looking")
        << QByteArray("text/plain") << QByteArray("42") << QByteArray(",\"data\":\"42\"}");
    QTest::newRow("text/plain, empty")
        << QByteArray("text/plain") << QByteArray() << QByteArray(",\"data\":\"\"}");
    QTest::newRow("text/json, not json")
        << QByteArray("text/json") << QByteArray("hi") << QByteArray(",\"data\":\"hi\"}");
    QTest::newRow("text/plain, invalid utf8")
        << QByteArray("text/plain") << QByteArray("a\xFF") << QByteArray(",\"data_base64\":\"Yf8=\"}");
    QTest::newRow("octet-stream") << QByteArray("application/octet-stream") << QByteArray("\x00\x01\xFE", 3)
                                  << QByteArray(",\"data_base64\":\"AAH+\"}");
    QTest::newRow("octet-stream, json bytes") << QByteArray("application/octet-stream") << QByteArray("{}")
                                              << QByteArray(",\"data_base64\":\"e30=\"}");
    QTest::newRow("octet-stream, empty")
        << QByteArray("application/octet-stream") << QByteArray() << QByteArray(",\"data_base64\":\"\"}");
    QTest::newRow("no type, binary") << QByteArray() << QByteArray("\xFF\xFE")
                                     << QByteArray(",\"data_base64\":\"//4=\"}");
    QTest::newRow("no type, no data")
        << QByteArray() << QByteArray() << QByteArray(",\"instance\":\"drover\"}");
}

void TestJsonFormat::dataForms()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, expectedTail);

    const QByteArray json = JsonFormat::serialize(withData(contentType, data));
    QVERIFY2(json.endsWith(expectedTail), json.constData());
    const QJsonObject object = parsedObject(json);
    QVERIFY(!object.isEmpty());
    QVERIFY(!(object.contains(QLatin1String("data")) && object.contains(QLatin1String("data_base64"))));
    if (!contentType.isEmpty())
        QCOMPARE(object.value(QLatin1String("datacontenttype")).toString().toUtf8(), contentType);
    else
        QVERIFY(!object.contains(QLatin1String("datacontenttype")));
}

void TestJsonFormat::jsonScalarsEmbedded_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("embedded");

    QTest::newRow("number") << QByteArray("42") << QByteArray("42");
    QTest::newRow("negative exp") << QByteArray("-1.5E-3") << QByteArray("-1.5E-3");
    QTest::newRow("big number keeps digits")
        << QByteArray("12345678901234567890") << QByteArray("12345678901234567890");
    QTest::newRow("string") << QByteArray("\"x\"") << QByteArray("\"x\"");
    QTest::newRow("true") << QByteArray(" true ") << QByteArray("true");
    QTest::newRow("false") << QByteArray("false") << QByteArray("false");
    QTest::newRow("null") << QByteArray("null\n") << QByteArray("null");
}

void TestJsonFormat::jsonScalarsEmbedded()
{
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, embedded);
    const QByteArray json = JsonFormat::serialize(withData("application/json", data));
    QVERIFY2(json.endsWith(QByteArray(",\"data\":" + embedded + '}')), json.constData());
    QVERIFY(!parsedObject(json).isEmpty());
}

void TestJsonFormat::base64Padding()
{
    for (int size = 0; size <= 7; ++size) {
        QByteArray data;
        for (int i = 0; i < size; ++i)
            data.append(char(0xF0 + i * 3));
        const QByteArray json = JsonFormat::serialize(withData("application/octet-stream", data));
        QVERIFY2(json.endsWith(QByteArray(",\"data_base64\":\"" + data.toBase64() + "\"}")),
                 json.constData());
    }
}

void TestJsonFormat::alwaysValidJson()
{
    // Random bytes in every attribute and the data, under content types that exercise all
    // three data forms: the output must parse, and parse back to the same event when the
    // attributes were valid UTF-8.
    QRandomGenerator random(20261125);
    const QList<QByteArray> contentTypes = {"",          "application/json",         "text/plain",
                                            "text/json", "application/octet-stream", "a/b+json; x=\"y\""};
    for (int round = 0; round < 2000; ++round) {
        CloudEvent e;
        e.id = randomBytes(random, 12);
        e.source = randomBytes(random, 12);
        e.type = randomBytes(random, 8);
        e.subject = randomBytes(random, 12);
        e.time = QDateTime::fromMSecsSinceEpoch(
            qint64(random.bounded(4000000000u)) * 1000 + random.bounded(1000), Qt::UTC);
        e.dataContentType = contentTypes[random.bounded(int(contentTypes.size()))];
        e.dataSchema = randomBytes(random, 4);
        e.device = randomBytes(random, 8);
        e.extensions = {{"ext", randomBytes(random, 8)}};
        switch (random.bounded(3)) {
        case 0:
            e.data = randomBytes(random, 40);
            break;
        case 1: // JSON with hostile strings inside
            e.data = " {\"k\":[1,-2.5e3,true,null,\"" +
                     QJsonDocument(QJsonArray{QString::fromUtf8(randomBytes(random, 10))})
                         .toJson(QJsonDocument::Compact)
                         .mid(2)
                         .chopped(2) +
                     "\"]} ";
            break;
        default:
            e.data = QString::fromUtf8(randomBytes(random, 20)).toUtf8(); // valid UTF-8 text
        }
        const QByteArray json = JsonFormat::serialize(e);
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(json, &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(), json.toHex().constData());
        QVERIFY(QByteArrayView(json).isValidUtf8());

        bool attributesClean = !e.id.isEmpty() && !e.source.isEmpty() && !e.type.isEmpty();
        for (const QByteArray *a :
             {&e.id, &e.source, &e.type, &e.subject, &e.dataSchema, &e.device, &e.extensions.first().second})
            attributesClean = attributesClean && QByteArrayView(*a).isValidUtf8();
        if (!attributesClean)
            continue;
        QByteArray parseError;
        const auto parsed = JsonFormat::parse(json, &parseError);
        QVERIFY2(parsed, parseError.constData());
        QCOMPARE(parsed->id, e.id);
        QCOMPARE(parsed->subject, e.subject);
        QCOMPARE(parsed->time, e.time);
        QCOMPARE(parsed->device, e.device);
        QCOMPARE(parsed->extensions,
                 e.extensions.first().second.isEmpty() ? decltype(e.extensions)() : e.extensions);
        if (!e.dataContentType.isEmpty() && !isJsonContentType(e.dataContentType))
            QCOMPARE(parsed->data, e.data); // text and base64 come back byte for byte
    }
}

void TestJsonFormat::roundTrip_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("data");

    QTest::newRow("json object") << QByteArray("application/json")
                                 << QByteArray("{\"a\":[1,2.5,\"x\"],\"b\":null}");
    QTest::newRow("json string scalar") << QByteArray("application/json") << QByteArray("\"on\"");
    QTest::newRow("json number exact")
        << QByteArray("application/json") << QByteArray("12345678901234567890.10");
    QTest::newRow("no type, json") << QByteArray() << QByteArray("[1]");
    QTest::newRow("text") << QByteArray("text/plain; charset=utf-8")
                          << QByteArray("line 1\nline \"2\" \xC3\xA9");
    QTest::newRow("text json-looking") << QByteArray("text/plain") << QByteArray("{\"a\":1}");
    QTest::newRow("text empty") << QByteArray("text/plain") << QByteArray();
    QTest::newRow("binary") << QByteArray("application/octet-stream") << QByteArray("\x00\x80\xFF\n", 4);
    QTest::newRow("json type, broken json") << QByteArray("application/json") << QByteArray("{\"a\":");
    QTest::newRow("no data") << QByteArray() << QByteArray();
}

void TestJsonFormat::roundTrip()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, data);

    CloudEvent e = withData(contentType, data);
    e.dataSchema = "https://example.com/schema";
    e.type = CloudEvent::ConnectionEventType;
    e.extensions = {{"zeta", "1"}, {"alpha", "2"}, {"applicationuid", "u-1"}}; // document order kept
    QByteArray error;
    const auto parsed = JsonFormat::parse(JsonFormat::serialize(e), &error);
    QVERIFY2(parsed, error.constData());
    QCOMPARE(parsed->data, e.data);
    QCOMPARE(parsed->extensions, e.extensions);
    QCOMPARE(parsed->time, e.time);
    QVERIFY(*parsed == e);
}

void TestJsonFormat::roundTripCompactsJson()
{
    const CloudEvent e = withData("application/json", " { \"a\" : [ 1 , 2 ] ,\n \"s\" : \"x y\" } ");
    const auto parsed = JsonFormat::parse(JsonFormat::serialize(e));
    QVERIFY(parsed);
    QCOMPARE(parsed->data, QByteArray("{\"a\":[1,2],\"s\":\"x y\"}"));
}

void TestJsonFormat::roundTripEscapedText()
{
    QByteArray text;
    for (int c = 0; c < 0x80; ++c)
        text.append(char(c));
    text += "\xC3\xA9\xF0\x9F\x98\x80";
    const CloudEvent e = withData("text/plain", text);
    const auto parsed = JsonFormat::parse(JsonFormat::serialize(e));
    QVERIFY(parsed);
    QCOMPARE(parsed->data, text);
}

void TestJsonFormat::parseAttributes()
{
    const QByteArray json = R"({"specversion":"1.0","id":"i","source":"s","type":"t","subject":null,
        "time":"2026-11-25T14:00:00.5+02:00","datacontenttype":"text/plain","Weird-Name":1,
        "num":12345678901234567890,"flag":true,"str":"v","gone":null,"data":"x"})";
    QByteArray error;
    const auto parsed = JsonFormat::parse(json, &error);
    QVERIFY2(parsed, error.constData());
    QCOMPARE(parsed->id, QByteArray("i"));
    QCOMPARE(parsed->source, QByteArray("s"));
    QCOMPARE(parsed->type, QByteArray("t"));
    QVERIFY(parsed->subject.isEmpty());
    QCOMPARE(parsed->time, QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 500), Qt::UTC));
    const QList<std::pair<QByteArray, QByteArray>> extensions = {
        {"num", "12345678901234567890"}, {"flag", "true"}, {"str", "v"}};
    QCOMPARE(parsed->extensions, extensions);
    QCOMPARE(parsed->data, QByteArray("x"));
}

void TestJsonFormat::parseDataInterpretation()
{
    const auto dataOf = [](const char *contentTypeMember, const char *dataMember) {
        const QByteArray json = QByteArray(R"({"specversion":"1.0","id":"i","source":"s","type":"t")") +
                                contentTypeMember + dataMember + '}';
        const auto parsed = JsonFormat::parse(json);
        return parsed ? parsed->data : QByteArray("<failed>");
    };
    // JSON content type (or none): the value's compact text, quotes included for strings.
    QCOMPARE(dataOf(R"(,"datacontenttype":"application/json")", R"(,"data":"x")"), QByteArray("\"x\""));
    QCOMPARE(dataOf("", R"(,"data":"x")"), QByteArray("\"x\""));
    QCOMPARE(dataOf("", R"(,"data": { "a" : 1.50 } )"), QByteArray("{\"a\":1.50}"));
    QCOMPARE(dataOf(R"(,"datacontenttype":"application/json")", R"(,"data":null)"), QByteArray("null"));
    // Other content types: a string is its UTF-8 text, escapes decoded.
    QCOMPARE(dataOf(R"(,"datacontenttype":"text/plain")", R"(,"data":"a\n\u00e9\ud83d\ude00")"),
             QByteArray("a\n\xC3\xA9\xF0\x9F\x98\x80"));
    QCOMPARE(dataOf(R"(,"datacontenttype":"text/plain")", R"(,"data":[1, 2])"), QByteArray("[1,2]"));
    QCOMPARE(dataOf(R"(,"datacontenttype":"application/octet-stream")", R"(,"data_base64":"AAH+")"),
             QByteArray("\x00\x01\xFE", 3));
    QCOMPARE(dataOf("", ""), QByteArray());
}

void TestJsonFormat::parseEscapedMemberName()
{
    const QByteArray json =
        R"({"specversion":"1.0","i\u0064":"esc","source":"s","type":"t","d\u0061ta":[ 1 ]})";
    QByteArray error;
    const auto parsed = JsonFormat::parse(json, &error);
    QVERIFY2(parsed, error.constData());
    QCOMPARE(parsed->id, QByteArray("esc"));
    QCOMPARE(parsed->data, QByteArray("[1]"));
}

void TestJsonFormat::parseDeepData()
{
    // The deepest data isJsonValue accepts still parses inside the envelope.
    const QByteArray deep = QByteArray(1000, '[') + QByteArray(1000, ']');
    const CloudEvent e = withData("application/json", deep);
    const QByteArray json = JsonFormat::serialize(e);
    QVERIFY(json.endsWith(QByteArray(",\"data\":" + deep + '}')));
    const auto parsed = JsonFormat::parse(json);
    QVERIFY(parsed);
    QCOMPARE(parsed->data, deep);
}

void TestJsonFormat::parseErrors_data()
{
    QTest::addColumn<QByteArray>("json");

    const QByteArray ok = R"("specversion":"1.0","id":"i","source":"s","type":"t")";
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not json") << QByteArray("hello");
    QTest::newRow("array") << QByteArray("[{" + ok + "}]");
    QTest::newRow("truncated") << QByteArray("{" + ok);
    QTest::newRow("missing specversion") << QByteArray(R"({"id":"i","source":"s","type":"t"})");
    QTest::newRow("null specversion")
        << QByteArray(R"({"specversion":null,"id":"i","source":"s","type":"t"})");
    QTest::newRow("old specversion") << QByteArray(
        R"({"specversion":"0.3","id":"i","source":"s","type":"t"})");
    QTest::newRow("numeric specversion")
        << QByteArray(R"({"specversion":1.0,"id":"i","source":"s","type":"t"})");
    QTest::newRow("missing id") << QByteArray(R"({"specversion":"1.0","source":"s","type":"t"})");
    QTest::newRow("empty id") << QByteArray(R"({"specversion":"1.0","id":"","source":"s","type":"t"})");
    QTest::newRow("missing source") << QByteArray(R"({"specversion":"1.0","id":"i","type":"t"})");
    QTest::newRow("missing type") << QByteArray(R"({"specversion":"1.0","id":"i","source":"s"})");
    QTest::newRow("id not a string") << QByteArray(R"({"specversion":"1.0","id":5,"source":"s","type":"t"})");
    QTest::newRow("bad time") << QByteArray("{" + ok + R"(,"time":"yesterday"})");
    QTest::newRow("time not a string") << QByteArray("{" + ok + R"(,"time":12})");
    QTest::newRow("both data forms") << QByteArray("{" + ok + R"(,"data":1,"data_base64":"AA=="})");
    QTest::newRow("bad base64") << QByteArray("{" + ok + R"(,"data_base64":"A*A="})");
    QTest::newRow("base64 not a string") << QByteArray("{" + ok + R"(,"data_base64":[]})");
    QTest::newRow("object extension") << QByteArray("{" + ok + R"(,"ext":{"a":1}})");
    QTest::newRow("duplicate member") << QByteArray("{" + ok + R"(,"id":"j"})");
    QTest::newRow("raw control char") << QByteArray("{" + ok + ",\"subject\":\"a\x01\"}");
}

void TestJsonFormat::parseErrors()
{
    QFETCH(QByteArray, json);
    QByteArray error;
    QVERIFY(!JsonFormat::parse(json, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!JsonFormat::parse(json)); // no error pointer: no crash
}

QTEST_APPLESS_MAIN(TestJsonFormat)
#include "tst_jsonformat.moc"
