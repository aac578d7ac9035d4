// What an MQTT client needs from its connection to a server: an ordered byte stream.
// TCP (optionally TLS) and the in-process link implement it, so the client has one code
// path whatever carries its bytes, and no protocol logic lives in a transport.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

namespace drover::client {

// The contract every implementation keeps, and MqttClient relies on:
//  - open() starts connecting and never blocks. Exactly one of these follows, never before
//    open() returns: connected() (later, disconnected() when the stream ends), or
//    errorOccurred(message) and then disconnected().
//  - disconnected() is emitted once, as the last signal, and always from the event loop
//    (queued), also after close() and abort(). Bytes received before the end may still be
//    read after it.
//  - errorOccurred() may also come while connected (the stream broke); disconnected()
//    follows. A normal close by the server is not an error.
//  - No signal is emitted from inside a call to the transport (no re-entrance).
// A transport lives in one thread: the thread of the client that owns it.
class ClientTransport : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Starts connecting. Called once per transport: every connection attempt gets a new one.
    virtual void open() = 0;

    virtual qint64 bytesAvailable() const = 0;
    virtual qint64 read(char *data, qint64 maxSize) = 0;
    // Queues bytes for sending; never blocks. Dropped when the stream is not connected.
    virtual void write(const QByteArray &data) = 0;
    // Bytes queued but not yet taken by the other side (kernel or peer): the back-pressure
    // signal. bytesWritten() is emitted when it goes down.
    virtual qint64 bytesToWrite() const = 0;
    // Sends what is queued, then closes. disconnected() follows.
    virtual void close() = 0;
    // Closes at once, dropping what is queued. disconnected() follows (queued).
    virtual void abort() = 0;

    // For log lines and reasons, e.g. "tcp 127.0.0.1:1883". Never contains a credential.
    virtual QString describe() const = 0;

Q_SIGNALS:
    void connected();
    void readyRead();
    void bytesWritten();
    void disconnected();
    void errorOccurred(const QString &message);
};

} // namespace drover::client
