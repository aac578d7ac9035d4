#include "tlscredentials.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QSslSocket>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

namespace drover::transport {

namespace {

// Larger is no PEM file anyone means (and /dev/zero must not fill the memory).
constexpr qint64 MaxPemBytes = 1024 * 1024;

struct BioFree {
    void operator()(BIO *bio) const { BIO_free(bio); }
};
struct X509Free {
    void operator()(X509 *x509) const { X509_free(x509); }
};
struct PkeyFree {
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Key material and passphrases don't linger in freed memory.
void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        OPENSSL_cleanse(bytes.data(), size_t(bytes.size()));
    bytes.clear();
}

std::optional<QByteArray> readFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray data = file.read(MaxPemBytes + 1);
    if (file.error() != QFileDevice::NoError) {
        wipe(data);
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    if (data.size() > MaxPemBytes) {
        wipe(data);
        *error = QStringLiteral("%1: larger than 1 MiB, not a PEM file").arg(path);
        return std::nullopt;
    }
    return data;
}

// OpenSSL's reason for the last failure ("bad decrypt"); the queue is left empty, since
// Qt's TLS backend reads the same (thread-local) queue for its own messages.
QString takeOpenSslReason()
{
    const unsigned long code = ERR_peek_last_error();
    const char *reason = code ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return reason ? QString::fromUtf8(reason) : QString();
}

int passphraseCallback(char *buffer, int size, int, void *userData)
{
    // Without a passphrase: 0, a failure, rather than OpenSSL prompting on the terminal.
    const auto *passphrase = static_cast<const QByteArray *>(userData);
    if (!passphrase || passphrase->isEmpty() || passphrase->size() > size)
        return 0;
    std::memcpy(buffer, passphrase->constData(), size_t(passphrase->size()));
    return int(passphrase->size());
}

std::optional<QList<QSslCertificate>> readCertificates(const QString &path, QString *error)
{
    const std::optional<QByteArray> pem = readFile(path, error);
    if (!pem)
        return std::nullopt;
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(*pem, QSsl::Pem);
    const qsizetype blocks = pem->count("-----BEGIN CERTIFICATE-----");
    if (certificates.isEmpty() && blocks == 0) {
        *error =
            QStringLiteral("%1: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)").arg(path);
        return std::nullopt;
    }
    if (certificates.size() != blocks) {
        *error = QStringLiteral("%1: %2 of its %3 certificates cannot be read")
                     .arg(path)
                     .arg(blocks - certificates.size())
                     .arg(blocks);
        return std::nullopt;
    }
    return certificates;
}

QString certificateName(const QSslCertificate &certificate)
{
    const QStringList names = certificate.subjectInfo(QSslCertificate::CommonName);
    return names.isEmpty() ? certificate.subjectDisplayName()
                           : QStringLiteral("CN=") + names.join(QLatin1Char(','));
}

} // namespace

std::optional<TlsCredentials> TlsCredentials::load(const Files &files, QString *error)
{
    QString reason;
    const auto failed = [&](const QString &message) {
        ERR_clear_error();
        if (error)
            *error = message;
        return std::nullopt;
    };
    if (!QSslSocket::supportsSsl())
        return failed(QStringLiteral("TLS is not available: Qt found no TLS backend (OpenSSL 3)"));

    TlsCredentials credentials;
    credentials.m_files = files;
    std::optional<QList<QSslCertificate>> chain = readCertificates(files.certificate, &reason);
    if (!chain)
        return failed(reason);
    credentials.m_chain = *chain;

    // The key, by OpenSSL itself: it reads every key type and encryption Qt's QSslKey may
    // not, and it can tell whether the key belongs to the certificate, which Qt can't.
    QByteArray passphrase;
    if (!files.passphrase.isEmpty()) {
        std::optional<QByteArray> text = readFile(files.passphrase, &reason);
        if (!text)
            return failed(reason);
        const qsizetype end = text->indexOf('\n');
        passphrase = text->left(end < 0 ? text->size() : end);
        wipe(*text);
        if (passphrase.endsWith('\r'))
            passphrase.chop(1);
        if (passphrase.isEmpty())
            return failed(
                QStringLiteral("%1: the passphrase (its first line) is empty").arg(files.passphrase));
    }
    std::optional<QByteArray> keyPem = readFile(files.privateKey, &reason);
    if (!keyPem) {
        wipe(passphrase);
        return failed(reason);
    }
    Pkey key;
    {
        Bio bio(BIO_new_mem_buf(keyPem->constData(), int(keyPem->size())));
        key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, passphraseCallback, &passphrase)
                      : nullptr);
    }
    const bool encrypted = keyPem->contains("ENCRYPTED");
    const bool hasKeyBlock = keyPem->contains("PRIVATE KEY-----");
    wipe(*keyPem);
    wipe(passphrase);
    if (!key) {
        const QString why = takeOpenSslReason();
        if (encrypted && files.passphrase.isEmpty())
            return failed(QStringLiteral("%1: the private key is encrypted; give its passphrase in a file "
                                         "(private-key-passphrase-file of [tls])")
                              .arg(files.privateKey));
        if (encrypted)
            return failed(
                QStringLiteral("%1: cannot decrypt the private key with the passphrase in %2%3")
                    .arg(files.privateKey, files.passphrase,
                         why.isEmpty() ? QString() : QStringLiteral(" (") + why + QLatin1Char(')')));
        if (!hasKeyBlock)
            return failed(
                QStringLiteral("%1: no PEM private key in it (expected -----BEGIN PRIVATE KEY-----)")
                    .arg(files.privateKey));
        return failed(QStringLiteral("%1: the private key cannot be read%2")
                          .arg(files.privateKey,
                               why.isEmpty() ? QString() : QStringLiteral(" (") + why + QLatin1Char(')')));
    }
    {
        const QByteArray leafPem = credentials.m_chain.constFirst().toPem();
        Bio bio(BIO_new_mem_buf(leafPem.constData(), int(leafPem.size())));
        X509Ptr leaf(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
        if (!leaf || X509_check_private_key(leaf.get(), key.get()) != 1)
            return failed(QStringLiteral("%1: the private key does not belong to the certificate in %2 (%3)")
                              .arg(files.privateKey, files.certificate,
                                   certificateName(credentials.m_chain.constFirst())));
    }
    ERR_clear_error();
    // QSslKey takes the key over: typed (RSA, EC) where Qt knows the type, opaque otherwise.
    credentials.m_key = QSslKey(Qt::HANDLE(key.release()), QSsl::PrivateKey);
    if (credentials.m_key.isNull())
        return failed(
            QStringLiteral("%1: Qt's TLS backend cannot use this private key").arg(files.privateKey));

    if (!files.clientCa.isEmpty()) {
        std::optional<QList<QSslCertificate>> ca = readCertificates(files.clientCa, &reason);
        if (!ca)
            return failed(reason);
        credentials.m_clientCa = *ca;
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QSslCertificate &leaf = credentials.m_chain.constFirst();
    if (leaf.expiryDate() < now)
        credentials.m_warnings.append(
            QStringLiteral("the certificate in %1 (%2) expired on %3; clients will refuse it")
                .arg(files.certificate, certificateName(leaf),
                     leaf.expiryDate().toUTC().toString(Qt::ISODate)));
    else if (leaf.effectiveDate() > now)
        credentials.m_warnings.append(QStringLiteral("the certificate in %1 (%2) is not valid before %3")
                                          .arg(files.certificate, certificateName(leaf),
                                               leaf.effectiveDate().toUTC().toString(Qt::ISODate)));
    return credentials;
}

QSslConfiguration TlsCredentials::baseConfiguration() const
{
    // Qt's defaults otherwise: its cipher list and curves are modern ones.
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setLocalCertificateChain(m_chain);
    configuration.setPrivateKey(m_key);
    configuration.setProtocol(m_files.minimumProtocol);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

QSslConfiguration TlsCredentials::applicationConfiguration() const
{
    return baseConfiguration();
}

QSslConfiguration TlsCredentials::deviceConfiguration() const
{
    QSslConfiguration configuration = baseConfiguration();
    if (m_clientCa.isEmpty())
        return configuration;
    // Replaces the system's CAs (and turns off loading them on demand): only the configured
    // CA vouches for a device.
    configuration.setCaCertificates(m_clientCa);
    if (m_files.clientCertificates == ClientCertificates::Required) {
        configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
        // A client without one fails in the handshake, with an alert that says so.
        configuration.setMissingCertificateIsFatal(true);
    } else {
        // Asks for one and records what is wrong with it; startServerHandshake refuses a
        // certificate that does not verify.
        configuration.setPeerVerifyMode(QSslSocket::QueryPeer);
    }
    return configuration;
}

QString TlsCredentials::describe() const
{
    if (m_chain.isEmpty())
        return QString();
    const QSslCertificate &leaf = m_chain.constFirst();
    return QStringLiteral("%1, valid until %2, SHA-256 %3")
        .arg(certificateName(leaf), leaf.expiryDate().toUTC().toString(Qt::ISODate),
             QString::fromLatin1(leaf.digest(QCryptographicHash::Sha256).toHex(':').toUpper()));
}

} // namespace drover::transport
