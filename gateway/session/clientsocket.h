// What a client connection needs from its transport. TCP, TLS and WebSocket transports
// implement it, so no protocol logic lives in a transport and every transport gets the
// same session layer.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

namespace drover::session {

class ClientSocket : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual qint64 bytesAvailable() const = 0;
    virtual qint64 read(char *data, qint64 maxSize) = 0;
    // Queues bytes for sending; never blocks.
    virtual void write(const QByteArray &data) = 0;
    // Bytes queued but not yet handed to the kernel: the back-pressure signal.
    virtual qint64 bytesToWrite() const = 0;
    // Sends what is queued, then closes. disconnected() follows.
    virtual void close() = 0;
    // Closes at once, dropping what is queued. disconnected() follows.
    virtual void abort() = 0;

    // For log lines, e.g. "tcp 127.0.0.1:53122".
    virtual QString peerDescription() const = 0;

    // Stop or resume reading (back-pressure on the inbound side while work is pending).
    virtual void setReadPaused(bool paused) = 0;

Q_SIGNALS:
    void readyRead();
    void bytesWritten();
    void disconnected();
};

} // namespace drover::session
