// A connected pair of in-memory byte streams: an in-process MqttClient (the demo's
// simulated devices) speaks MQTT to an in-process MqttServer through the very same code
// path as a TCP client, with no port and no file descriptor.
#pragma once

#include "client/clienttransport.h"
#include "client/mqttclient.h"
#include "session/clientsocket.h"

#include <QString>

namespace drover::session {
class MqttServer;
}

namespace drover::transport {

// The two ends behave like the two sides of a TCP connection, because the session layer's
// back-pressure depends on it:
//  - write() appends to the peer's inbound buffer and schedules one queued readyRead() on
//    the peer, however many writes come before it runs; nothing re-enters the peer;
//  - bytesToWrite() of an end is what it wrote and the peer has not read yet, and
//    bytesWritten() (queued, coalesced) tells the writer when the peer reads: the server's
//    high-water mark therefore throttles delivery to a slow in-process reader as it does
//    for a slow TCP one;
//  - the server end's setReadPaused(true) holds readyRead() back and makes
//    bytesAvailable() 0; resuming with bytes waiting emits a queued readyRead();
//  - close(): what the closing end wrote stays readable, the peer is told readyRead() and
//    then disconnected(); what the closing end had not read is dropped. abort() drops both
//    directions. Both ends get disconnected() (queued), the last signal of each.
//  - Destroying an end aborts the link (unless it was closed before: its last bytes stay
//    readable); either end may go first. The ends share one state object, so neither holds
//    a pointer to the other.
//  - The client end's open() emits connected() (queued); its signals start only then. If
//    the server end is already closed or gone, open() reports errorOccurred() instead.
// Memory: nothing here bounds the buffers; the protocol's back-pressure does (the server
// stops pulling events above its high-water mark and the client offers hasRoom()). A
// writer that ignores bytesToWrite() grows its peer's buffer.
// Both ends must live in one thread.
class InProcessLink
{
public:
    struct Ends {
        session::ClientSocket *server = nullptr;   // for MqttServer::accept(), which takes ownership
        client::ClientTransport *client = nullptr; // for an MqttClient's transport factory
    };

    // A new connected pair. Both ends are unparented; `name` appears in describe() and
    // peerDescription() as "in-process <name>".
    static Ends create(const QString &name);

    // A transport factory for MqttClient: each call makes a new link and hands its server
    // end to `server`. Once `server` is destroyed, the transports it makes fail to open.
    static client::MqttClient::TransportFactory connector(session::MqttServer *server, const QString &name);
};

} // namespace drover::transport
