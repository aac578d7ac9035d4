// JsonValidator: error positions (line, column in characters, UTF-16 offset) and plain-word
// reasons, empty payloads, Text mode, and formatting that keeps what was written.
#include "commands/jsonvalidator.h"

#include "cloudevents/cloudevent.h"

#include <QJsonDocument>
#include <QtTest>

using drover::ui::JsonValidator;
using drover::ui::PayloadMode;

class TestJsonValidator : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void errors_data();
    void errors();
    void valid_data();
    void valid();
    void emptyAndText();
    void deepNesting();
    void lineAndColumn();
    void format();
    void compact();
    void formatRefusesInvalid();
};

void TestJsonValidator::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QString>("reason");

    const QString missingMember = QStringLiteral("missing ',' or '}' after an object member");
    QTest::newRow("line 1: missing comma")
        << QStringLiteral(R"({"a":1 "b":2})") << 1 << 8 << 7 << missingMember;
    QTest::newRow("line 3, column 14")
        << QStringLiteral("{\n  \"name\": \"x\",\n  \"value\":25 \"unit\": \"C\"\n}") << 3 << 14 << 30
        << missingMember;
    QTest::newRow("line 2, column 5: array") << QStringLiteral("[\n  1 2\n]") << 2 << 5 << 6
                                             << QStringLiteral("missing ',' or ']' after an array element");
    QTest::newRow("unterminated string")
        << QStringLiteral(R"({"a": "abc)") << 1 << 7 << 6
        << QStringLiteral("unterminated string: its closing '\"' is missing");
    QTest::newRow("line break in a string")
        << QStringLiteral("{\"a\": \"abc\n}") << 1 << 11 << 10
        << QStringLiteral("line break inside a string: is its closing '\"' missing? (write a line break in a "
                          "string as \\n)");
    QTest::newRow("trailing comma in an object")
        << QStringLiteral(R"({"a": 1,})") << 1 << 8 << 7
        << QStringLiteral("trailing comma: no member follows ',' before '}'");
    QTest::newRow("trailing comma in an array")
        << QStringLiteral("[1, 2,\n]") << 1 << 6 << 5
        << QStringLiteral("trailing comma: no element follows ',' before ']'");
    // 'é' is 2 bytes of UTF-8 but one UTF-16 unit and one character: a byte offset would say 23.
    QTest::newRow("non-ASCII before the error")
        << QStringLiteral(R"({"température": 21.5 "x": 1})") << 1 << 22 << 21 << missingMember;
    // U+1F600 is two UTF-16 units (offset) but one character (column).
    QTest::newRow("emoji before the error")
        << QString::fromUtf8("{\"a\":\"\xF0\x9F\x98\x80\" x}") << 1 << 10 << 10 << missingMember;
    QTest::newRow("non-ASCII on an earlier line")
        << QString::fromUtf8("{\"\xC3\xA9t\xC3\xA9\": 1,\n \"b\" 2}") << 2 << 6 << 16
        << QStringLiteral("missing ':' after the member name");
    QTest::newRow("unclosed object")
        << QStringLiteral("{\"a\": [1, 2]\n\n") << 1 << 13 << 12
        << QStringLiteral("the object opened at line 1, column 1 is not closed: missing '}'");
    QTest::newRow("unclosed array") << QStringLiteral("{\"a\": [1, 2}") << 1 << 12 << 11
                                    << QStringLiteral("missing ',' or ']' after an array element");
    QTest::newRow("single quotes") << QStringLiteral("{'a': 1}") << 1 << 2 << 1
                                   << QStringLiteral(
                                          "member names need double quotes (\"), not single quotes");
    QTest::newRow("unquoted key") << QStringLiteral("{a: 1}") << 1 << 2 << 1
                                  << QStringLiteral("expected a member name in double quotes, found 'a'");
    QTest::newRow("missing colon") << QStringLiteral(R"({"a" 1})") << 1 << 6 << 5
                                   << QStringLiteral("missing ':' after the member name");
    QTest::newRow("missing value") << QStringLiteral(R"({"a": })") << 1 << 7 << 6
                                   << QStringLiteral("missing a value before '}'");
    QTest::newRow("double comma") << QStringLiteral("[1,,2]") << 1 << 4 << 3
                                  << QStringLiteral("missing a value before ','");
    QTest::newRow("unknown word") << QStringLiteral(R"({"on": tru})") << 1 << 8 << 7
                                  << QStringLiteral(
                                         "unknown word 'tru': a value is a string in double quotes, a "
                                         "number, an object, an array, true, false or null");
    QTest::newRow("True") << QStringLiteral("True") << 1 << 1 << 0
                          << QStringLiteral("'True' must be written in lower case: true");
    QTest::newRow("leading zero") << QStringLiteral("[01]") << 1 << 2 << 1
                                  << QStringLiteral("numbers can't start with 0 (no leading zeros)");
    QTest::newRow("minus alone") << QStringLiteral("[-]") << 1 << 3 << 2
                                 << QStringLiteral("a digit must follow '-'");
    QTest::newRow("decimal point") << QStringLiteral("1.") << 1 << 3 << 2
                                   << QStringLiteral("a digit must follow the decimal point");
    QTest::newRow("exponent") << QStringLiteral("[1e+]") << 1 << 5 << 4
                              << QStringLiteral("a digit must follow the exponent 'e'");
    QTest::newRow("bad escape") << QStringLiteral(R"(["a\qb"])") << 1 << 4 << 3
                                << QStringLiteral(
                                       "invalid escape '\\q' in a string (JSON has \\\" \\\\ \\/ \\b \\f "
                                       "\\n \\r \\t and \\uXXXX)");
    QTest::newRow("short unicode escape") << QStringLiteral(R"(["\u12"])") << 1 << 3 << 2
                                          << QStringLiteral("'\\u' must be followed by four hex digits");
    QTest::newRow("raw tab in a string")
        << QStringLiteral("[\"a\tb\"]") << 1 << 4 << 3
        << QStringLiteral(
               "control character U+0009 inside a string: write it as an escape, e.g. \\t or \\u0001");
    QTest::newRow("text after the value") << QStringLiteral("{} x") << 1 << 4 << 3
                                          << QStringLiteral("unexpected 'x' after the end of the JSON value");
    QTest::newRow("two values") << QStringLiteral("1 2") << 1 << 3 << 2
                                << QStringLiteral("unexpected '2' after the end of the JSON value");
    QTest::newRow("unexpected character")
        << QStringLiteral("[@]") << 1 << 2 << 1
        << QStringLiteral(
               "unexpected '@' where a value should be (a string in double quotes, a number, an object, "
               "an array, true, false or null)");
    QTest::newRow("opening bracket only")
        << QStringLiteral("[") << 1 << 2 << 1
        << QStringLiteral("the array opened at line 1, column 1 is not closed: "
                          "missing ']'");
    QTest::newRow("colon expected at end")
        << QStringLiteral("{\n \"a\"") << 2 << 5 << 6
        << QStringLiteral("the object opened at line 1, column 1 is not closed: "
                          "missing '}'");
}

