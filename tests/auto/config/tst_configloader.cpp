// ConfigLoader: defaults, every key, the shipped example, and where errors point.
#include "config/configloader.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace drover::config;

// Any well-formed Argon2 string will do: the loader checks the form, not the password.
#define HASH                                                                                                 \
    "$argon2id$v=19$m=65536,t=2,p=1$4mM1DZUC+npm8FS5JDLh+A$Eq1D1HIN15tGR7OpP4tLEr6wNwuqVWrrzhqRdeWc0x4"
#define HASH_I                                                                                               \
    "$argon2i$v=19$m=32768,t=3,p=1$Lv/MYb56RXx4zy561DKnnA$wMjXQJurNmbLbEL/yKbWTw1R4/OksM3IXCtXpfzskU4"

class TestConfigLoader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyDocumentGivesDefaults_data();
    void emptyDocumentGivesDefaults();
    void everyKeyParsed();
    void inlineAndDottedTables();
    void sizeAndDurationForms_data();
    void sizeAndDurationForms();
    void boundaryValuesAccepted();
    void commandsSection();
    void listenersReplaceDefault();
    void webSocketListeners();
    void anonymousRights_data();
    void anonymousRights();
    void devices();
    void deviceDefaults();
    void deviceForms_data();
    void deviceForms();
    void sameDeviceNameInTwoApplications();
    void passwordNeverInErrors_data();
    void passwordNeverInErrors();
    void exampleFileLoads();
    void missingFile();
    void loadFileNamesThePath();
    void errors_data();
    void errors();
    void earliestErrorInFileWins();
    void garbageNeverThrows_data();
    void garbageNeverThrows();
    void nullErrorPointer();

private:
    static std::optional<Config> parse(const char *toml, QString *error)
    {
        return ConfigLoader::parse(QByteArray(toml), QStringLiteral("t.toml"), error);
    }
};

void TestConfigLoader::emptyDocumentGivesDefaults_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("comments and blank lines") << QByteArray("# nothing here\n\n   \n# still nothing\n");
    QTest::newRow("empty sections") << QByteArray("[retention]\n[session]\n[demo]\n");
}

void TestConfigLoader::emptyDocumentGivesDefaults()
{
    QFETCH(QByteArray, toml);
    QString error;
    const std::optional<Config> config = ConfigLoader::parse(toml, QStringLiteral("empty.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QVERIFY(error.isEmpty());

    // Spelled out rather than compared with Config{}, so a changed default shows up here.
    QCOMPARE(config->instance, QStringLiteral("drover"));
    QCOMPARE(config->logLevel, QStringLiteral("info"));
    QCOMPARE(config->listeners.size(), 3);
    QCOMPARE(config->listeners.at(0).kind, ListenerConfig::Kind::Mqtt);
    QCOMPARE(config->listeners.at(0).address, QHostAddress(QStringLiteral("127.0.0.1")));
    QCOMPARE(config->listeners.at(0).port, quint16(1883));
    QCOMPARE(config->listeners.at(1).kind, ListenerConfig::Kind::DeviceMqtt);
    QCOMPARE(config->listeners.at(1).address, QHostAddress(QStringLiteral("127.0.0.1")));
    QCOMPARE(config->listeners.at(1).port, quint16(1884));
    QCOMPARE(config->listeners.at(2).kind, ListenerConfig::Kind::DeviceHttp);
    QCOMPARE(config->listeners.at(2).port, quint16(8088));
    QVERIFY(config->applications.isEmpty());
    QCOMPARE(config->retention.maxEvents, qint64(100000));
    QCOMPARE(config->retention.maxBytes, qint64(64) * 1024 * 1024);
    QCOMPARE(config->retention.groupIdleSeconds, qint64(86400));
    QCOMPARE(config->session.maxSessionExpirySeconds, quint32(86400));
    QCOMPARE(config->session.maxInflight, quint16(1000));
    QCOMPARE(config->session.maxPacketSize, quint32(1024 * 1024));
    QCOMPARE(config->session.topicAliasMaximum, quint16(32));
    QCOMPARE(config->session.maxKeepAliveSeconds, quint16(3600));
    QCOMPARE(config->session.socketHighWaterBytes, qint64(512 * 1024));
    QCOMPARE(config->demo.enabled, false);
    QCOMPARE(config->demo.application, QStringLiteral("demo"));
    QCOMPARE(config->demo.devices, 3);
    QCOMPARE(config->demo.rate, 1.0);
}

void TestConfigLoader::everyKeyParsed()
{
    const char *toml = R"(
instance = "edge-7"
log-level = "debug"

[[listener]]
kind = "mqtt"
address = "0.0.0.0:1884"

[[listener]]
address = "[::1]:0"

[retention]
max-events = 5000
max-bytes = "2GiB"
group-idle = "3d"

[session]
max-session-expiry = "12h"
max-inflight = 20
max-packet-size = "64KiB"
topic-alias-maximum = 0
max-keep-alive = "10m"
socket-high-water = 4096

[demo]
enabled = true
application = "sim"
devices = 250
rate = 12.5

[[application]]
name = "lab"
anonymous = ["read", "command"]

[[application]]
name = "plant"
)";
    QString error;
    const std::optional<Config> config = parse(toml, &error);
    QVERIFY2(config, qPrintable(error));

    QCOMPARE(config->instance, QStringLiteral("edge-7"));
    QCOMPARE(config->logLevel, QStringLiteral("debug"));

    QCOMPARE(config->listeners.size(), 2);
    QCOMPARE(config->listeners.at(0).kind, ListenerConfig::Kind::Mqtt);
    QCOMPARE(config->listeners.at(0).address, QHostAddress(QHostAddress::AnyIPv4));
    QCOMPARE(config->listeners.at(0).port, quint16(1884));
    QCOMPARE(config->listeners.at(1).kind, ListenerConfig::Kind::Mqtt);
    QCOMPARE(config->listeners.at(1).address, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(config->listeners.at(1).port, quint16(0));

    QCOMPARE(config->retention.maxEvents, qint64(5000));
    QCOMPARE(config->retention.maxBytes, qint64(2) * 1024 * 1024 * 1024);
    QCOMPARE(config->retention.groupIdleSeconds, qint64(3 * 86400));

    QCOMPARE(config->session.maxSessionExpirySeconds, quint32(12 * 3600));
    QCOMPARE(config->session.maxInflight, quint16(20));
    QCOMPARE(config->session.maxPacketSize, quint32(64 * 1024));
    QCOMPARE(config->session.topicAliasMaximum, quint16(0));
    QCOMPARE(config->session.maxKeepAliveSeconds, quint16(600));
    QCOMPARE(config->session.socketHighWaterBytes, qint64(4096));

    QCOMPARE(config->demo.enabled, true);
    QCOMPARE(config->demo.application, QStringLiteral("sim"));
    QCOMPARE(config->demo.devices, 250);
    QCOMPARE(config->demo.rate, 12.5);

    QCOMPARE(config->applications.size(), 2);
    QCOMPARE(config->applications.at(0), (ApplicationConfig{QStringLiteral("lab"), true, true, {}, {}}));
    QCOMPARE(config->applications.at(1), (ApplicationConfig{QStringLiteral("plant"), false, false, {}, {}}));
    QVERIFY(config->application(QStringLiteral("plant")));
}

void TestConfigLoader::inlineAndDottedTables()
{
    const char *toml = R"(
session = { max-inflight = 7, max-keep-alive = 30 }
retention.max-events = 9
demo.rate = 3
listener = [{ address = "localhost:2000" }]
application = [{ name = "a", anonymous = ["read"] }]
)";
    QString error;
    const std::optional<Config> config = parse(toml, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->session.maxInflight, quint16(7));
    QCOMPARE(config->session.maxKeepAliveSeconds, quint16(30));
    QCOMPARE(config->retention.maxEvents, qint64(9));
    QCOMPARE(config->demo.rate, 3.0); // an integer rate is accepted
    QCOMPARE(config->listeners.size(), 1);
    QCOMPARE(config->listeners.at(0).port, quint16(2000));
    QCOMPARE(config->applications.size(), 1);
    QCOMPARE(config->applications.at(0), (ApplicationConfig{QStringLiteral("a"), true, false, {}, {}}));
}

void TestConfigLoader::sizeAndDurationForms_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::addColumn<qint64>("maxBytes");
    QTest::addColumn<qint64>("groupIdle");

    QTest::newRow("integers") << QByteArray("max-bytes = 1000\ngroup-idle = 45") << qint64(1000)
                              << qint64(45);
    QTest::newRow("plain strings") << QByteArray("max-bytes = \"1000\"\ngroup-idle = \"45\"") << qint64(1000)
                                   << qint64(45);
    QTest::newRow("B and s") << QByteArray("max-bytes = \"7B\"\ngroup-idle = \"7s\"") << qint64(7)
                             << qint64(7);
    QTest::newRow("KiB and m") << QByteArray("max-bytes = \"3KiB\"\ngroup-idle = \"3m\"") << qint64(3072)
                               << qint64(180);
    QTest::newRow("MiB and h") << QByteArray("max-bytes = \"5MiB\"\ngroup-idle = \"5h\"") << qint64(5 << 20)
                               << qint64(5 * 3600);
    QTest::newRow("GiB and d") << QByteArray("max-bytes = \"1 GiB\"\ngroup-idle = \"2 d\"") << qint64(1 << 30)
                               << qint64(2 * 86400);
}

