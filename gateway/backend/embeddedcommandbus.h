// The embedded backend's command path: commands go straight to the receiver attached for
// the target device, and the sender learns the truth (no success-then-drop).
#pragma once

#include "commandreceiver.h"
#include "commandsink.h"

#include <QHash>
#include <QPair>

namespace drover::backend {

class EmbeddedCommandBus : public CommandSink
{
    Q_OBJECT
public:
    using CommandSink::CommandSink;

    void send(const Command &command, QObject *context,
              std::function<void(const CommandResult &)> done) override;

    // `receiver` gets the commands for (application, device) until detached.
    void attach(const QString &application, const QString &device, CommandReceiver *receiver);
    void detach(const QString &application, const QString &device, CommandReceiver *receiver);

private:
    QHash<QPair<QString, QString>, CommandReceiver *> m_receivers;
};

} // namespace drover::backend
