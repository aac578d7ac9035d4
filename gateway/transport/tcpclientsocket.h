// A client connection over plain TCP.
#pragma once

#include "session/clientsocket.h"

class QTcpSocket;

namespace drover::transport {

class TcpClientSocket : public session::ClientSocket
{
    Q_OBJECT
public:
    // Takes ownership of `socket`.
    explicit TcpClientSocket(QTcpSocket *socket, QObject *parent = nullptr);

    qint64 bytesAvailable() const override;
    qint64 read(char *data, qint64 maxSize) override;
    void write(const QByteArray &data) override;
    qint64 bytesToWrite() const override;
    void close() override;
    void abort() override;
    QString peerDescription() const override;
    void setReadPaused(bool paused) override;

private:
    void shutdownWhenFlushed();

    QTcpSocket *m_socket;
    QString m_peer;
    bool m_paused = false;
    bool m_closing = false;  // close() was called: reading only to discard
    bool m_writeShut = false; // our side is shut down, waiting for the peer's FIN
};

} // namespace drover::transport
