// Shared by the TLS tests: certificates made at test time with the openssl command line (a
// root CA with an intermediate for the server, a second root for reloads, device CAs and
// client certificates), and a real MqttServer on the embedded backend behind a TlsListener
// and a secure WebSocketListener.
#pragma once

#include "testapplication.h"

#include "transport/tlscredentials.h"
#include "transport/tlslistener.h"
#include "transport/websocketlistener.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QProcess>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <optional>

namespace drover::test {

inline constexpr int Wait = 5000; // ms, the bound of every wait for something that should happen

inline void quietLogs()
{
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.info=false\ndrover.*.debug=false\n"
                                                    "drover.*.warning=false\nqt.network.ssl.warning=false"));
}

// A small PKI in a temporary folder, made once per test program:
//   root.pem           "Drover Test Root": signs intermediate.pem
//   server.pem/.key    127.0.0.1 and localhost, signed by the intermediate (EC P-256)
//   server-chain.pem   server.pem then intermediate.pem: what the server presents
//   server-enc.key     server.key encrypted with the passphrase in passphrase.txt
//   other.key          a key that belongs to no certificate here
//   root2.pem          "Drover Test Root 2", signs server2.pem/.key (RSA): the reloaded one
//   devices-ca.pem     signs device.pem/.key (client certificates)
//   rogue-ca.pem       signs rogue-device.pem/.key: a client certificate from another CA
class TestPki
{
public:
    bool generate(QString *error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary directory");
            return false;
        }
        const QString ca =
            QStringLiteral("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        const QString server = QStringLiteral("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,"
                                              "keyEncipherment\nextendedKeyUsage=serverAuth\n"
                                              "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        const QString client =
            QStringLiteral("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                           "extendedKeyUsage=clientAuth\n");
        return selfSigned(QStringLiteral("root"), QStringLiteral("Drover Test Root"), error) &&
               issue(QStringLiteral("intermediate"), QStringLiteral("Drover Test Intermediate"),
                     QStringLiteral("root"), ca, 2, error) &&
               issue(QStringLiteral("server"), QStringLiteral("localhost"), QStringLiteral("intermediate"),
                     server, 3, error) &&
               concat(QStringLiteral("server-chain.pem"),
                      {QStringLiteral("server.pem"), QStringLiteral("intermediate.pem")}, error) &&
               write(QStringLiteral("passphrase.txt"), "correct horse\n", error) &&
               run({QStringLiteral("pkey"), QStringLiteral("-in"), path(QStringLiteral("server.key")),
                    QStringLiteral("-aes256"), QStringLiteral("-passout"),
                    QStringLiteral("pass:correct horse"), QStringLiteral("-out"),
                    path(QStringLiteral("server-enc.key"))},
                   error) &&
               key(QStringLiteral("other"), false, error) &&
               selfSigned(QStringLiteral("root2"), QStringLiteral("Drover Test Root 2"), error) &&
               issue(QStringLiteral("server2"), QStringLiteral("localhost"), QStringLiteral("root2"), server,
                     4, error, true) &&
               selfSigned(QStringLiteral("devices-ca"), QStringLiteral("Drover Test Devices CA"), error) &&
               issue(QStringLiteral("device"), QStringLiteral("device-1"), QStringLiteral("devices-ca"),
                     client, 5, error) &&
               selfSigned(QStringLiteral("rogue-ca"), QStringLiteral("Rogue CA"), error) &&
               issue(QStringLiteral("rogue-device"), QStringLiteral("device-1"), QStringLiteral("rogue-ca"),
                     client, 6, error);
    }

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QList<QSslCertificate> certificates(const QString &name) const
    {
        return QSslCertificate::fromPath(path(name), QSsl::Pem);
    }
    QSslCertificate certificate(const QString &name) const { return certificates(name).value(0); }
    QSslKey key(const QString &name) const
    {
        QFile file(path(name));
        if (!file.open(QIODevice::ReadOnly))
            return QSslKey();
        const QByteArray pem = file.readAll();
        for (QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa}) {
            const QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
            if (!key.isNull())
                return key;
        }
        return QSslKey();
    }

    // Server files for TlsCredentials.
    transport::TlsCredentials::Files serverFiles(const QString &chain = QStringLiteral("server-chain.pem"),
                                                 const QString &key = QStringLiteral("server.key")) const
    {
        transport::TlsCredentials::Files files;
        files.certificate = path(chain);
        files.privateKey = path(key);
        return files;
    }

    // A client configuration that trusts the CA in `caFile` alone (and presents a client
    // certificate if `clientName` is given: "device" for device.pem and device.key).
    QSslConfiguration clientConfiguration(const QString &caFile = QStringLiteral("root.pem"),
                                          const QString &clientName = QString()) const
    {
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates(certificates(caFile));
        if (!clientName.isEmpty()) {
            configuration.setLocalCertificate(certificate(clientName + QStringLiteral(".pem")));
            configuration.setPrivateKey(key(clientName + QStringLiteral(".key")));
        }
        return configuration;
    }

