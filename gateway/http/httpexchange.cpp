#include "httpexchange.h"

#include <QTcpSocket>

namespace drover::http {

HttpExchange::HttpExchange(QHttpServerResponder &&responder, QTcpSocket *socket)
    : QObject(socket)
    , m_responder(std::move(responder))
    , m_socket(socket)
{}

void HttpExchange::respond(QHttpServerResponder::StatusCode status, const QByteArray &body,
                           const Headers &headers)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_socket && m_socket->isOpen())
        write(m_responder, status, body, headers);
    // Later: this may run inside a callback whose context is this exchange.
    deleteLater();
}

void HttpExchange::write(QHttpServerResponder &responder, QHttpServerResponder::StatusCode status,
                         const QByteArray &body, const Headers &headers)
{
    // Header by header: Qt 6.4's write() overloads take only an initializer_list of headers.
    responder.writeStatusLine(status);
    responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(body.size()));
    for (const auto &[name, value] : headers)
        responder.writeHeader(name, value);
    responder.writeBody(body);
}

} // namespace drover::http