void TestConfigLoader::sizeAndDurationForms()
{
    QFETCH(QByteArray, toml);
    QFETCH(qint64, maxBytes);
    QFETCH(qint64, groupIdle);
    QString error;
    const std::optional<Config> config =
        ConfigLoader::parse(QByteArray("[retention]\n") + toml, QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->retention.maxBytes, maxBytes);
    QCOMPARE(config->retention.groupIdleSeconds, groupIdle);
}

void TestConfigLoader::boundaryValuesAccepted()
{
    const char *low = R"(
[session]
max-session-expiry = 0
max-inflight = 1
max-packet-size = 128
topic-alias-maximum = 0
max-keep-alive = 1
socket-high-water = 1
[demo]
devices = 1
rate = 0.001
)";
    QString error;
    std::optional<Config> config = parse(low, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->session.maxSessionExpirySeconds, quint32(0));
    QCOMPARE(config->session.maxInflight, quint16(1));
    QCOMPARE(config->session.maxPacketSize, quint32(128));
    QCOMPARE(config->session.maxKeepAliveSeconds, quint16(1));
    QCOMPARE(config->session.socketHighWaterBytes, qint64(1));
    QCOMPARE(config->demo.devices, 1);
    QCOMPARE(config->demo.rate, 0.001);

    const char *high = R"(
[session]
max-session-expiry = 4294967295
max-inflight = 65535
max-packet-size = "256MiB"
topic-alias-maximum = 65535
max-keep-alive = 65535
[demo]
devices = 1000
rate = 10000
)";
    config = parse(high, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->session.maxSessionExpirySeconds, quint32(4294967295u));
    QCOMPARE(config->session.maxInflight, quint16(65535));
    QCOMPARE(config->session.maxPacketSize, quint32(256 << 20));
    QCOMPARE(config->session.topicAliasMaximum, quint16(65535));
    QCOMPARE(config->session.maxKeepAliveSeconds, quint16(65535));
    QCOMPARE(config->demo.devices, 1000);
    QCOMPARE(config->demo.rate, 10000.0);
}

