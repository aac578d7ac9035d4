// Who a client is, once authenticated.
#pragma once

#include <QDateTime>
#include <QString>

namespace drover::auth {

struct Identity {
    bool anonymous = true;
    QString user;        // empty for anonymous; <device>@<application> for a device
    QString application; // for a device: its application
    QString device;      // for a device: its name
    // When the credential that proved this identity stops being valid (an access token's
    // expiry); invalid for credentials that don't expire. A session must not outlive it
    // unless the client re-authenticates.
    QDateTime expires;
    // Which revocable credential proved it ("API key <id>"; never secret), so that a session
    // can be ended when it is revoked; empty for credentials that can't be revoked.
    QString credential;

    static Identity anonymousUser() { return {}; }
    static Identity named(const QString &user) { return {false, user, {}, {}, {}, {}}; }
    static Identity ofDevice(const QString &application, const QString &device)
    {
        return {false, device + QLatin1Char('@') + application, application, device, {}, {}};
    }
    bool isDevice() const { return !device.isEmpty(); }
    // For logs: the user name, or "anonymous". Never a credential.
    QString displayName() const { return anonymous ? QStringLiteral("anonymous") : user; }
};

} // namespace drover::auth
