#include "embeddedcommandbus.h"

#include <QLoggingCategory>
#include <QPointer>

Q_DECLARE_LOGGING_CATEGORY(lcCommands)

namespace drover::backend {

namespace {

QString seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0);
}

} // namespace

EmbeddedCommandBus::EmbeddedCommandBus(QObject *parent)
    : CommandSink(parent)
{
    connect(&m_sweepTimer, &QTimer::timeout, this, &EmbeddedCommandBus::sweep);
    updateSweepInterval();
}

EmbeddedCommandBus::~EmbeddedCommandBus()
{
    for (auto &[key, queue] : m_queues)
        queue->clear(QStringLiteral("the command bus shut down"));
}

DeviceState EmbeddedCommandBus::stateOf(const QString &application, const QString &device) const
{
    if (m_directory)
        return m_directory->lookup(application, device);
    // No directory: the devices known are the ones attached right now (nothing queues).
    return m_receivers.contains({application, device}) ? DeviceState::Enabled : DeviceState::Unknown;
}

void EmbeddedCommandBus::send(const Command &command, QObject *context,
                              std::function<void(const CommandResult &)> done)
{
    const QPointer<QObject> guard(context);
    const auto answer = [guard, done](const CommandResult &result) {
        if (done && guard)
            done(result);
    };
    switch (stateOf(command.application, command.device)) {
    case DeviceState::Unknown:
        return answer(
            {CommandResult::Status::UnknownDevice,
             QStringLiteral("no device '%1' in application '%2'").arg(command.device, command.application)});
    case DeviceState::Disabled:
        return answer({CommandResult::Status::DeviceDisabled,
                       QStringLiteral("device '%1' in application '%2' is disabled")
                           .arg(command.device, command.application)});
    case DeviceState::Enabled:
        break;
    }
    const Key key{command.application, command.device};
    CommandReceiver *receiver = m_receivers.value({command.application, command.device});
    // A queue that still holds commands while a receiver is attached is being delivered
    // (attach, or a device that was busy): going after it keeps the device's commands in order.
    if (!receiver || m_queues.find(key) != m_queues.end()) {
        answer(enqueue(key, command));
        if (receiver)
            scheduleDelivery(key); // the device may have room again
        return;
    }
    receiver->receiveCommand(command, [this, bus = QPointer<EmbeddedCommandBus>(this), key, command,
                                       answer](const CommandResult &result) {
        if (!bus)
            return answer({CommandResult::Status::Unavailable, QStringLiteral("the command bus shut down")});
        if (result.status != CommandResult::Status::Unavailable)
            return answer(result);
        // Not delivered after all: it waits for the device like any other command, and the
        // sender hears that (the device may take it when it comes back or has room again).
        if (!putBack(key, command))
            return answer({CommandResult::Status::QueueFull, result.message});
        answer({CommandResult::Status::Accepted,
                QStringLiteral("queued for %1 s: %2").arg(seconds(m_limits.ttlMs), result.message)});
        scheduleDelivery(key); // a new connection of the device may be attached already
    });
}

void EmbeddedCommandBus::scheduleDelivery(const Key &key)
{
    QMetaObject::invokeMethod(
        this, [this, key] { deliverQueued(key); }, Qt::QueuedConnection);
}

CommandResult EmbeddedCommandBus::enqueue(const Key &key, const Command &command)
{
    auto it = m_queues.find(key);
    if (it == m_queues.end())
        it = m_queues.emplace(key, std::make_unique<DeviceCommandQueue>(key.first, key.second, m_limits))
                 .first;
    QString why;
    if (!it->second->enqueue(command, &why)) {
        if (it->second->isEmpty())
            m_queues.erase(it);
        qCInfo(lcCommands).noquote() << QStringLiteral("refused command '%1' for device '%2' in application "
                                                       "'%3' from '%4': %5")
                                            .arg(command.name, command.device, command.application,
                                                 command.sender, why);
        return {CommandResult::Status::QueueFull, why};
    }
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
    const bool attached = m_receivers.contains({key.first, key.second});
    // After this the slots may take the command (or change the queues): `it` is not used.
    Q_EMIT commandQueued(key.first, key.second);
    return {CommandResult::Status::Accepted,
            attached ? QStringLiteral("queued for %1 s behind earlier commands for the device")
                           .arg(seconds(m_limits.ttlMs))
                     : QStringLiteral("queued for %1 s: device not connected").arg(seconds(m_limits.ttlMs))};
}

void EmbeddedCommandBus::attach(const QString &application, const QString &device, CommandReceiver *receiver)
{
    m_receivers.insert({application, device}, receiver);
    deliverQueued({application, device});
}

void EmbeddedCommandBus::detach(const QString &application, const QString &device, CommandReceiver *receiver)
{
    const QPair<QString, QString> key{application, device};
    if (m_receivers.value(key) == receiver)
        m_receivers.remove(key);
}

