// How an MqttClient connects: the CONNECT it sends and its reconnect policy.
#pragma once

#include "mqtt/packets.h"

#include <QByteArray>
#include <optional>

namespace drover::client {

struct ClientOptions {
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V5;
    // Empty: the server assigns one. A v5 Assigned Client Identifier is kept and used for
    // reconnects, so that they can resume the session.
    QByteArray clientId;
    std::optional<QByteArray> username, password; // never logged
    quint16 keepAliveSeconds = 60;                // 0 = off (a v5 Server Keep Alive wins)
    // For the first connect. Automatic reconnects ask to resume (clean start off) whenever
    // a session can outlive a connection: v5 with sessionExpirySeconds > 0, 3.1.1 with
    // cleanStart off.
    bool cleanStart = true;
    quint32 sessionExpirySeconds = 0; // v5
    quint16 receiveMaximum = 0;       // v5, 0 = not sent (the server may send 65,535 at once)
    std::optional<mqtt::Will> will;
    mqtt::Properties connectProperties; // extra v5 CONNECT properties (a Maximum Packet Size is honoured)
    bool autoReconnect = false;
    int reconnectMinMs = 500, reconnectMaxMs = 30000; // exponential backoff, ±20 % jitter
    int connectTimeoutMs = 10000;                     // transport open + CONNACK
    // hasRoom() is false while the transport holds this many unsent bytes or more.
    qint64 sendHighWaterBytes = 256 * 1024;
};

} // namespace drover::client
