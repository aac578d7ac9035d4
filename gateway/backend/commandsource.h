// Where devices' commands come from, seen from the device side: whoever stands for a
// connected device attaches a CommandReceiver for it; commands for devices that are not
// attached wait in the backend (or are refused) as the backend decides.
#pragma once

#include <QString>

namespace drover::backend {

class CommandReceiver;

class CommandSource
{
public:
    virtual ~CommandSource() = default;
    // `receiver` gets the commands for (application, device) until detached; commands
    // that waited for the device may be delivered before attach returns.
    virtual void attach(const QString &application, const QString &device, CommandReceiver *receiver) = 0;
    // Only detaches if `receiver` is the one attached.
    virtual void detach(const QString &application, const QString &device, CommandReceiver *receiver) = 0;
};

} // namespace drover::backend
