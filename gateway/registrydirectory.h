// The command bus's view of which devices exist: the current device registry (the demo's
// simulated devices are in it too).
#pragma once

#include "backend/devicedirectory.h"

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

    backend::DeviceState lookup(const QString &application, const QString &device) const override;

private:
    RegistryGetter m_registry;
};

} // namespace drover