void TestJsonValidator::errors()
{
    QFETCH(QString, text);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(int, offset);
    QFETCH(QString, reason);

    const JsonValidator::Result result = JsonValidator::validate(text);
    QVERIFY(!result.ok);
    QVERIFY(!result.empty);
    QCOMPARE(result.reason, reason);
    QCOMPARE(result.line, line);
    QCOMPARE(result.column, column);
    QCOMPARE(result.offset, offset);
    QCOMPARE(result.message, QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(reason));
    // The gateway's own strict check agrees that this is not JSON.
    QVERIFY(!drover::cloudevents::isJsonValue(text.toUtf8()));
    QVERIFY(JsonValidator::validate(text, PayloadMode::Text).ok); // Text mode: never an error
}

void TestJsonValidator::valid_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("object") << QStringLiteral(R"({"value": 25})");
    QTest::newRow("nested") << QStringLiteral(
        R"({"a": {"b": [1, 2.5e-3, -0, true, false, null, "x"]}, "c": {}})");
    QTest::newRow("number") << QStringLiteral("42");
    QTest::newRow("negative exponent") << QStringLiteral("-1.5E+10");
    QTest::newRow("string") << QStringLiteral(R"("on")");
    QTest::newRow("literal") << QStringLiteral("null");
    QTest::newRow("escapes") << QStringLiteral(R"(["\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"])");
    QTest::newRow("white space around") << QStringLiteral(" \n\t{ \"a\" : [ ] }\r\n ");
    QTest::newRow("non-ASCII") << QString::fromUtf8("{\"t\xC3\xA9\": \"\xF0\x9F\x98\x80\"}");
    QTest::newRow("empty containers") << QStringLiteral("[{}, [], [[]]]");
}

