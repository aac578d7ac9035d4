// An in-memory DeviceDirectory: devices are added and removed by hand. Serves the demo and
// tests until the device registry provides the real directory.
#pragma once

#include "devicedirectory.h"

#include <QHash>
#include <QPair>

namespace drover::backend {

class StaticDeviceDirectory : public DeviceDirectory
{
public:
    // Adds the device or changes its state; DeviceState::Unknown removes it.
    void add(const QString &application, const QString &device, DeviceState state = DeviceState::Enabled);
    // False if the device was not there.
    bool remove(const QString &application, const QString &device);
    qsizetype size() const { return m_devices.size(); }

    DeviceState lookup(const QString &application, const QString &device) const override;

private:
    QHash<QPair<QString, QString>, DeviceState> m_devices;
};

} // namespace drover::backend