void TestConfigLoader::commandsSection()
{
    QString error;
    std::optional<Config> config = ConfigLoader::parse(QByteArray(), QStringLiteral("t.toml"), &error);
    QVERIFY(config);
    QCOMPARE(config->commands.ttlSeconds, qint64(60));
    QCOMPARE(config->commands.maxQueued, qint64(100));
    QCOMPARE(config->commands.maxQueuedBytes, qint64(1024 * 1024));
    config = ConfigLoader::parse("[commands]\nttl = \"2m\"\nmax-queued = 5\nmax-queued-bytes = \"4KiB\"\n",
                                 QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->commands.ttlSeconds, qint64(120));
    QCOMPARE(config->commands.maxQueued, qint64(5));
    QCOMPARE(config->commands.maxQueuedBytes, qint64(4096));
    config = ConfigLoader::parse("[commands]\nttl = 0\n", QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->commands.ttlSeconds, qint64(0)); // queueing off
    QVERIFY(!ConfigLoader::parse("[commands]\nmax-queued = 0\n", QStringLiteral("t.toml"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("t.toml:2:14: commands.max-queued: ")), qPrintable(error));
    QVERIFY(!ConfigLoader::parse("[commands]\nttl-seconds = 5\n", QStringLiteral("t.toml"), &error));
    QVERIFY2(error.startsWith(QStringLiteral("t.toml:2:1: commands.ttl-seconds: ")), qPrintable(error));
}

void TestConfigLoader::listenersReplaceDefault()
{
    QString error;
    std::optional<Config> config = parse("[[listener]]\naddress = \"127.0.0.1:1884\"\n", &error);
    QVERIFY2(config, qPrintable(error));
    // The default 1883 listener is gone, not kept next to the configured one.
    QCOMPARE(config->listeners.size(), 1);
    QCOMPARE(config->listeners.at(0).port, quint16(1884));

    // Port 0 twice is fine: each listener picks its own free port.
    config =
        parse("[[listener]]\naddress = \"127.0.0.1:0\"\n[[listener]]\naddress = \"127.0.0.1:0\"\n", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->listeners.size(), 2);
}

void TestConfigLoader::webSocketListeners()
{
    const char *toml = R"(
[[listener]]
address = "127.0.0.1:1883"

[[listener]]
kind = "ws"
address = "0.0.0.0:8080"

[[listener]]
kind = "device-ws"
address = "[::1]:8081"
)";
    QString error;
    const std::optional<Config> config = parse(toml, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->listeners.size(), 3);
    QCOMPARE(config->listeners.at(0).kind, ListenerConfig::Kind::Mqtt);
    QCOMPARE(config->listeners.at(1).kind, ListenerConfig::Kind::WebSocket);
    QCOMPARE(config->listeners.at(1).address, QHostAddress(QHostAddress::AnyIPv4));
    QCOMPARE(config->listeners.at(1).port, quint16(8080));
    QCOMPARE(config->listeners.at(2).kind, ListenerConfig::Kind::DeviceWebSocket);
    QCOMPARE(config->listeners.at(2).address, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(config->listeners.at(2).port, quint16(8081));

    // No WebSocket listener unless configured.
    const std::optional<Config> defaults = parse("", &error);
    QVERIFY2(defaults, qPrintable(error));
    for (const ListenerConfig &listener : defaults->listeners) {
        QVERIFY(listener.kind != ListenerConfig::Kind::WebSocket);
        QVERIFY(listener.kind != ListenerConfig::Kind::DeviceWebSocket);
    }
}

void TestConfigLoader::anonymousRights_data()
{
    QTest::addColumn<QByteArray>("anonymous");
    QTest::addColumn<bool>("read");
    QTest::addColumn<bool>("command");
    QTest::newRow("absent") << QByteArray() << false << false;
    QTest::newRow("empty") << QByteArray("anonymous = []") << false << false;
    QTest::newRow("read") << QByteArray("anonymous = [\"read\"]") << true << false;
    QTest::newRow("command") << QByteArray("anonymous = [\"command\"]") << false << true;
    QTest::newRow("both") << QByteArray("anonymous = [\"command\", \"read\"]") << true << true;
    QTest::newRow("repeated") << QByteArray("anonymous = [\"read\", \"read\"]") << true << false;
}

void TestConfigLoader::anonymousRights()
{
    QFETCH(QByteArray, anonymous);
    QFETCH(bool, read);
    QFETCH(bool, command);
    QString error;
    const std::optional<Config> config = ConfigLoader::parse(
        QByteArray("[[application]]\nname = \"x\"\n") + anonymous + '\n', QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->applications.size(), 1);
    QCOMPARE(config->applications.at(0).anonymousRead, read);
    QCOMPARE(config->applications.at(0).anonymousCommand, command);
}

void TestConfigLoader::devices()
{
    const char *toml = R"(
[[application]]
name = "lab"
anonymous = ["read"]

  [[application.device]]
  name = "sensor-1"
  password-hash = ")" HASH R"("

  [[application.device]]
  name = "gw"
  password-hash = ")" HASH_I R"("
  enabled = true
  gateway-for = ["sensor-1", "sensor-9", "sensor-1"]   # sensor-9 is declared below

  [[application.device]]
  name = "sensor-9"
  enabled = false
  gateway-for = []

[[application]]
name = "plant"
)";
    QString error;
    const std::optional<Config> config = parse(toml, &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->applications.size(), 2);
    const ApplicationConfig &lab = config->applications.at(0);
    QVERIFY(lab.anonymousRead);
    QCOMPARE(lab.devices.size(), 3);
    QCOMPARE(lab.devices.at(0), (DeviceConfig{QStringLiteral("sensor-1"), QByteArray(HASH), true, {}}));
    QCOMPARE(lab.devices.at(1),
             (DeviceConfig{QStringLiteral("gw"),
                           QByteArray(HASH_I),
                           true,
                           {QStringLiteral("sensor-1"), QStringLiteral("sensor-9")}})); // repeats dropped
    QCOMPARE(lab.devices.at(2), (DeviceConfig{QStringLiteral("sensor-9"), QByteArray(), false, {}}));
    QCOMPARE(lab.device(QStringLiteral("gw")), &lab.devices.at(1));
    QCOMPARE(lab.device(QStringLiteral("nobody")), nullptr);
    QVERIFY(config->applications.at(1).devices.isEmpty());
}

void TestConfigLoader::deviceDefaults()
{
    QString error;
    const std::optional<Config> config =
        parse("[[application]]\nname = \"a\"\n[[application.device]]\nname = \"d\"\n", &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->applications.at(0).devices.size(), 1);
    const DeviceConfig &device = config->applications.at(0).devices.at(0);
    QCOMPARE(device.name, QStringLiteral("d"));
    QVERIFY(device.passwordHash.isEmpty()); // allowed: no password login
    QVERIFY(device.enabled);
    QVERIFY(device.gatewayFor.isEmpty());
}

void TestConfigLoader::deviceForms_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::newRow("array of tables") << QByteArray("[[application]]\nname = \"a\"\n[[application.device]]\n"
                                                   "name = \"d1\"\n[[application.device]]\nname = \"d2\"\n"
                                                   "gateway-for = [\"d1\"]\n");
    QTest::newRow("inline") << QByteArray(
        "[[application]]\nname = \"a\"\n"
        "device = [{ name = \"d1\" }, { name = \"d2\", gateway-for = [\"d1\"] }]\n");
    QTest::newRow("all inline") << QByteArray("application = [{ name = \"a\", device = [{ name = \"d1\" }, { "
                                              "name = \"d2\", gateway-for = [\"d1\"] }] }]\n");
}