void TestJsonValidator::valid()
{
    QFETCH(QString, text);
    const JsonValidator::Result result = JsonValidator::validate(text);
    QVERIFY2(result.ok, qPrintable(result.message));
    QVERIFY(!result.empty);
    QCOMPARE(result.offset, -1);
    QVERIFY(result.message.isEmpty());
    QVERIFY(drover::cloudevents::isJsonValue(text.toUtf8()));
    // Qt reads it as well (inside an array, since QJsonDocument refuses scalars at the top).
    QJsonParseError error;
    QJsonDocument::fromJson("[" + text.toUtf8() + "]", &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
}

void TestJsonValidator::emptyAndText()
{
    for (const QString &text : {QString(), QStringLiteral("  \n\t ")}) {
        const JsonValidator::Result result = JsonValidator::validate(text);
        QVERIFY(result.ok);
        QVERIFY(result.empty);
    }
    const JsonValidator::Result text =
        JsonValidator::validate(QStringLiteral("{not json"), PayloadMode::Text);
    QVERIFY(text.ok);
    QVERIFY(!text.empty);
}

void TestJsonValidator::deepNesting()
{
    const int depth = JsonValidator::MaxDepth;
    QVERIFY(JsonValidator::validate(QString(depth, u'[') + QString(depth, u']')).ok);
    const JsonValidator::Result tooDeep =
        JsonValidator::validate(QString(depth + 1, u'[') + QString(depth + 1, u']'));
    QVERIFY(!tooDeep.ok);
    QCOMPARE(tooDeep.offset, depth);
    QCOMPARE(tooDeep.reason, QStringLiteral("nested too deeply (more than 512 levels)"));
    // Far deeper input costs no recursion (this would overflow a recursive parser's stack).
    QVERIFY(!JsonValidator::validate(QString(1'000'000, u'[')).ok);
}

void TestJsonValidator::lineAndColumn()
{
    const QString text = QString::fromUtf8("ab\n\xF0\x9F\x98\x80x\n");
    QCOMPARE(JsonValidator::lineAndColumn(text, 0), std::make_pair(1, 1));
    QCOMPARE(JsonValidator::lineAndColumn(text, 2), std::make_pair(1, 3));
    QCOMPARE(JsonValidator::lineAndColumn(text, 3), std::make_pair(2, 1));
    QCOMPARE(JsonValidator::lineAndColumn(text, 5), std::make_pair(2, 2)); // after the surrogate pair
    QCOMPARE(JsonValidator::lineAndColumn(text, 7), std::make_pair(3, 1));
    QCOMPARE(JsonValidator::lineAndColumn(text, 99), std::make_pair(3, 1)); // clamped
}

void TestJsonValidator::format()
{
    const QString input =
        QStringLiteral(R"({"b":1,"a":[1,2,{}],"c":{"d":"x, y: {z}","e":"q\"[,"},"f":[ ],"g":1.50E3})");
    const QString expected = QStringLiteral(R"({
  "b": 1,
  "a": [
    1,
    2,
    {}
  ],
  "c": {
    "d": "x, y: {z}",
    "e": "q\"[,"
  },
  "f": [],
  "g": 1.50E3
})");
    QCOMPARE(JsonValidator::format(input),
             std::optional<QString>(expected)); // key order and number text kept
    QCOMPARE(JsonValidator::format(expected), std::optional<QString>(expected));
    QCOMPARE(JsonValidator::format(QStringLiteral("  42 ")), std::optional<QString>(QStringLiteral("42")));
    QCOMPARE(JsonValidator::format(QStringLiteral(" \n")), std::optional<QString>(QString()));
    QCOMPARE(JsonValidator::format(QString::fromUtf8("{\"t\xC3\xA9\":\"\xF0\x9F\x98\x80\"}")),
             std::optional<QString>(QString::fromUtf8("{\n  \"t\xC3\xA9\": \"\xF0\x9F\x98\x80\"\n}")));
}

void TestJsonValidator::compact()
{
    const QString pretty = QStringLiteral("{\n  \"a\": [\n    1,\n    \"x y\"\n  ],\n  \"b\": {}\n}\n");
    QCOMPARE(JsonValidator::compact(pretty),
             std::optional<QString>(QStringLiteral(R"({"a":[1,"x y"],"b":{}})")));
    QCOMPARE(JsonValidator::format(*JsonValidator::compact(pretty)),
             std::optional<QString>(pretty.trimmed())); // round trip
    QCOMPARE(JsonValidator::compact(QString()), std::optional<QString>(QString()));
}

void TestJsonValidator::formatRefusesInvalid()
{
    QCOMPARE(JsonValidator::format(QStringLiteral("{\"a\":1,}")), std::nullopt);
    QCOMPARE(JsonValidator::compact(QStringLiteral("[1 2]")), std::nullopt);
}

QTEST_GUILESS_MAIN(TestJsonValidator)
#include "tst_jsonvalidator.moc"
