#include "tlshandshake.h"

#include <QLoggingCategory>
#include <QSslCipher>
#include <QSslSocket>
#include <QStringList>

#include <memory>

Q_LOGGING_CATEGORY(lcTls, "drover.transport.tls")

namespace drover::transport {

namespace {

QString protocolName(QSsl::SslProtocol protocol)
{
    switch (protocol) {
    case QSsl::TlsV1_2:
        return QStringLiteral("TLS 1.2");
    case QSsl::TlsV1_3:
        return QStringLiteral("TLS 1.3");
    default:
        return QStringLiteral("TLS (protocol %1)").arg(int(protocol));
    }
}

QString certificateName(const QSslCertificate &certificate)
{
    const QStringList names = certificate.subjectInfo(QSslCertificate::CommonName);
    return names.isEmpty() ? certificate.subjectDisplayName()
                           : QStringLiteral("CN=") + names.join(QLatin1Char(','));
}

QString joinErrors(const QList<QSslError> &errors)
{
    QStringList reasons;
    for (const QSslError &error : errors)
        reasons.append(error.errorString());
    reasons.removeDuplicates();
    return reasons.join(QStringLiteral("; "));
}

} // namespace

QString describeTlsSession(const QSslSocket *socket)
{
    return protocolName(socket->sessionProtocol()) + QStringLiteral(", ") + socket->sessionCipher().name();
}

void startServerHandshake(QSslSocket *socket, const QSslConfiguration &configuration, const QString &peer,
                          QObject *context, std::function<void()> encrypted)
{
    socket->setSslConfiguration(configuration);
    // Both connections end with the handshake: what the socket reports after it is the
    // connection's business, and a renegotiation must not hand the socket over twice.
    const auto failed = std::make_shared<QMetaObject::Connection>();
    *failed = QObject::connect(
        socket, &QAbstractSocket::errorOccurred, context, [socket, peer](QAbstractSocket::SocketError e) {
            if (e == QAbstractSocket::RemoteHostClosedError) {
                // No reason to give: a client that gave up, or a port check.
                qCDebug(lcTls).noquote() << peer << "closed the connection during the TLS handshake";
                return;
            }
            QString reason = socket->errorString();
            const QList<QSslError> errors = socket->sslHandshakeErrors();
            if (!errors.isEmpty() && !reason.contains(errors.constFirst().errorString()))
                reason += QStringLiteral(" (") + joinErrors(errors) + QLatin1Char(')');
            qCInfo(lcTls).noquote() << peer << "TLS handshake failed:" << reason;
        });
    QObject::connect(
        socket, &QSslSocket::encrypted, context,
        [socket, peer, failed, encrypted = std::move(encrypted)] {
            QObject::disconnect(*failed);
            // With optional client certificates Qt asks for one but lets a bad one through
            // (its QueryPeer mode): the errors it found are ours to act on. None are found
            // where no certificate was asked for or none was sent.
            const QSslCertificate client = socket->peerCertificate();
            const QList<QSslError> errors = socket->sslHandshakeErrors();
            if (!client.isNull() && !errors.isEmpty()) {
                qCInfo(lcTls).noquote() << peer << "refused: client certificate" << certificateName(client)
                                        << "not accepted:" << joinErrors(errors);
                // Queued: Qt is still inside its handshake code, which goes on after this signal.
                QMetaObject::invokeMethod(
                    socket, [socket] { socket->abort(); }, Qt::QueuedConnection);
                return;
            }
            qCDebug(lcTls).noquote() << peer << "encrypted:" << describeTlsSession(socket)
                                     << (client.isNull()
                                             ? QStringLiteral("without a client certificate")
                                             : QStringLiteral("client certificate ") +
                                                   certificateName(client) + QStringLiteral(" issued by ") +
                                                   client.issuerDisplayName());
            encrypted();
        },
        Qt::SingleShotConnection);
    socket->startServerEncryption();
}

} // namespace drover::transport
