// What the console sends in CONNECT for a profile: user name and/or password (an access
// token, an API key, a password). Holds secrets: never log or show it.
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <optional>

namespace drover::client {
struct ClientOptions;
}

namespace drover::ui {

struct MqttCredentials {
    std::optional<QByteArray> username;
    std::optional<QByteArray> password;
    // When an access token in them expires (the gateway checks it at CONNECT only, as Drogue
    // does); invalid when they don't expire.
    QDateTime expiresAt;

    bool isAnonymous() const { return !username && !password; }
    // Sets the user name and password of a client's CONNECT (others unchanged).
    void applyTo(client::ClientOptions &options) const;

    bool operator==(const MqttCredentials &o) const
    {
        return username == o.username && password == o.password && expiresAt == o.expiresAt;
    }
};

} // namespace drover::ui
