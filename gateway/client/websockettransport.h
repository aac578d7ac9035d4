// A ClientTransport over MQTT over WebSockets (ws://, or wss:// with TLS): the client's
// bytes go out as binary messages with the subprotocol "mqtt" (MQTT 6.0), and the payload
// of the server's binary frames is the byte stream read back, whatever the framing.
#pragma once

#include "clienttransport.h"

#include <QList>
#include <QSslConfiguration>
#include <QSslError>
#include <QUrl>
#include <optional>

class QWebSocket;

namespace drover::client {

// Beside ClientTransport's contract: every signal is queued (readyRead() and bytesWritten()
// coalesced, one per loop turn), so none comes from inside QWebSocket's own processing or
// from inside a call. A close by the server with a code other than normal (1000) or going
// away (1001) is reported as an error with the server's code and reason; so is a text frame.
class WebSocketTransport : public ClientTransport
{
    Q_OBJECT
public:
    // `url`: ws://host[:port][/path] or wss://...; user info in it is ignored (MQTT carries
    // the credentials). With wss, the server's certificate is verified against the host, with
    // `tls` if given (else Qt's default configuration, the system CAs); ws ignores `tls`.
    explicit WebSocketTransport(QUrl url, std::optional<QSslConfiguration> tls = std::nullopt,
                                QObject *parent = nullptr);
    ~WebSocketTransport() override;

    void open() override;
    qint64 bytesAvailable() const override;
    qint64 read(char *data, qint64 maxSize) override;
    void write(const QByteArray &data) override;
    qint64 bytesToWrite() const override;
    void close() override;
    void abort() override;
    QString describe() const override; // "ws 127.0.0.1:8080/mqtt", "wss broker.example:443/mqtt"

    const QUrl &url() const { return m_url; }
    // The subprotocol the server selected ("mqtt"; empty before connected() or if the
    // server selected none, which is tolerated).
    QString subprotocol() const;

private:
    void onConnected();
    void onBinaryFrame(const QByteArray &frame);
    void onTextFrame();
    void onError();
    void onDisconnected();
    void setError(const QString &message);
    void post(void (WebSocketTransport::*signal)(), bool &pending);
    void finish();
    qint64 unread() const { return m_inbound.size() - m_readPos; }

    QUrl m_url;
    std::optional<QSslConfiguration> m_tls;
    QWebSocket *m_socket = nullptr; // created by open()
    QByteArray m_inbound;           // payload of the server's binary frames, not yet read
    qsizetype m_readPos = 0;
    QList<QSslError> m_sslErrors; // of the handshake, for the error message
    QString m_error;              // the first error, reported before disconnected()
    bool m_errorReported = false;
    bool m_connected = false; // connected() is scheduled or emitted
    bool m_closing = false;   // close() was called: the end is ours, not the server's
    bool m_finished = false;  // disconnected() is scheduled or emitted
    bool m_disconnectedEmitted = false;
    bool m_readyReadPending = false;
    bool m_bytesWrittenPending = false;
};

} // namespace drover::client