bool EmbeddedCommandBus::putBack(const Key &key, const Command &command)
{
    auto it = m_queues.find(key);
    if (it == m_queues.end())
        it = m_queues.emplace(key, std::make_unique<DeviceCommandQueue>(key.first, key.second, m_limits))
                 .first;
    if (!it->second->putBack(command)) {
        if (it->second->isEmpty())
            m_queues.erase(it);
        return false;
    }
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
    return true;
}

void EmbeddedCommandBus::deliverQueued(const Key &key)
{
    // A receiver may detach, attach, send or take while it handles a command, so every
    // round looks the receiver and the queue up again instead of holding on to them.
    for (;;) {
        CommandReceiver *receiver = m_receivers.value({key.first, key.second});
        if (!receiver)
            return;
        const auto it = m_queues.find(key);
        if (it == m_queues.end())
            return;
        DeviceCommandQueue &queue = *it->second;
        const DeviceState state = stateOf(key.first, key.second);
        if (state != DeviceState::Enabled) {
            // Disabled or removed while its commands waited: they are not for it any more.
            queue.clear(state == DeviceState::Disabled ? QStringLiteral("the device was disabled")
                                                       : QStringLiteral("the device no longer exists"));
            m_queues.erase(it);
            return;
        }
        std::optional<Command> command = queue.take();
        if (queue.isEmpty())
            m_queues.erase(it);
        if (!command)
            return;
        // The senders were told "queued" already: results are only logged, and a command
        // the device can't take now goes back to the front of its queue.
        // The receiver may answer now or later (after the device acknowledged), so what
        // this round needs to know lives beside the callback, not on this stack frame.
        const auto busy = std::make_shared<bool>(false);
        const auto returned = std::make_shared<bool>(false);
        receiver->receiveCommand(*command, [this, bus = QPointer<EmbeddedCommandBus>(this), key,
                                            command = *command, busy, returned](const CommandResult &result) {
            if (!bus)
                return;
            if (result.status == CommandResult::Status::Unavailable) {
                putBack(key, command);
                if (*busy == false && *returned)
                    scheduleDelivery(key); // left before acknowledging: maybe back already
                *busy = true; // if still in this round: stop it, the receiver attaches again later
                return;
            }
            if (result.accepted())
                qCDebug(lcCommands).noquote()
                    << QStringLiteral("delivered queued command '%1' to device '%2' in application '%3'")
                           .arg(command.name, key.second, key.first);
            else
                qCInfo(lcCommands).noquote()
                    << QStringLiteral("device '%1' in application '%2' refused queued command '%3' "
                                      "from '%4': %5")
                           .arg(key.second, key.first, command.name, command.sender, result.message);
        });
        *returned = true;
        if (*busy)
            return;
    }
}

std::optional<Command> EmbeddedCommandBus::takeQueued(const QString &application, const QString &device)
{
    const Key key{application, device};
    const auto it = m_queues.find(key);
    if (it == m_queues.end())
        return std::nullopt;
    DeviceCommandQueue &queue = *it->second;
    const DeviceState state = stateOf(application, device);
    if (state != DeviceState::Enabled) {
        queue.clear(state == DeviceState::Disabled ? QStringLiteral("the device was disabled")
                                                   : QStringLiteral("the device no longer exists"));
        m_queues.erase(it);
        return std::nullopt;
    }
    std::optional<Command> command = queue.take();
    if (queue.isEmpty())
        m_queues.erase(it);
    return command;
}

qsizetype EmbeddedCommandBus::queuedCount(const QString &application, const QString &device) const
{
    const auto it = m_queues.find(Key{application, device});
    return it == m_queues.end() ? 0 : it->second->size();
}

void EmbeddedCommandBus::setLimits(const CommandQueueLimits &limits)
{
    m_limits = limits;
    for (auto &[key, queue] : m_queues)
        queue->setLimits(limits);
    updateSweepInterval();
}

void EmbeddedCommandBus::sweep()
{
    for (auto it = m_queues.begin(); it != m_queues.end();) {
        it->second->dropExpired();
        if (it->second->isEmpty())
            it = m_queues.erase(it);
        else
            ++it;
    }
    if (m_queues.empty())
        m_sweepTimer.stop();
}

void EmbeddedCommandBus::updateSweepInterval()
{
    // A quarter of the TTL keeps an expired command's memory for at most ~1.25 × TTL, and
    // a long TTL still sweeps every few seconds at most: coarse on purpose.
    const qint64 ttl = m_limits.ttlMs > 0 ? m_limits.ttlMs : 20000;
    m_sweepTimer.setInterval(std::chrono::milliseconds(std::clamp<qint64>(ttl / 4, 50, 5000)));
}

} // namespace drover::backend
