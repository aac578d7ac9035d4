#include "registrydirectory.h"

#include "registry/deviceregistry.h"

namespace drover {

backend::DeviceState RegistryDirectory::lookup(const QString &application, const QString &device) const
{
    if (const registry::Device *entry = m_registry()->lookup(application, device))
        return entry->enabled ? backend::DeviceState::Enabled : backend::DeviceState::Disabled;
    return backend::DeviceState::Unknown;
}

} // namespace drover
