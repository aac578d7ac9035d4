#include "embeddedcommandbus.h"

namespace drover::backend {

void EmbeddedCommandBus::send(const Command &command, QObject *context,
                              std::function<void(const CommandResult &)> done)
{
    CommandResult result;
    CommandReceiver *receiver = m_receivers.value({command.application, command.device});
    if (!receiver) {
        result = {
            CommandResult::Status::UnknownDevice,
            QStringLiteral("no device '%1' in application '%2'").arg(command.device, command.application)};
    } else {
        result = receiver->receiveCommand(command);
    }
    if (done && context)
        done(result);
}

void EmbeddedCommandBus::attach(const QString &application, const QString &device, CommandReceiver *receiver)
{
    m_receivers.insert({application, device}, receiver);
}

void EmbeddedCommandBus::detach(const QString &application, const QString &device, CommandReceiver *receiver)
{
    const QPair<QString, QString> key{application, device};
    if (m_receivers.value(key) == receiver)
        m_receivers.remove(key);
}

} // namespace drover::backend
