// The device side of commands: whatever stands for a device (a simulated device now, the
// device endpoint's sessions later) receives the commands addressed to it.
#pragma once

#include "commandsink.h"

namespace drover::backend {

class CommandReceiver
{
public:
    virtual ~CommandReceiver() = default;
    // Takes the command or says why not; runs on the event loop.
    virtual CommandResult receiveCommand(const Command &command) = 0;
};

} // namespace drover::backend
