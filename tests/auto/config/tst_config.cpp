// The text helpers in config.h: listen addresses, sizes, durations, application and device
// names, password hash strings.
#include "config/config.h"

#include <QTest>

using namespace drover::config;

class TestConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listenAddress_data();
    void listenAddress();
    void badListenAddress_data();
    void badListenAddress();
    void formatListenAddressRoundTrips_data();
    void formatListenAddressRoundTrips();
    void byteSize_data();
    void byteSize();
    void badByteSize_data();
    void badByteSize();
    void formatByteSize_data();
    void formatByteSize();
    void duration_data();
    void duration();
    void badDuration_data();
    void badDuration();
    void formatDuration_data();
    void formatDuration();
    void applicationName_data();
    void applicationName();
    void deviceName_data();
    void deviceName();
    void passwordHash_data();
    void passwordHash();
    void listenerKinds();
    void applicationLookup();
    void deviceLookup();
    void nullErrorPointerIsAllowed();
};

void TestConfig::listenAddress_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port");

    QTest::newRow("ipv4") << QStringLiteral("127.0.0.1:1883") << QStringLiteral("127.0.0.1") << 1883;
    QTest::newRow("any ipv4, port 0") << QStringLiteral("0.0.0.0:0") << QStringLiteral("0.0.0.0") << 0;
    QTest::newRow("highest port") << QStringLiteral("192.168.10.200:65535")
                                  << QStringLiteral("192.168.10.200") << 65535;
    QTest::newRow("localhost") << QStringLiteral("localhost:1883") << QStringLiteral("127.0.0.1") << 1883;
    QTest::newRow("localhost any case")
        << QStringLiteral("LocalHost:8883") << QStringLiteral("127.0.0.1") << 8883;
    QTest::newRow("ipv6 loopback") << QStringLiteral("[::1]:1883") << QStringLiteral("::1") << 1883;
    QTest::newRow("ipv6 any, port 0") << QStringLiteral("[::]:0") << QStringLiteral("::") << 0;
    QTest::newRow("ipv6 global") << QStringLiteral("[2001:db8::17]:1884") << QStringLiteral("2001:db8::17")
                                 << 1884;
}

void TestConfig::listenAddress()
{
    QFETCH(QString, text);
    QFETCH(QString, address);
    QFETCH(int, port);

    QString error;
    const std::optional<ListenerConfig> listener = parseListenAddress(text, &error);
    QVERIFY2(listener, qPrintable(error));
    QCOMPARE(listener->address, QHostAddress(address));
    QCOMPARE(int(listener->port), port);
    QCOMPARE(listener->kind, ListenerConfig::Kind::Mqtt);
}

void TestConfig::badListenAddress_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason");

    QTest::newRow("empty") << QString() << QStringLiteral("expected HOST:PORT");
    QTest::newRow("no port") << QStringLiteral("127.0.0.1") << QStringLiteral("missing port");
    QTest::newRow("empty port") << QStringLiteral("127.0.0.1:") << QStringLiteral("invalid port \"\"");
    QTest::newRow("port too big") << QStringLiteral("127.0.0.1:65536")
                                  << QStringLiteral("invalid port \"65536\"");
    QTest::newRow("port six digits") << QStringLiteral("127.0.0.1:001883") << QStringLiteral("invalid port");
    QTest::newRow("negative port") << QStringLiteral("127.0.0.1:-1") << QStringLiteral("invalid port \"-1\"");
    QTest::newRow("signed port") << QStringLiteral("127.0.0.1:+1") << QStringLiteral("invalid port \"+1\"");
    QTest::newRow("port with letters") << QStringLiteral("127.0.0.1:18x") << QStringLiteral("invalid port");
    QTest::newRow("no host") << QStringLiteral(":1883") << QStringLiteral("missing host");
    QTest::newRow("bare ipv6") << QStringLiteral("::1:1883") << QStringLiteral("must be in brackets");
    QTest::newRow("bracket without port") << QStringLiteral("[::1]") << QStringLiteral("expected ':PORT'");
    QTest::newRow("bracket then digits") << QStringLiteral("[::1]1883") << QStringLiteral("expected ':PORT'");
    QTest::newRow("unclosed bracket") << QStringLiteral("[::1:1883") << QStringLiteral("missing ']'");
    QTest::newRow("ipv4 in brackets") << QStringLiteral("[127.0.0.1]:1883") << QStringLiteral("not an IPv6");
    QTest::newRow("empty brackets") << QStringLiteral("[]:1883") << QStringLiteral("missing host");
    QTest::newRow("host name") << QStringLiteral("example.com:1883") << QStringLiteral("host names");
    QTest::newRow("local name") << QStringLiteral("broker:1883") << QStringLiteral("host names");
    QTest::newRow("short ipv4") << QStringLiteral("127.1:1883") << QStringLiteral("not an IPv4");
    QTest::newRow("octet too big") << QStringLiteral("256.0.0.1:1883") << QStringLiteral("not an IPv4");
    QTest::newRow("leading zero") << QStringLiteral("01.2.3.4:1883") << QStringLiteral("not an IPv4");
    QTest::newRow("five parts") << QStringLiteral("1.2.3.4.5:1883") << QStringLiteral("not an IPv4");
    QTest::newRow("leading space") << QStringLiteral(" 127.0.0.1:1883") << QStringLiteral("host names");
}

