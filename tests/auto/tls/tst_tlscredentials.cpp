// TlsCredentials: what the TLS listeners present, read from PEM files made by the openssl
// command line; every refusal names the file and never quotes key material.
#include "tlstestutil.h"

#include <QCryptographicHash>

using namespace drover;
using namespace drover::test;
using transport::TlsCredentials;

class TestTlsCredentials : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void loadsChainAndKey();
    void loadsEncryptedKeyWithPassphrase();
    void loadsRsaKey();
    void refusals_data();
    void refusals();
    void configurations();
    void clientCaOptionalAndRequired();

private:
    QString write(const QString &name, const QByteArray &content)
    {
        QFile file(m_pki.path(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(name));
        file.write(content);
        return file.fileName();
    }

    TestPki m_pki;
};

void TestTlsCredentials::initTestCase()
{
    quietLogs();
    QString error;
    QVERIFY2(m_pki.generate(&error), qPrintable(error));
}

void TestTlsCredentials::loadsChainAndKey()
{
    QString error;
    const std::optional<TlsCredentials> credentials = TlsCredentials::load(m_pki.serverFiles(), &error);
    QVERIFY2(credentials, qPrintable(error));
    QCOMPARE(credentials->chain().size(), 2); // the server's certificate, then the intermediate
    QCOMPARE(credentials->chain().at(0), m_pki.certificate(QStringLiteral("server.pem")));
    QCOMPARE(credentials->chain().at(1), m_pki.certificate(QStringLiteral("intermediate.pem")));
    QVERIFY(credentials->warnings().isEmpty());
    const QString fingerprint = QString::fromLatin1(m_pki.certificate(QStringLiteral("server.pem"))
                                                        .digest(QCryptographicHash::Sha256)
                                                        .toHex(':')
                                                        .toUpper());
    QVERIFY2(credentials->describe().startsWith(QStringLiteral("CN=localhost, valid until ")),
             qPrintable(credentials->describe()));
    QVERIFY2(credentials->describe().endsWith(QStringLiteral("SHA-256 ") + fingerprint),
             qPrintable(credentials->describe()));
}

void TestTlsCredentials::loadsEncryptedKeyWithPassphrase()
{
    TlsCredentials::Files files =
        m_pki.serverFiles(QStringLiteral("server-chain.pem"), QStringLiteral("server-enc.key"));
    files.passphrase =
        m_pki.path(QStringLiteral("passphrase.txt")); // "correct horse\n": the line end is not in it
    QString error;
    const std::optional<TlsCredentials> credentials = TlsCredentials::load(files, &error);
    QVERIFY2(credentials, qPrintable(error));
    QVERIFY(!credentials->applicationConfiguration().privateKey().isNull());
}

void TestTlsCredentials::loadsRsaKey()
{
    QString error;
    const std::optional<TlsCredentials> credentials = TlsCredentials::load(
        m_pki.serverFiles(QStringLiteral("server2.pem"), QStringLiteral("server2.key")), &error);
    QVERIFY2(credentials, qPrintable(error));
    QCOMPARE(credentials->chain().size(), 1);
    QCOMPARE(credentials->applicationConfiguration().privateKey().algorithm(), QSsl::Rsa);
}

void TestTlsCredentials::refusals_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("passphrase");
    QTest::addColumn<QString>("clientCa");
    QTest::addColumn<QString>("expected"); // with {dir} for the PKI folder

    QTest::newRow("no certificate file") << "missing.pem"
                                         << "server.key"
                                         << ""
                                         << ""
                                         << "cannot read {dir}/missing.pem: ";
    QTest::newRow("no key file") << "server-chain.pem"
                                 << "missing.key"
                                 << ""
                                 << ""
                                 << "cannot read {dir}/missing.key: ";
    QTest::newRow("key as certificate") << "server.key"
                                        << "server.key"
                                        << ""
                                        << ""
                                        << "{dir}/server.key: no PEM certificate in it (expected -----BEGIN "
                                           "CERTIFICATE-----)";
    QTest::newRow("certificate as key") << "server-chain.pem"
                                        << "server.pem"
                                        << ""
                                        << ""
                                        << "{dir}/server.pem: no PEM private key in it (expected -----BEGIN "
                                           "PRIVATE KEY-----)";
    QTest::newRow("key of another certificate")
        << "server-chain.pem"
        << "other.key"
        << ""
        << ""
        << "{dir}/other.key: the private key does not belong to the certificate in {dir}/server-chain.pem "
           "(CN=localhost)";
    QTest::newRow("chain in the wrong order") << "wrong-order.pem"
                                              << "server.key"
                                              << ""
                                              << ""
                                              << "{dir}/server.key: the private key does not belong to the "
                                                 "certificate in {dir}/wrong-order.pem (CN=Drover Test "
                                                 "Intermediate)";
    QTest::newRow("encrypted key, no passphrase")
        << "server-chain.pem"
        << "server-enc.key"
        << ""
        << ""
        << "{dir}/server-enc.key: the private key is encrypted; give its passphrase in a file "
           "(private-key-passphrase-file of [tls])";
    QTest::newRow("encrypted key, wrong passphrase")
        << "server-chain.pem"
        << "server-enc.key"
        << "wrong.txt"
        << ""
        << "{dir}/server-enc.key: cannot decrypt the private key "
           "with the passphrase in {dir}/wrong.txt";
    QTest::newRow("empty passphrase") << "server-chain.pem"
                                      << "server-enc.key"
                                      << "empty.txt"
                                      << ""
                                      << "{dir}/empty.txt: the passphrase (its first line) is empty";
    QTest::newRow("broken certificate") << "broken.pem"
                                        << "server.key"
                                        << ""
                                        << ""
                                        << "{dir}/broken.pem: 1 of its 2 certificates cannot be read";
    QTest::newRow("client CA missing") << "server-chain.pem"
                                       << "server.key"
                                       << ""
                                       << "missing-ca.pem"
                                       << "cannot read {dir}/missing-ca.pem: ";
    QTest::newRow("client CA not a certificate") << "server-chain.pem"
                                                 << "server.key"
                                                 << ""
                                                 << "server.key"
                                                 << "{dir}/server.key: no PEM certificate in it";
}

