// One device of the registry: what DeviceRegistry::lookup returns.
#pragma once

#include <QByteArray>
#include <QSet>
#include <QString>

namespace drover::registry {

struct Device {
    QString application;
    QString name;
    // The Argon2 hash string; empty if the device has no password. Never log it.
    QByteArray passwordHash;
    bool enabled = true;
    // Devices of the same application this one may act for (not itself).
    QSet<QString> gatewayFor;

    bool hasPassword() const { return !passwordHash.isEmpty(); }
};

} // namespace drover::registry