void TestConfig::badListenAddress()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);

    QString error;
    const std::optional<ListenerConfig> listener = parseListenAddress(text, &error);
    QVERIFY2(!listener, qPrintable(formatListenAddress(listener.value_or(ListenerConfig{}))));
    QVERIFY2(error.startsWith(QLatin1String("invalid address \"") + text + QLatin1String("\": ")),
             qPrintable(error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestConfig::formatListenAddressRoundTrips_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("ipv4") << QStringLiteral("10.0.0.1:1883");
    QTest::newRow("ipv4 port 0") << QStringLiteral("0.0.0.0:0");
    QTest::newRow("ipv6") << QStringLiteral("[::1]:8883");
    QTest::newRow("ipv6 any") << QStringLiteral("[::]:1");
}

void TestConfig::formatListenAddressRoundTrips()
{
    QFETCH(QString, text);
    const std::optional<ListenerConfig> listener = parseListenAddress(text, nullptr);
    QVERIFY(listener);
    QCOMPARE(formatListenAddress(*listener), text);
}

void TestConfig::byteSize_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("bytes");

    QTest::newRow("zero") << QStringLiteral("0") << qint64(0);
    QTest::newRow("plain") << QStringLiteral("1000") << qint64(1000);
    QTest::newRow("bytes") << QStringLiteral("128B") << qint64(128);
    QTest::newRow("KiB") << QStringLiteral("512KiB") << qint64(512 * 1024);
    QTest::newRow("MiB") << QStringLiteral("64MiB") << qint64(64 * 1024 * 1024);
    QTest::newRow("GiB") << QStringLiteral("3GiB") << qint64(3) * 1024 * 1024 * 1024;
    QTest::newRow("space before unit") << QStringLiteral("64 MiB") << qint64(64 * 1024 * 1024);
    QTest::newRow("surrounding space") << QStringLiteral(" 2KiB ") << qint64(2048);
    QTest::newRow("largest GiB") << QStringLiteral("8589934591GiB") << qint64(8589934591) * (qint64(1) << 30);
    QTest::newRow("largest plain") << QStringLiteral("9223372036854775807")
                                   << std::numeric_limits<qint64>::max();
}

