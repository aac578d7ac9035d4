#include "tcpclientsocket.h"

#include "writeshutdown.h"

#include <QSslSocket>
#include <QTcpSocket>

namespace drover::transport {

TcpClientSocket::TcpClientSocket(QTcpSocket *socket, QObject *parent)
    : ClientSocket(parent)
    , m_socket(socket)
    , m_writeShutdown(new WriteShutdown(socket))
{
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // While the session is not reading, the kernel buffer fills and TCP slows the peer down.
    m_socket->setReadBufferSize(256 * 1024);
    const QHostAddress address = m_socket->peerAddress();
    m_peer = QStringLiteral("%1 %2:%3")
                 .arg(qobject_cast<QSslSocket *>(m_socket) ? QStringLiteral("tls") : QStringLiteral("tcp"))
                 .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                          ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                          : address.toString())
                 .arg(m_socket->peerPort());
    connect(m_socket, &QTcpSocket::readyRead, this, [this] {
        if (m_closing)
            m_socket->skip(m_socket->bytesAvailable()); // lingering: see close()
        else if (!m_paused)
            Q_EMIT readyRead();
    });
    connect(m_writeShutdown, &WriteShutdown::written, this, &ClientSocket::bytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &ClientSocket::disconnected, Qt::QueuedConnection);
}

qint64 TcpClientSocket::bytesAvailable() const
{
    return m_paused || m_closing ? 0 : m_socket->bytesAvailable();
}

qint64 TcpClientSocket::read(char *data, qint64 maxSize)
{
    return m_socket->read(data, maxSize);
}

void TcpClientSocket::write(const QByteArray &data)
{
    m_socket->write(data);
}

qint64 TcpClientSocket::bytesToWrite() const
{
    return m_writeShutdown->pendingBytes();
}

void TcpClientSocket::close()
{
    // A lingering close, as HTTP servers do it: closing a socket whose receive buffer still
    // holds unread bytes makes the kernel send RST, and an RST can destroy our last packet
    // (a DISCONNECT with its reason) before the peer reads it. So: flush, shut down only
    // our sending side, and discard what the peer still sends until it closes too. The
    // session's close grace period aborts a peer that never does.
    // Over TLS our side ends without a close_notify alert: QSslSocket sends one only as part
    // of closing the socket at once, which is that RST risk again. What the peer needs is
    // our last MQTT packet, and MQTT's framing shows a truncated one for what it is.
    if (m_closing)
        return;
    m_closing = true;
    m_socket->skip(m_socket->bytesAvailable());
    m_writeShutdown->start();
}

void TcpClientSocket::abort()
{
    m_socket->abort();
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        QMetaObject::invokeMethod(this, &ClientSocket::disconnected, Qt::QueuedConnection);
}

QString TcpClientSocket::peerDescription() const
{
    return m_peer;
}

void TcpClientSocket::setReadPaused(bool paused)
{
    m_paused = paused;
    // Unread bytes stay in the socket buffer; when reading resumes, say they are there.
    if (!paused && !m_closing && m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ClientSocket::readyRead, Qt::QueuedConnection);
}

} // namespace drover::transport
