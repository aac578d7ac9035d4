// A client connection over TCP, or over TLS when the socket is an encrypted QSslSocket.
#pragma once

#include "session/clientsocket.h"

class QTcpSocket;

namespace drover::transport {

class WriteShutdown;

class TcpClientSocket : public session::ClientSocket
{
    Q_OBJECT
public:
    // Takes ownership of `socket`: a connected QTcpSocket, or a QSslSocket whose handshake
    // is done (TlsListener). Over TLS, bytesToWrite() counts the encrypted bytes the kernel
    // has not taken yet too, and peerDescription() says "tls".
    explicit TcpClientSocket(QTcpSocket *socket, QObject *parent = nullptr);

    qint64 bytesAvailable() const override;
    qint64 read(char *data, qint64 maxSize) override;
    void write(const QByteArray &data) override;
    qint64 bytesToWrite() const override;
    void close() override;
    void abort() override;
    QString peerDescription() const override; // "tcp 127.0.0.1:53122", "tls 127.0.0.1:53122"
    void setReadPaused(bool paused) override;

private:
    QTcpSocket *m_socket;
    WriteShutdown *m_writeShutdown; // the lingering close; started by close()
    QString m_peer;
    bool m_paused = false;
    bool m_closing = false; // close() was called: reading only to discard
};

} // namespace drover::transport