void TestConfig::byteSize()
{
    QFETCH(QString, text);
    QFETCH(qint64, bytes);
    QString error;
    const std::optional<qint64> parsed = parseByteSize(text, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(*parsed, bytes);
}

void TestConfig::badByteSize_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");

    QTest::newRow("empty") << QString()
                           << QStringLiteral(
                                  "\"\" is not a size: expected a whole number of bytes with an optional "
                                  "unit B, KiB, MiB or GiB");
    QTest::newRow("unit only") << QStringLiteral("MiB")
                               << QStringLiteral("\"MiB\" is not a size: expected a whole "
                                                 "number of bytes with an optional unit B, "
                                                 "KiB, MiB or GiB");
    QTest::newRow("negative") << QStringLiteral("-1")
                              << QStringLiteral("\"-1\" is not a size: expected a whole "
                                                "number of bytes with an optional unit B, "
                                                "KiB, MiB or GiB");
    QTest::newRow("fraction") << QStringLiteral("1.5MiB")
                              << QStringLiteral("\"1.5MiB\" is not a size: expected a "
                                                "whole number of bytes with an optional "
                                                "unit B, KiB, MiB or GiB");
    QTest::newRow("decimal unit") << QStringLiteral("64MB")
                                  << QStringLiteral(
                                         "\"64MB\" is not a size: unknown unit \"MB\" (units are B, KiB, "
                                         "MiB and GiB, powers of 1024)");
    QTest::newRow("lower case unit") << QStringLiteral("64mib")
                                     << QStringLiteral(
                                            "\"64mib\" is not a size: unknown unit \"mib\" (units are B, "
                                            "KiB, MiB and GiB, powers of 1024)");
    QTest::newRow("two units") << QStringLiteral("1 KiB B")
                               << QStringLiteral(
                                      "\"1 KiB B\" is not a size: unknown unit \"KiB B\" (units are B, "
                                      "KiB, MiB and GiB, powers of 1024)");
    QTest::newRow("hex") << QStringLiteral("0x10")
                         << QStringLiteral("\"0x10\" is not a size: unknown unit \"x10\" "
                                           "(units are B, KiB, MiB and GiB, powers of "
                                           "1024)");
    QTest::newRow("overflow by unit")
        << QStringLiteral("8589934592GiB") << QStringLiteral("\"8589934592GiB\" is too large");
    QTest::newRow("overflow digits") << QStringLiteral("9223372036854775808")
                                     << QStringLiteral("\"9223372036854775808\" is too large");
}

void TestConfig::badByteSize()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString actual;
    const std::optional<qint64> parsed = parseByteSize(text, &actual);
    QVERIFY2(!parsed, qPrintable(QString::number(parsed.value_or(-1))));
    QCOMPARE(actual, error);
}

void TestConfig::formatByteSize_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << qint64(0) << QStringLiteral("0B");
    QTest::newRow("one") << qint64(1) << QStringLiteral("1B");
    QTest::newRow("not a multiple") << qint64(1536) << QStringLiteral("1536B");
    QTest::newRow("KiB") << qint64(1024) << QStringLiteral("1KiB");
    QTest::newRow("1.5 MiB") << qint64(1536 * 1024) << QStringLiteral("1536KiB");
    QTest::newRow("MiB") << qint64(256) * 1024 * 1024 << QStringLiteral("256MiB");
    QTest::newRow("GiB") << qint64(2) * 1024 * 1024 * 1024 << QStringLiteral("2GiB");
}

void TestConfig::formatByteSize()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, text);
    QCOMPARE(drover::config::formatByteSize(bytes), text);
    QCOMPARE(parseByteSize(text, nullptr), std::optional<qint64>(bytes));
}

void TestConfig::duration_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("seconds");
    QTest::newRow("zero") << QStringLiteral("0") << qint64(0);
    QTest::newRow("plain") << QStringLiteral("90") << qint64(90);
    QTest::newRow("seconds") << QStringLiteral("90s") << qint64(90);
    QTest::newRow("minutes") << QStringLiteral("15m") << qint64(900);
    QTest::newRow("hours") << QStringLiteral("24h") << qint64(86400);
    QTest::newRow("days") << QStringLiteral("7d") << qint64(604800);
    QTest::newRow("space before unit") << QStringLiteral("2 h") << qint64(7200);
}

void TestConfig::duration()
{
    QFETCH(QString, text);
    QFETCH(qint64, seconds);
    QString error;
    const std::optional<qint64> parsed = parseDuration(text, &error);
    QVERIFY2(parsed, qPrintable(error));
    QCOMPARE(*parsed, seconds);
}

void TestConfig::badDuration_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    const QString notADuration = QStringLiteral(
        " is not a duration: expected a whole number of seconds with an optional unit s, m, h or d");
    const QString unknownUnit = QStringLiteral(" (units are s, m, h and d)");
    QTest::newRow("empty") << QString() << QString(QStringLiteral("\"\"") + notADuration);
    QTest::newRow("unit only") << QStringLiteral("h") << QString(QStringLiteral("\"h\"") + notADuration);
    QTest::newRow("negative") << QStringLiteral("-5s") << QString(QStringLiteral("\"-5s\"") + notADuration);
    QTest::newRow("fraction") << QStringLiteral("1.5h") << QString(QStringLiteral("\"1.5h\"") + notADuration);
    QTest::newRow("weeks") << QStringLiteral("1w")
                           << QString(QStringLiteral("\"1w\" is not a duration: unknown unit \"w\"") +
                                      unknownUnit);
    QTest::newRow("word") << QStringLiteral("1 hour")
                          << QString(QStringLiteral("\"1 hour\" is not a duration: unknown unit \"hour\"") +
                                     unknownUnit);
    QTest::newRow("upper case") << QStringLiteral("1H")
                                << QString(QStringLiteral("\"1H\" is not a duration: unknown unit \"H\"") +
                                           unknownUnit);
    QTest::newRow("overflow") << QStringLiteral("106751991167301d")
                              << QStringLiteral("\"106751991167301d\" is too large");
}

