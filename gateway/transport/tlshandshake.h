// The server side of a TLS handshake, the same for every TLS listener (MQTT over TLS and
// over secure WebSockets), so that they accept, refuse and log alike.
#pragma once

#include <QSslConfiguration>
#include <QString>
#include <functional>

class QObject;
class QSslSocket;

namespace drover::transport {

// Starts the handshake on an accepted `socket` with `configuration` (the listener's at that
// moment: a certificate reload applies to the handshakes that start after it).
// `encrypted` is called once the handshake is done and the client's certificate, if it sent
// one, verified: a certificate that does not chain to the configured client CA is refused
// even where certificates are optional. A failure is logged at info with `peer` and Qt's
// reason; Qt aborts the socket, and its owner deletes it once disconnected. No timeout here:
// the listener's handshake timer covers the TLS handshake and whatever follows it.
// Calls on `socket` are connected with `context`: none comes once it is destroyed.
void startServerHandshake(QSslSocket *socket, const QSslConfiguration &configuration, const QString &peer,
                          QObject *context, std::function<void()> encrypted);

// "TLS 1.3, TLS_AES_256_GCM_SHA384", for the log.
QString describeTlsSession(const QSslSocket *socket);

} // namespace drover::transport
