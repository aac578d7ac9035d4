// JsonPath: numbers by dotted path through objects and arrays, and the list of such paths.
#include "events/jsonpath.h"
#include "eventtestutil.h"

#include <QJsonArray>
#include <QTest>

using namespace drover::ui;
using drover::ui::test::makeEvent;
using drover::ui::test::stateEvent;

namespace {

const QByteArray nested = R"({
    "state": {"temperature": 21.5, "on": true, "name": "kitchen", "unit": null},
    "readings": [{"value": 1.5}, {"value": -2e3}, {"label": "x"}, 7],
    "matrix": [[1, 2], [3]],
    "count": 3,
    "text": "21.5",
    "a.b": 9
})";

} // namespace

class TestJsonPath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void number_data();
    void number();
    void bareValues();
    void notJson();
    void fromEvent();
    void numericPaths();
    void numericPathsOfScalarsAndNonNumbers();
    void numericPathsAreBounded();
    void toStringRoundTrips();
};

void TestJsonPath::number_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("found");
    QTest::addColumn<double>("value");

    QTest::newRow("top level") << QStringLiteral("count") << true << 3.0;
    QTest::newRow("nested object") << QStringLiteral("state.temperature") << true << 21.5;
    QTest::newRow("array element member") << QStringLiteral("readings.0.value") << true << 1.5;
    QTest::newRow("exponent, negative") << QStringLiteral("readings.1.value") << true << -2000.0;
    QTest::newRow("array element itself") << QStringLiteral("readings.3") << true << 7.0;
    QTest::newRow("array of arrays") << QStringLiteral("matrix.1.0") << true << 3.0;
    QTest::newRow("string is not a number") << QStringLiteral("text") << false << 0.0;
    QTest::newRow("bool is not a number") << QStringLiteral("state.on") << false << 0.0;
    QTest::newRow("null is not a number") << QStringLiteral("state.unit") << false << 0.0;
    QTest::newRow("string member") << QStringLiteral("state.name") << false << 0.0;
    QTest::newRow("object is not a number") << QStringLiteral("state") << false << 0.0;
    QTest::newRow("array is not a number") << QStringLiteral("readings") << false << 0.0;
    QTest::newRow("missing member") << QStringLiteral("humidity") << false << 0.0;
    QTest::newRow("missing nested member") << QStringLiteral("state.humidity") << false << 0.0;
    QTest::newRow("member missing in element") << QStringLiteral("readings.2.value") << false << 0.0;
    QTest::newRow("index out of range") << QStringLiteral("readings.4.value") << false << 0.0;
    QTest::newRow("index not a number") << QStringLiteral("readings.first.value") << false << 0.0;
    QTest::newRow("negative index") << QStringLiteral("readings.-1.value") << false << 0.0;
    QTest::newRow("signed index") << QStringLiteral("readings.+0.value") << false << 0.0;
    QTest::newRow("index with spaces") << QStringLiteral("readings. 0.value") << false << 0.0;
    QTest::newRow("through a number") << QStringLiteral("count.x") << false << 0.0;
    QTest::newRow("through a string") << QStringLiteral("text.0") << false << 0.0;
    QTest::newRow("empty segment") << QStringLiteral("state..temperature") << false << 0.0;
    QTest::newRow("dotted member name is out of reach") << QStringLiteral("a.b") << false << 0.0;
    QTest::newRow("root object") << QString() << false << 0.0;
}

void TestJsonPath::number()
{
    QFETCH(QString, path);
    QFETCH(bool, found);
    QFETCH(double, value);
    const std::optional<double> result = JsonPath(path).number(QByteArrayView(nested));
    QCOMPARE(result.has_value(), found);
    if (found)
        QCOMPARE(*result, value);
    // The same through an already parsed value.
    QCOMPARE(JsonPath(path).number(JsonPath::parse(nested)), result);
}

void TestJsonPath::bareValues()
{
    QCOMPARE(JsonPath().number(QByteArrayView(" 21.5 ")), 21.5);
    QCOMPARE(JsonPath(QString()).number(QByteArrayView("-3")), -3.0);
    QVERIFY(!JsonPath().number(QByteArrayView("\"21.5\"")));
    QVERIFY(!JsonPath(QStringLiteral("x")).number(QByteArrayView("21.5")));
    QCOMPARE(JsonPath(QStringLiteral("1")).number(QByteArrayView("[10, 20]")), 20.0);
}