void TestConfig::badDuration()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString actual;
    const std::optional<qint64> parsed = parseDuration(text, &actual);
    QVERIFY2(!parsed, qPrintable(QString::number(parsed.value_or(-1))));
    QCOMPARE(actual, error);
}

void TestConfig::formatDuration_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("text");
    QTest::newRow("zero") << qint64(0) << QStringLiteral("0s");
    QTest::newRow("seconds") << qint64(90) << QStringLiteral("90s");
    QTest::newRow("minutes") << qint64(5400) << QStringLiteral("90m");
    QTest::newRow("hours") << qint64(3600) << QStringLiteral("1h");
    QTest::newRow("days") << qint64(86400 * 2) << QStringLiteral("2d");
    QTest::newRow("u16 max") << qint64(65535) << QStringLiteral("65535s");
}

void TestConfig::formatDuration()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, text);
    QCOMPARE(drover::config::formatDuration(seconds), text);
    QCOMPARE(parseDuration(text, nullptr), std::optional<qint64>(seconds));
}

void TestConfig::applicationName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::newRow("simple") << QStringLiteral("lab") << true;
    QTest::newRow("dashes and digits") << QStringLiteral("my-app_2") << true;
    QTest::newRow("dots") << QStringLiteral("eu.lab") << true;
    QTest::newRow("non-ascii") << QStringLiteral("k\u00fcche") << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("slash") << QStringLiteral("a/b") << false;
    QTest::newRow("plus") << QStringLiteral("a+") << false;
    QTest::newRow("hash") << QStringLiteral("#") << false;
    QTest::newRow("space") << QStringLiteral("my app") << false;
    QTest::newRow("tab") << QStringLiteral("a\tb") << false;
    QTest::newRow("no-break space") << QStringLiteral("a\u00a0b") << false;
    QTest::newRow("control") << QStringLiteral("a\u0001b") << false;
    QTest::newRow("nul") << QString(QStringLiteral("ab") + QChar(0)) << false;
}

void TestConfig::applicationName()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QString error;
    QCOMPARE(isValidApplicationName(name, &error), valid);
    QCOMPARE(error.isEmpty(), valid);
}

void TestConfig::deviceName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("error"); // empty: valid
    QTest::newRow("simple") << QStringLiteral("sensor-1") << QString();
    QTest::newRow("dots and underscores") << QStringLiteral("eu.sensor_2") << QString();
    QTest::newRow("non-ascii") << QStringLiteral("f\u00fchler") << QString();
    QTest::newRow("empty") << QString() << QStringLiteral("a device name must not be empty");
    QTest::newRow("slash") << QStringLiteral("a/b")
                           << QStringLiteral("device name \"a/b\" contains '/'; names are MQTT topic levels");
    QTest::newRow("plus") << QStringLiteral("+")
                          << QStringLiteral("device name \"+\" contains '+'; names are MQTT topic levels");
    QTest::newRow("hash") << QStringLiteral("d#")
                          << QStringLiteral("device name \"d#\" contains '#'; names are MQTT topic levels");
    QTest::newRow("at") << QStringLiteral("d@lab")
                        << QStringLiteral(
                               "device name \"d@lab\" contains '@'; '@' separates device and application in "
                               "user names");
    QTest::newRow("space") << QStringLiteral("my sensor")
                           << QStringLiteral(
                                  "device name \"my sensor\" contains whitespace or a control character");
    QTest::newRow("newline") << QStringLiteral("a\nb")
                             << QStringLiteral(
                                    "device name \"a\nb\" contains whitespace or a control character");
    QTest::newRow("control") << QStringLiteral("a\u0007")
                             << QStringLiteral(
                                    "device name \"a\u0007\" contains whitespace or a control character");
}

