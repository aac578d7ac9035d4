// A ClientTransport over TCP, or over TLS when given an SSL configuration.
#pragma once

#include "clienttransport.h"

#include <QList>
#include <QSslConfiguration>
#include <QSslError>
#include <optional>

class QTcpSocket;

namespace drover::client {

class TcpTransport : public ClientTransport
{
    Q_OBJECT
public:
    // With `tls`, open() connects with QSslSocket::connectToHostEncrypted: the server's
    // certificate is verified against `host` unless the configuration itself turns peer
    // verification off (QSslConfiguration's default, AutoVerifyPeer, verifies for a client).
    TcpTransport(QString host, quint16 port, std::optional<QSslConfiguration> tls = std::nullopt,
                 QObject *parent = nullptr);
    ~TcpTransport() override;

    void open() override;
    qint64 bytesAvailable() const override;
    qint64 read(char *data, qint64 maxSize) override;
    void write(const QByteArray &data) override;
    qint64 bytesToWrite() const override;
    void close() override;
    void abort() override;
    QString describe() const override; // "tcp 127.0.0.1:1883", "tls broker.example:8883"

    const QString &host() const { return m_host; }
    quint16 port() const { return m_port; }

private:
    void onConnected();
    void onError();
    void onStateChanged();
    void emitPendingError();
    void finish();

    QString m_host;
    quint16 m_port;
    std::optional<QSslConfiguration> m_tls;
    QTcpSocket *m_socket = nullptr; // a QSslSocket with TLS; created by open()
    QList<QSslError> m_sslErrors;   // of the handshake, for the error message
    QString m_error;                // the last error, reported before disconnected()
    bool m_errorPending = false;    // m_error is still to be emitted
    bool m_connected = false;       // connected() was emitted
    bool m_finished = false;        // disconnected() is scheduled or emitted
    bool m_disconnectedEmitted = false;
};

} // namespace drover::client
