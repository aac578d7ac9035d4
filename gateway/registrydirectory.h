// The command bus's view of which devices exist: the device registry of the configuration,
// plus the demo's simulated devices (which are not in the registry).
#pragma once

#include "backend/devicedirectory.h"

#include <QSet>
#include <functional>
#include <memory>

namespace drover::registry {
class DeviceRegistry;
}

namespace drover {

class RegistryDirectory : public backend::DeviceDirectory
{
public:
    using RegistryGetter = std::function<std::shared_ptr<const registry::DeviceRegistry>()>;
    explicit RegistryDirectory(RegistryGetter registry)
        : m_registry(std::move(registry))
    {}

    void addSimulated(const QString &application, const QString &device);
    void clearSimulated() { m_simulated.clear(); }

    backend::DeviceState lookup(const QString &application, const QString &device) const override;

private:
    RegistryGetter m_registry;
    QSet<QString> m_simulated; // <device>@<application>
};

} // namespace drover
