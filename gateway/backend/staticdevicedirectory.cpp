#include "staticdevicedirectory.h"

namespace drover::backend {

void StaticDeviceDirectory::add(const QString &application, const QString &device, DeviceState state)
{
    if (state == DeviceState::Unknown)
        remove(application, device);
    else
        m_devices.insert({application, device}, state);
}

bool StaticDeviceDirectory::remove(const QString &application, const QString &device)
{
    return m_devices.remove({application, device});
}

DeviceState StaticDeviceDirectory::lookup(const QString &application, const QString &device) const
{
    return m_devices.value({application, device}, DeviceState::Unknown);
}

} // namespace drover::backend
