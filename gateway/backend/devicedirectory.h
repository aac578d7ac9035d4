// Which devices exist and whether they may receive commands. The command bus asks it before
// delivering or queueing, so a command for a device nobody knows is refused instead of
// sitting in a queue until it expires. The device registry implements it; the gateway and
// tests use StaticDeviceDirectory until then.
#pragma once

#include <QString>

namespace drover::backend {

enum class DeviceState {
    Unknown,  // no such device in the application
    Enabled,  // may receive commands
    Disabled, // exists, but commands are refused
};

class DeviceDirectory
{
public:
    virtual ~DeviceDirectory() = default;
    // Runs on the event loop for every command sent, so it must answer from memory.
    virtual DeviceState lookup(const QString &application, const QString &device) const = 0;
};

} // namespace drover::backend