void TestConfigLoader::deviceForms()
{
    QFETCH(QByteArray, toml);
    QString error;
    const std::optional<Config> config = ConfigLoader::parse(toml, QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->applications.size(), 1);
    const QList<DeviceConfig> &devices = config->applications.at(0).devices;
    QCOMPARE(devices.size(), 2);
    QCOMPARE(devices.at(0).name, QStringLiteral("d1"));
    QCOMPARE(devices.at(1).gatewayFor, QStringList{QStringLiteral("d1")});
}

void TestConfigLoader::sameDeviceNameInTwoApplications()
{
    // Device names are unique per application only; gateway-for stays inside one.
    QString error;
    const std::optional<Config> config = parse(R"(
[[application]]
name = "a"
[[application.device]]
name = "d"
[[application]]
name = "b"
[[application.device]]
name = "d"
[[application.device]]
name = "gw"
gateway-for = ["d"]
)",
                                               &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->applications.at(0).devices.size(), 1);
    QCOMPARE(config->applications.at(1).devices.size(), 2);

    QVERIFY(!parse(R"(
[[application]]
name = "a"
[[application.device]]
name = "d"
[[application]]
name = "b"
[[application.device]]
name = "gw"
gateway-for = ["d"]
)",
                   &error));
    QVERIFY2(error.startsWith(QLatin1String("t.toml:10:16: application[1].device[0].gateway-for[0]: ")),
             qPrintable(error));
}

void TestConfigLoader::passwordNeverInErrors_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("secret");
    QTest::newRow("plain password") << QByteArray("\"hunter2-secret\"") << QByteArray("hunter2-secret");
    QTest::newRow("number") << QByteArray("31415926") << QByteArray("31415926");
    QTest::newRow("argon2 lookalike")
        << QByteArray("\"$argon2id$hunter2-secret\"") << QByteArray("hunter2-secret");
    QTest::newRow("in an array") << QByteArray("[\"hunter2-secret\"]") << QByteArray("hunter2-secret");
    QTest::newRow("truncated hash") << QByteArray("\"$argon2id$v=19$m=65536,t=2,p=1$4mM1DZUC+npm8FS5JDLh+A\"")
                                    << QByteArray("4mM1DZUC");
}

void TestConfigLoader::passwordNeverInErrors()
{
    // Someone who writes a password where the hash belongs must not find it in the log.
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, secret);
    QString error;
    QVERIFY(!ConfigLoader::parse("[[application]]\nname = \"a\"\n[[application.device]]\nname = \"d\"\n"
                                 "password-hash = " +
                                     value + '\n',
                                 QStringLiteral("t.toml"), &error));
    QVERIFY2(error.startsWith(QLatin1String("t.toml:5:17: application[0].device[0].password-hash: ")),
             qPrintable(error));
    QVERIFY2(!error.contains(QString::fromUtf8(secret)), qPrintable(error));
}

void TestConfigLoader::exampleFileLoads()
{
    const QString path = QStringLiteral(DROVER_SOURCE_DIR "/resources/examples/drover.toml");
    QString error;
    const std::optional<Config> config = ConfigLoader::loadFile(path, &error);
    QVERIFY2(config, qPrintable(error));
    QVERIFY(config->demo.enabled);
    QCOMPARE(config->applications.size(), 1);
    const ApplicationConfig &lab = config->applications.at(0);
    QCOMPARE(lab.name, QStringLiteral("lab"));
    QVERIFY(!lab.anonymousRead && !lab.anonymousCommand);
    // The example shows a device with a password, a gateway, and one without a password.
    QCOMPARE(lab.devices.size(), 3);
    QVERIFY(!lab.devices.at(0).passwordHash.isEmpty());
    QVERIFY(std::any_of(lab.devices.cbegin(), lab.devices.cend(),
                        [](const DeviceConfig &d) { return !d.gatewayFor.isEmpty(); }));
    QVERIFY(std::any_of(lab.devices.cbegin(), lab.devices.cend(),
                        [](const DeviceConfig &d) { return d.passwordHash.isEmpty(); }));
    QVERIFY(!config->listeners.isEmpty());
}

void TestConfigLoader::missingFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("absent.toml"));
    QString error;
    QVERIFY(!ConfigLoader::loadFile(path, &error));
    QVERIFY2(error.startsWith(QLatin1String("cannot read ") + path + QLatin1String(": ")), qPrintable(error));
    QVERIFY2(error.size() > QString(QLatin1String("cannot read ") + path + QLatin1String(": ")).size(),
             qPrintable(error)); // the reason is not empty
}

void TestConfigLoader::loadFileNamesThePath()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("bad.toml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("# comment\n[session]\nmax-inflight = 0\n");
    file.close();

    QString error;
    QVERIFY(!ConfigLoader::loadFile(path, &error));
    QCOMPARE(error,
             path + QLatin1String(":3:16: session.max-inflight: expected an integer from 1 to 65535, got 0"));
}

