// The services every session of an MqttServer uses. Owned by the gateway, outliving the server.
#pragma once

#include "serverlimits.h"

#include <QString>

namespace drover::backend {
class EventLog;
class CommandSink;
} // namespace drover::backend
namespace drover::auth {
class Authenticator;
class AccessPolicy;
} // namespace drover::auth

namespace drover::session {

class Endpoint;

struct ServerContext {
    backend::EventLog *events = nullptr;
    backend::CommandSink *commands = nullptr;
    auth::Authenticator *authenticator = nullptr;
    const auth::AccessPolicy *policy = nullptr;
    // What MQTT means on this server; MqttServer uses the integration API when none is given.
    Endpoint *endpoint = nullptr;
    ServerLimits limits;
    QString name = QStringLiteral("mqtt"); // for log lines: which listener family this is
};

} // namespace drover::session
