#include "mqttcredentials.h"

#include "client/clientoptions.h"

namespace drover::ui {

void MqttCredentials::applyTo(client::ClientOptions &options) const
{
    options.username = username;
    options.password = password;
}

} // namespace drover::ui