void TestConfig::deviceName()
{
    QFETCH(QString, name);
    QFETCH(QString, error);
    QString reason;
    QCOMPARE(isValidDeviceName(name, &reason), error.isEmpty());
    QCOMPARE(reason, error);
    // '@' is refused in device names only; the application rules are otherwise the same.
    if (!name.contains(QLatin1Char('@'))) {
        QCOMPARE(isValidApplicationName(name, nullptr), error.isEmpty());
    }
}

void TestConfig::passwordHash_data()
{
    QTest::addColumn<QByteArray>("hash");
    QTest::addColumn<QString>("error"); // a part of the message; empty: valid
    const QByteArray salt = "4mM1DZUC+npm8FS5JDLh+A";
    const QByteArray out = "Eq1D1HIN15tGR7OpP4tLEr6wNwuqVWrrzhqRdeWc0x4";
    // Spelled-out QByteArray: with QT_USE_QSTRINGBUILDER a `+` chain is a lazy builder.
    const auto argon = [&](const char *head) -> QByteArray {
        return QByteArray(head) + '$' + salt + '$' + out;
    };
    QTest::newRow("libsodium argon2id") << argon("$argon2id$v=19$m=65536,t=2,p=1") << QString();
    QTest::newRow("argon2i") << argon("$argon2i$v=19$m=32768,t=3,p=1") << QString();
    QTest::newRow("more lanes") << argon("$argon2id$v=19$m=262144,t=4,p=4") << QString();
    QTest::newRow("minimal sizes") << QByteArray("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA")
                                   << QString();
    QTest::newRow("empty") << QByteArray() << QStringLiteral("must not be empty");
    QTest::newRow("plain") << QByteArray("secret") << QStringLiteral("not an Argon2 hash string");
    QTest::newRow("case") << argon("$ARGON2ID$v=19$m=65536,t=2,p=1")
                          << QStringLiteral("not an Argon2 hash string");
    QTest::newRow("argon2d") << argon("$argon2d$v=19$m=65536,t=2,p=1")
                             << QStringLiteral("not an Argon2 hash string");
    QTest::newRow("scrypt") << QByteArray(
                                   "$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D")
                            << QStringLiteral("not an Argon2 hash string");
    QTest::newRow("version 16") << argon("$argon2id$v=16$m=65536,t=2,p=1") << QStringLiteral("expected v=19");
    QTest::newRow("no version") << argon("$argon2id$m=65536,t=2,p=1")
                                << QStringLiteral("malformed Argon2 hash string");
    QTest::newRow("missing lanes") << argon("$argon2id$v=19$m=65536,t=2")
                                   << QStringLiteral("malformed Argon2 parameters");
    QTest::newRow("spaces") << argon("$argon2id$v=19$m=65536, t=2, p=1")
                            << QStringLiteral("malformed Argon2 parameters");
    QTest::newRow("negative") << argon("$argon2id$v=19$m=-1,t=2,p=1")
                              << QStringLiteral("malformed Argon2 parameters");
    QTest::newRow("zero lanes") << argon("$argon2id$v=19$m=65536,t=2,p=0")
                                << QStringLiteral("malformed Argon2 parameters");
    QTest::newRow("memory below 8 KiB per lane")
        << argon("$argon2id$v=19$m=31,t=2,p=4") << QStringLiteral("malformed Argon2 parameters");
    const QByteArray head = "$argon2id$v=19$m=65536,t=2,p=1$";
    QTest::newRow("salt not base64") << QByteArray(head + "4mM1DZUC-npm8FS5JDLh_A$" + out)
                                     << QStringLiteral("unpadded base64");
    QTest::newRow("empty hash part") << QByteArray(head + salt + '$') << QStringLiteral("unpadded base64");
    QTest::newRow("impossible base64 length")
        << QByteArray(head + "AAAAAAAAAAAAA$" + out) << QStringLiteral("unpadded base64");
    QTest::newRow("127 characters") << QByteArray(head + salt + "A$" + QByteArray(72, 'A')) << QString();
    QTest::newRow("128 characters") << QByteArray(head + salt + "AA$" + QByteArray(72, 'A'))
                                    << QStringLiteral("at most 127 characters, this one 128");
}

void TestConfig::passwordHash()
{
    QFETCH(QByteArray, hash);
    QFETCH(QString, error);
    QString reason;
    QCOMPARE(isValidPasswordHash(hash, &reason), error.isEmpty());
    QVERIFY2(reason.contains(error), qPrintable(reason));
    QCOMPARE(reason.isEmpty(), error.isEmpty());
    if (QByteArray(QTest::currentDataTag()).endsWith("characters")) {
        QCOMPARE(hash.size(), QByteArray(QTest::currentDataTag()).left(3).toInt());
    }
}

