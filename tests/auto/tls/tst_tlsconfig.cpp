// The [tls] section and the TLS listener kinds in the TOML file, and the TLS options of the
// command line on top of it: what each accepts, and what each refuses with file:line:col or
// the option in the message.
#include "config/commandlineoptions.h"
#include "config/configloader.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace drover::config;

class TestTlsConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaults();
    void tlsSection();
    void tlsListenerKinds();
    void relativePathsAreTheFilesDirectory();
    void errors_data();
    void errors();
    void commandLine();
    void commandLineReplacesFileEntries();
    void commandLineErrors_data();
    void commandLineErrors();

private:
    static std::optional<Config> parse(const QByteArray &toml, QString *error)
    {
        return ConfigLoader::parse(toml, QStringLiteral("t.toml"), error);
    }
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
    QString writeFile(const QString &name, const QByteArray &content)
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(name));
        file.write(content);
        return file.fileName();
    }

    QTemporaryDir m_dir;
};

void TestTlsConfig::defaults()
{
    const TlsConfig tls;
    QVERIFY(tls.certificateFile.isEmpty() && tls.privateKeyFile.isEmpty() && tls.clientCaFile.isEmpty());
    QCOMPARE(tls.clientCertificates, TlsConfig::ClientCertificates::Optional);
    QCOMPARE(tls.minVersion, TlsConfig::Version::Tls12);
    QVERIFY(Config().tls == tls);
    for (const auto kind :
         {ListenerConfig::Kind::Mqtts, ListenerConfig::Kind::DeviceMqtts,
          ListenerConfig::Kind::SecureWebSocket, ListenerConfig::Kind::DeviceSecureWebSocket})
        QVERIFY(isTlsListener(kind));
    for (const auto kind :
         {ListenerConfig::Kind::Mqtt, ListenerConfig::Kind::DeviceMqtt, ListenerConfig::Kind::DeviceHttp,
          ListenerConfig::Kind::WebSocket, ListenerConfig::Kind::DeviceWebSocket})
        QVERIFY(!isTlsListener(kind));
    QCOMPARE(listenerKindFromName(QStringLiteral("device-wss")), ListenerConfig::Kind::DeviceSecureWebSocket);
    QCOMPARE(listenerKindName(ListenerConfig::Kind::Mqtts), QStringLiteral("mqtts"));
}

void TestTlsConfig::tlsSection()
{
    QString error;
    const auto config = parse(R"(
[tls]
certificate = "/etc/drover/server-chain.pem"
private-key = "/etc/drover/server.key"
private-key-passphrase-file = "/etc/drover/passphrase"
client-ca = "/etc/drover/devices-ca.pem"
client-certificates = "required"
min-version = "1.3"
)",
                              &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->tls.certificateFile, QStringLiteral("/etc/drover/server-chain.pem"));
    QCOMPARE(config->tls.privateKeyFile, QStringLiteral("/etc/drover/server.key"));
    QCOMPARE(config->tls.privateKeyPassphraseFile, QStringLiteral("/etc/drover/passphrase"));
    QCOMPARE(config->tls.clientCaFile, QStringLiteral("/etc/drover/devices-ca.pem"));
    QCOMPARE(config->tls.clientCertificates, TlsConfig::ClientCertificates::Required);
    QCOMPARE(config->tls.minVersion, TlsConfig::Version::Tls13);
}

void TestTlsConfig::tlsListenerKinds()
{
    QString error;
    const auto config = parse(R"(
[[listener]]
kind = "mqtts"
address = "0.0.0.0:8883"
[[listener]]
kind = "device-mqtts"
address = "0.0.0.0:8884"
[[listener]]
kind = "wss"
address = "127.0.0.1:8443"
[[listener]]
kind = "device-wss"
address = "[::1]:8444"
[tls]
certificate = "server.pem"
private-key = "server.key"
)",
                              &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->listeners.size(), 4);
    QCOMPARE(config->listeners.at(0).kind, ListenerConfig::Kind::Mqtts);
    QCOMPARE(config->listeners.at(0).port, quint16(8883));
    QCOMPARE(config->listeners.at(1).kind, ListenerConfig::Kind::DeviceMqtts);
    QCOMPARE(config->listeners.at(2).kind, ListenerConfig::Kind::SecureWebSocket);
    QCOMPARE(config->listeners.at(3).kind, ListenerConfig::Kind::DeviceSecureWebSocket);
    QCOMPARE(config->listeners.at(3).address, QHostAddress(QStringLiteral("::1")));
    // parse() keeps paths as written; loadFile() anchors them (below).
    QCOMPARE(config->tls.certificateFile, QStringLiteral("server.pem"));
}

