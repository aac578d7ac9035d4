// What the TLS listeners present and accept: the server's certificate with its chain and
// private key, and the CA that devices' client certificates must chain to. Read from PEM
// files and checked (the key belongs to the certificate) before a listener uses them; a
// certificate reload makes a new TlsCredentials and keeps the old one if that fails.
#pragma once

#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QString>
#include <QStringList>
#include <optional>

namespace drover::transport {

class TlsCredentials
{
public:
    enum class ClientCertificates {
        Optional, // asked for; a certificate that is sent must chain to the client CA
        Required, // a device without a valid one fails the handshake
    };

    struct Files {
        QString certificate; // PEM: the server's certificate first, then its chain
        QString privateKey;  // PEM, any key type OpenSSL reads (RSA, EC, Ed25519; PKCS#8 or not)
        QString passphrase;  // a file whose first line decrypts privateKey; empty if not encrypted
        QString clientCa;    // PEM CA certificates; empty: no client certificates asked for
        ClientCertificates clientCertificates = ClientCertificates::Optional;
        QSsl::SslProtocol minimumProtocol = QSsl::TlsV1_2OrLater; // or TlsV1_3OrLater
    };

    // nullopt with `error` naming the file and what is wrong with it: unreadable, no
    // certificate or key in it, an encrypted key without (or with the wrong) passphrase, a
    // key that does not belong to the certificate. Never quotes key material or passphrase.
    static std::optional<TlsCredentials> load(const Files &files, QString *error);

    // For listeners of the integration API: no client certificates are asked for.
    QSslConfiguration applicationConfiguration() const;
    // For device listeners: with a client CA, client certificates are asked for and
    // verified against it alone (the system's CAs are not trusted for devices).
    QSslConfiguration deviceConfiguration() const;

    const Files &files() const { return m_files; }
    const QList<QSslCertificate> &chain() const { return m_chain; } // the server's first
    const QList<QSslCertificate> &clientCaCertificates() const { return m_clientCa; }

    // "CN=drover.example, valid until 2027-05-01 12:00:00 UTC, SHA-256 3f:a2:…", for the log.
    QString describe() const;
    // What deserves a warning but does not stop the load: an expired certificate.
    const QStringList &warnings() const { return m_warnings; }

private:
    TlsCredentials() = default;
    QSslConfiguration baseConfiguration() const;

    Files m_files;
    QList<QSslCertificate> m_chain;
    QSslKey m_key;
    QList<QSslCertificate> m_clientCa;
    QStringList m_warnings;
};

} // namespace drover::transport
