// The device side of commands: whatever stands for a connected device (a device endpoint
// session's inbox) receives the commands addressed to it and says what became of each.
#pragma once

#include "commandsink.h"

#include <functional>

namespace drover::backend {

class CommandReceiver
{
public:
    using Done = std::function<void(const CommandResult &)>;

    virtual ~CommandReceiver() = default;
    // Takes the command and reports once, on the event loop, what became of it (possibly
    // before receiveCommand returns):
    //  - Accepted: delivered (and acknowledged by the device, where it acknowledges);
    //  - Rejected: the device refused it (CommandResult::deviceReasonCode says how, if it said);
    //  - Unavailable: it could not be delivered now (the device is busy or went away before
    //    acknowledging): the backend keeps it queued for the device;
    //  - QueueFull: the device is not reading at all.
    virtual void receiveCommand(const Command &command, Done done) = 0;
};

} // namespace drover::backend