void TestTlsConfig::relativePathsAreTheFilesDirectory()
{
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("etc/certs")));
    const QString file = writeFile(QStringLiteral("etc/drover.toml"), R"(
[tls]
certificate = "certs/server.pem"
private-key = "../etc/certs/server.key"
client-ca = "/srv/ca.pem"
)");
    QString error;
    const auto config = ConfigLoader::loadFile(file, &error);
    QVERIFY2(config, qPrintable(error));
    const QString etc = QDir(m_dir.path()).absoluteFilePath(QStringLiteral("etc"));
    QCOMPARE(config->tls.certificateFile, etc + QStringLiteral("/certs/server.pem"));
    QCOMPARE(config->tls.privateKeyFile, etc + QStringLiteral("/certs/server.key"));
    QCOMPARE(config->tls.clientCaFile, QStringLiteral("/srv/ca.pem"));
    QVERIFY(config->tls.privateKeyPassphraseFile.isEmpty());
}

void TestTlsConfig::errors_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::addColumn<QString>("expected"); // the whole message
    QTest::newRow("TLS listener without [tls]")
        << QByteArray("[[listener]]\nkind = \"mqtt\"\naddress = \"127.0.0.1:1883\"\n\n[[listener]]\n"
                      "kind = \"device-wss\"\naddress = \"127.0.0.1:8443\"\n")
        << "t.toml:6:8: listener[1].kind: \"device-wss\" listens with TLS: set certificate and private-key "
           "in "
           "[tls]";
    QTest::newRow("TLS listener, [tls] without certificate")
        << QByteArray("[tls]\nmin-version = \"1.3\"\n\n[[listener]]\nkind = \"mqtts\"\naddress = "
                      "\"127.0.0.1:8883\"\n")
        << "t.toml:5:8: listener[0].kind: \"mqtts\" listens with TLS: set certificate and private-key in "
           "[tls]";
    QTest::newRow("certificate without key")
        << QByteArray("[tls]\ncertificate = \"server.pem\"\n")
        << "t.toml:1:1: tls.private-key: required key is missing (the private key of certificate)";
    QTest::newRow("key without certificate")
        << QByteArray("[tls]\nprivate-key = \"server.key\"\n")
        << "t.toml:1:1: tls.certificate: required key is missing (the certificate of private-key)";
    QTest::newRow("client-certificates without client-ca")
        << QByteArray("[tls]\ncertificate = \"s.pem\"\nprivate-key = \"s.key\"\nclient-certificates = "
                      "\"required\"\n")
        << "t.toml:4:23: tls.client-certificates: needs client-ca, the CA certificates the devices' "
           "certificates "
           "must chain to";
    QTest::newRow("client-certificates unknown")
        << QByteArray("[tls]\nclient-ca = \"ca.pem\"\nclient-certificates = \"sometimes\"\n")
        << "t.toml:3:23: tls.client-certificates: expected one of \"optional\", \"required\", got "
           "\"sometimes\"";
    QTest::newRow("min-version 1.1")
        << QByteArray("[tls]\nmin-version = \"1.1\"\n")
        << "t.toml:2:15: tls.min-version: expected one of \"1.2\", \"1.3\", got \"1.1\"";
    QTest::newRow("min-version a number")
        << QByteArray("[tls]\nmin-version = 1.2\n")
        << "t.toml:2:15: tls.min-version: expected one of \"1.2\", \"1.3\", got "
           "1.2 (a float)";
    QTest::newRow("empty certificate path")
        << QByteArray("[tls]\ncertificate = \"\"\nprivate-key = \"k.pem\"\n")
        << "t.toml:2:15: tls.certificate: must not be empty";
    QTest::newRow("unknown key")
        << QByteArray("[tls]\ncert = \"s.pem\"\n")
        << "t.toml:2:1: tls.cert: unknown key; expected one of certificate, private-key, "
           "private-key-passphrase-file, client-ca, client-certificates, min-version";
    QTest::newRow("not a table") << QByteArray("tls = \"on\"\n")
                                 << "t.toml:1:7: tls: expected a table, got \"on\" (a string)";
}

