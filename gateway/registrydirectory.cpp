#include "registrydirectory.h"

#include "registry/deviceregistry.h"

namespace drover {

void RegistryDirectory::addSimulated(const QString &application, const QString &device)
{
    m_simulated.insert(device + QLatin1Char('@') + application);
}

backend::DeviceState RegistryDirectory::lookup(const QString &application, const QString &device) const
{
    if (const registry::Device *entry = m_registry()->lookup(application, device))
        return entry->enabled ? backend::DeviceState::Enabled : backend::DeviceState::Disabled;
    if (m_simulated.contains(device + QLatin1Char('@') + application))
        return backend::DeviceState::Enabled;
    return backend::DeviceState::Unknown;
}

} // namespace drover
