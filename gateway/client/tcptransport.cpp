#include "tcptransport.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QStringList>

Q_DECLARE_LOGGING_CATEGORY(lcClient)

namespace drover::client {

TcpTransport::TcpTransport(QString host, quint16 port, std::optional<QSslConfiguration> tls, QObject *parent)
    : ClientTransport(parent)
    , m_host(std::move(host))
    , m_port(port)
    , m_tls(std::move(tls))
{}

TcpTransport::~TcpTransport()
{
    // The socket is our child, but its destructor aborts and emits stateChanged() while we
    // are half destroyed: cut it loose from our slots first.
    if (m_socket) {
        m_socket->disconnect(this);
        delete m_socket;
    }
}

QString TcpTransport::describe() const
{
    const QString host =
        m_host.contains(QLatin1Char(':')) ? QLatin1Char('[') + m_host + QLatin1Char(']') : m_host;
    return QStringLiteral("%1 %2:%3")
        .arg(m_tls ? QStringLiteral("tls") : QStringLiteral("tcp"), host)
        .arg(m_port);
}

void TcpTransport::open()
{
    if (m_socket || m_finished) {
        qCWarning(lcClient).noquote() << describe() << "opened twice; a transport serves one connection";
        return;
    }
    if (m_tls) {
        if (!QSslSocket::supportsSsl()) {
            m_error = QStringLiteral("%1: TLS is not available (no TLS backend)").arg(describe());
            m_errorPending = true;
            finish();
            return;
        }
        auto *ssl = new QSslSocket(this);
        ssl->setSslConfiguration(*m_tls);
        connect(ssl, &QSslSocket::encrypted, this, &TcpTransport::onConnected);
        connect(ssl, &QSslSocket::sslErrors, this,
                [this](const QList<QSslError> &errors) { m_sslErrors = errors; });
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, &TcpTransport::onConnected);
    }
    connect(m_socket, &QTcpSocket::readyRead, this, [this] {
        if (m_connected)
            Q_EMIT readyRead();
    });
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ClientTransport::bytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &TcpTransport::onError);
    connect(m_socket, &QTcpSocket::stateChanged, this, &TcpTransport::onStateChanged);
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        ssl->connectToHostEncrypted(m_host, m_port); // verifies the certificate against m_host
    else
        m_socket->connectToHost(m_host, m_port);
}

void TcpTransport::onConnected()
{
    // Small packets (acks, pings) must not wait for Nagle's algorithm.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_connected = true;
    Q_EMIT connected();
    if (m_socket->bytesAvailable() > 0)
        Q_EMIT readyRead();
}

void TcpTransport::onError()
{
    if (m_disconnectedEmitted)
        return;
    if (m_socket->error() == QAbstractSocket::RemoteHostClosedError && m_connected)
        return; // the server closed the connection: an end, not an error
    QString message = QStringLiteral("%1: %2").arg(describe(), m_socket->errorString());
    if (!m_sslErrors.isEmpty()) {
        QStringList reasons;
        for (const QSslError &error : std::as_const(m_sslErrors))
            reasons.append(error.errorString());
        message += QStringLiteral(" (%1)").arg(reasons.join(QStringLiteral("; ")));
    }
    m_error = message;
    // Queued, so that no signal comes from inside a call to us (connectToHost may fail at once).
    if (!std::exchange(m_errorPending, true))
        QMetaObject::invokeMethod(this, &TcpTransport::emitPendingError, Qt::QueuedConnection);
}

void TcpTransport::emitPendingError()
{
    if (std::exchange(m_errorPending, false) && !m_disconnectedEmitted)
        Q_EMIT errorOccurred(m_error);
}

void TcpTransport::onStateChanged()
{
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        finish();
}

void TcpTransport::finish()
{
    if (std::exchange(m_finished, true))
        return;
    // An error recorded before the end is reported before it, whatever order the socket
    // signalled them in.
    QMetaObject::invokeMethod(
        this,
        [this] {
            emitPendingError();
            m_disconnectedEmitted = true;
            Q_EMIT disconnected();
        },
        Qt::QueuedConnection);
}

qint64 TcpTransport::bytesAvailable() const
{
    return m_socket ? m_socket->bytesAvailable() : 0;
}

qint64 TcpTransport::read(char *data, qint64 maxSize)
{
    return m_socket ? m_socket->read(data, maxSize) : 0;
}

void TcpTransport::write(const QByteArray &data)
{
    if (!m_connected || m_finished || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    m_socket->write(data);
}

qint64 TcpTransport::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void TcpTransport::close()
{
    if (m_socket && m_socket->state() != QAbstractSocket::UnconnectedState) {
        // Hands what is queued to the kernel now, so that it goes out even when we are
        // deleted right after (deleting a socket aborts it); then closes once flushed.
        m_socket->flush();
        m_socket->disconnectFromHost();
    }
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState)
        finish();
}

void TcpTransport::abort()
{
    if (m_socket)
        m_socket->abort();
    finish();
}

} // namespace drover::client