void TestTlsConfig::errors()
{
    QFETCH(QByteArray, toml);
    QFETCH(QString, expected);
    QString error;
    QVERIFY(!parse(toml, &error));
    QCOMPARE(error, expected);
}

void TestTlsConfig::commandLine()
{
    QString error;
    const auto config = load(
        {QStringLiteral("--mqtts"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--mqtts"),
         QStringLiteral("[::1]:8883"), QStringLiteral("--device-mqtts"), QStringLiteral("127.0.0.1:8884"),
         QStringLiteral("--wss"), QStringLiteral("localhost:8443"), QStringLiteral("--device-wss"),
         QStringLiteral("127.0.0.1:8444"), QStringLiteral("--tls-cert"), QStringLiteral("certs/server.pem"),
         QStringLiteral("--tls-key"), QStringLiteral("/abs/server.key")},
        &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtts).size(), 2);
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtts).at(1).port, quint16(8883));
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::DeviceMqtts).size(), 1);
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::SecureWebSocket).size(), 1);
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::DeviceSecureWebSocket).size(), 1);
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtt).size(), 1); // the default stays
    // Relative to the working directory, made absolute: a reload reads the same file.
    QCOMPARE(config->tls.certificateFile,
             QDir::current().absoluteFilePath(QStringLiteral("certs/server.pem")));
    QCOMPARE(config->tls.privateKeyFile, QStringLiteral("/abs/server.key"));
}

void TestTlsConfig::commandLineReplacesFileEntries()
{
    const QString file = writeFile(QStringLiteral("replace.toml"), R"(
[[listener]]
kind = "mqtts"
address = "127.0.0.1:8883"
[[listener]]
kind = "device-mqtts"
address = "127.0.0.1:8884"
[tls]
certificate = "file.pem"
private-key = "file.key"
client-ca = "ca.pem"
)");
    QString error;
    const auto config =
        load({QStringLiteral("--config"), file, QStringLiteral("--mqtts"), QStringLiteral("127.0.0.1:0"),
              QStringLiteral("--tls-cert"), QStringLiteral("/cli/cert.pem")},
             &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtts).size(), 1);
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::Mqtts).at(0).port, quint16(0));
    QCOMPARE(ofKind(*config, ListenerConfig::Kind::DeviceMqtts).size(), 1); // --device-mqtts not given
    QCOMPARE(config->tls.certificateFile, QStringLiteral("/cli/cert.pem"));
    QCOMPARE(config->tls.privateKeyFile, m_dir.filePath(QStringLiteral("file.key"))); // the file's, anchored
    QCOMPARE(config->tls.clientCaFile, m_dir.filePath(QStringLiteral("ca.pem")));
}

void TestTlsConfig::commandLineErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    const QString needs =
        QStringLiteral(": a TLS listener needs a certificate and its private key: give --tls-cert FILE "
                       "and --tls-key FILE (or certificate and private-key in [tls] of the --config "
                       "file)");
    QTest::newRow("--mqtts without certificate")
        << QStringList{QStringLiteral("--mqtts"), QStringLiteral("127.0.0.1:8883")}
        << QStringLiteral("--mqtts 127.0.0.1:8883") + needs;
    QTest::newRow("--device-wss with a certificate but no key")
        << QStringList{QStringLiteral("--device-wss"), QStringLiteral("127.0.0.1:0"),
                       QStringLiteral("--tls-cert"), QStringLiteral("c.pem")}
        << QStringLiteral("--device-wss 127.0.0.1:0") + needs;
    QTest::newRow("bad address") << QStringList{QStringLiteral("--wss"), QStringLiteral("example.com:8443")}
                                 << QStringLiteral(
                                        "--wss example.com:8443: invalid address \"example.com:8443\": "
                                        "host names other than localhost are not resolved; give an IP "
                                        "address");
    QTest::newRow("empty --tls-key") << QStringList{QStringLiteral("--tls-key"), QString()}
                                     << QStringLiteral("--tls-key: expected a PEM file, got ''");
}

void TestTlsConfig::commandLineErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    QString error;
    QVERIFY(!load(arguments, &error));
    QCOMPARE(error, expected);
}

QTEST_GUILESS_MAIN(TestTlsConfig)
#include "tst_tlsconfig.moc"
