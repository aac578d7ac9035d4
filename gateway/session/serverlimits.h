// The session layer's limits and defaults, filled from the configuration by the gateway.
#pragma once

#include <QtGlobal>

namespace drover::session {

struct ServerLimits {
    quint32 maxSessionExpirySeconds = 24 * 3600;
    quint16 maxInflight = 1000;          // QoS 1 deliveries in flight per session
    quint16 receiveMaximum = 100;        // inbound QoS 1/2 commands awaiting their ack
    quint32 maxPacketSize = 1024 * 1024; // accepted from clients
    quint16 topicAliasMaximum = 32;      // inbound topic aliases
    quint16 maxKeepAliveSeconds = 3600;
    qint64 socketHighWaterBytes = 512 * 1024; // stop pulling events above this
    int pollBatch = 64;                       // events fetched from a consumer at once
    int connectTimeoutMs = 10000;             // CONNECT must arrive (and be authenticated) within
};

} // namespace drover::session
