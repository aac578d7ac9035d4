#include "tcpclientsocket.h"

#include <QTcpSocket>

namespace drover::transport {

TcpClientSocket::TcpClientSocket(QTcpSocket *socket, QObject *parent)
    : ClientSocket(parent)
    , m_socket(socket)
{
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    // While the session is not reading, the kernel buffer fills and TCP slows the peer down.
    m_socket->setReadBufferSize(256 * 1024);
    const QHostAddress address = m_socket->peerAddress();
    m_peer = QStringLiteral("tcp %1:%2")
                 .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                          ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                          : address.toString())
                 .arg(m_socket->peerPort());
    connect(m_socket, &QTcpSocket::readyRead, this, [this] {
        if (!m_paused)
            Q_EMIT readyRead();
    });
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ClientSocket::bytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &ClientSocket::disconnected, Qt::QueuedConnection);
}

qint64 TcpClientSocket::bytesAvailable() const
{
    return m_paused ? 0 : m_socket->bytesAvailable();
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
    return m_socket->bytesToWrite();
}

void TcpClientSocket::close()
{
    m_socket->disconnectFromHost(); // flushes what is queued first
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
    if (!paused && m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &ClientSocket::readyRead, Qt::QueuedConnection);
}

} // namespace drover::transport
