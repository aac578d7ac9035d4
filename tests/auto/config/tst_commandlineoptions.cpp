// The gateway's command-line options on top of the configuration: the listener options
// replace the listeners of their kind and leave the others alone.
#include "config/commandlineoptions.h"

#include <QCommandLineParser>
#include <QTemporaryDir>
#include <QTest>

using namespace drover::config;

class TestCommandLineOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noWebSocketListenerByDefault();
    void webSocketOptions();
    void webSocketOptionsReplaceConfigured();
    void badWebSocketAddress();

private:
    static std::optional<Config> load(const QStringList &arguments, QString *error)
    {
        CommandLineOptions options;
        QCommandLineParser parser;
        options.addTo(parser);
        if (!parser.parse(QStringList{QStringLiteral("droverd")} + arguments)) {
            *error = parser.errorText();
            return std::nullopt;
        }
        return options.load(parser, error);
    }
    static QList<ListenerConfig> ofKind(const Config &config, ListenerConfig::Kind kind)
    {
        QList<ListenerConfig> result;
        for (const ListenerConfig &l : config.listeners) {
            if (l.kind == kind)
                result.append(l);
        }
        return result;
    }
};

void TestCommandLineOptions::noWebSocketListenerByDefault()
{
    QString error;
    const auto config = load({}, &error);
    QVERIFY2(config, qPrintable(error));
    QVERIFY(ofKind(*config, ListenerConfig::Kind::WebSocket).isEmpty());
    QVERIFY(ofKind(*config, ListenerConfig::Kind::DeviceWebSocket).isEmpty());
    QCOMPARE(config->listeners.size(), 3); // mqtt, device-mqtt, device-http
}

void TestCommandLineOptions::webSocketOptions()
{
    QString error;
    const auto config =
        load({QStringLiteral("--ws"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--ws"),
              QStringLiteral("[::1]:8080"), QStringLiteral("--device-ws"), QStringLiteral("localhost:8081")},
             &error);
    QVERIFY2(config, qPrintable(error));
    const auto ws = ofKind(*config, ListenerConfig::Kind::WebSocket);
    QCOMPARE(ws.size(), 2);
    QCOMPARE(ws.at(0).address, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(ws.at(0).port, quint16(0));
    QCOMPARE(ws.at(1).address, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(ws.at(1).port, quint16(8080));
    const auto deviceWs = ofKind(*config, ListenerConfig::Kind::DeviceWebSocket);
    QCOMPARE(deviceWs.size(), 1);
    QCOMPARE(deviceWs.at(0).port, quint16(8081));
    // The other kinds keep their defaults.
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtt).size(), 1);
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::DeviceMqtt).size(), 1);
}

void TestCommandLineOptions::webSocketOptionsReplaceConfigured()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("drover.toml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("[[listener]]\naddress = \"127.0.0.1:1883\"\n"
               "[[listener]]\nkind = \"ws\"\naddress = \"127.0.0.1:8080\"\n"
               "[[listener]]\nkind = \"device-ws\"\naddress = \"127.0.0.1:8081\"\n");
    file.close();
    QString error;
    const auto config = load(
        {QStringLiteral("--config"), path, QStringLiteral("--ws"), QStringLiteral("127.0.0.1:9090")}, &error);
    QVERIFY2(config, qPrintable(error));
    const auto ws = ofKind(*config, ListenerConfig::Kind::WebSocket);
    QCOMPARE(ws.size(), 1);
    QCOMPARE(ws.at(0).port, quint16(9090));
    const auto deviceWs = ofKind(*config, ListenerConfig::Kind::DeviceWebSocket);
    QCOMPARE(deviceWs.size(), 1); // --device-ws not given: the file's stays
    QCOMPARE(deviceWs.at(0).port, quint16(8081));
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtt).size(), 1);
}

void TestCommandLineOptions::badWebSocketAddress()
{
    QString error;
    QVERIFY(!load({QStringLiteral("--device-ws"), QStringLiteral("example.com:8080")}, &error));
    QVERIFY2(error.startsWith(QStringLiteral("--device-ws example.com:8080: invalid address")),
             qPrintable(error));
    QVERIFY(!load({QStringLiteral("--ws"), QStringLiteral("127.0.0.1")}, &error));
    QVERIFY2(error.startsWith(QStringLiteral("--ws 127.0.0.1: ")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("missing port")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestCommandLineOptions)
#include "tst_commandlineoptions.moc"
