#include "writeshutdown.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <sys/socket.h>

namespace drover::transport {

WriteShutdown::WriteShutdown(QTcpSocket *socket)
    : QObject(socket)
    , m_socket(socket)
    , m_tls(qobject_cast<QSslSocket *>(socket))
{
    // Over TLS, bytesWritten() comes when bytes are encrypted, before QSslSocket hands them
    // to the TCP socket: at that moment neither bytesToWrite() nor encryptedBytesToWrite()
    // counts them, and a shutdown would cut them off. encryptedBytesWritten() means the
    // kernel took them.
    if (m_tls)
        connect(m_tls, &QSslSocket::encryptedBytesWritten, this, &WriteShutdown::onWritten);
    else
        connect(m_socket, &QTcpSocket::bytesWritten, this, &WriteShutdown::onWritten);
}

qint64 WriteShutdown::pendingBytes() const
{
    return m_socket->bytesToWrite() + (m_tls ? m_tls->encryptedBytesToWrite() : 0);
}

void WriteShutdown::start()
{
    m_started = true;
    onWritten();
}

void WriteShutdown::onWritten()
{
    if (!m_started) {
        Q_EMIT written();
        return;
    }
    if (m_done || pendingBytes() > 0 || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    m_done = true;
    if (::shutdown(int(m_socket->socketDescriptor()), SHUT_WR) != 0)
        m_socket->disconnectFromHost();
}

} // namespace drover::transport
