// One HTTP request of a device that is waiting for its answer: the password check, the
// event log's verdict and, with ?ct=, a command all arrive later on the event loop, so
// the responder is kept here instead of being answered inside the request handler.
#pragma once

#include <QByteArray>
#include <QHttpServerResponder>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

class QTcpSocket;

namespace drover::http {

class HttpExchange : public QObject
{
    Q_OBJECT
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    // A child of socket: when the peer goes away, QtHttpServer deletes the socket and
    // with it this exchange, so every callback that uses the exchange as its context is
    // dropped (a long-poll ends when its client disconnects).
    HttpExchange(QHttpServerResponder &&responder, QTcpSocket *socket);

    // Writes the response (once; later calls are ignored) and deletes the exchange.
    void respond(QHttpServerResponder::StatusCode status, const QByteArray &body = {},
                 const Headers &headers = {});
    bool answered() const { return m_answered; }

    // Writes a complete response with Content-Length on responder. A free function
    // because requests refused at once never need an exchange.
    static void write(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status,
                      const QByteArray &body, const Headers &headers);

private:
    QHttpServerResponder m_responder;
    // Qt 6.4's responder keeps a raw socket pointer; this one says whether it is still valid.
    QPointer<QTcpSocket> m_socket;
    bool m_answered = false;
};

} // namespace drover::http