void TestTlsCredentials::refusals()
{
    QFETCH(QString, certificate);
    QFETCH(QString, key);
    QFETCH(QString, passphrase);
    QFETCH(QString, clientCa);
    QFETCH(QString, expected);
    const auto read = [this](const QString &name) {
        QFile file(m_pki.path(name));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    write(QStringLiteral("wrong-order.pem"),
          read(QStringLiteral("intermediate.pem")) + read(QStringLiteral("server.pem")));
    QByteArray broken = read(QStringLiteral("intermediate.pem"));
    broken.replace(100, 20, QByteArray(20, '!'));
    write(QStringLiteral("broken.pem"), read(QStringLiteral("server.pem")) + broken);
    write(QStringLiteral("wrong.txt"), "incorrect horse\n");
    write(QStringLiteral("empty.txt"), "\nsecond line\n");

    TlsCredentials::Files files = m_pki.serverFiles(certificate, key);
    if (!passphrase.isEmpty())
        files.passphrase = m_pki.path(passphrase);
    if (!clientCa.isEmpty())
        files.clientCa = m_pki.path(clientCa);
    QString error;
    QVERIFY(!TlsCredentials::load(files, &error));
    const QString dir = QFileInfo(m_pki.path(QStringLiteral("x"))).absolutePath();
    expected.replace(QStringLiteral("{dir}"), dir);
    QVERIFY2(error.startsWith(expected), qPrintable(error + QStringLiteral("\nexpected: ") + expected));
    QVERIFY2(!error.contains(QStringLiteral("PRIVATE KEY-----\n")) &&
                 !error.contains(QStringLiteral("horse")),
             qPrintable(error));
}

void TestTlsCredentials::configurations()
{
    QString error;
    TlsCredentials::Files files = m_pki.serverFiles();
    files.minimumProtocol = QSsl::TlsV1_3OrLater;
    const std::optional<TlsCredentials> credentials = TlsCredentials::load(files, &error);
    QVERIFY2(credentials, qPrintable(error));
    const QSslConfiguration application = credentials->applicationConfiguration();
    QCOMPARE(application.localCertificateChain(), credentials->chain());
    QCOMPARE(application.protocol(), QSsl::TlsV1_3OrLater);
    QCOMPARE(application.peerVerifyMode(), QSslSocket::VerifyNone);
    // Without a client CA, device listeners ask for no certificate either.
    QCOMPARE(credentials->deviceConfiguration().peerVerifyMode(), QSslSocket::VerifyNone);
}

void TestTlsCredentials::clientCaOptionalAndRequired()
{
    for (const auto mode :
         {TlsCredentials::ClientCertificates::Optional, TlsCredentials::ClientCertificates::Required}) {
        TlsCredentials::Files files = m_pki.serverFiles();
        files.clientCa = m_pki.path(QStringLiteral("devices-ca.pem"));
        files.clientCertificates = mode;
        QString error;
        const std::optional<TlsCredentials> credentials = TlsCredentials::load(files, &error);
        QVERIFY2(credentials, qPrintable(error));
        QCOMPARE(credentials->clientCaCertificates(), m_pki.certificates(QStringLiteral("devices-ca.pem")));
        const QSslConfiguration device = credentials->deviceConfiguration();
        QCOMPARE(device.caCertificates(), credentials->clientCaCertificates()); // not the system's
        const bool required = mode == TlsCredentials::ClientCertificates::Required;
        QCOMPARE(device.peerVerifyMode(), required ? QSslSocket::VerifyPeer : QSslSocket::QueryPeer);
        QCOMPARE(device.missingCertificateIsFatal(), required);
        QCOMPARE(credentials->applicationConfiguration().peerVerifyMode(), QSslSocket::VerifyNone);
    }
}

QTEST_GUILESS_MAIN(TestTlsCredentials)
#include "tst_tlscredentials.moc"