    bool copy(const QString &from, const QString &to, QString *error) const
    {
        QFile::remove(path(to));
        if (QFile::copy(path(from), path(to)))
            return true;
        *error = QStringLiteral("cannot copy %1 to %2").arg(from, to);
        return false;
    }

private:
    bool run(const QStringList &arguments, QString *error) const
    {
        QProcess openssl;
        openssl.setWorkingDirectory(m_dir.path());
        openssl.start(QStringLiteral("openssl"), arguments);
        if (!openssl.waitForFinished(60000) || openssl.exitStatus() != QProcess::NormalExit ||
            openssl.exitCode() != 0) {
            *error = QStringLiteral("openssl %1 failed: %2 %3")
                         .arg(arguments.join(QLatin1Char(' ')), openssl.errorString(),
                              QString::fromLocal8Bit(openssl.readAllStandardError()));
            return false;
        }
        return true;
    }
    bool write(const QString &name, const QByteArray &content, QString *error) const
    {
        QFile file(path(name));
        if (file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(content) == content.size())
            return true;
        *error = QStringLiteral("cannot write %1").arg(name);
        return false;
    }
    bool concat(const QString &name, const QStringList &parts, QString *error) const
    {
        QByteArray content;
        for (const QString &part : parts) {
            QFile file(path(part));
            if (!file.open(QIODevice::ReadOnly)) {
                *error = QStringLiteral("cannot read %1").arg(part);
                return false;
            }
            content += file.readAll();
        }
        return write(name, content, error);
    }
    bool key(const QString &name, bool rsa, QString *error) const
    {
        QStringList arguments{QStringLiteral("genpkey"), QStringLiteral("-out"),
                              path(name + QStringLiteral(".key"))};
        arguments += rsa ? QStringList{QStringLiteral("-algorithm"), QStringLiteral("RSA"),
                                       QStringLiteral("-pkeyopt"), QStringLiteral("rsa_keygen_bits:2048")}
                         : QStringList{QStringLiteral("-algorithm"), QStringLiteral("EC"),
                                       QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:P-256")};
        return run(arguments, error);
    }
    bool selfSigned(const QString &name, const QString &commonName, QString *error) const
    {
        return key(name, false, error) &&
               run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new"),
                    QStringLiteral("-key"), path(name + QStringLiteral(".key")), QStringLiteral("-out"),
                    path(name + QStringLiteral(".pem")), QStringLiteral("-days"), QStringLiteral("2"),
                    QStringLiteral("-subj"), QStringLiteral("/CN=") + commonName, QStringLiteral("-addext"),
                    QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
                    QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")},
                   error);
    }
    bool issue(const QString &name, const QString &commonName, const QString &issuer,
               const QString &extensions, int serial, QString *error, bool rsa = false) const
    {
        const QString extFile = path(name + QStringLiteral(".ext"));
        return key(name, rsa, error) && write(name + QStringLiteral(".ext"), extensions.toUtf8(), error) &&
               run({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-key"),
                    path(name + QStringLiteral(".key")), QStringLiteral("-out"),
                    path(name + QStringLiteral(".csr")), QStringLiteral("-subj"),
                    QStringLiteral("/CN=") + commonName},
                   error) &&
               run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                    path(name + QStringLiteral(".csr")), QStringLiteral("-CA"),
                    path(issuer + QStringLiteral(".pem")), QStringLiteral("-CAkey"),
                    path(issuer + QStringLiteral(".key")), QStringLiteral("-set_serial"),
                    QString::number(serial), QStringLiteral("-days"), QStringLiteral("2"),
                    QStringLiteral("-extfile"), extFile, QStringLiteral("-out"),
                    path(name + QStringLiteral(".pem"))},
                   error);
    }

    QTemporaryDir m_dir;
};

// The integration API of application "test" (anonymous read and command) behind a TLS
// listener and a secure WebSocket listener with the same configuration.
class TlsServerFixture : public TestApplication
{
public:
    TlsServerFixture(const QSslConfiguration &tls, const session::ServerLimits &limits = {})
        : TestApplication(limits)
    {
        listener = std::make_unique<transport::TlsListener>(server.get(), tls);
        webSockets = std::make_unique<transport::WebSocketListener>(server.get(), tls);
        QString error;
        listening = listener->listen(QHostAddress::LocalHost, 0, &error) &&
                    webSockets->listen(QHostAddress::LocalHost, 0, &error);
        if (!listening)
            qWarning("cannot listen: %s", qPrintable(error));
    }

    void setSslConfiguration(const QSslConfiguration &tls)
    {
        listener->setSslConfiguration(tls);
        webSockets->setSslConfiguration(tls);
    }

    QString mqttsUrl() const { return QStringLiteral("mqtts://127.0.0.1:%1").arg(listener->port()); }
    QString wssUrl() const { return QStringLiteral("wss://127.0.0.1:%1/mqtt").arg(webSockets->port()); }

    std::unique_ptr<transport::TlsListener> listener;
    std::unique_ptr<transport::WebSocketListener> webSockets;
    bool listening = false;
};

} // namespace drover::test