void TestJsonPath::notJson()
{
    for (const char *data : {"", "   ", "temperature=21", "{\"temperature\":", "21.5 22", "[1,]", "\xff\xfe"})
        QVERIFY2(!JsonPath(QStringLiteral("temperature")).number(QByteArrayView(data)) &&
                     !JsonPath().number(QByteArrayView(data)),
                 data);
    QVERIFY(JsonPath::parse("nope").isUndefined());
    QVERIFY(JsonPath::numericPaths(JsonPath::parse("nope")).isEmpty());
}

void TestJsonPath::fromEvent()
{
    const ReceivedEvent event = stateEvent("device-1", 12, 21.53);
    QCOMPARE(JsonPath(QStringLiteral("temperature")).number(event), 21.53);
    QCOMPARE(JsonPath(QStringLiteral("sequence")).number(event), 12.0);
    QVERIFY(!JsonPath(QStringLiteral("pressure")).number(event));
    QVERIFY(!JsonPath(QStringLiteral("temperature"))
                 .number(makeEvent("d", 1, "raw", "\x01\x02", "application/octet-stream")));
}

void TestJsonPath::numericPaths()
{
    // Objects by member name (QJsonObject's order), arrays by index, depth-first.
    QCOMPARE(JsonPath::numericPaths(JsonPath::parse(nested)),
             (QStringList{QStringLiteral("a.b"), QStringLiteral("count"), QStringLiteral("matrix.0.0"),
                          QStringLiteral("matrix.0.1"), QStringLiteral("matrix.1.0"),
                          QStringLiteral("readings.0.value"), QStringLiteral("readings.1.value"),
                          QStringLiteral("readings.3"), QStringLiteral("state.temperature")}));
    QCOMPARE(JsonPath::numericPaths(stateEvent("device-1", 1)),
             (QStringList{QStringLiteral("humidity"), QStringLiteral("interval"), QStringLiteral("sequence"),
                          QStringLiteral("targetTemperature"), QStringLiteral("temperature")}));
    // Every listed path leads to a number (except a member name with a dot, as documented).
    const QJsonValue value = JsonPath::parse(nested);
    for (const QString &path : JsonPath::numericPaths(value)) {
        if (path != QLatin1String("a.b"))
            QVERIFY2(JsonPath(path).number(value), qPrintable(path));
    }
}

void TestJsonPath::numericPathsOfScalarsAndNonNumbers()
{
    QCOMPARE(JsonPath::numericPaths(JsonPath::parse("42")), QStringList{QString()}); // the data itself
    QVERIFY(JsonPath::numericPaths(JsonPath::parse("{\"on\":true,\"name\":\"x\",\"list\":[],\"o\":{}}"))
                .isEmpty());
    QVERIFY(JsonPath::numericPaths(makeEvent("d", 1, "raw", "hello", "text/plain")).isEmpty());
}

void TestJsonPath::numericPathsAreBounded()
{
    QJsonArray many;
    for (int i = 0; i < 1000; ++i)
        many.append(i);
    const QStringList paths = JsonPath::numericPaths(many);
    QCOMPARE(paths.size(), JsonPath::MaxPaths);
    QCOMPARE(paths.first(), QStringLiteral("0"));
    QCOMPARE(paths.last(), QString::number(JsonPath::MaxPaths - 1));

    QJsonValue deep = 1.0;
    for (int i = 0; i < JsonPath::MaxDepth + 5; ++i)
        deep = QJsonArray{deep};
    QVERIFY(JsonPath::numericPaths(deep).isEmpty()); // deeper than MaxDepth
    QJsonValue shallow = 1.0;
    for (int i = 0; i < JsonPath::MaxDepth; ++i)
        shallow = QJsonArray{shallow};
    QCOMPARE(JsonPath::numericPaths(shallow).size(), 1);
}

void TestJsonPath::toStringRoundTrips()
{
    QCOMPARE(JsonPath(QStringLiteral("readings.0.value")).toString(), QStringLiteral("readings.0.value"));
    QCOMPARE(JsonPath().toString(), QString());
    QVERIFY(JsonPath(QStringLiteral("a.b")) == JsonPath(QStringLiteral("a.b")));
}

QTEST_GUILESS_MAIN(TestJsonPath)
#include "tst_jsonpath.moc"
