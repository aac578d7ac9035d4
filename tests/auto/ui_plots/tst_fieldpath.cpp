// FieldPath: reading numbers by dotted paths, parsing event data, listing numeric paths.
#include "plots/fieldpath.h"

#include <QJsonDocument>
#include <QtTest>

using drover::ui::FieldPath;

namespace {

QJsonValue json(const char *text)
{
    return *FieldPath::parseData(QByteArray(text));
}

} // namespace

class TestFieldPath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void read_data();
    void read();
    void parsing();
    void parseData();
    void numericPaths();
};

void TestFieldPath::read_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("found");
    QTest::addColumn<double>("value");

    const QByteArray thermostat = R"({"temperature": 21.5, "state": {"temperature": 22, "target": -3e2,
        "on": true, "mode": "heat", "levels": [1, [5, 6]]}, "values": [10, 20.25], "0": 7})";
    QTest::newRow("top level") << thermostat << "temperature" << true << 21.5;
    QTest::newRow("nested") << thermostat << "state.temperature" << true << 22.0;
    QTest::newRow("exponent") << thermostat << "state.target" << true << -300.0;
    QTest::newRow("array index") << thermostat << "values.1" << true << 20.25;
    QTest::newRow("nested arrays") << thermostat << "state.levels.1.0" << true << 5.0;
    QTest::newRow("digits as an object key") << thermostat << "0" << true << 7.0;
    QTest::newRow("white space around") << thermostat << " state . temperature " << true << 22.0;
    QTest::newRow("boolean") << thermostat << "state.on" << false << 0.0;
    QTest::newRow("string") << thermostat << "state.mode" << false << 0.0;
    QTest::newRow("object") << thermostat << "state" << false << 0.0;
    QTest::newRow("missing") << thermostat << "humidity" << false << 0.0;
    QTest::newRow("through a number") << thermostat << "temperature.x" << false << 0.0;
    QTest::newRow("index out of range") << thermostat << "values.2" << false << 0.0;
    QTest::newRow("negative index") << thermostat << "values.-1" << false << 0.0;
    QTest::newRow("key on an array") << thermostat << "values.first" << false << 0.0;
    QTest::newRow("empty segment") << thermostat << "state..temperature" << false << 0.0;
    QTest::newRow("empty path") << thermostat << "" << false << 0.0;
    QTest::newRow("top-level array") << QByteArray("[3, 4]") << "1" << true << 4.0;
}

void TestFieldPath::read()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, path);
    QFETCH(bool, found);
    QFETCH(double, value);
    const std::optional<QJsonValue> parsed = FieldPath::parseData(data);
    QVERIFY(parsed);
    const std::optional<double> number = FieldPath(path).number(*parsed);
    QCOMPARE(number.has_value(), found);
    if (found)
        QCOMPARE(*number, value);
}

void TestFieldPath::parsing()
{
    const FieldPath path(QStringLiteral(" state.temperature "));
    QCOMPARE(path.segments(), QStringList({QStringLiteral("state"), QStringLiteral("temperature")}));
    QCOMPARE(path.toString(), QStringLiteral("state.temperature"));
    QVERIFY(FieldPath(QStringLiteral("  ")).isEmpty());
    QVERIFY(FieldPath().isEmpty());
    QCOMPARE(FieldPath(QStringLiteral("a.b")), FieldPath(QStringLiteral("a . b")));
}

void TestFieldPath::parseData()
{
    QVERIFY(FieldPath::parseData(" \n{\"a\":1}"));
    QVERIFY(FieldPath::parseData("[]"));
    QCOMPARE(FieldPath::parseData("21.5"), std::nullopt); // a scalar has no fields
    QCOMPARE(FieldPath::parseData("{\"a\":"), std::nullopt);
    QCOMPARE(FieldPath::parseData(""), std::nullopt);
    QCOMPARE(FieldPath::parseData("temperature=21"), std::nullopt);
}

void TestFieldPath::numericPaths()
{
    const QJsonValue data = json(R"({"temperature": 21.5, "name": "t1", "state": {"on": true, "target": 22,
        "deep": {"x": 1}}, "values": [1, 2, {"v": 3}], "a.b": 5, "": 6, "long": [0,1,2,3,4,5,6,7,8,9,10]})");
    const QStringList paths = FieldPath::numericPaths(data);
    // Member-name order (QJsonObject's); keys with '.' or empty ones can't be addressed;
    // long arrays list their first MaxArrayItems.
    QStringList expected = {
        QStringLiteral("long.0"),       QStringLiteral("long.1"),      QStringLiteral("long.2"),
        QStringLiteral("long.3"),       QStringLiteral("long.4"),      QStringLiteral("long.5"),
        QStringLiteral("long.6"),       QStringLiteral("long.7"),      QStringLiteral("state.deep.x"),
        QStringLiteral("state.target"), QStringLiteral("temperature"), QStringLiteral("values.0"),
        QStringLiteral("values.1"),     QStringLiteral("values.2.v")};
    QCOMPARE(paths, expected);
    for (const QString &path : paths)
        QVERIFY2(FieldPath(path).number(data), qPrintable(path)); // every listed path reads a number

    QCOMPARE(FieldPath::numericPaths(data, 3).size(), 3);
    QCOMPARE(FieldPath::numericPaths(data, 100, 1),
             QStringList({QStringLiteral("temperature")})); // one level deep only
    QVERIFY(FieldPath::numericPaths(json("[]")).isEmpty());
}

QTEST_GUILESS_MAIN(TestFieldPath)
#include "tst_fieldpath.moc"
