// Devices log in as Drogue's device endpoints accept them: user name <device>@<app> with the
// device's password, or user name <device> and client id <device>@<app>. Passwords are
// checked against the registry's Argon2id hashes off the event loop.
#pragma once

#include "authenticator.h"

#include <functional>
#include <memory>

namespace drover::registry {
class DeviceRegistry;
}

namespace drover::auth {

class DeviceAuthenticator : public Authenticator
{
    Q_OBJECT
public:
    // `registry` returns the current registry (it is swapped as a whole on reload).
    using RegistryGetter = std::function<std::shared_ptr<const registry::DeviceRegistry>()>;
    explicit DeviceAuthenticator(RegistryGetter registry, QObject *parent = nullptr);

    void authenticate(const Credentials &credentials, QObject *context,
                      std::function<void(const AuthVerdict &)> done) override;

    // <device>@<application>: the device part percent-decoded, split at the first '@'.
    static bool splitDeviceId(const QByteArray &id, QString *application, QString *device);

    // The Identity::credential of a device's session: "device <device>@<application>".
    static QString credentialOf(const QString &deviceId) { return QStringLiteral("device ") + deviceId; }
    // After a reload: devices that can't log in as before any more (removed, disabled, a new
    // password) lose their sessions, through credentialsRevoked().
    void registryReplaced(const registry::DeviceRegistry &before, const registry::DeviceRegistry &after);

private:
    RegistryGetter m_registry;
};

} // namespace drover::auth
