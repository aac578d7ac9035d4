// The socket under a server-side WebSocket, TCP (ws) or TLS (wss): QWebSocket has no way to
// stop reading, but it reads only while bytesAvailable() says there is something. Held, this
// socket says there is nothing; the bytes stay in its read buffer, and once that buffer is
// full (setReadBufferSize) Qt stops reading from the kernel (over TLS: stops decrypting, then
// reading) and TCP flow control slows the client down, as it does for a paused TcpClientSocket.
#pragma once

#include <QSslSocket>
#include <QTcpSocket>

namespace drover::transport {

// What the WebSocket code needs from a gated socket, whichever socket class is under it.
class SocketGate
{
public:
    virtual ~SocketGate() = default;

    // What has arrived (decrypted, over TLS) and is not read yet, held or not.
    virtual qint64 receivedBytes() const = 0;
    virtual bool isHeld() const = 0;
    // Releasing with bytes waiting emits readyRead() (queued, once), so that the reader,
    // which skipped them while held, reads them now; then reading from the kernel resumes.
    virtual void setHeld(bool held) = 0;
    // Holds the socket as soon as a QWebSocket attaches to it. QWebSocket reads the bytes
    // that follow the handshake the moment it is created, before QWebSocketServer hands it
    // out; a client that sent frames right behind its handshake would lose them. Armed
    // after QWebSocketServer::handleConnection(): the next readyRead() connection is the
    // QWebSocket's.
    virtual void holdWhenUpgraded() = 0;
};

// One implementation for both socket classes: QSslSocket is a QTcpSocket whose buffer holds
// decrypted bytes, and its readData() is what moves more data along, as QTcpSocket's is.
template <typename Socket> class GatedSocket : public Socket, public SocketGate
{
public:
    using Socket::Socket;

    // What QWebSocket (and anyone else) sees: 0 while held.
    qint64 bytesAvailable() const override;

    qint64 receivedBytes() const override { return Socket::bytesAvailable(); }
    bool isHeld() const override { return m_held; }
    void setHeld(bool held) override;
    void holdWhenUpgraded() override { m_holdWhenUpgraded = true; }

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    bool m_held = false;
    bool m_holdWhenUpgraded = false;
    bool m_readyReadPending = false;
};

using GatedTcpSocket = GatedSocket<QTcpSocket>;
using GatedSslSocket = GatedSocket<QSslSocket>;

extern template class GatedSocket<QTcpSocket>;
extern template class GatedSocket<QSslSocket>;

} // namespace drover::transport