void TestConfig::listenerKinds()
{
    QCOMPARE(listenerKindFromName(QStringLiteral("mqtt")), std::optional(ListenerConfig::Kind::Mqtt));
    QCOMPARE(listenerKindFromName(QStringLiteral("MQTT")), std::nullopt);
    QCOMPARE(listenerKindFromName(QStringLiteral("tls")), std::nullopt);
    QCOMPARE(listenerKindName(ListenerConfig::Kind::Mqtt), QStringLiteral("mqtt"));
    QCOMPARE(listenerKindFromName(QStringLiteral("device-mqtt")),
             std::optional(ListenerConfig::Kind::DeviceMqtt));
    QCOMPARE(listenerKindName(ListenerConfig::Kind::DeviceMqtt), QStringLiteral("device-mqtt"));
    QCOMPARE(listenerKindFromName(QStringLiteral("device-http")),
             std::optional(ListenerConfig::Kind::DeviceHttp));
    QCOMPARE(listenerKindFromName(QStringLiteral("ws")), std::optional(ListenerConfig::Kind::WebSocket));
    QCOMPARE(listenerKindName(ListenerConfig::Kind::WebSocket), QStringLiteral("ws"));
    QCOMPARE(listenerKindFromName(QStringLiteral("device-ws")),
             std::optional(ListenerConfig::Kind::DeviceWebSocket));
    QCOMPARE(listenerKindName(ListenerConfig::Kind::DeviceWebSocket), QStringLiteral("device-ws"));
    QCOMPARE(listenerKindFromName(QStringLiteral("websocket")), std::nullopt);
    QCOMPARE(
        listenerKindNames(),
        (QStringList{QStringLiteral("mqtt"), QStringLiteral("device-mqtt"), QStringLiteral("device-http"),
                     QStringLiteral("ws"), QStringLiteral("device-ws"), QStringLiteral("mqtts"),
                     QStringLiteral("device-mqtts"), QStringLiteral("wss"), QStringLiteral("device-wss")}));
}

void TestConfig::applicationLookup()
{
    Config config;
    config.applications.append(ApplicationConfig{QStringLiteral("lab"), true, false, {}, {}});
    config.applications.append(ApplicationConfig{QStringLiteral("plant"), false, true, {}, {}});

    const ApplicationConfig *plant = config.application(QStringLiteral("plant"));
    QVERIFY(plant);
    QCOMPARE(plant->name, QStringLiteral("plant"));
    QVERIFY(plant->anonymousCommand);
    QCOMPARE(config.application(QStringLiteral("lab")), &config.applications.at(0));
    QCOMPARE(config.application(QStringLiteral("Lab")), nullptr);
    QCOMPARE(config.application(QString()), nullptr);
}

void TestConfig::deviceLookup()
{
    ApplicationConfig app{QStringLiteral("lab"), false, false, {}, {}};
    app.devices.append(DeviceConfig{QStringLiteral("sensor-1"), QByteArray(), true, {}});
    app.devices.append(DeviceConfig{QStringLiteral("gw"), QByteArray(), false, {QStringLiteral("sensor-1")}});
    QCOMPARE(app.device(QStringLiteral("gw")), &app.devices.at(1));
    QCOMPARE(app.device(QStringLiteral("Gw")), nullptr);
    QCOMPARE(app.device(QString()), nullptr);
    // Devices take part in comparisons, so a changed device is a changed application.
    ApplicationConfig changed = app;
    QCOMPARE(changed, app);
    changed.devices[1].enabled = true;
    QVERIFY(!(changed == app));
}

void TestConfig::nullErrorPointerIsAllowed()
{
    QVERIFY(!parseListenAddress(QStringLiteral("nope"), nullptr));
    QVERIFY(!parseByteSize(QStringLiteral("nope"), nullptr));
    QVERIFY(!parseDuration(QStringLiteral("nope"), nullptr));
    QVERIFY(!isValidApplicationName(QString(), nullptr));
    QVERIFY(!isValidDeviceName(QString(), nullptr));
    QVERIFY(!isValidPasswordHash(QByteArray(), nullptr));
}

QTEST_APPLESS_MAIN(TestConfig)
#include "tst_config.moc"