void TestConfigLoader::errors_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::addColumn<QString>("prefix"); // exact "file:line:col: key: "
    QTest::addColumn<QString>("detail"); // must follow somewhere after the prefix

    const auto row = [](const char *name, const char *toml, const char *prefix, const char *detail) {
        QTest::newRow(name) << QByteArray(toml) << QString::fromUtf8(prefix) << QString::fromUtf8(detail);
    };

    // TOML syntax: toml++'s own description and position.
    row("syntax: missing value", "instance = \n", "t.toml:1:12: ", "Error while parsing key-value pair");
    row("syntax: second line", "log-level = \"info\"\n[session\n", "t.toml:2:", "");
    row("syntax: redefined key", "instance = \"a\"\ninstance = \"b\"\n", "t.toml:2:", "instance");
    row("syntax: bad utf-8", "instance = \"\xff\"\n", "t.toml:1:", "");

    // Unknown keys, at the key.
    row("unknown root key", "foo = 1\n",
        "t.toml:1:1: foo: ", "unknown key; expected one of instance, log-level");
    row("unknown quoted key", "\"a.b\" = 1\n", "t.toml:1:1: \"a.b\": ", "unknown key");
    row("unknown session key", "[session]\nmax-inflite = 5\n",
        "t.toml:2:1: session.max-inflite: ", "unknown key; expected one of max-session-expiry, max-inflight");
    row("unknown retention key", "[retention]\n\n  max-age = 5\n",
        "t.toml:3:3: retention.max-age: ", "unknown key");
    row("unknown demo key", "[demo]\nenable = true\n", "t.toml:2:1: demo.enable: ", "unknown key");
    row("unknown listener key", "[[listener]]\naddress = \"127.0.0.1:1\"\nport = 5\n",
        "t.toml:3:1: listener[0].port: ", "unknown key; expected one of kind, address");
    row("unknown application key", "[[application]]\nname = \"a\"\nread = true\n",
        "t.toml:3:1: application[0].read: ", "unknown key; expected one of name, anonymous, device");
    row("unknown subtable", "[session.tls]\nx = 1\n", "t.toml:1:10: session.tls: ", "unknown key");
    row("unknown dotted key", "session.inflight = 1\n", "t.toml:1:9: session.inflight: ", "unknown key");

    // Root values.
    row("instance: integer", "instance = 5\n",
        "t.toml:1:12: instance: ", "expected a string, got 5 (an integer)");
    row("instance: empty", "instance = \"\"\n", "t.toml:1:12: instance: ", "must not be empty");
    row("instance: date", "instance = 1979-05-27\n",
        "t.toml:1:12: instance: ", "expected a string, got a date");
    row("log-level: unknown", "log-level = \"verbose\"\n", "t.toml:1:13: log-level: ",
        "expected one of \"debug\", \"info\", \"warning\", \"error\", got \"verbose\"");
    row("log-level: case", "log-level = \"INFO\"\n", "t.toml:1:13: log-level: ", "got \"INFO\"");
    row("log-level: bool", "log-level = true\n", "t.toml:1:13: log-level: ", "got true (a boolean)");

    // Sections of the wrong shape.
    row("retention: not a table", "retention = 5\n",
        "t.toml:1:13: retention: ", "expected a table, got 5 (an integer)");
    row("session: array", "session = []\n", "t.toml:1:11: session: ", "expected a table, got an array");
    row("listener: plain table", "[listener]\naddress = \"127.0.0.1:1\"\n",
        "t.toml:1:1: listener: ", "expected an array of tables ([[listener]]), got a table");
    row("listener: empty array", "listener = []\n",
        "t.toml:1:12: listener: ", "at least one listener is required");
    row("listener: not tables", "listener = [1]\n",
        "t.toml:1:13: listener[0]: ", "expected a table, got 1 (an integer)");
    row("application: plain table", "[application]\nname = \"x\"\n",
        "t.toml:1:1: application: ", "expected an array of tables ([[application]]), got a table");
    row("application: string", "application = \"lab\"\n", "t.toml:1:15: application: ",
        "expected an array of tables ([[application]]), got \"lab\" (a string)");

    // Integers and their ranges, at the value.
    row("max-inflight: zero", "[session]\nmax-inflight = 0\n",
        "t.toml:2:16: session.max-inflight: ", "expected an integer from 1 to 65535, got 0");
    row("max-inflight: too big", "[session]\nmax-inflight = 65536\n",
        "t.toml:2:16: session.max-inflight: ", "expected an integer from 1 to 65535, got 65536");
    row("max-inflight: string", "[session]\nmax-inflight = \"5\"\n",
        "t.toml:2:16: session.max-inflight: ", "expected an integer from 1 to 65535, got \"5\" (a string)");
    row("max-inflight: float", "[session]\nmax-inflight = 5.5\n",
        "t.toml:2:16: session.max-inflight: ", "got 5.5 (a float)");
    row("max-inflight: inline", "session = { max-inflight = 0 }\n",
        "t.toml:1:28: session.max-inflight: ", "expected an integer from 1 to 65535, got 0");
    row("max-inflight: dotted", "session.max-inflight = -3\n",
        "t.toml:1:24: session.max-inflight: ", "got -3");
    row("topic-alias-maximum: negative", "[session]\ntopic-alias-maximum = -1\n",
        "t.toml:2:23: session.topic-alias-maximum: ", "expected an integer from 0 to 65535, got -1");
    row("topic-alias-maximum: too big", "[session]\ntopic-alias-maximum = 70000\n",
        "t.toml:2:23: session.topic-alias-maximum: ", "got 70000");
    row("max-events: zero", "[retention]\nmax-events = 0\n",
        "t.toml:2:14: retention.max-events: ", "expected an integer of at least 1, got 0");
    row("max-events: string size", "[retention]\nmax-events = \"1k\"\n",
        "t.toml:2:14: retention.max-events: ", "got \"1k\" (a string)");
    row("devices: zero", "[demo]\ndevices = 0\n",
        "t.toml:2:11: demo.devices: ", "expected an integer from 1 to 1000, got 0");
    row("devices: too many", "[demo]\ndevices = 1001\n", "t.toml:2:11: demo.devices: ", "got 1001");

    // Durations.
    row("max-keep-alive: zero", "[session]\nmax-keep-alive = 0\n",
        "t.toml:2:18: session.max-keep-alive: ", "expected a duration from 1s to 65535s, got 0");
    row("max-keep-alive: a day", "[session]\nmax-keep-alive = \"1d\"\n",
        "t.toml:2:18: session.max-keep-alive: ", "expected a duration from 1s to 65535s, got \"1d\"");
    row("max-session-expiry: beyond u32", "[session]\nmax-session-expiry = \"50000d\"\n",
        "t.toml:2:22: session.max-session-expiry: ",
        "expected a duration from 0s to 4294967295s, got \"50000d\"");
    row("max-session-expiry: negative", "[session]\nmax-session-expiry = -1\n",
        "t.toml:2:22: session.max-session-expiry: ", "got -1");
    row("group-idle: fraction", "[retention]\ngroup-idle = \"1.5h\"\n", "t.toml:2:14: retention.group-idle: ",
        "\"1.5h\" is not a duration: expected a whole number of seconds with an optional unit s, m, h or d");
    row("group-idle: weeks", "[retention]\ngroup-idle = \"1w\"\n",
        "t.toml:2:14: retention.group-idle: ", "\"1w\" is not a duration: unknown unit \"w\"");
    row("group-idle: zero", "[retention]\ngroup-idle = 0\n",
        "t.toml:2:14: retention.group-idle: ", "expected a duration of at least 1s, got 0");
    row("group-idle: bool", "[retention]\ngroup-idle = false\n", "t.toml:2:14: retention.group-idle: ",
        "expected a duration (integer seconds or a string such as \"24h\"), got false (a boolean)");

    // Sizes.
    row("max-packet-size: too small", "[session]\nmax-packet-size = 127\n",
        "t.toml:2:19: session.max-packet-size: ", "expected a size from 128B to 256MiB, got 127");
    row("max-packet-size: too big", "[session]\nmax-packet-size = \"257MiB\"\n",
        "t.toml:2:19: session.max-packet-size: ", "expected a size from 128B to 256MiB, got \"257MiB\"");
    row("max-packet-size: decimal unit", "[session]\nmax-packet-size = \"1MB\"\n",
        "t.toml:2:19: session.max-packet-size: ", "\"1MB\" is not a size: unknown unit \"MB\"");
    row("max-packet-size: array", "[session]\nmax-packet-size = [1]\n",
        "t.toml:2:19: session.max-packet-size: ",
        "expected a size (integer bytes or a string such as \"64MiB\"), got an array");
    row("socket-high-water: zero", "[session]\nsocket-high-water = 0\n",
        "t.toml:2:21: session.socket-high-water: ", "expected a size of at least 1B, got 0");
    row("max-bytes: negative string", "[retention]\nmax-bytes = \"-1\"\n",
        "t.toml:2:13: retention.max-bytes: ", "\"-1\" is not a size");
    row("max-bytes: overflow", "[retention]\nmax-bytes = \"9999999999GiB\"\n",
        "t.toml:2:13: retention.max-bytes: ", "\"9999999999GiB\" is too large");

    // Demo.
    row("enabled: string", "[demo]\nenabled = \"yes\"\n",
        "t.toml:2:11: demo.enabled: ", "expected true or false, got \"yes\" (a string)");
    row("enabled: integer", "[demo]\nenabled = 1\n", "t.toml:2:11: demo.enabled: ", "got 1 (an integer)");
    row("rate: zero", "[demo]\nrate = 0\n",
        "t.toml:2:8: demo.rate: ", "expected a number greater than 0 and at most 10000, got 0");
    row("rate: negative", "[demo]\nrate = -0.5\n", "t.toml:2:8: demo.rate: ", "got -0.5");
    row("rate: too fast", "[demo]\nrate = 10000.5\n", "t.toml:2:8: demo.rate: ", "got 10000.5");
    row("rate: nan", "[demo]\nrate = nan\n", "t.toml:2:8: demo.rate: ", "got nan");
    row("rate: inf", "[demo]\nrate = inf\n", "t.toml:2:8: demo.rate: ", "got inf");
    row("rate: string", "[demo]\nrate = \"1\"\n", "t.toml:2:8: demo.rate: ", "got \"1\" (a string)");
    row("demo application: slash", "[demo]\napplication = \"a/b\"\n",
        "t.toml:2:15: demo.application: ", "application name \"a/b\" contains '/'");
    row("demo application: empty", "[demo]\napplication = \"\"\n",
        "t.toml:2:15: demo.application: ", "must not be empty");

    // Listeners.
    row("listener: missing address", "[[listener]]\nkind = \"mqtt\"\n",
        "t.toml:1:1: listener[0].address: ", "required key is missing");
    row("listener: second missing address", "[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[listener]]\n",
        "t.toml:4:1: listener[1].address: ", "required key is missing");
    row("listener: unknown kind", "[[listener]]\nkind = \"tls\"\naddress = \"127.0.0.1:8883\"\n",
        "t.toml:2:8: listener[0].kind: ",
        "expected one of \"mqtt\", \"device-mqtt\", \"device-http\", \"ws\", \"device-ws\", \"mqtts\", "
        "\"device-mqtts\", \"wss\", \"device-wss\", got \"tls\"");
    row("listener: websocket kind misspelled",
        "[[listener]]\nkind = \"websocket\"\naddress = \"127.0.0.1:8080\"\n",
        "t.toml:2:8: listener[0].kind: ", "\"wss\", \"device-wss\", got \"websocket\"");
    row("listener: ws has no path key",
        "[[listener]]\nkind = \"ws\"\naddress = \"127.0.0.1:8080\"\npath = \"/mqtt\"\n",
        "t.toml:4:1: listener[0].path: ", "unknown key; expected one of kind, address");
    row("listener: ws missing address", "[[listener]]\nkind = \"device-ws\"\n",
        "t.toml:1:1: listener[0].address: ", "required key is missing");
    row("address: ws bad address", "[[listener]]\nkind = \"ws\"\naddress = \"127.0.0.1:80800\"\n",
        "t.toml:3:11: listener[0].address: ", "invalid port \"80800\"");
    row("listener: kind not a string", "[[listener]]\nkind = 1\naddress = \"127.0.0.1:8883\"\n",
        "t.toml:2:8: listener[0].kind: ", "got 1 (an integer)");
    row("address: host name", "[[listener]]\naddress = \"example.com:1883\"\n",
        "t.toml:2:11: listener[0].address: ",
        "invalid address \"example.com:1883\": host names other than localhost are not resolved");
    row("address: no port", "[[listener]]\naddress = \"127.0.0.1\"\n",
        "t.toml:2:11: listener[0].address: ", "missing port");
    row("address: bare ipv6", "[[listener]]\naddress = \"::1:1883\"\n",
        "t.toml:2:11: listener[0].address: ", "must be in brackets");
    row("address: port too big", "[[listener]]\naddress = \"[::1]:65536\"\n",
        "t.toml:2:11: listener[0].address: ", "invalid port \"65536\"");
    row("address: integer", "[[listener]]\naddress = 1883\n",
        "t.toml:2:11: listener[0].address: ", "expected a string, got 1883 (an integer)");
    row("address: inline array element",
        "listener = [{ address = \"127.0.0.1:1\" }, { address = \"x:1\" }]\n",
        "t.toml:1:54: listener[1].address: ", "host names");
    row("address: duplicate",
        "[[listener]]\naddress = \"127.0.0.1:1883\"\n[[listener]]\naddress = \"localhost:1883\"\n",
        "t.toml:4:11: listener[1].address: ", "same address as listener[0]");
    row("address: duplicate across kinds",
        "[[listener]]\naddress = \"127.0.0.1:8080\"\n[[listener]]\nkind = \"ws\"\naddress = "
        "\"127.0.0.1:8080\"\n",
        "t.toml:5:11: listener[1].address: ", "same address as listener[0]");

    // Applications.
    row("application: missing name", "[[application]]\nanonymous = []\n",
        "t.toml:1:1: application[0].name: ", "required key is missing");
    row("application: second missing name",
        "[[application]]\nname = \"a\"\n\n[[application]]\nanonymous = [\"read\"]\n",
        "t.toml:4:1: application[1].name: ", "required key is missing");
    row("application: empty name", "[[application]]\nname = \"\"\n",
        "t.toml:2:8: application[0].name: ", "an application name must not be empty");
    row("application: space", "[[application]]\nname = \"my lab\"\n",
        "t.toml:2:8: application[0].name: ", "contains whitespace");
    row("application: plus", "[[application]]\nname = \"lab+\"\n",
        "t.toml:2:8: application[0].name: ", "contains '+'");
    row("application: hash", "[[application]]\nname = \"#\"\n",
        "t.toml:2:8: application[0].name: ", "contains '#'");
    row("application: slash", "[[application]]\nname = \"a/b\"\n",
        "t.toml:2:8: application[0].name: ", "contains '/'");
    row("application: name not a string", "[[application]]\nname = 7\n",
        "t.toml:2:8: application[0].name: ", "expected a string, got 7 (an integer)");
    row("application: duplicate", "[[application]]\nname = \"lab\"\n[[application]]\nname = \"lab\"\n",
        "t.toml:4:8: application[1].name: ", "duplicate application name \"lab\" (first defined on line 2)");
    row("anonymous: unknown right", "[[application]]\nname = \"a\"\nanonymous = [\"read\", \"write\"]\n",
        "t.toml:3:22: application[0].anonymous[1]: ", "expected one of \"read\", \"command\", got \"write\"");
    row("anonymous: not an array", "[[application]]\nname = \"a\"\nanonymous = \"read\"\n",
        "t.toml:3:13: application[0].anonymous: ",
        "expected an array such as [\"read\", \"command\"], got \"read\"");
    row("anonymous: element type", "[[application]]\nname = \"a\"\nanonymous = [true]\n",
        "t.toml:3:14: application[0].anonymous[0]: ", "got true (a boolean)");

    // Devices. D opens an application "a" with its first [[application.device]] on line 3.
