// The devices of every application, built from a Config, and the check of a device's
// password. A registry is an immutable value: reloading the configuration builds a new
// one and swaps the shared_ptr, so code holding the old one (and checks in flight) keeps
// a consistent view without locks.
#pragma once

#include "device.h"
#include "verifyresult.h"

#include "config/config.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

class QObject;
class QThreadPool;

namespace drover::registry {

class DeviceRegistry
{
public:
    // An empty registry: no applications, every check fails.
    DeviceRegistry() = default;
    // The applications and devices of config. A config from ConfigLoader is consistent;
    // for one built by hand, a later duplicate name replaces an earlier one.
    explicit DeviceRegistry(const config::Config &config);

    static std::shared_ptr<const DeviceRegistry> create(const config::Config &config);

    bool hasApplication(const QString &application) const;
    // The device, or nullptr. The pointer lives as long as this registry.
    const Device *lookup(const QString &application, const QString &device) const;
    // Whether gateway may act for device: both exist in application, both are enabled,
    // and device is in the gateway's gateway-for list. A device is never its own gateway.
    bool isGatewayFor(const QString &application, const QString &gateway, const QString &device) const;

    // The devices of this registry that may no longer log in as they did when `newer`
    // replaces it: removed, disabled, or given another password (or none). As
    // "<device>@<application>", sorted.
    QStringList revokedBy(const DeviceRegistry &newer) const;

    int applicationCount() const { return int(m_applications.size()); }
    int deviceCount() const { return m_deviceCount; }

    // Checks password for device of application on verificationPool() and calls done with
    // the result on context's thread; never before verifyPassword returns, and not at all if
    // context is destroyed first. The checked hash is copied into the job, so the job does
    // not depend on this registry staying alive.
    //
    // Every path costs one Argon2 verification: an unknown application or device, or a
    // device without a password, is checked against a fixed dummy hash (made with the
    // same parameters as `droverd hash-password`), so response times do not reveal which
    // devices exist. Disabled is only reported for the right password; a wrong one gives
    // BadPassword, so a disabled device is not revealed either.
    void verifyPassword(const QString &application, const QString &device, const QByteArray &password,
                        QObject *context, std::function<void(VerifyResult)> done) const;

    // The pool password checks run on: a few threads, because each check holds 64 MiB
    // (MEMLIMIT_INTERACTIVE) while it runs. Shared by all registries, so a reload does not
    // restart it. Tests wait on it.
    static QThreadPool *verificationPool();
    // The hash unknown devices are checked against (see verifyPassword).
    static QByteArray dummyHash();

private:
    QHash<QString, QHash<QString, Device>> m_applications;
    int m_deviceCount = 0;
};

} // namespace drover::registry