#define D "[[application]]\nname = \"a\"\n[[application.device]]\n"
    row("device: unknown key", D "name = \"d\"\npassword = \"x\"\n",
        "t.toml:5:1: application[0].device[0].password: ",
        "unknown key; expected one of name, password-hash, enabled, gateway-for");
    row("device: missing name", D "enabled = true\n",
        "t.toml:3:1: application[0].device[0].name: ", "required key is missing");
    row("device: second missing name", D "name = \"d\"\n\n[[application.device]]\nenabled = false\n",
        "t.toml:6:1: application[0].device[1].name: ", "required key is missing");
    row("device: empty name", D "name = \"\"\n",
        "t.toml:4:8: application[0].device[0].name: ", "a device name must not be empty");
    row("device: name not a string", D "name = 1\n",
        "t.toml:4:8: application[0].device[0].name: ", "expected a string, got 1 (an integer)");
    row("device: slash", D "name = \"a/b\"\n", "t.toml:4:8: application[0].device[0].name: ",
        "device name \"a/b\" contains '/'; names are MQTT topic levels");
    row("device: plus", D "name = \"+\"\n", "t.toml:4:8: application[0].device[0].name: ", "contains '+'");
    row("device: hash", D "name = \"d#\"\n", "t.toml:4:8: application[0].device[0].name: ", "contains '#'");
    row("device: at", D "name = \"d@a\"\n", "t.toml:4:8: application[0].device[0].name: ",
        "device name \"d@a\" contains '@'; '@' separates device and application in user names");
    row("device: space", D "name = \"my device\"\n",
        "t.toml:4:8: application[0].device[0].name: ", "contains whitespace or a control character");
    row("device: tab", D "name = \"d\\t1\"\n",
        "t.toml:4:8: application[0].device[0].name: ", "contains whitespace");
    row("device: duplicate", D "name = \"d\"\n[[application.device]]\nname = \"d\"\n",
        "t.toml:6:8: application[0].device[1].name: ",
        "duplicate device name \"d\" in this application (first defined on line 4)");
    row("device: duplicate in second application",
        "[[application]]\nname = \"a\"\n[[application]]\nname = \"b\"\n[[application.device]]\nname = \"d\"\n"
        "[[application.device]]\nname = \"x\"\n[[application.device]]\nname = \"d\"\n",
        "t.toml:10:8: application[1].device[2].name: ", "duplicate device name \"d\"");
    row("device: plain table", "[[application]]\nname = \"a\"\n[application.device]\nname = \"d\"\n",
        "t.toml:3:1: application[0].device: ",
        "expected an array of tables ([[application.device]]), got a table");
    row("device: string", "[[application]]\nname = \"a\"\ndevice = \"d\"\n",
        "t.toml:3:10: application[0].device: ",
        "expected an array of tables ([[application.device]]), got \"d\" (a string)");
    row("device: not tables", "[[application]]\nname = \"a\"\ndevice = [\"d\"]\n",
        "t.toml:3:11: application[0].device[0]: ", "expected a table, got \"d\" (a string)");
    row("enabled: string", D "name = \"d\"\nenabled = \"no\"\n",
        "t.toml:5:11: application[0].device[0].enabled: ", "expected true or false, got \"no\" (a string)");
    row("password-hash: integer", D "name = \"d\"\npassword-hash = 5\n",
        "t.toml:5:17: application[0].device[0].password-hash: ",
        "expected a string (an Argon2 hash from droverd hash-password), got an integer");
    row("password-hash: empty", D "name = \"d\"\npassword-hash = \"\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ",
        "must not be empty; leave password-hash out for a device without a password");
    row("password-hash: plain password", D "name = \"d\"\npassword-hash = \"secret\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ",
        "not an Argon2 hash string: expected one that starts with \"$argon2id$\" or \"$argon2i$\" (create "
        "one "
        "with droverd hash-password; a plain password is not accepted)");
    row("password-hash: argon2d",
        D "name = \"d\"\npassword-hash = \"$argon2d$v=19$m=65536,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "not an Argon2 hash string");
    row("password-hash: bcrypt",
        D "name = \"d\"\npassword-hash = \"$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "not an Argon2 hash string");
    row("password-hash: old version",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=16$m=65536,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "unsupported Argon2 version: expected v=19");
    row("password-hash: no version",
        D "name = \"d\"\npassword-hash = \"$argon2id$m=65536,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 hash string");
    row("password-hash: parameter order",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=19$t=2,m=65536,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 parameters");
    row("password-hash: zero passes",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=19$m=65536,t=0,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 parameters");
    row("password-hash: too little memory",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=19$m=15,t=2,p=2$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 parameters");
    row("password-hash: leading zero",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=19$m=065536,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 parameters");
    row("password-hash: huge number",
        D "name = \"d\"\npassword-hash = "
          "\"$argon2id$v=19$m=4294967296,t=2,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 parameters");
    row("password-hash: short salt",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAA$AAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ",
        "the salt and the hash must be unpadded base64");
    row("password-hash: padded",
        D
        "name = \"d\"\npassword-hash = \"$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAA$AAAAAAAAAAAAAAAA==\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ",
        "the salt and the hash must be unpadded base64");
    row("password-hash: missing hash",
        D "name = \"d\"\npassword-hash = \"$argon2id$v=19$m=65536,t=2,p=1$AAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 hash string");
    row("password-hash: trailing part", D "name = \"d\"\npassword-hash = \"" HASH "$x\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ", "malformed Argon2 hash string");
    row("password-hash: too long",
        D "name = \"d\"\npassword-hash = \"" HASH "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n",
        "t.toml:5:17: application[0].device[0].password-hash: ",
        "an Argon2 hash string has at most 127 characters, this one 130");
    row("gateway-for: string", D "name = \"d\"\ngateway-for = \"e\"\n",
        "t.toml:5:15: application[0].device[0].gateway-for: ",
        "expected an array of device names such as [\"sensor-2\"], got \"e\" (a string)");
    row("gateway-for: element type", D "name = \"d\"\ngateway-for = [1]\n",
        "t.toml:5:16: application[0].device[0].gateway-for[0]: ", "expected a string, got 1 (an integer)");
    row("gateway-for: invalid name", D "name = \"d\"\ngateway-for = [\"e@a\"]\n",
        "t.toml:5:16: application[0].device[0].gateway-for[0]: ", "contains '@'");
    row("gateway-for: itself", D "name = \"d\"\ngateway-for = [\"d\", \"e\"]\n",
        "t.toml:5:16: application[0].device[0].gateway-for[0]: ",
        "device \"d\" names itself; a device always acts for itself");
    row("gateway-for: undeclared",
        D "name = \"gw\"\ngateway-for = [\"e\"]\n[[application.device]]\nname = \"f\"\n",
        "t.toml:5:16: application[0].device[0].gateway-for[0]: ",
        "no device \"e\" in this application (gateway-for names devices of the same [[application]])");
    row("gateway-for: second undeclared",
        D "name = \"gw\"\ngateway-for = [\"f\", \"e\"]\n[[application.device]]\nname = \"f\"\n",
        "t.toml:5:21: application[0].device[0].gateway-for[1]: ", "no device \"e\" in this application");
    row("application key after devices", D "name = \"d\"\n[[application]]\nname = \"b\"\ncolour = 1\n",
        "t.toml:7:1: application[1].colour: ", "unknown key; expected one of name, anonymous, device");
#undef D
}

void TestConfigLoader::errors()
{
    QFETCH(QByteArray, toml);
    QFETCH(QString, prefix);
    QFETCH(QString, detail);

    QString error;
    const std::optional<Config> config = ConfigLoader::parse(toml, QStringLiteral("t.toml"), &error);
    QVERIFY2(!config, "a bad document was accepted");
    QCOMPARE(error.left(prefix.size()), prefix);
    QVERIFY2(error.mid(prefix.size()).contains(detail), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error)); // one line, for the log
}

void TestConfigLoader::earliestErrorInFileWins()
{
    // toml++ iterates keys alphabetically (max-inflight before max-packet-size); the report
    // must still follow the file.
    QString error;
    QVERIFY(!parse("[session]\nmax-packet-size = 1\nmax-inflight = 0\n", &error));
    QVERIFY2(error.startsWith(QLatin1String("t.toml:2:19: session.max-packet-size: ")), qPrintable(error));

    QVERIFY(!parse("zzz = 1\n[session]\nmax-inflight = 0\n", &error));
    QVERIFY2(error.startsWith(QLatin1String("t.toml:1:1: zzz: ")), qPrintable(error));

    // Same line: the leftmost.
    QVERIFY(!parse("session = { max-keep-alive = 0, max-inflight = 0 }\n", &error));
    QVERIFY2(error.startsWith(QLatin1String("t.toml:1:30: session.max-keep-alive: ")), qPrintable(error));
}

void TestConfigLoader::garbageNeverThrows_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::newRow("binary") << QByteArray("\x00\x01\x02\xff\xfe", 5);
    QTest::newRow("unterminated string") << QByteArray("instance = \"abc");
    QTest::newRow("unterminated array") << QByteArray("listener = [");
    QTest::newRow("huge integer") << QByteArray("[session]\nmax-inflight = 99999999999999999999999\n");
    QTest::newRow("deep nesting") << QByteArray(2000, '[');
    QTest::newRow("lone bracket header") << QByteArray("[[]]\n");
}

void TestConfigLoader::garbageNeverThrows()
{
    QFETCH(QByteArray, toml);
    QString error;
    std::optional<Config> config;
    try {
        config = ConfigLoader::parse(toml, QStringLiteral("g.toml"), &error);
    } catch (...) {
        QFAIL("an exception escaped ConfigLoader::parse");
    }
    QVERIFY(!config);
    QVERIFY2(error.startsWith(QLatin1String("g.toml:")), qPrintable(error));
}

void TestConfigLoader::nullErrorPointer()
{
    QVERIFY(!ConfigLoader::parse(QByteArray("foo = 1"), QStringLiteral("t.toml"), nullptr));
    QVERIFY(!ConfigLoader::parse(QByteArray("foo = "), QStringLiteral("t.toml"), nullptr));
    QVERIFY(!ConfigLoader::loadFile(QStringLiteral("/nonexistent/drover.toml"), nullptr));
    QVERIFY(ConfigLoader::parse(QByteArray(), QStringLiteral("t.toml"), nullptr));
}

QTEST_APPLESS_MAIN(TestConfigLoader)
#include "tst_configloader.moc"
